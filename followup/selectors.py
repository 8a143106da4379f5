"""The follow-up's figures, computed from the supply chain's events for any period and
filter. Nothing here is stored: every figure is a query over ``DeviceEvent`` (joined to
the order it concerns), so a corrected or imported history changes the figures at once.

Definitions (docs/followup.md explains them for readers of the report):

- *delivered*: ``delivered`` events in the period, redeliveries of reconditioned devices
  included; *to patients* are those of prescriptions, the rest basic equipment.
- *at patients* on a day: prescription loans delivered on or before it and not received
  back on or before it.
- *delivery time*: working days from order to delivery, counted only for deliveries by
  the device centre (not fast-track deliveries from a unit's own shelf) delivered on or
  after the product's contract start; *late* when above the product's agreed days.
- *reconditionings*: ``reconditioned`` events; *corrective maintenance*: finished repairs
  whose outcome was not "no fault found"; *support cases*: ``support_opened`` events.
- Filters on principal or unit apply to the order an event concerns; reconditionings and
  repairs belong to the order of the device's latest delivery before them.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import (
    Count,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.choices import BillingType
from catalog.models import Product
from devices.choices import EventKind
from devices.models import DeviceEvent
from logistics.choices import WorkOrderOutcome
from logistics.models import Loan
from orders.choices import DeliveryMethod, OrderKind
from orders.models import Order
from registry.choices import PrincipalKind
from registry.models import Principal, Unit

Month = datetime.date  # the first day of a month


@dataclass(frozen=True)
class FollowupFilter:
    """A period (both days included), the day for "at patients", and optional filters.
    Empty tuples mean "all"."""

    start: datetime.date
    end: datetime.date
    at: datetime.date
    product_ids: tuple[int, ...] = ()
    principal_ids: tuple[int, ...] = ()
    principal_kind: str = ""
    unit_ids: tuple[int, ...] = ()
    association_ids: tuple[int, ...] = ()

    @property
    def filters_orders(self) -> bool:
        return bool(
            self.principal_ids or self.principal_kind or self.unit_ids or self.association_ids
        )


def _day_start(day: datetime.date) -> datetime.datetime:
    """Midnight in Stockholm: periods are business days, events are stored in UTC."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def _month_start(day: datetime.date) -> Month:
    return day.replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> list[Month]:
    months: list[Month] = []
    month = _month_start(start)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def _order_q(f: FollowupFilter, prefix: str = "order__") -> Q:
    """The filter on the order an event concerns."""
    q = Q()
    if f.product_ids:
        q &= Q(**{f"{prefix}product_id__in": f.product_ids})
    if f.principal_ids:
        q &= Q(**{f"{prefix}principal_id__in": f.principal_ids})
    if f.principal_kind:
        q &= Q(**{f"{prefix}principal__kind": f.principal_kind})
    if f.unit_ids:
        q &= Q(**{f"{prefix}unit_id__in": f.unit_ids})
    if f.association_ids:
        q &= Q(**{f"{prefix}principal__association_id__in": f.association_ids})
    return q


def _events(kind: str, start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    # Served by the index on (kind, occurred_at).
    return DeviceEvent.objects.filter(
        kind=kind,
        occurred_at__gte=_day_start(start),
        occurred_at__lt=_day_start(end + datetime.timedelta(days=1)),
    )


def _business_date(field_name: str = "occurred_at") -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_current_timezone())


def delivered_events(f: FollowupFilter) -> QuerySet[DeviceEvent]:
    return _events(EventKind.DELIVERED, f.start, f.end).filter(_order_q(f))


def _attributed_to_delivery(events: QuerySet[DeviceEvent], f: FollowupFilter) -> QuerySet[Any]:
    """Device events (reconditioning, repair) filtered by the device's product, and by
    principal or unit through the order of the device's latest delivery before them."""
    if f.product_ids:
        events = events.filter(device__product_id__in=f.product_ids)
    if f.filters_orders:
        last_order = (
            DeviceEvent.objects.filter(
                kind=EventKind.DELIVERED,
                device_id=OuterRef("device_id"),
                occurred_at__lte=OuterRef("occurred_at"),
            )
            .order_by("-occurred_at", "-id")
            .values("order_id")[:1]
        )
        orders = Order.objects.filter(_order_q(f, prefix="")).values("pk")
        events = events.annotate(last_order=Subquery(last_order)).filter(last_order__in=orders)
    return events


def reconditioning_events(f: FollowupFilter) -> QuerySet[Any]:
    return _attributed_to_delivery(_events(EventKind.RECONDITIONED, f.start, f.end), f)


def maintenance_events(f: FollowupFilter) -> QuerySet[Any]:
    """Finished corrective maintenance; a check that found no fault is not maintenance."""
    done = _events(EventKind.REPAIR_DONE, f.start, f.end).exclude(
        data__outcome=WorkOrderOutcome.NO_FAULT
    )
    return _attributed_to_delivery(done, f)


