"""REST endpoints of the assortment: the catalogue and the guidance in force on a date."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from catalog import selectors
from catalog.choices import ProductStatus
from catalog.models import GuidanceVersion, Product
from core.errors import InvalidInput, NotFound
from registry.choices import Area

router = Router(tags=["catalog"])


class ProductOut(Schema):
    article_number: str
    name: str
    supplier: str
    iso_code: str
    iso_edition: str
    area: str
    billing_type: str
    monthly_rent: Decimal | None
    price: Decimal | None
    agreed_delivery_days: int
    contract_start: datetime.date | None
    training_required: bool
    status: str
    is_example: bool


class RuleOut(Schema):
    action: str
    profession: str
    care_setting: str


class CodeOut(Schema):
    kind: str
    icf_code: str
    qualifier: int | None
    reference: str
    wording: str


class GuidanceOut(Schema):
    product: str
    version: int
    valid_from: datetime.date
    handbook: str
    criteria_rule: str
    intended_use: str
    cost_bearer: str
    consultation_required: bool
    text: str
    source: str
    rules: list[RuleOut]
    codes: list[CodeOut]

    @staticmethod
    def resolve_product(obj: GuidanceVersion) -> str:
        return obj.product.article_number

    @staticmethod
    def resolve_rules(obj: GuidanceVersion) -> list[object]:
        return list(obj.rules.all())

    @staticmethod
    def resolve_codes(obj: GuidanceVersion) -> list[object]:
        return list(obj.codes.all())


class GuidanceVersionOut(Schema):
    version: int
    valid_from: datetime.date
    source: str


def _product_or_404(article_number: str) -> Product:
    product = selectors.product_get(article_number=article_number)
    if product is None:
        raise NotFound("product_not_found", _("No product has that article number."))
    return product


@router.get("/products", response=list[ProductOut])
@paginate(PageNumberPagination, page_size=50)
def product_list(
    request: HttpRequest, q: str = "", area: str = "", status: str = ""
) -> QuerySet[Product]:
    if area and area not in Area.values:
        raise InvalidInput("invalid_area", _("Unknown area."), field="area")
    if status and status not in ProductStatus.values:
        raise InvalidInput("invalid_status", _("Unknown product status."), field="status")
    return selectors.product_list(query=q, area=area, status=status)


@router.get("/products/{article_number}", response=ProductOut)
def product_get(request: HttpRequest, article_number: str) -> Product:
    return _product_or_404(article_number)


@router.get("/products/{article_number}/guidance", response=GuidanceOut)
def guidance_get(
    request: HttpRequest, article_number: str, on: datetime.date | None = None
) -> GuidanceVersion:
    """The guidance version that applies to a prescription made on ``on`` (default today)."""
    product = _product_or_404(article_number)
    guidance = selectors.guidance_in_force(product=product, on=on or timezone.localdate())
    if guidance is None:
        raise NotFound("no_guidance", _("The product has no guidance in force on that date."))
    return guidance


@router.get("/products/{article_number}/guidance/versions", response=list[GuidanceVersionOut])
def guidance_version_list(request: HttpRequest, article_number: str) -> QuerySet[GuidanceVersion]:
    return selectors.guidance_versions(product=_product_or_404(article_number))
