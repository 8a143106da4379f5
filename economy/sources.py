"""The money in, read from the apps that own it: payments of the joint investment and
the rent surcharge of issued rent invoices (net of credit notes). Nothing is copied."""

from __future__ import annotations

import datetime
from decimal import Decimal


def investment_in(start: datetime.date, end: datetime.date) -> dict[datetime.date, Decimal]:
    """Investment payments received per month (first day of the month)."""
    from investment.selectors import investment_received_per_month

    return investment_received_per_month(start, end)


def rent_in(
    start: datetime.date, end: datetime.date
) -> dict[datetime.date, tuple[Decimal, Decimal]]:
    """Per month: (rent invoiced, of which the surcharge that funds the joint economy)."""
    from billing.selectors import rent_revenue_per_month

    return {
        month: (revenue.rent, revenue.surcharge)
        for month, revenue in rent_revenue_per_month(start, end).items()
    }


def latest_money_day() -> datetime.date | None:
    """The latest day anything was booked, paid or billed: where the outcome ends."""
    from django.db.models import Max

    from billing.models import InvoiceLine
    from economy.models import CostEntry
    from investment.models import InvestmentPayment

    days = [
        CostEntry.objects.aggregate(day=Max("booked_on"))["day"],
        InvestmentPayment.objects.aggregate(day=Max("paid_on"))["day"],
        InvoiceLine.objects.filter(invoice__status="issued").aggregate(day=Max("month"))["day"],
    ]
    known = [d for d in days if d is not None]
    return max(known) if known else None