def support_events(f: FollowupFilter) -> QuerySet[DeviceEvent]:
    events = _events(EventKind.SUPPORT_OPENED, f.start, f.end)
    if f.product_ids:
        articles = Product.objects.filter(pk__in=f.product_ids).values("article_number")
        events = events.filter(data__product__in=list(articles.values_list(flat=True)))
    if f.principal_ids:
        events = events.filter(acting_unit__principal_id__in=f.principal_ids)
    if f.principal_kind:
        events = events.filter(acting_unit__principal__kind=f.principal_kind)
    if f.unit_ids:
        events = events.filter(acting_unit_id__in=f.unit_ids)
    if f.association_ids:
        events = events.filter(acting_unit__principal__association_id__in=f.association_ids)
    return events


def submitted_events(f: FollowupFilter) -> QuerySet[DeviceEvent]:
    return _events(EventKind.ORDER_SUBMITTED, f.start, f.end).filter(_order_q(f))


# --- Delivery times -------------------------------------------------------------------


@dataclass
class DeliveryTimes:
    """A histogram of delivery times: median and mean come out exact without loading
    every delivery."""

    histogram: Counter[int] = field(default_factory=Counter)
    late: int = 0

    @property
    def counted(self) -> int:
        return sum(self.histogram.values())

    @property
    def within(self) -> int:
        return self.counted - self.late

    @property
    def within_share(self) -> float | None:
        return self.within / self.counted if self.counted else None

    @property
    def mean(self) -> float | None:
        if not self.counted:
            return None
        return sum(days * n for days, n in self.histogram.items()) / self.counted

    @property
    def median(self) -> float | None:
        """The middle value; with an even count, the mean of the two middle values."""
        n = self.counted
        if not n:
            return None
        ordered = sorted(self.histogram.items())

        def nth(k: int) -> int:  # the k-th smallest value, 0-based
            seen = 0
            for days, count in ordered:
                seen += count
                if k < seen:
                    return days
            raise IndexError(k)

        if n % 2:
            return float(nth(n // 2))
        return (nth(n // 2 - 1) + nth(n // 2)) / 2

    def add(self, days: int, count: int, late: bool) -> None:
        self.histogram[days] += count
        if late:
            self.late += count


def counted_deliveries(f: FollowupFilter) -> QuerySet[DeviceEvent]:
    """Deliveries that count for delivery times: by the device centre, on or after the
    product's contract start."""
    return (
        delivered_events(f)
        .exclude(order__delivery_method=DeliveryMethod.LOCAL_STOCK)
        .filter(
            order__product__contract_start__isnull=False,
            order__delivered_on__gte=F("order__product__contract_start"),
            order__delivery_working_days__isnull=False,
        )
    )


def delivery_times(f: FollowupFilter) -> dict[str, Any]:
    """Delivery times overall, per product and per month of delivery."""
    rows = (
        counted_deliveries(f)
        .annotate(day=_business_date())
        .values(
            "order__product_id",
            "day",
            "order__delivery_working_days",
            "order__product__agreed_delivery_days",
        )
        .annotate(n=Count("id"))
    )
    total = DeliveryTimes()
    by_product: dict[int, DeliveryTimes] = defaultdict(DeliveryTimes)
    per_month: dict[Month, DeliveryTimes] = defaultdict(DeliveryTimes)
    for row in rows:
        days = row["order__delivery_working_days"] or 0  # never null: filtered above
        late = days > row["order__product__agreed_delivery_days"]
        n = row["n"]
        total.add(days, n, late)
        by_product[row["order__product_id"]].add(days, n, late)
        per_month[_month_start(row["day"])].add(days, n, late)
    return {"total": total, "per_product": by_product, "per_month": per_month}


# --- At patients ----------------------------------------------------------------------


def at_patients_series(f: FollowupFilter, days: list[datetime.date]) -> dict[datetime.date, int]:
    """Prescription loans open at the end of each of ``days``: every delivery to a patient
    up to the day, minus every receipt back of those loans up to the day."""
    last = max(days)
    starts = (
        DeviceEvent.objects.filter(
            kind=EventKind.DELIVERED,
            order__kind=OrderKind.PRESCRIPTION,
            occurred_at__lt=_day_start(last + datetime.timedelta(days=1)),
        )
        .filter(_order_q(f))
        .annotate(day=_business_date())
        .values("day")
        .annotate(n=Count("id"))
    )
    ends = (
        DeviceEvent.objects.filter(
            kind=EventKind.RECEIVED,
            loan__order__kind=OrderKind.PRESCRIPTION,
            occurred_at__lt=_day_start(last + datetime.timedelta(days=1)),
        )
        .filter(_order_q(f, prefix="loan__order__"))
        .annotate(day=_business_date())
        .values("day")
        .annotate(n=Count("id"))
    )
    change: Counter[datetime.date] = Counter()
    for row in starts:
        change[row["day"]] += row["n"]
    for row in ends:
        change[row["day"]] -= row["n"]
    result: dict[datetime.date, int] = {}
    ordered_changes = sorted(change.items())
    running = 0
    i = 0
    for day in sorted(days):
        while i < len(ordered_changes) and ordered_changes[i][0] <= day:
            running += ordered_changes[i][1]
            i += 1
        result[day] = running
    return result


def month_ends(f: FollowupFilter) -> list[datetime.date]:
    """The last day of each month of the period (the period's end for the last one)."""
    ends = []
    for month in months_between(f.start, f.end):
        nxt = (month + datetime.timedelta(days=32)).replace(day=1)
        ends.append(min(nxt - datetime.timedelta(days=1), f.end))
    return ends


# --- Rent -----------------------------------------------------------------------------


def rent_per_month(f: FollowupFilter) -> dict[Month, Decimal]:
    """Rent revenue per month: each rented device at its monthly rent, prorated by the
    days of the month it was out, from delivery until rent stops (3 working days after
    the pickup order) or it is received back. An estimate from the loans; the invoiced
    amounts of the rent runs replace it once billing is in place. Rounded half up to
    öre per loan and month."""
    months = months_between(f.start, f.end)
    period_end = f.end
    loans = (
        Loan.objects.filter(
            order__product__billing_type=BillingType.RENT,
            started_on__lte=period_end,
        )
        .filter(Q(rent_stops_on__isnull=True) | Q(rent_stops_on__gte=months[0]))
        .filter(_order_q(f))
        .values_list("started_on", "rent_stops_on", "ended_on", "order__product__monthly_rent")
    )
    revenue: dict[Month, Decimal] = {m: Decimal("0.00") for m in months}
    for started, stops, ended, monthly in loans.iterator(chunk_size=5000):
        if monthly is None:
            continue
        stop = stops or ended  # the last day rent is charged is the day before it stops
        for month in months:
            nxt = (month + datetime.timedelta(days=32)).replace(day=1)
            first = max(started, month, f.start)
            until = min(nxt, period_end + datetime.timedelta(days=1))
            if stop is not None:
                until = min(until, stop)
            days = (until - first).days
            if days <= 0:
                continue
            month_days = (nxt - month).days
            amount = (monthly * days / month_days).quantize(Decimal("0.01"), ROUND_HALF_UP)
            revenue[month] += amount
    return revenue


# --- The summary ----------------------------------------------------------------------


def per_product(qs: QuerySet[Any], product_field: str) -> Counter[int]:
    return Counter(
        {row[product_field]: row["n"] for row in qs.values(product_field).annotate(n=Count("id"))}
    )


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
    delivered = delivered_events(f)
    delivered_by_product = per_product(delivered, "order__product_id")
    to_patients_by_product = per_product(
        delivered.filter(order__kind=OrderKind.PRESCRIPTION), "order__product_id"
    )
    times = delivery_times(f)
    total_times: DeliveryTimes = times["total"]
    recond_by_product = per_product(reconditioning_events(f), "device__product_id")
    maint_by_product = per_product(maintenance_events(f), "device__product_id")
    support_by_article = Counter(
        {
            row["article"]: row["n"]
            for row in support_events(f)
            .annotate(article=KeyTextTransform("product", "data"))
            .values("article")
            .annotate(n=Count("id"))
        }
    )
    at_by_product = at_patients_per_product(f)
    ordering = ordering_overview(f)
    devices_ever = (
        DeviceEvent.objects.filter(
            kind=EventKind.DELIVERED,
            order__kind=OrderKind.PRESCRIPTION,
            occurred_at__lt=_day_start(f.end + datetime.timedelta(days=1)),
        )
        .filter(_order_q(f))
        .values("device_id")
        .distinct()
        .count()
    )

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


def at_patients_per_product(f: FollowupFilter) -> Counter[int]:
    """Prescription loans open at the end of ``f.at``, per product."""
    end = _day_start(f.at + datetime.timedelta(days=1))
    started = per_product(
        DeviceEvent.objects.filter(
            kind=EventKind.DELIVERED, order__kind=OrderKind.PRESCRIPTION, occurred_at__lt=end
        ).filter(_order_q(f)),
        "order__product_id",
    )
    ended = per_product(
        DeviceEvent.objects.filter(
            kind=EventKind.RECEIVED, loan__order__kind=OrderKind.PRESCRIPTION, occurred_at__lt=end
        ).filter(_order_q(f, prefix="loan__order__")),
        "loan__order__product_id",
    )
    result = Counter(started)
    result.subtract(ended)
    return +result


# --- Series for the charts ------------------------------------------------------------


def delivered_per_month(f: FollowupFilter) -> list[dict[str, Any]]:
    """Delivered per month, to patients and as basic equipment, and the running total."""
    rows = (
        delivered_events(f)
        .annotate(day=_business_date())
        .values("day", "order__kind")
        .annotate(n=Count("id"))
    )
    per_month: dict[Month, Counter[str]] = {m: Counter() for m in months_between(f.start, f.end)}
    for row in rows:
        per_month[_month_start(row["day"])][row["order__kind"]] += row["n"]
    result = []
    cumulative = 0
    for month, counts in per_month.items():
        total = counts[OrderKind.PRESCRIPTION] + counts[OrderKind.BASIC_EQUIPMENT]
        cumulative += total
        result.append(
            {
                "month": month,
                "to_patients": counts[OrderKind.PRESCRIPTION],
                "basic_equipment": counts[OrderKind.BASIC_EQUIPMENT],
                "total": total,
                "cumulative": cumulative,
            }
        )
    return result


def delivered_per_month_and_product(f: FollowupFilter) -> dict[int, dict[Month, int]]:
    rows = (
        delivered_events(f)
        .annotate(day=_business_date())
        .values("day", "order__product_id")
        .annotate(n=Count("id"))
    )
    result: dict[int, dict[Month, int]] = defaultdict(
        lambda: dict.fromkeys(months_between(f.start, f.end), 0)
    )
    for row in rows:
        result[row["order__product_id"]][_month_start(row["day"])] += row["n"]
    return dict(result)


def delivered_by_principal_kind(f: FollowupFilter) -> dict[tuple[int, str], int]:
    """Delivered per (product, principal kind)."""
    rows = delivered_events(f).values("order__product_id", "order__principal__kind")
    return {
        (row["order__product_id"], row["order__principal__kind"]): row["n"]
        for row in rows.annotate(n=Count("id"))
    }


def support_by_subject(f: FollowupFilter) -> Counter[str]:
    return Counter(
        {
            row["subject"]: row["n"]
            for row in support_events(f)
            .annotate(subject=KeyTextTransform("subject", "data"))
            .values("subject")
            .annotate(n=Count("id"))
        }
    )


def ordering_overview(f: FollowupFilter) -> dict[str, Any]:
    """Which principals and units ordered in the period, with their number of orders."""
    rows = list(submitted_events(f).values("order__unit_id").annotate(n=Count("id")))
    unit_orders = {row["order__unit_id"]: row["n"] for row in rows}
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


def equality_per_municipality(f: FollowupFilter) -> list[dict[str, Any]]:
    """Per municipality: devices at its residents' homes on ``f.at`` per 1 000
    inhabitants, and whether the municipality itself has ordered in the period."""
    end = _day_start(f.at + datetime.timedelta(days=1))
    started = Counter(
        {
            row["order__patient__home_municipality_id"]: row["n"]
            for row in DeviceEvent.objects.filter(
                kind=EventKind.DELIVERED, order__kind=OrderKind.PRESCRIPTION, occurred_at__lt=end
            )
            .filter(_order_q(f))
            .values("order__patient__home_municipality_id")
            .annotate(n=Count("id"))
        }
    )
    ended = Counter(
        {
            row["loan__order__patient__home_municipality_id"]: row["n"]
            for row in DeviceEvent.objects.filter(
                kind=EventKind.RECEIVED,
                loan__order__kind=OrderKind.PRESCRIPTION,
                occurred_at__lt=end,
            )
            .filter(_order_q(f, prefix="loan__order__"))
            .values("loan__order__patient__home_municipality_id")
            .annotate(n=Count("id"))
        }
    )
    at_home: Counter[int | None] = Counter(started)
    at_home.subtract(ended)
    ordered = set(
        submitted_events(f)
        .filter(order__principal__kind=PrincipalKind.MUNICIPALITY)
        .values_list("order__principal_id", flat=True)
        .distinct()
    )
    municipalities = Principal.objects.filter(kind=PrincipalKind.MUNICIPALITY)
    if f.association_ids:
        municipalities = municipalities.filter(association_id__in=f.association_ids)
    if f.principal_ids:
        municipalities = municipalities.filter(pk__in=f.principal_ids)
    result = []
    for m in municipalities.select_related("association").order_by("name"):
        devices = max(at_home[m.pk], 0)
        result.append(
            {
                "principal": m,
                "devices": devices,
                "population": m.population,
                "per_1000": devices * 1000 / m.population if m.population else None,
                "has_ordered": m.pk in ordered,
            }
        )
    result.append(
        {
            "principal": None,  # patients whose home municipality is not known
            "devices": max(at_home[None], 0),
            "population": None,
            "per_1000": None,
            "has_ordered": False,
        }
    )
    return result
