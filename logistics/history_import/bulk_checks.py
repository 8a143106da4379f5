"""The rules ``order_submit`` applies before it creates an order, for the bulk import:
the same checks in the same order with the same messages, answered from caches read
once per file (memberships, agreement signatures, guidance versions) instead of a few
queries per row. ``logistics/tests/test_history_import_bulk.py`` holds the bulk import
to the action path's answers.
"""

from __future__ import annotations

import bisect
import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.utils.translation import gettext as _

from catalog.choices import CostBearer, CriteriaRule, GuidanceAction, ProductStatus
from catalog.models import GuidanceVersion, Product
from catalog.selectors import _guidance_queryset, prescribing_right_check
from logistics.history_import.stream import CODE_COLUMNS, FIELD_COLUMNS, _present
from orders.actions import OrderInput
from orders.choices import DeliveryMethod, OrderKind
from registry.choices import PrincipalKind
from registry.models import AgreementSignature, Membership, Principal
from registry.selectors import AREA_SUPPLY_AGREEMENTS, COLLABORATION_AGREEMENT


@dataclass(frozen=True)
class SubmitRefusal:
    """Why ``order_submit`` would refuse the row, and the column the action path names."""

    column: str
    message: str


def _column(code: str, field: str | None, unit_column: str) -> str:
    column = CODE_COLUMNS.get(code) or FIELD_COLUMNS.get(field or "", "")
    return unit_column if column == "unit" else column or "ordered_on"


