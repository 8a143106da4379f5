"""The working-day calendar (vardagar) that every service level is counted in.

A working day is Monday to Friday that is neither a Swedish public holiday nor one of the
de facto holidays Midsummer Eve, Christmas Eve and New Year's Eve. The dates come from
the `holidays` package (Sweden, categories public + de facto, Sundays not listed as
holidays since weekends are excluded anyway).
"""

from __future__ import annotations

import datetime
from functools import lru_cache

import holidays

# The region's service levels, in working days.
PICKUP_WITHIN = 7  # a pickup order is collected within 7 working days
RENT_STOPS_AFTER = 3  # rent stops 3 working days after the pickup order
REPAIR_START_WITHIN = 3
REPAIR_DONE_WITHIN = 10
AT_RISK_WITHIN = 2  # an undispatched order due within this many working days is at risk


@lru_cache(maxsize=64)
def _holidays(year: int) -> frozenset[datetime.date]:
    days = holidays.country_holidays(
        "SE", years=year, include_sundays=False, categories=("public", "de_facto")
    )
    return frozenset(days.keys())


def is_working_day(day: datetime.date) -> bool:
    return day.weekday() < 5 and day not in _holidays(day.year)


def add_working_days(start: datetime.date, count: int) -> datetime.date:
    """The ``count``-th working day after ``start`` (``start`` itself does not count).

    An order placed on Friday 2024-12-20 with 7 working days is due Wednesday 2025-01-08.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    day = start
    remaining = count
    while remaining:
        day += datetime.timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after ``start`` up to and including ``end`` (negative if end < start).

    This is the delivery time of an order placed on ``start`` and delivered on ``end``:
    delivered the next working day counts as 1.
    """
    if end < start:
        return -working_days_between(end, start)
    # Whole weeks at a time keep this fast for long spans; holidays are then subtracted.
    days = (end - start).days
    weeks, rest = divmod(days, 7)
    count = weeks * 5
    day = start + datetime.timedelta(days=weeks * 7)
    for _ in range(rest):
        day += datetime.timedelta(days=1)
        if day.weekday() < 5:
            count += 1
    for year in range(start.year, end.year + 1):
        count -= sum(1 for h in _holidays(year) if start < h <= end and h.weekday() < 5)
    return count
