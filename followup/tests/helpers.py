"""Small histories for the follow-up tests, built through the real actions with past
business dates."""

import datetime

from catalog.models import Product
from devices.actions import reconditioning_done, reconditioning_start
from logistics.actions import (
    delivery_confirm,
    delivery_dispatch,
    device_allocate,
    pickup_request,
    return_receive,
)
from orders.actions import OrderInput, PatientInput, order_accept, order_submit
from orders.tests.helpers import BP, register, unit_of

OXIMETER = "DH-1004"  # contract start 2023-12-01, 17 working days agreed
D = datetime.date


def deliver(order, ordered, delivered):
    """Accept and allocate on the order date, dispatch and deliver on ``delivered``."""
    order_accept(order=order, acting_user=None, on=ordered)
    device_allocate(order=order, acting_user=None, on=ordered)
    order.refresh_from_db()
    delivery_dispatch(order=order, acting_user=None, on=delivered)
    order.refresh_from_db()
    return delivery_confirm(order=order, delivered_on=delivered, acting_user=None)


CRITERIA = {BP: ["b420.2"], OXIMETER: ["b440.2"]}


def order_on(user, ordered, number, product=BP, **kw):
    """A prescription by ``user`` for their unit, placed on ``ordered``."""
    data = OrderInput(
        product=Product.objects.get(article_number=product),
        unit=unit_of(user),
        patient=PatientInput(personal_number=number),
        criteria=CRITERIA[product],
        delivery_method=kw.pop("delivery_method", "tour_van_home"),
        ordered_on=ordered,
        **kw,
    )
    return order_submit(data=data, acting_user=user)[0]


PATIENTS = ["19121212-1212", "19800101-0001", "19700101-0011", "19600101-0021"]


def small_history(prescriber):
    """Three BP deliveries in spring 2024 (2, 4 and 9 working days), one returned and
    reconditioned; used by the screen and API tests."""
    for i in range(3):
        register(BP, f"BP-H{i}", D(2024, 1, 1))
    first = deliver(order_on(prescriber, D(2024, 3, 4), PATIENTS[0]), D(2024, 3, 4), D(2024, 3, 6))
    deliver(order_on(prescriber, D(2024, 4, 1), PATIENTS[1]), D(2024, 4, 1), D(2024, 4, 5))
    deliver(order_on(prescriber, D(2024, 5, 2), PATIENTS[2]), D(2024, 5, 2), D(2024, 5, 16))
    pickup_request(loan=first, requested_on=D(2024, 5, 20), acting_user=prescriber)
    return_receive(loan=first, received_on=D(2024, 5, 22), acting_user=None)
    reconditioning_start(device=first.device, acting_user=None, on=D(2024, 5, 23))
    reconditioning_done(device=first.device, acting_user=None, on=D(2024, 5, 24))
