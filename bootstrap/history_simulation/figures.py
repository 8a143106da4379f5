"""The follow-up report's key figures computed directly over the events of a period, as
§4.7 of the report defines them: delivered devices, those at patients, delivery times
and lateness, reconditionings, corrective maintenance, support cases and who ordered.
Written independently of ``followup.selectors`` so that the tests can compare the two
and the demo history against the report's figures.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter
from dataclasses import dataclass

from django.db.models import F

from bootstrap.history_simulation.parameters import END, START
from devices.choices import EventKind
from devices.models import DeviceEvent
from logistics.choices import WorkOrderOutcome, WorkOrderStatus
from logistics.models import WorkOrder
from orders.choices import DeliveryMethod, OrderKind
from orders.models import Order
from registry.choices import PrincipalKind


@dataclass
class HistoryFigures:
    """The follow-up's key figures over the events of a period, defined as in §4.7."""

    delivered: int
    delivered_by_product: dict[str, int]
    to_patients: int
    at_patients: int
    counted: int
    late: int
    median_days: float | None
    mean_days: float | None
    reconditionings: int
    corrective_maintenances: int
    support_cases: int
    municipalities_ordered: int
    regional_units_ordered: int

    @property
    def on_time_share(self) -> float | None:
        return (self.counted - self.late) / self.counted if self.counted else None


def demo_history_figures(
    *, start: datetime.date = START, end: datetime.date = END
) -> HistoryFigures:
    events = DeviceEvent.objects.filter(occurred_at__date__range=(start, end))
    delivered = events.filter(kind=EventKind.DELIVERED)
    by_product = Counter(delivered.values_list("order__product__article_number", flat=True))
    to_patients = delivered.filter(order__kind=OrderKind.PRESCRIPTION)
    returned = DeviceEvent.objects.filter(
        kind=EventKind.RECEIVED,
        loan__order__kind=OrderKind.PRESCRIPTION,
        occurred_at__date__lte=end,
    )
    all_to_patients = DeviceEvent.objects.filter(
        kind=EventKind.DELIVERED, order__kind=OrderKind.PRESCRIPTION, occurred_at__date__lte=end
    )
    # Deliveries by the centre (not from a local shelf) from the product's contract start;
    # a delivered order always has its delivery time.
    counted = [
        (days or 0, agreed)
        for days, agreed in delivered.exclude(order__delivery_method=DeliveryMethod.LOCAL_STOCK)
        .filter(occurred_at__date__gte=F("order__product__contract_start"))
        .values_list("order__delivery_working_days", "order__product__agreed_delivery_days")
    ]
    days = [d for d, _agreed in counted]
    ordered = Order.objects.filter(ordered_on__range=(start, end))
    return HistoryFigures(
        delivered=delivered.count(),
        delivered_by_product=dict(sorted(by_product.items())),
        to_patients=to_patients.count(),
        at_patients=all_to_patients.count() - returned.count(),
        counted=len(days),
        late=sum(1 for d, agreed in counted if d > agreed),
        median_days=statistics.median(days) if days else None,
        mean_days=statistics.fmean(days) if days else None,
        reconditionings=events.filter(kind=EventKind.RECONDITIONED).count(),
        corrective_maintenances=WorkOrder.objects.filter(
            status=WorkOrderStatus.DONE, done_at__date__range=(start, end)
        )
        .exclude(outcome=WorkOrderOutcome.NO_FAULT)
        .count(),
        support_cases=events.filter(kind=EventKind.SUPPORT_OPENED).count(),
        municipalities_ordered=ordered.filter(principal__kind=PrincipalKind.MUNICIPALITY)
        .values("principal")
        .distinct()
        .count(),
        regional_units_ordered=ordered.filter(principal__kind=PrincipalKind.REGION)
        .values("unit")
        .distinct()
        .count(),
    )
