"""Reads of logistics: training, due dates and lateness of open orders."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils import timezone

from catalog.models import Product
from logistics.calendar import AT_RISK_WITHIN, working_days_between
from logistics.models import Training
from orders.choices import OrderStatus
from orders.models import Order
from registry.models import Unit


def training_recorded(*, unit: Unit, product: Product) -> bool:
    return Training.objects.filter(unit=unit, product=product).exists()


@dataclass(frozen=True)
class Timeliness:
    """Where an order stands against its agreed delivery time."""

    due_date: datetime.date
    working_days_elapsed: int
    working_days_left: int
    late: bool
    at_risk: bool


def order_timeliness(order: Order, today: datetime.date | None = None) -> Timeliness:
    """Late: not delivered by its due date. At risk: not yet dispatched and due within
    two working days. A delivered order is judged by its delivery date."""
    day = today or timezone.localdate()
    if order.status == OrderStatus.DELIVERED and order.delivered_on:
        day = order.delivered_on
    elapsed = working_days_between(order.ordered_on, day)
    left = working_days_between(day, order.due_date)
    open_ = order.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    late = day > order.due_date and order.status != OrderStatus.CANCELLED
    at_risk = (
        open_ and not late and order.status != OrderStatus.DISPATCHED and left <= AT_RISK_WITHIN
    )
    return Timeliness(order.due_date, elapsed, left, late, at_risk)
