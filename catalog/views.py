"""The catalogue screens: search the assortment and read a product's guidance."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from catalog import selectors
from catalog.choices import CriteriaRule, ProductStatus
from catalog.codes import iso9999_normalise
from catalog.models import GuidanceVersion
from registry.choices import Area


def product_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:100]
    area = request.GET.get("area", "")
    status = request.GET.get("status", "")
    # An unknown filter value is ignored rather than answered with an empty list.
    area = area if area in Area.values else ""
    status = status if status in ProductStatus.values else ""
    products = selectors.product_list(query=query, area=area, status=status)
    context = {
        "products": products,
        "query": query,
        "area": area,
        "status": status,
        "areas": Area.choices,
        "statuses": ProductStatus.choices,
    }
    # htmx asks for the result table only while the user types.
    template = (
        "catalog/_product_table.html"
        if request.headers.get("HX-Request")
        else "catalog/product_list.html"
    )
    return render(request, template, context)


def product_detail(request: HttpRequest, article_number: str) -> HttpResponse:
    product = selectors.product_get(article_number=article_number)
    if product is None:
        raise Http404
    today = timezone.localdate()
    versions = list(selectors.guidance_versions(product=product))
    current = selectors.guidance_in_force(product=product, on=today)
    shown: GuidanceVersion | None = current
    requested = request.GET.get("version", "")
    if requested.isdigit():
        shown = selectors.guidance_version_get(product=product, version=int(requested)) or current
    upcoming = [v for v in versions if v.valid_from > today]
    context = {
        "product": product,
        "iso_code": iso9999_normalise(product.iso_code),
        "guidance": shown,
        "is_current": shown is not None and current is not None and shown.pk == current.pk,
        "versions": versions,
        "upcoming": upcoming,
        "today": today,
    }
    if shown is not None:
        context.update(
            prescribers=selectors.guidance_prescribers(shown),
            criteria=selectors.guidance_criteria(shown),
            goals=selectors.guidance_goals(shown),
            criteria_all=shown.criteria_rule == CriteriaRule.ALL,
        )
    return render(request, "catalog/product_detail.html", context)
