"""Permission-scoped reads of devices and their events."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from core.actors import ActingUser
from core.errors import NotFound
from devices.models import Device, DeviceEvent
from registry.access import is_device_centre, unit_ids_of


def devices_visible_to(user: ActingUser) -> QuerySet[Device]:
    """Device-centre staff see all devices; a unit sees those it holds (local stock,
    basic equipment, on loan to its patients)."""
    qs = Device.objects.select_related("product", "unit")
    if is_device_centre(user):
        return qs
    units = unit_ids_of(user)
    return qs.filter(Q(unit_id__in=units) | Q(loans__unit_id__in=units)).distinct()


def device_list(
    *,
    user: ActingUser,
    product: str = "",
    status: str = "",
    serial: str = "",
    unit: int | None = None,
) -> QuerySet[Device]:
    qs = devices_visible_to(user)
    if product:
        qs = qs.filter(product__article_number=product)
    if status:
        qs = qs.filter(status=status)
    if serial:
        qs = qs.filter(serial_number=serial)
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    return qs.order_by("product__name", "serial_number")


def device_get(*, user: ActingUser, pk: int) -> Device:
    device = devices_visible_to(user).filter(pk=pk).first()
    if device is None:
        raise NotFound("device_not_found", _("No device with that id is visible to you."))
    return device


def device_events(*, device: Device) -> QuerySet[DeviceEvent]:
    return (
        DeviceEvent.objects.filter(device=device)
        .select_related("actor", "acting_unit", "order")
        .order_by("occurred_at", "id")
    )


def events_visible_to(user: ActingUser) -> QuerySet[DeviceEvent]:
    qs = DeviceEvent.objects.select_related("device", "order", "actor")
    if is_device_centre(user):
        return qs
    units = unit_ids_of(user)
    return qs.filter(Q(order__unit_id__in=units) | Q(loan__unit_id__in=units))
