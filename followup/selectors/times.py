"""Delivery times in working days: which deliveries count, and their median, mean and
share within the agreed time, kept as a histogram so the figures are exact."""

from __future__ import annotations

import dataclasses
import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from catalog.models import Product
from followup import rollup
from followup.choices import Measure
from followup.selectors.events import FollowupFilter, Month


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


def delivery_times(f: FollowupFilter) -> dict[str, Any]:
    """Delivery times overall, per product and per month of delivery: deliveries by the
    device centre on or after their product's contract start (pilot deliveries before it
    are left out); late when above the product's agreed working days."""
    total = DeliveryTimes()
    by_product: dict[int, DeliveryTimes] = defaultdict(DeliveryTimes)
    per_month: dict[Month, DeliveryTimes] = defaultdict(DeliveryTimes)
    products = Product.objects.filter(contract_start__isnull=False, contract_start__lte=f.end)
    if f.product_ids:
        products = products.filter(pk__in=f.product_ids)
    launched = {p.pk: p for p in products.only("pk", "contract_start", "agreed_delivery_days")}
    if not launched:
        return {"total": total, "per_product": by_product, "per_month": per_month}
    timed = {"working_days__isnull": False}
    by = ("month", "product", "working_days")
    counted = rollup.counts(
        Measure.DELIVERED,
        dataclasses.replace(f, product_ids=tuple(sorted(launched))),
        start=f.start,
        end=f.end,
        by=by,
        where=timed,
    )
    # Less the deliveries before a contract start that falls inside the period.
    for product in launched.values():
        starts = product.contract_start
        if starts is not None and starts > f.start:
            counted.subtract(
                rollup.counts(
                    Measure.DELIVERED,
                    dataclasses.replace(f, product_ids=(product.pk,)),
                    start=f.start,
                    end=starts - datetime.timedelta(days=1),
                    by=by,
                    where=timed,
                )
            )
    for (month, product_id, days), n in sorted(counted.items()):
        if n <= 0:
            continue
        late = days > launched[product_id].agreed_delivery_days
        total.add(days, n, late)
        by_product[product_id].add(days, n, late)
        per_month[month].add(days, n, late)
    return {"total": total, "per_product": by_product, "per_month": per_month}
