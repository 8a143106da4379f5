"""Simultaneous allocations on PostgreSQL: never one device to two orders, never a lost order."""

import threading
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.db import close_old_connections, connection

from core.errors import Conflict
from devices.models import Device
from logistics.actions import device_allocate
from orders.actions import OrderInput, PatientInput, order_accept, order_submit
from orders.models import Order
from orders.tests.helpers import BP, register, unit_of

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's; SQLite serialises writers",
)

ORDERS = 8
DEVICES = 3


def _submitted(nurse: User, device: Device, key: str) -> Order:
    """An order from the nurse's unit for a patient, for the product of ``device``."""
    order, _created = order_submit(
        data=OrderInput(
            product=device.product,
            unit=unit_of(nurse),
            patient=PatientInput("19121212-1212"),
            criteria=["b420.2"],
            idempotency_key=key,
        ),
        acting_user=nurse,
    )
    return order


@pytest.mark.usefixtures("reference_data")
def test_many_simultaneous_allocations_of_the_last_devices(django_user_model):
    import datetime

    anna = django_user_model.objects.get(username="anna.lind")
    lars = django_user_model.objects.get(username="lars.hmc")
    devices = [register(BP, f"C-{i}", datetime.date(2023, 9, 1 + i), lars) for i in range(DEVICES)]
    orders = [
        order_accept(order=_submitted(anna, devices[0], f"conc-{i}"), acting_user=lars)
        for i in range(ORDERS)
    ]

    barrier = threading.Barrier(ORDERS)
    outcomes: dict[int, str] = {}

    def allocate(order: Order) -> None:
        close_old_connections()
        try:
            barrier.wait(timeout=10)
            device_allocate(order=order, acting_user=lars)
            outcomes[order.pk] = "allocated"
        except Conflict as exc:
            outcomes[order.pk] = exc.code
        finally:
            connection.close()

    threads = [threading.Thread(target=allocate, args=(o,)) for o in orders]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == ORDERS  # every request answered
    assert sorted(outcomes.values()).count("allocated") == DEVICES
    assert set(outcomes.values()) == {"allocated", "out_of_stock"}
    allocated = Order.objects.filter(status="allocated")
    assert allocated.count() == DEVICES
    # Each allocated order has its own device; no device serves two orders.
    assert len(set(allocated.values_list("device_id", flat=True))) == DEVICES
    # No order was lost: the others are still accepted, waiting for stock.
    assert Order.objects.filter(status="accepted", device__isnull=True).count() == ORDERS - DEVICES
    assert Order.objects.count() == ORDERS


@pytest.mark.usefixtures("reference_data")
def test_steps_of_two_orders_for_one_product_and_unit_do_not_wait_for_each_other(
    django_user_model,
):
    """An order step locks its order's and its device's rows, not the product's or the
    unit's: while one transaction holds order A and device A, order B and device B of the
    same product and unit can be locked at once, and order A cannot (the control)."""
    import datetime

    from django.db import OperationalError, transaction

    from devices.actions import device_locked
    from orders.actions import order_locked

    anna = django_user_model.objects.get(username="anna.lind")
    lars = django_user_model.objects.get(username="lars.hmc")
    devices = [register(BP, f"L-{i}", datetime.date(2023, 9, 1 + i), lars) for i in range(2)]
    orders = [_submitted(anna, devices[0], f"lock-{i}") for i in range(2)]
    assert orders[0].product_id == orders[1].product_id
    assert orders[0].unit_id == orders[1].unit_id
    holding, done = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def hold_a() -> None:
        close_old_connections()
        try:
            with transaction.atomic():
                order_locked(orders[0])
                device_locked(devices[0])
                holding.set()
                done.wait(timeout=20)
        except BaseException as exc:  # reported by the main thread
            failures.append(exc)
            holding.set()
        finally:
            connection.close()

    def try_lock(lock: Callable[[], object]) -> str:
        try:
            with transaction.atomic():
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL lock_timeout = '1s'")
                lock()
            return "locked"
        except OperationalError as exc:
            assert "lock timeout" in str(exc)
            return "waited"

    holder = threading.Thread(target=hold_a)
    holder.start()
    try:
        assert holding.wait(timeout=20)
        assert not failures, failures
        assert try_lock(lambda: order_locked(orders[1])) == "locked"
        assert try_lock(lambda: device_locked(devices[1])) == "locked"
        assert try_lock(lambda: order_locked(orders[0])) == "waited"
        assert try_lock(lambda: device_locked(devices[0])) == "waited"
    finally:
        done.set()
        holder.join(timeout=30)
    assert not failures, failures
