"""Helpers for the supply-chain tests: stock and orders built through the real actions."""

import datetime

from catalog.models import Product
from devices.actions import device_register
from devices.models import Device
from registry.models import Unit

BP = "DH-1001"
DISPENSER = "DH-1007"


def register(
    product: str, serial: str, acquired: datetime.date, user=None, unit: Unit | None = None
) -> Device:
    return device_register(
        product=Product.objects.get(article_number=product),
        serial_number=serial,
        acquired_on=acquired,
        unit=unit,
        acting_user=user,
    )


def unit_of(user) -> Unit:
    return user.person.memberships.get().unit


def prescription(user, product=BP, **overrides):
    body = {
        "product": product,
        "unit": unit_of(user).pk,
        "kind": "prescription",
        "personal_number": "19121212-1212",
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "criteria": ["b420.2"] if product == BP else ["b144.2"],
        "delivery_method": "tour_van_home",
    }
    body.update(overrides)
    return body


def submit(user, product=BP, personal_number="19121212-1212", protected=False, **overrides):
    """A prescription submitted through the real action, as ``user`` for their unit."""
    from orders.actions import OrderInput, PatientInput, order_submit

    data = OrderInput(
        product=Product.objects.get(article_number=product),
        unit=overrides.pop("unit", None) or unit_of(user),
        patient=PatientInput(
            personal_number=personal_number,
            protected_identity=protected,
            first_name="Tolvan",
            last_name="Tolvansson",
            street_address="Storgatan 1",
            postal_code="41301",
            city="Göteborg",
        ),
        criteria=["b420.2"] if product == BP else ["b144.2"],
        delivery_method="tour_van_home",
        **overrides,
    )
    order, _created = order_submit(data=data, acting_user=user)
    return order


def delivered(order, centre_user):
    """Accept, allocate (oldest first), dispatch and deliver an order; returns the loan."""
    from logistics.actions import delivery_confirm, delivery_dispatch, device_allocate
    from orders.actions import order_accept

    order = order_accept(order=order, acting_user=centre_user)
    order = device_allocate(order=order, acting_user=centre_user)
    order = delivery_dispatch(order=order, acting_user=centre_user)
    return delivery_confirm(order=order, acting_user=centre_user)
