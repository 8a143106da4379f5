"""REST endpoints of the registry: principals, agreements and their parties, units."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from core.errors import NotFound
from registry import selectors
from registry.models import Agreement, Principal, Unit

router = Router(tags=["registry"])


class PrincipalOut(Schema):
    code: str
    name: str
    kind: str
    association: str | None
    population: int
    population_date: datetime.date

    @staticmethod
    def resolve_association(obj: Principal) -> str | None:
        return obj.association.name if obj.association else None


class AgreementOut(Schema):
    code: str
    name: str
    kind: str
    area: str
    in_force_from: datetime.date
    in_force_until: datetime.date | None


class PrincipalDetailOut(PrincipalOut):
    agreements: list[str]


class UnitOut(Schema):
    id: int
    name: str
    unit_type: str
    care_setting: str
    principal: str
    street_address: str
    postal_code: str
    city: str
    tour_route: str | None

    @staticmethod
    def resolve_principal(obj: Unit) -> str:
        return obj.principal.code

    @staticmethod
    def resolve_tour_route(obj: Unit) -> str | None:
        return obj.tour_route.code if obj.tour_route else None


@router.get("/principals", response=list[PrincipalOut])
@paginate(PageNumberPagination, page_size=100)
def principal_list(
    request: HttpRequest, kind: str | None = None, association: str | None = None
) -> QuerySet[Principal]:
    return selectors.principal_list(kind=kind, association=association)


@router.get("/principals/{code}", response=PrincipalDetailOut)
def principal_get(request: HttpRequest, code: str, on: datetime.date | None = None) -> Principal:
    """A principal with the codes of the agreements it is a party to on ``on`` (default today)."""
    principal = selectors.principal_get(code=code)
    if principal is None:
        raise NotFound("principal_not_found", _("No principal has that code."))
    day = on or timezone.localdate()
    principal.agreements = [  # type: ignore[attr-defined]
        a.code
        for a in Agreement.objects.order_by("code")
        if selectors.principal_is_party(principal=principal, agreement_code=a.code, on=day)
    ]
    return principal


@router.get("/agreements", response=list[AgreementOut])
def agreement_list(request: HttpRequest) -> list[Agreement]:
    return list(Agreement.objects.order_by("in_force_from", "code"))


@router.get("/agreements/{code}/parties", response=list[PrincipalOut])
def agreement_parties(
    request: HttpRequest, code: str, on: datetime.date | None = None
) -> list[Principal]:
    if not Agreement.objects.filter(code=code).exists():
        raise NotFound("agreement_not_found", _("No agreement has that code."))
    day = on or timezone.localdate()
    return list(
        selectors.parties_on(agreement_code=code, on=day)
        .select_related("association")
        .order_by("kind", "name")
    )


@router.get("/units", response=list[UnitOut])
@paginate(PageNumberPagination, page_size=100)
def unit_list(request: HttpRequest, principal: str | None = None) -> QuerySet[Unit]:
    owner = selectors.principal_get(code=principal) if principal else None
    if principal and owner is None:
        raise NotFound("principal_not_found", _("No principal has that code."))
    return selectors.unit_list(principal=owner)
