"""Each open order knows its due date, working days elapsed, and whether it is late or at risk."""

import datetime

import pytest

from logistics.selectors import order_timeliness
from orders.models import Order

D = datetime.date


def order(status, ordered_on, due_date, delivered_on=None):
    # A plain unsaved instance: timeliness is arithmetic on its dates and status.
    return Order(status=status, ordered_on=ordered_on, due_date=due_date, delivered_on=delivered_on)


@pytest.mark.parametrize(
    ("status", "today", "late", "at_risk", "elapsed"),
    [
        ("accepted", D(2024, 12, 23), False, False, 1),  # 5 working days left
        ("accepted", D(2025, 1, 3), False, True, 5),  # due Wed 8 Jan: 2 left (7, 8)
        ("dispatched", D(2025, 1, 7), False, False, 6),  # on its way: not at risk
        ("allocated", D(2025, 1, 8), False, True, 7),  # due today
        ("allocated", D(2025, 1, 9), True, False, 8),  # a day late
        ("cancelled", D(2025, 1, 20), False, False, 15),
    ],
)
def test_open_order_timeliness(status, today, late, at_risk, elapsed):
    timing = order_timeliness(order(status, D(2024, 12, 20), D(2025, 1, 8)), today=today)
    assert (timing.late, timing.at_risk, timing.working_days_elapsed) == (late, at_risk, elapsed)


def test_delivered_order_is_judged_by_its_delivery_date():
    on_time = order("delivered", D(2024, 12, 20), D(2025, 1, 8), delivered_on=D(2025, 1, 8))
    assert not order_timeliness(on_time, today=D(2025, 3, 1)).late
    late = order("delivered", D(2024, 12, 20), D(2025, 1, 8), delivered_on=D(2025, 1, 9))
    timing = order_timeliness(late, today=D(2025, 3, 1))
    assert timing.late
    assert timing.working_days_elapsed == 8