class SubmitRules:
    """The registry and guidance state an order is checked against, read once."""

    def __init__(self) -> None:
        self.memberships: dict[tuple[int, int], list[tuple[datetime.date, datetime.date | None]]]
        self.memberships = defaultdict(list)
        for m in Membership.objects.values_list(
            "person_id", "unit_id", "valid_from", "valid_until"
        ):
            self.memberships[(m[0], m[1])].append((m[2], m[3]))
        self.signatures: dict[tuple[int, str], list[AgreementSignature]] = defaultdict(list)
        for s in AgreementSignature.objects.select_related("agreement").order_by("valid_from"):
            self.signatures[(s.principal_id, s.agreement.code)].append(s)
        self.guidance: dict[int, list[GuidanceVersion]] = defaultdict(list)
        for g in _guidance_queryset().order_by("valid_from"):
            self.guidance[g.product_id].append(g)
        self.guidance_from = {p: [g.valid_from for g in gs] for p, gs in self.guidance.items()}
        self.criteria = {
            g.pk: {c.reference for c in g.codes.all() if c.kind == "criterion"}
            for gs in self.guidance.values()
            for g in gs
        }
        region = Principal.objects.filter(kind=PrincipalKind.REGION).first()
        self.region_id = region.pk if region is not None else None
        self._agreements: dict[tuple[int, str, datetime.date], tuple[str, str] | None] = {}
        self._rights: dict[tuple[int, str, str, str], tuple[str, str] | None] = {}

    def guidance_in_force(self, product: Product, on: datetime.date) -> GuidanceVersion | None:
        """As ``catalog.selectors.guidance_in_force``: the latest version valid on ``on``."""
        index = bisect.bisect_right(self.guidance_from.get(product.pk, []), on)
        return self.guidance[product.pk][index - 1] if index else None

    def cost_bearer_id(self, guidance: GuidanceVersion, principal_id: int) -> int:
        if guidance.cost_bearer == CostBearer.REGION and self.region_id is not None:
            return self.region_id
        return principal_id

    def _signed(self, principal_id: int, code: str, on: datetime.date) -> bool:
        """As ``registry.selectors.signature_active``."""
        for s in self.signatures.get((principal_id, code), []):
            if s.valid_from <= on and (s.valid_until is None or s.valid_until > on):
                return s.agreement.is_in_force(on)
        return False

    def _agreement(
        self, principal: Principal, area: str, on: datetime.date
    ) -> tuple[str, str] | None:
        key = (principal.pk, area, on)
        if key not in self._agreements:
            refusal = None
            if not self._signed(principal.pk, COLLABORATION_AGREEMENT, on):
                refusal = (
                    "principal_not_signed",
                    _(
                        "%(principal)s has not signed the collaboration agreement on digital "
                        "devices."
                    )
                    % {"principal": principal.name},
                )
            elif not self._signed(principal.pk, AREA_SUPPLY_AGREEMENTS[area], on):
                refusal = (
                    "agreement_not_in_force",
                    _("%(principal)s has no supply agreement for this area in force on %(date)s.")
                    % {"principal": principal.name, "date": on.isoformat()},
                )
            self._agreements[key] = refusal
        return self._agreements[key]

    def _right(
        self, guidance: GuidanceVersion, profession: str, setting: str, action: str
    ) -> tuple[str, str] | None:
        key = (guidance.pk, profession, setting, action)
        if key not in self._rights:
            check = prescribing_right_check(
                guidance=guidance, profession=profession, care_setting=setting, action=action
            )
            self._rights[key] = None if check.allowed else (check.code, check.message)
        return self._rights[key]

    def refusal(self, data: OrderInput, unit_column: str) -> SubmitRefusal | None:
        """The first reason ``order_submit`` would give, in its order (the local-stock
        device is checked with the device's history, see bulk.py)."""
        on, unit, product = _present(data.ordered_on), data.unit, data.product
        person = _present(data.prescriber)  # the row reader always sets both
        if not any(
            f <= on and (u is None or u > on)
            for f, u in self.memberships.get((person.pk, unit.pk), [])
        ):
            return SubmitRefusal(
                "prescriber_hsa_id",
                _("%(person)s did not work in %(unit)s on %(date)s.")
                % {"person": person, "unit": unit.name, "date": on.isoformat()},
            )
        if data.delivery_method == DeliveryMethod.PICKUP_POINT and not data.pickup_point.strip():
            return SubmitRefusal("pickup_point", _("Name the pickup point."))
        if (
            data.delivery_method == DeliveryMethod.TOUR_VAN_HOME
            and data.kind != OrderKind.PRESCRIPTION
        ):
            return SubmitRefusal(
                "delivery_method", _("Home delivery is for prescriptions to a patient.")
            )
        # As orders.actions.order_eligibility; only its first refusal is raised.
        agreement = self._agreement(unit.principal, product.area, on)
        if agreement:
            return SubmitRefusal(_column(agreement[0], None, unit_column), agreement[1])
        if product.status != ProductStatus.LAUNCHED:
            return SubmitRefusal(
                "article_number",
                _("%(product)s is not launched and cannot be ordered (status: %(status)s).")
                % {"product": product.name, "status": ProductStatus(product.status).label},
            )
        guidance = self.guidance_in_force(product, on)
        if guidance is None:
            return SubmitRefusal(
                "article_number",
                _("%(product)s has no guidance in force.") % {"product": product.name},
            )
        action = (
            GuidanceAction.PRESCRIBE
            if data.kind == OrderKind.PRESCRIPTION
            else GuidanceAction.ORDER
        )
        right = self._right(guidance, person.profession, unit.care_setting, action)
        if right:
            return SubmitRefusal(_column(right[0], None, unit_column), right[1])
        known = self.criteria[guidance.pk]
        stated = [c.strip() for c in data.criteria if c.strip()]
        unknown = [c for c in stated if c not in known]
        if not stated:
            return SubmitRefusal("criteria", _("State at least one of the guidance's criteria."))
        if unknown:
            return SubmitRefusal(
                "criteria",
                _("%(codes)s is not a criterion of this guidance.") % {"codes": ", ".join(unknown)},
            )
        if guidance.criteria_rule == CriteriaRule.ALL and set(stated) != set(known):
            return SubmitRefusal("criteria", _("This guidance requires all of its criteria."))
        if (
            guidance.consultation_required
            and data.several_principals
            and (not data.consultation_with.strip() or data.consultation_on is None)
        ):
            return SubmitRefusal(
                "consultation_with",
                _(
                    "The patient's care involves several principals: record with whom and "
                    "when consultation took place before prescribing."
                ),
            )
        return None
