"""Delivery times in working days: which deliveries count, and their median, mean and
share within the agreed time, kept as a histogram so the figures are exact."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    F,
    QuerySet,
)

from devices.models import DeviceEvent
from followup.selectors.events import (
    FollowupFilter,
    Month,
    _business_date,
    _month_start,
    delivered_events,
)
from orders.choices import DeliveryMethod


@dataclass
class DeliveryTimes:
    """A histogram of delivery times: median and mean come out exact without loading
    every delivery."""

    histogram: Counter[int] = field(default_factory=Counter)
    late: int = 0

    @property
    def counted(self) -> int:
        return sum(self.histogram.values())

    @property
    def within(self) -> int:
        return self.counted - self.late

    @property
    def within_share(self) -> float | None:
        return self.within / self.counted if self.counted else None

    @property
    def mean(self) -> float | None:
        if not self.counted:
            return None
        return sum(days * n for days, n in self.histogram.items()) / self.counted

    @property
    def median(self) -> float | None:
        """The middle value; with an even count, the mean of the two middle values."""
        n = self.counted
        if not n:
            return None
        ordered = sorted(self.histogram.items())

        def nth(k: int) -> int:  # the k-th smallest value, 0-based
            seen = 0
            for days, count in ordered:
                seen += count
                if k < seen:
                    return days
            raise IndexError(k)

        if n % 2:
            return float(nth(n // 2))
        return (nth(n // 2 - 1) + nth(n // 2)) / 2

    def add(self, days: int, count: int, late: bool) -> None:
        self.histogram[days] += count
        if late:
            self.late += count


def counted_deliveries(f: FollowupFilter) -> QuerySet[DeviceEvent]:
    """Deliveries that count for delivery times: by the device centre, on or after the
    product's contract start."""
    return (
        delivered_events(f)
        .exclude(order__delivery_method=DeliveryMethod.LOCAL_STOCK)
        .filter(
            order__product__contract_start__isnull=False,
            order__delivered_on__gte=F("order__product__contract_start"),
            order__delivery_working_days__isnull=False,
        )
    )


def delivery_times(f: FollowupFilter) -> dict[str, Any]:
    """Delivery times overall, per product and per month of delivery."""
    rows = (
        counted_deliveries(f)
        .annotate(day=_business_date())
        .values(
            "order__product_id",
            "day",
            "order__delivery_working_days",
            "order__product__agreed_delivery_days",
        )
        .annotate(n=Count("id"))
    )
    total = DeliveryTimes()
    by_product: dict[int, DeliveryTimes] = defaultdict(DeliveryTimes)
    per_month: dict[Month, DeliveryTimes] = defaultdict(DeliveryTimes)
    for row in rows:
        days = row["order__delivery_working_days"] or 0  # never null: filtered above
        late = days > row["order__product__agreed_delivery_days"]
        n = row["n"]
        total.add(days, n, late)
        by_product[row["order__product_id"]].add(days, n, late)
        per_month[_month_start(row["day"])].add(days, n, late)
    return {"total": total, "per_product": by_product, "per_month": per_month}
