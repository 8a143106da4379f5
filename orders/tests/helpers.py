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
