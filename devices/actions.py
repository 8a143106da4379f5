"""Writes to devices that do not involve an order: registering stock, reconditioning,
scrapping, lost and found, moving to a unit's local stock."""

from __future__ import annotations

import datetime

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from catalog.models import Product
from core.actors import ActingUser
from core.db import row_update
from core.errors import Conflict, InvalidInput
from devices.choices import DeviceStatus, EventKind, Location
from devices.events import device_event_record
from devices.models import Device
from registry.models import Unit

FINAL_STATUSES = (DeviceStatus.SCRAPPED, DeviceStatus.SOLD)


def device_locked(device: Device, *, product: Product | None = None) -> Device:
    """Re-read the device under a row lock: two requests cannot both move it. Its product
    is not locked: devices of one product move independently. An order step passes its
    order's product (read under the access generation, decision 0010), which is the
    device's own; otherwise it is read with the device."""
    if product is None:
        return (
            Device.objects.select_for_update(of=("self",))
            .select_related("product")
            .get(pk=device.pk)
        )
    locked = Device.objects.select_for_update(of=("self",)).get(pk=device.pk)
    if locked.product_id == product.pk:
        locked.product = product
    return locked


def device_transition(
    device: Device,
    *,
    allowed_from: tuple[str, ...],
    to_status: str,
    location: str,
    unit: Unit | None = None,
    code: str,
) -> str:
    """Move a locked device to ``to_status`` if it is in one of ``allowed_from``;
    otherwise raise Conflict (409) with ``code``. Returns the old status."""
    old = device.status
    if old not in allowed_from:
        raise Conflict(
            code,
            _("The device is “%(status)s” and cannot do that now.")
            % {"status": DeviceStatus(old).label},
        )
    device.status = to_status
    device.location = location
    device.unit = unit
    row_update(device, fields=("status", "location", "unit"))
    return old


def device_step(
    device: Device,
    *,
    kind: str,
    allowed_from: tuple[str, ...],
    to_status: str,
    location: str,
    code: str,
    acting_user: ActingUser,
    on: datetime.date | None = None,
    data: dict[str, object] | None = None,
) -> Device:
    """Lock the device, move it if its state allows, and record the event: the shape of
    every device step that involves no order. Call inside a transaction."""
    device = device_locked(device)
    old = device_transition(
        device, allowed_from=allowed_from, to_status=to_status, location=location, code=code
    )
    device_event_record(
        kind=kind,
        device=device,
        from_status=old,
        to_status=device.status,
        acting_user=acting_user,
        on=on,
        data=data,
    )
    return device


@transaction.atomic
def device_register(
    *,
    product: Product,
    serial_number: str,
    acquired_on: datetime.date,
    udi: str = "",
    gtin: str = "",
    unit: Unit | None = None,
    acting_user: ActingUser,
) -> Device:
    """Register a new device in the centre's stock (or a unit's local stock)."""
    serial = serial_number.strip()
    if not serial:
        raise InvalidInput("serial_missing", _("Give the serial number."), field="serial_number")
    if gtin and (not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14)):
        raise InvalidInput("invalid_gtin", _("A GTIN is 8, 12, 13 or 14 digits."), field="gtin")
    try:
        with transaction.atomic():
            device = Device.objects.create(
                product=product,
                serial_number=serial,
                acquired_on=acquired_on,
                udi=udi.strip(),
                gtin=gtin,
                status=DeviceStatus.IN_STOCK,
                location=Location.LOCAL_STOCK if unit else Location.CENTRE,
                unit=unit,
            )
    except IntegrityError:
        raise Conflict(
            "serial_exists",
            _("The product already has a device with serial number %(serial)s.")
            % {"serial": serial},
            field="serial_number",
        ) from None
    device_event_record(
        kind=EventKind.REGISTERED,
        device=device,
        to_status=DeviceStatus.IN_STOCK,
        acting_user=acting_user,
        on=acquired_on,
        data={"location": device.location, "unit": unit.pk if unit else None},
    )
    return device


