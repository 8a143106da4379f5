"""The assortment: products and their versioned guidance (anvisning)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from catalog.choices import (
    BillingType,
    CodeKind,
    CostBearer,
    CriteriaRule,
    GuidanceAction,
    GuidanceSource,
    IsoEdition,
    ProductStatus,
)
from catalog.codes import (
    ICF_QUALIFIERS,
    icf_code_validate,
    icf_code_validator,
    iso9999_normalise,
    iso9999_validator,
)
from registry.choices import Area, CareSetting, Profession

NON_NEGATIVE = [MinValueValidator(Decimal("0"))]


class IcfCode(models.Model):
    """An ICF category with its Swedish title, so guidance can show what a code means."""

    code = models.CharField(_("code"), max_length=8, unique=True, validators=[icf_code_validator])
    title = models.CharField(_("title"), max_length=200)

    class Meta:
        verbose_name = _("ICF code")
        verbose_name_plural = _("ICF codes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.title}"


class Product(models.Model):
    """A product in the shared assortment: one article that units may rent or buy through
    the device centre. Individual devices of it are tracked elsewhere."""

    article_number = models.CharField(_("article number"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    supplier = models.CharField(_("supplier"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    iso_code = models.CharField(_("ISO 9999 code"), max_length=8, validators=[iso9999_validator])
    iso_edition = models.CharField(
        _("ISO 9999 edition"),
        max_length=4,
        choices=IsoEdition.choices,
        default=IsoEdition.ISO_9999_2022,
    )
    area = models.CharField(_("area"), max_length=16, choices=Area.choices)
    billing_type = models.CharField(
        _("billing type"), max_length=16, choices=BillingType.choices, default=BillingType.RENT
    )
    monthly_rent = models.DecimalField(
        _("monthly rent (SEK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    price = models.DecimalField(
        _("price (SEK)"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=NON_NEGATIVE,
    )
    agreed_delivery_days = models.PositiveSmallIntegerField(
        _("agreed delivery time (working days)"), default=7
    )
    contract_start = models.DateField(_("contract start"), null=True, blank=True)
    training_required = models.BooleanField(
        _("first delivery to a new orderer waits for training"), default=False
    )
    status = models.CharField(
        _("status"), max_length=16, choices=ProductStatus.choices, default=ProductStatus.PROPOSED
    )
    is_example = models.BooleanField(
        _("example data"),
        default=False,
        help_text=_("Set when supplier, prices or codes are placeholders, not procured facts."),
    )

    class Meta:
        verbose_name = _("product")
        verbose_name_plural = _("products")
        ordering = ["name"]
        constraints = [
            # A product that can be ordered must have the amount its billing type bills.
            models.CheckConstraint(
                condition=Q(status__in=[ProductStatus.PROPOSED, ProductStatus.IN_PROCUREMENT])
                | Q(billing_type=BillingType.RENT, monthly_rent__isnull=False)
                | Q(
                    billing_type__in=[BillingType.SALE, BillingType.SALE_WITH_RETURN],
                    price__isnull=False,
                ),
                name="product_orderable_has_amount",
            ),
            models.CheckConstraint(
                condition=Q(agreed_delivery_days__gte=1), name="product_delivery_days_positive"
            ),
        ]
        indexes = [
            # The catalogue's filter by area and status.
            models.Index(fields=["area", "status"], name="product_area_status_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.article_number})"

    def clean(self) -> None:
        errors: dict[str, ValidationError] = {}
        if self.iso_code:
            try:
                self.iso_code = iso9999_normalise(self.iso_code)
            except ValidationError as exc:
                errors["iso_code"] = exc
        orderable = self.status not in (ProductStatus.PROPOSED, ProductStatus.IN_PROCUREMENT)
        if orderable and self.billing_type == BillingType.RENT and self.monthly_rent is None:
            errors["monthly_rent"] = ValidationError(
                _("A rented product that can be ordered needs a monthly rent.")
            )
        if (
            orderable
            and self.billing_type in (BillingType.SALE, BillingType.SALE_WITH_RETURN)
            and self.price is None
        ):
            errors["price"] = ValidationError(
                _("A product sold that can be ordered needs a price.")
            )
        if errors:
            raise ValidationError(errors)


class GuidanceVersion(models.Model):
    """One version of a product's guidance in the handbook: who may prescribe or order it,
    on which criteria, for which goal and use, and who bears the cost.

    A version applies from ``valid_from``; a later version replaces it for prescriptions
    made from its own date, while everything prescribed earlier keeps pointing at the
    version that was in force. A version that has come into force is never edited.
    """

    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="guidance_versions",
        verbose_name=_("product"),
    )
    version = models.PositiveIntegerField(_("version"))
    valid_from = models.DateField(_("applies from"))
    handbook = models.CharField(_("handbook"), max_length=16, choices=Area.choices)
    criteria_rule = models.CharField(
        _("criteria rule"), max_length=8, choices=CriteriaRule.choices, default=CriteriaRule.ANY
    )
    intended_use = models.TextField(_("intended use"), blank=True)
    cost_bearer = models.CharField(
        _("cost responsibility"), max_length=32, choices=CostBearer.choices
    )
    consultation_required = models.BooleanField(
        _("consultation required when several principals are involved"), default=False
    )
    text = models.TextField(_("guidance text"), blank=True, help_text=_("One paragraph per line."))
    source = models.CharField(
        _("source"), max_length=16, choices=GuidanceSource.choices, default=GuidanceSource.DECISION
    )
    source_note = models.CharField(_("source note"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
        editable=False,
    )

    class Meta:
        verbose_name = _("guidance version")
        verbose_name_plural = _("guidance versions")
        ordering = ["product", "-valid_from"]
        constraints = [
            models.UniqueConstraint(fields=["product", "version"], name="guidance_unique_version"),
            models.UniqueConstraint(fields=["product", "valid_from"], name="guidance_unique_date"),
        ]

    def __str__(self) -> str:
        return _("%(product)s, guidance version %(version)s from %(date)s") % {
            "product": self.product.name,
            "version": self.version,
            "date": self.valid_from.isoformat(),
        }

    def is_in_force_since(self, today: datetime.date | None = None) -> bool:
        """True once the version has applied on some day, after which it is frozen."""
        return self.valid_from <= (today or timezone.localdate())

    def paragraphs(self) -> list[str]:
        return [
            line.strip().lstrip("-•").strip() for line in self.text.splitlines() if line.strip()
        ]


class PrescriberRule(models.Model):
    """That a profession working in a care setting may prescribe (or order) the product
    under this guidance version, e.g. a nurse in municipal primary care."""

    guidance = models.ForeignKey(
        GuidanceVersion, on_delete=models.CASCADE, related_name="rules", verbose_name=_("guidance")
    )
    action = models.CharField(
        _("may"), max_length=16, choices=GuidanceAction.choices, default=GuidanceAction.PRESCRIBE
    )
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    care_setting = models.CharField(_("working in"), max_length=32, choices=CareSetting.choices)

    class Meta:
        verbose_name = _("prescriber rule")
        verbose_name_plural = _("prescriber rules")
        ordering = ["guidance", "action", "profession", "care_setting"]
        constraints = [
            models.UniqueConstraint(
                fields=["guidance", "action", "profession", "care_setting"],
                name="prescriber_rule_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_profession_display()} – {self.get_care_setting_display()}"


class GuidanceCode(models.Model):
    """A criterion or goal of a guidance version, stated as an ICF code with an optional
    qualifier (``b144.2``) and the handbook's own wording."""

    guidance = models.ForeignKey(
        GuidanceVersion, on_delete=models.CASCADE, related_name="codes", verbose_name=_("guidance")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=CodeKind.choices)
    icf_code = models.CharField(_("ICF code"), max_length=8, validators=[icf_code_validator])
    qualifier = models.PositiveSmallIntegerField(
        _("qualifier"),
        null=True,
        blank=True,
        choices=[(q, str(q)) for q in sorted(ICF_QUALIFIERS)],
    )
    wording = models.CharField(_("wording in the handbook"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("criterion or goal")
        verbose_name_plural = _("criteria and goals")
        ordering = ["guidance", "kind", "position", "icf_code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(qualifier__isnull=True) | Q(qualifier__in=sorted(ICF_QUALIFIERS)),
                name="guidance_code_qualifier_valid",
            ),
            models.UniqueConstraint(
                fields=["guidance", "kind", "icf_code"], name="guidance_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        return self.icf_code if self.qualifier is None else f"{self.icf_code}.{self.qualifier}"

    def clean(self) -> None:
        if self.icf_code:
            try:
                self.icf_code = icf_code_validate(self.icf_code)
            except ValidationError as exc:
                raise ValidationError({"icf_code": exc}) from exc
