"""The assortment in the admin. Status changes and new guidance versions go through the
same actions as the API; a guidance version that has come into force is read-only."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.forms import BaseInlineFormSet, ModelForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.actions import (
    CodeSpec,
    RuleSpec,
    guidance_version_copy,
    guidance_version_create,
    product_status_set,
)
from catalog.choices import CodeKind, ProductStatus
from catalog.models import GuidanceCode, GuidanceVersion, IcfCode, PrescriberRule, Product
from core.errors import DomainError
from core.events import domain_event_record


@admin.register(IcfCode)
class IcfCodeAdmin(admin.ModelAdmin):
    list_display = ["code", "title"]
    search_fields = ["code", "title"]


def _status_action(status: ProductStatus) -> Any:
    def action(
        modeladmin: admin.ModelAdmin, request: HttpRequest, queryset: QuerySet[Product]
    ) -> None:
        for product in queryset:
            try:
                product_status_set(product=product, status=status, acting_user=request.user)
            except DomainError as exc:
                modeladmin.message_user(request, f"{product.name}: {exc.message}", messages.ERROR)
            else:
                modeladmin.message_user(
                    request, f"{product.name}: {status.label}", messages.SUCCESS
                )

    action.__name__ = f"set_status_{status.value}"
    return admin.action(description=_("Set status: %(status)s") % {"status": status.label})(action)


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "article_number",
        "iso_code",
        "area",
        "billing_type",
        "monthly_rent",
        "price",
        "status",
    ]
    list_filter = ["status", "area", "billing_type", "training_required"]
    search_fields = ["name", "article_number", "iso_code", "supplier"]
    actions = [_status_action(s) for s in ProductStatus]

    def get_readonly_fields(self, request: HttpRequest, obj: Product | None = None) -> list[str]:
        # The lifecycle moves only through the status actions, which write events.
        return ["status"] if obj is not None else []


class PrescriberRuleInline(admin.TabularInline):
    model = PrescriberRule
    extra = 0


class GuidanceCodeFormSet(BaseInlineFormSet):
    def clean(self) -> None:
        super().clean()
        criteria = [
            f
            for f in self.forms
            if f.cleaned_data
            and not f.cleaned_data.get("DELETE")
            and f.cleaned_data.get("kind") == CodeKind.CRITERION
        ]
        if not criteria:
            raise ValidationError(_("Guidance needs at least one criterion."))


class GuidanceCodeInline(admin.TabularInline):
    model = GuidanceCode
    formset = GuidanceCodeFormSet
    extra = 1


class GuidanceVersionForm(ModelForm):
    class Meta:
        model = GuidanceVersion
        fields = [
            "product",
            "valid_from",
            "handbook",
            "criteria_rule",
            "intended_use",
            "cost_bearer",
            "consultation_required",
            "text",
            "source",
            "source_note",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        product, valid_from = data.get("product"), data.get("valid_from")
        if self.instance.pk is None and product and valid_from:
            if valid_from < timezone.localdate():
                self.add_error(
                    "valid_from", _("A new guidance version cannot apply from a date in the past.")
                )
            latest = GuidanceVersion.objects.filter(product=product).order_by("-valid_from").first()
            if latest and valid_from <= latest.valid_from:
                self.add_error(
                    "valid_from",
                    _("A new version must apply from a date after the latest version (%(date)s).")
                    % {"date": latest.valid_from.isoformat()},
                )
        return data


@admin.register(GuidanceVersion)
class GuidanceVersionAdmin(admin.ModelAdmin):
    list_display = ["product", "version", "valid_from", "handbook", "cost_bearer", "source"]
    list_filter = ["handbook", "source"]
    search_fields = ["product__name", "product__article_number"]
    list_select_related = ["product"]
    form = GuidanceVersionForm
    readonly_fields = ["version", "created_at", "created_by"]
    inlines = [PrescriberRuleInline, GuidanceCodeInline]
    actions = ["copy_as_new_version"]

    def _locked(self, obj: GuidanceVersion | None) -> bool:
        return obj is not None and obj.pk is not None and obj.is_in_force_since()

    def has_change_permission(
        self, request: HttpRequest, obj: GuidanceVersion | None = None
    ) -> bool:
        # A version that has applied on some day is history: prescriptions point at it.
        return super().has_change_permission(request, obj) and not self._locked(obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: GuidanceVersion | None = None
    ) -> bool:
        return super().has_delete_permission(request, obj) and not self._locked(obj)

    def save_model(
        self, request: HttpRequest, obj: GuidanceVersion, form: ModelForm, change: bool
    ) -> None:
        if change:
            super().save_model(request, obj, form, change)
            domain_event_record(kind="guidance.version_edited", obj=obj, acting_user=request.user)
        # A new version is created in save_related, through the action, with its inlines.

    def save_related(
        self, request: HttpRequest, form: ModelForm, formsets: Any, change: bool
    ) -> None:
        if change:
            super().save_related(request, form, formsets, change)
            return
        rules: list[RuleSpec] = []
        codes: list[CodeSpec] = []
        for formset in formsets:
            for data in formset.cleaned_data:
                if not data or data.get("DELETE"):
                    continue
                if formset.model is PrescriberRule:
                    rules.append(RuleSpec(data["action"], data["profession"], data["care_setting"]))
                else:
                    ref = data["icf_code"] + (
                        f".{data['qualifier']}" if data.get("qualifier") is not None else ""
                    )
                    codes.append(CodeSpec(data["kind"], ref, data.get("wording", "")))
        obj = form.instance
        created = guidance_version_create(
            product=obj.product,
            valid_from=obj.valid_from,
            handbook=obj.handbook,
            cost_bearer=obj.cost_bearer,
            criteria_rule=obj.criteria_rule,
            intended_use=obj.intended_use,
            consultation_required=obj.consultation_required,
            text=obj.text,
            source=obj.source,
            source_note=obj.source_note,
            rules=rules,
            codes=codes,
            acting_user=request.user,
        )
        obj.pk = created.pk
        obj.version = created.version

    @admin.action(description=_("Copy as a new version applying from tomorrow"))
    def copy_as_new_version(
        self, request: HttpRequest, queryset: QuerySet[GuidanceVersion]
    ) -> None:
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)
        for version in queryset:
            try:
                new = guidance_version_copy(
                    version=version, valid_from=tomorrow, acting_user=request.user
                )
            except DomainError as exc:
                self.message_user(request, f"{version}: {exc.message}", messages.ERROR)
            else:
                self.message_user(request, str(new), messages.SUCCESS)
