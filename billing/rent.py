"""The billing rules as functions of dates and amounts: which days of a month a loan is
billed, who bears them, and the prorated rent. No database writes here.

Proration: monthly rent × days on loan in the month ÷ days in the month, rounded half
up to öre per line. The delivery day counts; the day rent stops does not (see
docs/billing.md for why).
"""

from __future__ import annotations

import calendar
import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from billing.terms import money


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def next_month(month: datetime.date) -> datetime.date:
    return (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)


def days_in_month(month: datetime.date) -> int:
    return calendar.monthrange(month.year, month.month)[1]


def rent_stop(
    rent_stops_on: datetime.date | None, ended_on: datetime.date | None
) -> datetime.date | None:
    """The first day without rent: 3 working days after the pickup order, or the day the
    device came back when it was handed in without one; None while rent runs on."""
    return rent_stops_on or ended_on


def billed_span(
    started_on: datetime.date, stop: datetime.date | None, month: datetime.date
) -> tuple[datetime.date, datetime.date] | None:
    """The days of ``month`` the loan is billed, as [first, until): from delivery (which
    counts) to the rent stop (which does not). None when no day falls in the month."""
    first = max(started_on, month)
    until = next_month(month)
    if stop is not None:
        until = min(until, stop)
    if until <= first:
        return None
    return first, until


def prorated_rent(monthly_rent: Decimal, days: int, month: datetime.date) -> Decimal:
    """Rent for ``days`` of ``month``, rounded half up to öre. A whole month is exactly
    the monthly rent."""
    return money(monthly_rent * days / days_in_month(month))


@dataclass(frozen=True)
class Transfer:
    from_principal_id: int
    to_principal_id: int
    valid_from: datetime.date


@dataclass(frozen=True)
class Segment:
    principal_id: int
    first: datetime.date
    until: datetime.date  # exclusive

    @property
    def days(self) -> int:
        return (self.until - self.first).days


def bearer_on(
    recorded_bearer_id: int,
    started_on: datetime.date,
    transfers: Iterable[Transfer],
    day: datetime.date,
) -> int:
    """The cost bearer of a loan on ``day``: as the order recorded it, moved by every
    transfer from the current bearer dated on or after delivery and on or before ``day``."""
    bearer = recorded_bearer_id
    for t in sorted(transfers, key=lambda t: t.valid_from):
        if t.valid_from > day:
            break
        if t.valid_from >= started_on and t.from_principal_id == bearer:
            bearer = t.to_principal_id
    return bearer


def bearer_segments(
    recorded_bearer_id: int,
    started_on: datetime.date,
    transfers: Sequence[Transfer],
    first: datetime.date,
    until: datetime.date,
) -> list[Segment]:
    """Split the billed days [first, until) where a transfer moves the cost bearer: days
    from the transfer date go to the new principal."""
    cuts = sorted({t.valid_from for t in transfers if first < t.valid_from < until})
    segments: list[Segment] = []
    start = first
    for cut in [*cuts, until]:
        bearer = bearer_on(recorded_bearer_id, started_on, transfers, start)
        if segments and segments[-1].principal_id == bearer:
            segments[-1] = Segment(bearer, segments[-1].first, cut)
        else:
            segments.append(Segment(bearer, start, cut))
        start = cut
    return segments
