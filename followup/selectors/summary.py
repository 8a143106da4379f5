"""The key figures of a period, overall and per product, and who ordered."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from catalog.models import Product
from followup import rollup
from followup.choices import Measure
from followup.selectors.events import (
    FollowupFilter,
    in_period,
    maintenances_per_product,
    reconditionings_per_product,
)
from followup.selectors.patients import at_patients_per_product
from followup.selectors.times import DeliveryTimes, delivery_times
from orders.choices import OrderKind
from registry.choices import PrincipalKind
from registry.models import Principal, Unit


@dataclass
class ProductFigures:
    product_id: int
    article_number: str
    name: str
    delivered_total: int = 0
    delivered_to_patients: int = 0
    at_patients: int = 0
    deliveries_counted: int = 0
    deliveries_late: int = 0
    within_agreed_time_share: float | None = None
    delivery_days_median: float | None = None
    delivery_days_mean: float | None = None
    reconditionings: int = 0
    reconditioning_share: float | None = None
    corrective_maintenances: int = 0
    support_cases: int = 0


@dataclass
class Summary:
    filter: FollowupFilter
    delivered_total: int
    delivered_to_patients: int
    delivered_basic_equipment: int
    at_patients: int
    deliveries_counted: int
    deliveries_late: int
    within_agreed_time_share: float | None
    delivery_days_median: float | None
    delivery_days_mean: float | None
    reconditionings: int
    reconditioning_share: float | None
    corrective_maintenances: int
    devices_at_patients_ever: int
    corrective_maintenance_share: float | None
    support_cases: int
    ordering_principals: int
    ordering_municipalities: int
    ordering_regional_units: int
    ordering_units: int
    per_product: list[ProductFigures]


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def followup_summary(f: FollowupFilter) -> Summary:
    with rollup.reading():
        return _summary(f)


def _summary(f: FollowupFilter) -> Summary:
    delivered_by_product: Counter[int] = Counter()
    to_patients_by_product: Counter[int] = Counter()
    for (product, kind), n in in_period(Measure.DELIVERED, f, ("product", "order_kind")).items():
        delivered_by_product[product] += n
        if kind == OrderKind.PRESCRIPTION:
            to_patients_by_product[product] += n
    times = delivery_times(f)
    total_times: DeliveryTimes = times["total"]
    recond_by_product = reconditionings_per_product(f)
    maint_by_product = maintenances_per_product(f)
    support_by_article = Counter(
        {key[0]: n for key, n in in_period(Measure.SUPPORT, f, ("article",)).items()}
    )
    # Devices ever at patients until the end of the period.
    devices_ever = sum(rollup.devices_to_patients(f, f.end).values())
    at_by_product = at_patients_per_product(f)
    ordering = ordering_overview(f)

    product_ids = (
        set(delivered_by_product)
        | set(recond_by_product)
        | set(maint_by_product)
        | set(at_by_product)
    )
    products = Product.objects.filter(
        Q(pk__in=product_ids) | Q(article_number__in=list(support_by_article))
    ).order_by("article_number")
    figures = []
    for product in products:
        pt: DeliveryTimes = times["per_product"].get(product.pk, DeliveryTimes())
        delivered_n = delivered_by_product[product.pk]
        figures.append(
            ProductFigures(
                product_id=product.pk,
                article_number=product.article_number,
                name=product.name,
                delivered_total=delivered_n,
                delivered_to_patients=to_patients_by_product[product.pk],
                at_patients=at_by_product[product.pk],
                deliveries_counted=pt.counted,
                deliveries_late=pt.late,
                within_agreed_time_share=pt.within_share,
                delivery_days_median=pt.median,
                delivery_days_mean=pt.mean,
                reconditionings=recond_by_product[product.pk],
                reconditioning_share=_share(recond_by_product[product.pk], delivered_n),
                corrective_maintenances=maint_by_product[product.pk],
                support_cases=support_by_article[product.article_number],
            )
        )
    delivered_total = sum(delivered_by_product.values())
    to_patients = sum(to_patients_by_product.values())
    reconditionings = sum(recond_by_product.values())
    maintenances = sum(maint_by_product.values())
    return Summary(
        filter=f,
        delivered_total=delivered_total,
        delivered_to_patients=to_patients,
        delivered_basic_equipment=delivered_total - to_patients,
        at_patients=sum(at_by_product.values()),
        deliveries_counted=total_times.counted,
        deliveries_late=total_times.late,
        within_agreed_time_share=total_times.within_share,
        delivery_days_median=total_times.median,
        delivery_days_mean=total_times.mean,
        reconditionings=reconditionings,
        reconditioning_share=_share(reconditionings, delivered_total),
        corrective_maintenances=maintenances,
        devices_at_patients_ever=devices_ever,
        corrective_maintenance_share=_share(maintenances, devices_ever),
        support_cases=sum(support_by_article.values()),
        ordering_principals=len(ordering["principals"]),
        ordering_municipalities=sum(
            1 for p in ordering["principals"] if p.kind == PrincipalKind.MUNICIPALITY
        ),
        ordering_regional_units=sum(
            1 for u in ordering["units"] if u.principal.kind == PrincipalKind.REGION
        ),
        ordering_units=len(ordering["units"]),
        per_product=figures,
    )


def ordering_overview(f: FollowupFilter) -> dict[str, Any]:
    """Which principals and units ordered in the period, with their number of orders."""
    unit_orders = {key[0]: n for key, n in in_period(Measure.SUBMITTED, f, ("unit",)).items()}
    units = list(
        Unit.objects.filter(pk__in=unit_orders)
        .select_related("principal")
        .order_by("principal__kind", "principal__name", "name")
    )
    principal_orders: Counter[int] = Counter()
    for unit in units:
        principal_orders[unit.principal_id] += unit_orders[unit.pk]
    principals = list(Principal.objects.filter(pk__in=principal_orders).order_by("kind", "name"))
    for unit in units:
        unit.orders_in_period = unit_orders[unit.pk]  # type: ignore[attr-defined]
    for principal in principals:
        principal.orders_in_period = principal_orders[principal.pk]  # type: ignore[attr-defined]
    return {"units": units, "principals": principals}