@transaction.atomic
def reconditioning_start(
    *, device: Device, acting_user: ActingUser, on: datetime.date | None = None
) -> Device:
    return device_step(
        device,
        kind=EventKind.RECONDITIONING_STARTED,
        allowed_from=(DeviceStatus.AWAITING_RECONDITIONING,),
        to_status=DeviceStatus.IN_RECONDITIONING,
        location=Location.RECONDITIONING,
        code="not_awaiting_reconditioning",
        acting_user=acting_user,
        on=on,
    )


@transaction.atomic
def reconditioning_done(
    *, device: Device, acting_user: ActingUser, on: datetime.date | None = None
) -> Device:
    """Cleaned, checked and reset: the device is back in the centre's stock."""
    return device_step(
        device,
        kind=EventKind.RECONDITIONED,
        allowed_from=(DeviceStatus.IN_RECONDITIONING, DeviceStatus.AWAITING_RECONDITIONING),
        to_status=DeviceStatus.IN_STOCK,
        location=Location.CENTRE,
        code="not_in_reconditioning",
        acting_user=acting_user,
        on=on,
    )


@transaction.atomic
def device_scrap(*, device: Device, reason: str, acting_user: ActingUser) -> Device:
    return device_step(
        device,
        kind=EventKind.SCRAPPED,
        allowed_from=(
            DeviceStatus.IN_STOCK,
            DeviceStatus.AWAITING_RECONDITIONING,
            DeviceStatus.IN_RECONDITIONING,
            DeviceStatus.IN_REPAIR,
            DeviceStatus.LOST,
        ),
        to_status=DeviceStatus.SCRAPPED,
        location=Location.NOWHERE,
        code="cannot_scrap",
        acting_user=acting_user,
        data={"reason": reason},
    )


@transaction.atomic
def device_mark_lost(*, device: Device, acting_user: ActingUser) -> Device:
    """The device cannot be found (förkommet). A device on loan stays on its loan until
    the loan is ended; here only devices not at a patient can be marked lost."""
    return device_step(
        device,
        kind=EventKind.LOST,
        allowed_from=(
            DeviceStatus.IN_STOCK,
            DeviceStatus.IN_TRANSIT,
            DeviceStatus.AWAITING_RECONDITIONING,
            DeviceStatus.IN_RECONDITIONING,
            DeviceStatus.IN_REPAIR,
        ),
        to_status=DeviceStatus.LOST,
        location=Location.NOWHERE,
        code="cannot_mark_lost",
        acting_user=acting_user,
    )


@transaction.atomic
def device_found(*, device: Device, acting_user: ActingUser) -> Device:
    """A lost device turned up: it goes to reconditioning before anyone gets it."""
    return device_step(
        device,
        kind=EventKind.FOUND,
        allowed_from=(DeviceStatus.LOST,),
        to_status=DeviceStatus.AWAITING_RECONDITIONING,
        location=Location.RECONDITIONING,
        code="not_lost",
        acting_user=acting_user,
    )


@transaction.atomic
def device_move_to_local_stock(*, device: Device, unit: Unit, acting_user: ActingUser) -> Device:
    """Place a device from the centre's stock in a unit's own local stock (kundlager)."""
    device = device_locked(device)
    if device.location != Location.CENTRE:
        raise Conflict(
            "not_in_centre_stock", _("Only a device in the centre's stock can be moved.")
        )
    old = device_transition(
        device,
        allowed_from=(DeviceStatus.IN_STOCK,),
        to_status=DeviceStatus.IN_STOCK,
        location=Location.LOCAL_STOCK,
        unit=unit,
        code="not_in_stock",
    )
    device_event_record(
        kind=EventKind.MOVED_TO_LOCAL_STOCK,
        device=device,
        from_status=old,
        to_status=device.status,
        acting_user=acting_user,
        data={"unit": unit.pk},
    )
    return device
