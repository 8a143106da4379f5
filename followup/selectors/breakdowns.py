"""Counts per month, product, type of principal and subject: the data behind the charts."""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

from followup.choices import Measure
from followup.selectors.events import FollowupFilter, Month, in_period, months_between
from orders.choices import OrderKind
from registry.models import Principal


def delivered_per_month(f: FollowupFilter) -> list[dict[str, Any]]:
    """Delivered per month, to patients and as basic equipment, and the running total."""
    per_month: dict[Month, Counter[str]] = {m: Counter() for m in months_between(f.start, f.end)}
    for (month, kind), n in in_period(Measure.DELIVERED, f, ("month", "order_kind")).items():
        per_month[month][kind] += n
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
    result: dict[int, dict[Month, int]] = defaultdict(
        lambda: dict.fromkeys(months_between(f.start, f.end), 0)
    )
    for (month, product), n in in_period(Measure.DELIVERED, f, ("month", "product")).items():
        result[product][month] += n
    return dict(result)


def delivered_by_principal_kind(f: FollowupFilter) -> dict[tuple[int, str], int]:
    """Delivered per (product, principal kind), by the principal of the order."""
    counts = in_period(Measure.DELIVERED, f, ("product", "principal"))
    kinds = dict(
        Principal.objects.filter(pk__in={principal for _p, principal in counts}).values_list(
            "pk", "kind"
        )
    )
    result: Counter[tuple[int, str]] = Counter()
    for (product, principal), n in counts.items():
        result[(product, kinds[principal])] += n
    return dict(result)


def support_by_subject(f: FollowupFilter) -> Counter[str]:
    return Counter({key[0]: n for key, n in in_period(Measure.SUPPORT, f, ("subject",)).items()})
