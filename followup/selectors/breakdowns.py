"""Counts per month, product, type of principal and subject: the data behind the charts."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from django.db.models import (
    Count,
)
from django.db.models.fields.json import KeyTextTransform

from followup.selectors.events import (
    FollowupFilter,
    Month,
    _business_date,
    _month_start,
    delivered_events,
    months_between,
    support_events,
)
from orders.choices import OrderKind


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
