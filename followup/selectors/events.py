"""Which events the follow-up counts: the filter, the period in business time, and the
counts of each measure in the period (followup/facts.py defines the measures,
followup/rollup.py reads them)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from typing import Any

from followup import rollup
from followup.choices import Measure

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


def _month_start(day: datetime.date) -> Month:
    return day.replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> list[Month]:
    months: list[Month] = []
    month = _month_start(start)
    while month <= end:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


def in_period(
    measure: str, f: FollowupFilter, by: tuple[str, ...], **where: Any
) -> Counter[tuple[Any, ...]]:
    """``measure``'s counts in the filter's period, per value of ``by``."""
    return rollup.counts(measure, f, start=f.start, end=f.end, by=by, where=where)


def per_product(measure: str, f: FollowupFilter, **where: Any) -> Counter[int]:
    """``measure``'s counts in the period per product."""
    return Counter({key[0]: n for key, n in in_period(measure, f, ("product",), **where).items()})


def reconditionings_per_product(f: FollowupFilter) -> Counter[int]:
    return per_product(Measure.RECONDITIONED, f)


def maintenances_per_product(f: FollowupFilter) -> Counter[int]:
    """Finished corrective maintenance; a check that found no fault is not maintenance."""
    return per_product(Measure.MAINTAINED, f)


def delivered_per_product(f: FollowupFilter) -> Counter[int]:
    return per_product(Measure.DELIVERED, f)
