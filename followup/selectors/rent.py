"""Rent revenue per month, estimated from the loans until the rent runs exist."""

from __future__ import annotations

import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db import connection
from django.db.models import DateField, F, Q
from django.db.models.functions import Coalesce

from catalog.choices import BillingType
from catalog.models import Product
from followup.selectors.events import FollowupFilter, Month, months_between
from logistics.models import Loan


def _order_q(f: FollowupFilter, prefix: str = "order__") -> Q:
    """The filter on the order a loan is of."""
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


def rent_per_month(f: FollowupFilter) -> dict[Month, Decimal]:
    """Rent revenue per month: each rented device at its monthly rent, prorated by the
    days of the month it was out, from delivery until rent stops (3 working days after
    the pickup order) or it is received back. An estimate from the loans; the invoiced
    amounts of the rent runs replace it once billing is in place. Rounded half up to
    öre per loan and month.

    One query counts the loans per (month, product, days billed) and each combination is
    priced once, as the rent run prices its lines (decision 0007)."""
    months = months_between(f.start, f.end)
    revenue: dict[Month, Decimal] = {m: Decimal("0.00") for m in months}
    monthly = dict(
        Product.objects.filter(
            billing_type=BillingType.RENT, monthly_rent__isnull=False
        ).values_list("pk", "monthly_rent")
    )
    if not monthly:
        return revenue
    # The rented products as a list of ids rather than a join (billing/actions.py says why).
    loans = (
        Loan.objects.filter(order__product_id__in=sorted(monthly))
        .filter(_order_q(f), started_on__lte=f.end)
        .exclude(rent_stops_on__lt=f.start)
        .annotate(
            rent_from=F("started_on"),
            rent_stop=Coalesce("rent_stops_on", "ended_on", output_field=DateField()),
            rent_product=F("order__product_id"),
        )
        .values_list("rent_from", "rent_stop", "rent_product")
        .order_by()
    )
    inner, inner_params = loans.query.sql_with_params()
    spans: list[Any] = []
    for month in months:
        nxt = (month + datetime.timedelta(days=32)).replace(day=1)
        until = min(nxt, f.end + datetime.timedelta(days=1))
        spans += [_date(month), _date(max(month, f.start)), _date(until)]
    cast = "::date" if connection.vendor == "postgresql" else ""
    values = ", ".join([f"(%s{cast}, %s{cast}, %s{cast})"] * len(months))
    # The last day rent is charged is the day before it stops.
    stops = (
        "CASE WHEN s.rent_stop IS NOT NULL AND s.rent_stop < m.until"
        " THEN s.rent_stop ELSE m.until END"
    )
    starts = "CASE WHEN s.rent_from > m.since THEN s.rent_from ELSE m.since END"
    if connection.vendor == "postgresql":
        days = f"({stops}) - ({starts})"
    else:
        days = f"CAST(julianday({stops}) - julianday({starts}) AS INTEGER)"
    sql = (
        f"WITH m (month, since, until) AS (VALUES {values}) "  # noqa: S608
        f"SELECT m.month, s.rent_product, {days} AS days, COUNT(*) FROM ({inner}) s "
        "JOIN m ON s.rent_from < m.until AND (s.rent_stop IS NULL OR s.rent_stop > m.since) "
        "GROUP BY 1, 2, 3"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*spans, *inner_params])
        rows = cursor.fetchall()
    for month, product, days, n in rows:
        if days <= 0:
            continue
        month = _parse_date(month)
        nxt = (month + datetime.timedelta(days=32)).replace(day=1)
        amount = (monthly[product] * days / (nxt - month).days).quantize(
            Decimal("0.01"), ROUND_HALF_UP
        )
        revenue[month] += amount * n
    return revenue


def _date(day: datetime.date) -> Any:
    return connection.ops.adapt_datefield_value(day)


def _parse_date(value: Any) -> datetime.date:
    return value if isinstance(value, datetime.date) else datetime.date.fromisoformat(value)
