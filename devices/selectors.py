"""Permission-scoped reads of devices and their events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Count, Max, Q, QuerySet
from django.utils.translation import gettext as _

from catalog.models import Product
from core.actors import ActingUser
from core.errors import NotFound
from devices.choices import DeviceStatus, Location
from devices.models import Device, DeviceEvent
from registry.access import device_centre_check, is_device_centre, unit_ids_of
from registry.models import Unit

if TYPE_CHECKING:
    from logistics.models import Loan


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


# --- The device centre's screens -------------------------------------------------------


def device_find(
    *,
    user: ActingUser,
    serial: str = "",
    product: str = "",
    status: str = "",
    location: str = "",
    unit: int | None = None,
) -> QuerySet[Device]:
    """Devices for the centre's lists: by serial number (exact, or its beginning when
    nothing matches exactly: a half-typed number still finds the device), product,
    status, location and unit."""
    qs = devices_visible_to(user)
    if product:
        qs = qs.filter(product__article_number=product)
    if status:
        qs = qs.filter(status=status)
    if location:
        qs = qs.filter(location=location)
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    serial = serial.strip()
    if serial:
        # Both served by device_serial_idx.
        exact = qs.filter(serial_number=serial)
        qs = exact if exact.exists() else qs.filter(serial_number__startswith=serial)
    return qs.order_by("product__name", "serial_number")


def devices_for_reconditioning(*, user: ActingUser) -> QuerySet[Device]:
    """The reconditioning queue: devices back at the centre, the one waiting longest
    first. ``since`` is when the device got its current status (its latest event)."""
    device_centre_check(user)
    return (
        devices_visible_to(user)
        .filter(status__in=(DeviceStatus.AWAITING_RECONDITIONING, DeviceStatus.IN_RECONDITIONING))
        .annotate(since=Max("events__occurred_at"))
        .order_by("since", "pk")
    )


def device_loans(*, device: Device) -> QuerySet[Loan]:
    """Every loan of a device, the latest first, with whom it was at."""
    return device.loans.select_related("patient", "unit").order_by("-started_on", "-pk")


@dataclass(frozen=True)
class StockByStatus:
    """One product's devices counted by status."""

    product: Product
    counts: dict[str, int]
    total: int


def stock_by_product_status(*, user: ActingUser) -> tuple[list[StockByStatus], list[str]]:
    """Every product's devices by status (one grouped query), and the statuses that occur,
    in the order of their definition."""
    device_centre_check(user)
    rows = Device.objects.order_by().values_list("product_id", "status").annotate(n=Count("pk"))
    counts: dict[int, dict[str, int]] = {}
    for product_id, status, n in rows:
        counts.setdefault(product_id, {})[status] = n
    products = Product.objects.filter(pk__in=counts).order_by("name")
    seen = {status for by_status in counts.values() for status in by_status}
    statuses = [s for s in DeviceStatus.values if s in seen]
    result = [StockByStatus(p, counts[p.pk], sum(counts[p.pk].values())) for p in products]
    return result, statuses


@dataclass(frozen=True)
class StockAtSite:
    """Devices of one product at one site: the centre (``unit`` None) or a unit's local
    stock, by whether they can be handed out."""

    unit: Unit | None
    product: Product
    in_stock: int
    reserved: int


def stock_by_site(*, user: ActingUser) -> list[StockAtSite]:
    """Devices in the centre's stock and in each unit's local stock, per product."""
    device_centre_check(user)
    rows = (
        Device.objects.filter(
            location__in=(Location.CENTRE, Location.LOCAL_STOCK),
            status__in=(DeviceStatus.IN_STOCK, DeviceStatus.RESERVED),
        )
        .order_by()
        .values_list("unit_id", "location", "product_id", "status")
        .annotate(n=Count("pk"))
    )
    cells: dict[tuple[int | None, int], dict[str, int]] = {}
    for unit_id, location, product_id, status, n in rows:
        # A device in the centre's stock belongs to no unit's stock, whatever it names.
        site = unit_id if location == Location.LOCAL_STOCK else None
        by_status = cells.setdefault((site, product_id), {})
        by_status[status] = by_status.get(status, 0) + n
    products = Product.objects.in_bulk({product_id for _site, product_id in cells})
    units = Unit.objects.select_related("principal").in_bulk(
        {site for site, _product in cells if site is not None}
    )
    result = [
        StockAtSite(
            units[site] if site is not None else None,
            products[product_id],
            by_status.get(DeviceStatus.IN_STOCK, 0),
            by_status.get(DeviceStatus.RESERVED, 0),
        )
        for (site, product_id), by_status in cells.items()
    ]
    # The centre first, then the units by name; products by name within each site.
    result.sort(key=lambda r: (r.unit is not None, r.unit.name if r.unit else "", r.product.name))
    return result
