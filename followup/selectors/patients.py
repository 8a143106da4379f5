"""Devices at patients on a day and over time, and per home municipality (equality),
from the deliveries to patients and the receipts back of those loans."""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from followup import rollup
from followup.choices import Measure
from followup.selectors.events import FollowupFilter, in_period, months_between
from orders.choices import OrderKind
from registry.choices import PrincipalKind
from registry.models import Principal

TO_PATIENTS = {"order_kind": OrderKind.PRESCRIPTION}


def _changes(
    f: FollowupFilter, start: datetime.date | None, end: datetime.date, by: tuple[str, ...]
) -> Counter[tuple[Any, ...]]:
    """Deliveries to patients minus receipts back of those loans, per value of ``by``."""
    change = rollup.counts(Measure.DELIVERED, f, start=start, end=end, by=by, where=TO_PATIENTS)
    change.subtract(
        rollup.counts(Measure.RECEIVED, f, start=start, end=end, by=by, where=TO_PATIENTS)
    )
    return change


def at_patients_on(
    f: FollowupFilter, days: list[datetime.date]
) -> dict[datetime.date, Counter[int]]:
    """Prescription loans open at the end of each of ``days``, per product: every delivery
    to a patient up to the day, minus every receipt back of those loans up to the day (a
    device received back that day is no longer counted)."""
    last = max(days)
    per_month: dict[datetime.date, Counter[int]] = {}
    for (month, product), n in _changes(f, None, last, ("month", "product")).items():
        per_month.setdefault(month, Counter())[product] += n
    months = sorted(per_month)
    result: dict[datetime.date, Counter[int]] = {}
    for day in days:
        month = rollup.month_start(day)
        balance: Counter[int] = Counter()
        for m in months:
            if m < month:
                balance.update(per_month[m])
        if day == last or day == rollup.month_end(month):
            balance.update(per_month.get(month, Counter()))
        else:
            balance.update({key[0]: n for key, n in _changes(f, month, day, ("product",)).items()})
        result[day] = balance
    return result


def at_patients_series(f: FollowupFilter, days: list[datetime.date]) -> dict[datetime.date, int]:
    """Prescription loans open at the end of each of ``days``, all products together."""
    return {day: sum(per.values()) for day, per in at_patients_on(f, days).items()}


def at_patients_per_product(f: FollowupFilter) -> Counter[int]:
    """Prescription loans open at the end of ``f.at``, per product."""
    return +at_patients_on(f, [f.at])[f.at]


def month_ends(f: FollowupFilter) -> list[datetime.date]:
    """The last day of each month of the period (the period's end for the last one)."""
    ends = []
    for month in months_between(f.start, f.end):
        nxt = (month + datetime.timedelta(days=32)).replace(day=1)
        ends.append(min(nxt - datetime.timedelta(days=1), f.end))
    return ends


def equality_per_municipality(f: FollowupFilter) -> list[dict[str, Any]]:
    """Per municipality: devices at its residents' homes on ``f.at`` per 1 000
    inhabitants, and whether the municipality itself has ordered in the period."""
    at_home: Counter[int | None] = Counter(
        {key[0]: n for key, n in _changes(f, None, f.at, ("home_municipality",)).items()}
    )
    ordering = {key[0] for key in in_period(Measure.SUBMITTED, f, ("principal",))}
    ordered = set(
        Principal.objects.filter(pk__in=ordering, kind=PrincipalKind.MUNICIPALITY).values_list(
            "pk", flat=True
        )
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
