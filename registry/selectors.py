"""Reads of the registry. Views and the API fetch through these."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet

from registry.choices import PrincipalKind
from registry.models import (
    Agreement,
    AgreementSignature,
    Membership,
    Person,
    Principal,
    Unit,
)

# Västra Götalandsregionen's organisation number, on every invoice it issues (rent and the
# joint investment). Not in the seeds' principal list; to be verified against the
# Swedish companies register before production.
REGION_ORGANISATION_NUMBER = "232100-0131"

# Codes of the agreements the eligibility rules refer to (see reference/agreements.json).
COLLABORATION_AGREEMENT = "collaboration-digital-devices"
AREA_SUPPLY_AGREEMENTS = {
    "health_care": "supply-health-care",
    "social_services": "supply-social-services",
}


def principal_list(
    *, kind: str | None = None, association: str | None = None
) -> QuerySet[Principal]:
    qs = Principal.objects.select_related("association")
    if kind:
        qs = qs.filter(kind=kind)
    if association:
        qs = qs.filter(association__name=association)
    return qs.order_by("kind", "name")


def principal_get(*, code: str) -> Principal | None:
    return Principal.objects.select_related("association").filter(code=code).first()


def signature_active(
    *, principal: Principal, agreement_code: str, on: datetime.date
) -> AgreementSignature | None:
    """The principal's signature of the agreement that is valid on ``on``, if the
    agreement itself is in force that day; otherwise None."""
    signature = (
        AgreementSignature.objects.select_related("agreement")
        .filter(principal=principal, agreement__code=agreement_code)
        .filter(AgreementSignature.active_on_q(on))
        .first()
    )
    if signature is None or not signature.agreement.is_in_force(on):
        return None
    return signature


def signatures_active(
    *, principal: Principal, agreement_codes: tuple[str, ...], on: datetime.date
) -> dict[str, AgreementSignature]:
    """``signature_active`` for several agreements in one query: by agreement code, the
    principal's signature valid on ``on`` of each agreement in force that day (an
    agreement without one is left out)."""
    found: dict[str, AgreementSignature] = {}
    for signature in (
        AgreementSignature.objects.select_related("agreement")
        .filter(principal=principal, agreement__code__in=agreement_codes)
        .filter(AgreementSignature.active_on_q(on))
    ):
        # The first in the model's order, as ``signature_active`` takes it.
        found.setdefault(signature.agreement.code, signature)
    return {code: s for code, s in found.items() if s.agreement.is_in_force(on)}


def principal_is_party(*, principal: Principal, agreement_code: str, on: datetime.date) -> bool:
    return signature_active(principal=principal, agreement_code=agreement_code, on=on) is not None


def parties_on(*, agreement_code: str, on: datetime.date) -> QuerySet[Principal]:
    """Every principal that is a party to the agreement on the given day."""
    agreement = Agreement.objects.filter(code=agreement_code).first()
    if agreement is None or not agreement.is_in_force(on):
        return Principal.objects.none()
    return Principal.objects.filter(
        signatures__in=AgreementSignature.objects.filter(agreement=agreement).filter(
            AgreementSignature.active_on_q(on)
        )
    ).distinct()


def unit_list(*, principal: Principal | None = None) -> QuerySet[Unit]:
    qs = Unit.objects.select_related("principal", "tour_route")
    if principal is not None:
        qs = qs.filter(principal=principal)
    return qs.order_by("principal__name", "name")


def person_memberships_on(*, person: Person, on: datetime.date) -> QuerySet[Membership]:
    """The person's memberships valid on ``on``: the units they may act for that day."""
    return (
        Membership.objects.select_related("unit", "unit__principal")
        .filter(person=person)
        .filter(Membership.active_on_q(on))
        .order_by("unit__name")
    )


# Swedish alphabetical order: å, ä, ö come after z (a byte-order sort puts ä before å).
_SWEDISH = str.maketrans({"å": "z{", "ä": "z|", "ö": "z}", "é": "e", "ü": "y"})


def swedish_sort_key(text: str) -> str:
    return text.lower().translate(_SWEDISH)


def principal_sort_key(principal: Principal) -> tuple[bool, str]:
    """The region first, then the municipalities in Swedish alphabetical order."""
    return (principal.kind != PrincipalKind.REGION, swedish_sort_key(principal.name))
