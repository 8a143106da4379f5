"""Rent revenue per month, estimated from the loans until the rent runs exist."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Q,
)

from catalog.choices import BillingType
from followup.selectors.events import (
    FollowupFilter,
    Month,
    _order_q,
    months_between,
)
from logistics.models import Loan


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
