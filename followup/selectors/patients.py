"""Devices at patients on a day and over time, and per home municipality (equality),
from the delivery and receipt events."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import (
    Count,
)

from devices.choices import EventKind
from devices.models import DeviceEvent
from followup.selectors.events import (
    FollowupFilter,
    _business_date,
    _day_start,
    _order_q,
    months_between,
    per_product,
    submitted_events,
)
from orders.choices import OrderKind
from registry.choices import PrincipalKind
from registry.models import Principal


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


def delivered_to_patients_before(f: FollowupFilter, day: datetime.date) -> tuple[int, Counter[int]]:
    """Prescription deliveries up to the end of ``day``: the distinct devices delivered,
    and the deliveries per product (one pass over every delivery until then)."""
    end = _day_start(day + datetime.timedelta(days=1))
    devices = 0
    per: Counter[int] = Counter()
    for row in (
        DeviceEvent.objects.filter(
            kind=EventKind.DELIVERED, order__kind=OrderKind.PRESCRIPTION, occurred_at__lt=end
        )
        .filter(_order_q(f))
        .values("order__product_id")
        # A device is of one product: the distinct devices per product add up.
        .annotate(n=Count("id"), devices=Count("device_id", distinct=True))
    ):
        per[row["order__product_id"]] = row["n"]
        devices += row["devices"]
    return devices, per


def at_patients_per_product(f: FollowupFilter, started: Counter[int] | None = None) -> Counter[int]:
    """Prescription loans open at the end of ``f.at``, per product. ``started``: the
    deliveries per product until then, when the caller has them already."""
    end = _day_start(f.at + datetime.timedelta(days=1))
    if started is None:
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
