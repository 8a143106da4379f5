"""Writes to the assortment. Each action is one transaction and records a domain event."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.choices import (
    PRODUCT_STATUS_TRANSITIONS,
    CodeKind,
    CriteriaRule,
    GuidanceAction,
    GuidanceSource,
    ProductStatus,
)
from catalog.codes import icf_parse
from catalog.models import GuidanceCode, GuidanceVersion, PrescriberRule, Product
from core.actors import ActingUser, actor_of
from core.errors import Conflict, InvalidInput
from core.events import domain_event_record
from registry.choices import CareSetting, Profession


def product_can_set_status(product: Product, status: str) -> bool:
    return status in PRODUCT_STATUS_TRANSITIONS[ProductStatus(product.status)]


@transaction.atomic
def product_status_set(*, product: Product, status: str, acting_user: ActingUser) -> Product:
    """Move a product along its lifecycle (proposed → in procurement → pilot → launched →
    phased out). Only launched products can be prescribed or ordered."""
    # Compare-and-swap on the old status: two coordinators acting at once cannot both
    # move the product from the same state.
    product = Product.objects.select_for_update().get(pk=product.pk)
    old = product.status
    if status not in ProductStatus.values:
        raise InvalidInput("unknown_status", _("Unknown product status."), field="status")
    if not product_can_set_status(product, status):
        raise Conflict(
            "illegal_status_change",
            _("A product cannot go from “%(old)s” to “%(new)s”.")
            % {"old": ProductStatus(old).label, "new": ProductStatus(status).label},
        )
    product.status = status
    try:
        product.full_clean()
    except ValidationError as exc:
        raise InvalidInput("product_incomplete", " ".join(exc.messages)) from exc
    product.save(update_fields=["status"])
    domain_event_record(
        kind="product.status_changed",
        obj=product,
        acting_user=acting_user,
        from_status=old,
        to_status=status,
    )
    return product


@dataclass(frozen=True)
class RuleSpec:
    """A prescriber rule to create: (action, profession, care setting)."""

    action: str
    profession: str
    care_setting: str


@dataclass(frozen=True)
class CodeSpec:
    """A criterion or goal to create, e.g. ``CodeSpec("criterion", "b144.2", "Måttlig …")``."""

    kind: str
    reference: str
    wording: str = ""


def _validate_rules(rules: Iterable[RuleSpec]) -> list[RuleSpec]:
    checked = []
    for rule in rules:
        if rule.action not in GuidanceAction.values:
            raise InvalidInput("invalid_action", _("Unknown guidance action."), field="rules")
        if rule.profession not in Profession.values:
            raise InvalidInput("invalid_profession", _("Unknown profession."), field="rules")
        if rule.care_setting not in CareSetting.values:
            raise InvalidInput("invalid_care_setting", _("Unknown care setting."), field="rules")
        checked.append(rule)
    return checked


def _validate_codes(codes: Iterable[CodeSpec]) -> list[tuple[CodeSpec, str, int | None]]:
    parsed = []
    for spec in codes:
        if spec.kind not in CodeKind.values:
            raise InvalidInput("invalid_code_kind", _("Unknown kind of code."), field="codes")
        try:
            ref = icf_parse(spec.reference)
        except ValidationError as exc:
            raise InvalidInput(
                exc.code or "invalid_icf_code", exc.messages[0], field="codes"
            ) from exc
        parsed.append((spec, ref.code, ref.qualifier))
    return parsed


@transaction.atomic
def guidance_version_create(
    *,
    product: Product,
    valid_from: datetime.date,
    handbook: str,
    cost_bearer: str,
    rules: Iterable[RuleSpec],
    codes: Iterable[CodeSpec],
    criteria_rule: str = CriteriaRule.ANY,
    intended_use: str = "",
    consultation_required: bool = False,
    text: str = "",
    source: str = GuidanceSource.DECISION,
    source_note: str = "",
    acting_user: ActingUser,
    allow_past: bool = False,
) -> GuidanceVersion:
    """Add a new version of a product's guidance that applies from ``valid_from``.

    A change applies to new prescriptions only: the date may not lie in the past (except
    for loading the handbook's history, ``allow_past``) nor before the latest version.
    """
    # Lock the product so two versions cannot be numbered at once.
    Product.objects.select_for_update().get(pk=product.pk)
    today = timezone.localdate()
    if valid_from < today and not allow_past:
        raise InvalidInput(
            "guidance_date_in_past",
            _("A new guidance version cannot apply from a date in the past."),
            field="valid_from",
        )
    latest = GuidanceVersion.objects.filter(product=product).aggregate(
        version=Max("version"), valid_from=Max("valid_from")
    )
    if latest["valid_from"] is not None and valid_from <= latest["valid_from"]:
        raise Conflict(
            "guidance_date_not_after_latest",
            _("A new version must apply from a date after the latest version (%(date)s).")
            % {"date": latest["valid_from"].isoformat()},
            field="valid_from",
        )
    checked_rules = _validate_rules(rules)
    parsed_codes = _validate_codes(codes)
    if not any(spec.kind == CodeKind.CRITERION for spec, _code, _q in parsed_codes):
        raise InvalidInput(
            "guidance_without_criteria",
            _("Guidance needs at least one criterion."),
            field="codes",
        )
    version = GuidanceVersion.objects.create(
        product=product,
        version=(latest["version"] or 0) + 1,
        valid_from=valid_from,
        handbook=handbook,
        criteria_rule=criteria_rule,
        intended_use=intended_use,
        cost_bearer=cost_bearer,
        consultation_required=consultation_required,
        text=text,
        source=source,
        source_note=source_note,
        created_by=actor_of(acting_user),
    )
    PrescriberRule.objects.bulk_create(
        PrescriberRule(
            guidance=version, action=r.action, profession=r.profession, care_setting=r.care_setting
        )
        for r in dict.fromkeys(checked_rules)
    )
    GuidanceCode.objects.bulk_create(
        GuidanceCode(
            guidance=version,
            kind=spec.kind,
            icf_code=code,
            qualifier=qualifier,
            wording=spec.wording,
            position=position,
        )
        for position, (spec, code, qualifier) in enumerate(parsed_codes)
    )
    domain_event_record(
        kind="guidance.version_created",
        obj=version,
        acting_user=acting_user,
        data={
            "product": product.article_number,
            "version": version.version,
            "valid_from": valid_from.isoformat(),
        },
    )
    return version


def guidance_version_copy(
    *, version: GuidanceVersion, valid_from: datetime.date, acting_user: ActingUser
) -> GuidanceVersion:
    """Start a new version as a copy of ``version``, to be edited before it applies."""
    return guidance_version_create(
        product=version.product,
        valid_from=valid_from,
        handbook=version.handbook,
        cost_bearer=version.cost_bearer,
        criteria_rule=version.criteria_rule,
        intended_use=version.intended_use,
        consultation_required=version.consultation_required,
        text=version.text,
        source=GuidanceSource.DECISION,
        rules=[RuleSpec(r.action, r.profession, r.care_setting) for r in version.rules.all()],
        codes=[CodeSpec(c.kind, c.reference, c.wording) for c in version.codes.all()],
        acting_user=acting_user,
    )
