"""Which events the follow-up counts: the filter, the period in business time, and the
events of each kind with the filter applied to the order they concern."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.db.models import (
    Count,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import TruncDate
from django.utils import timezone

from catalog.models import Product
from devices.choices import EventKind
from devices.models import DeviceEvent
from logistics.choices import WorkOrderOutcome
from orders.models import Order

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


def per_product(qs: QuerySet[Any], product_field: str) -> Counter[int]:
    return Counter(
        {row[product_field]: row["n"] for row in qs.values(product_field).annotate(n=Count("id"))}
    )
