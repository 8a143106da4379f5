"""REST endpoints for devices: register, list, history, and the steps without an order."""

import datetime

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from catalog.selectors import product_get
from core.errors import InvalidInput, NotFound
from devices import actions, selectors
from devices.choices import DeviceStatus, EventKind
from devices.models import Device, DeviceEvent
from orders.api import EventOut
from registry.access import device_centre_check
from registry.models import Unit

router = Router(tags=["devices"])


class DeviceOut(Schema):
    id: int
    product: str
    serial_number: str
    udi: str
    gtin: str
    acquired_on: datetime.date
    status: str
    location: str
    unit: int | None

    @staticmethod
    def resolve_product(obj: Device) -> str:
        return obj.product.article_number

    @staticmethod
    def resolve_unit(obj: Device) -> int | None:
        return obj.unit_id


class DeviceIn(Schema):
    product: str
    serial_number: str
    acquired_on: datetime.date
    udi: str = ""
    gtin: str = ""
    unit: int | None = None


class ScrapIn(Schema):
    reason: str = ""


class UnitIn(Schema):
    unit: int


@router.get("/devices", response=list[DeviceOut])
@paginate(PageNumberPagination, page_size=50)
def device_list(
    request: HttpRequest,
    product: str = "",
    status: str = "",
    serial: str = "",
    unit: int | None = None,
) -> QuerySet[Device]:
    if status and status not in DeviceStatus.values:
        raise InvalidInput("invalid_status", _("Unknown device status."), field="status")
    return selectors.device_list(
        user=request.user, product=product, status=status, serial=serial, unit=unit
    )


@router.post("/devices", response={201: DeviceOut})
def device_create(request: HttpRequest, payload: DeviceIn) -> Status[Device]:
    device_centre_check(request.user)
    product = product_get(article_number=payload.product)
    if product is None:
        raise NotFound("product_not_found", _("No product has that article number."))
    unit = None
    if payload.unit is not None:
        unit = Unit.objects.filter(pk=payload.unit).first()
        if unit is None:
            raise NotFound("unit_not_found", _("No unit has that id."))
    device = actions.device_register(
        product=product,
        serial_number=payload.serial_number,
        acquired_on=payload.acquired_on,
        udi=payload.udi,
        gtin=payload.gtin,
        unit=unit,
        acting_user=request.user,
    )
    return Status(201, device)


@router.get("/devices/{device_id}", response=DeviceOut)
def device_detail(request: HttpRequest, device_id: int) -> Device:
    return selectors.device_get(user=request.user, pk=device_id)


@router.get("/devices/{device_id}/events", response=list[EventOut])
def device_history(request: HttpRequest, device_id: int) -> QuerySet[DeviceEvent]:
    return selectors.device_events(device=selectors.device_get(user=request.user, pk=device_id))


def _centre_device(request: HttpRequest, device_id: int) -> Device:
    device_centre_check(request.user)
    return selectors.device_get(user=request.user, pk=device_id)


@router.post("/devices/{device_id}/reconditioning/start", response=DeviceOut)
def device_recondition_start(request: HttpRequest, device_id: int) -> Device:
    return actions.reconditioning_start(
        device=_centre_device(request, device_id), acting_user=request.user
    )


@router.post("/devices/{device_id}/reconditioning/done", response=DeviceOut)
def device_recondition_done(request: HttpRequest, device_id: int) -> Device:
    return actions.reconditioning_done(
        device=_centre_device(request, device_id), acting_user=request.user
    )


@router.post("/devices/{device_id}/scrap", response=DeviceOut)
def device_scrap(request: HttpRequest, device_id: int, payload: ScrapIn) -> Device:
    return actions.device_scrap(
        device=_centre_device(request, device_id), reason=payload.reason, acting_user=request.user
    )


@router.post("/devices/{device_id}/lost", response=DeviceOut)
def device_lost(request: HttpRequest, device_id: int) -> Device:
    return actions.device_mark_lost(
        device=_centre_device(request, device_id), acting_user=request.user
    )


@router.post("/devices/{device_id}/found", response=DeviceOut)
def device_found(request: HttpRequest, device_id: int) -> Device:
    return actions.device_found(device=_centre_device(request, device_id), acting_user=request.user)


@router.post("/devices/{device_id}/local-stock", response=DeviceOut)
def device_to_local_stock(request: HttpRequest, device_id: int, payload: UnitIn) -> Device:
    unit = Unit.objects.filter(pk=payload.unit).first()
    if unit is None:
        raise NotFound("unit_not_found", _("No unit has that id."))
    return actions.device_move_to_local_stock(
        device=_centre_device(request, device_id), unit=unit, acting_user=request.user
    )


@router.get("/events", response=list[EventOut])
@paginate(PageNumberPagination, page_size=100)
def event_list(
    request: HttpRequest,
    kind: str = "",
    occurred_from: datetime.date | None = None,
    occurred_to: datetime.date | None = None,
) -> QuerySet[DeviceEvent]:
    """The supply chain's events, oldest first; the follow-up is computed from these."""
    qs = selectors.events_visible_to(request.user)
    if kind:
        if kind not in EventKind.values:
            raise InvalidInput("invalid_kind", _("Unknown event kind."), field="kind")
        qs = qs.filter(kind=kind)
    if occurred_from:
        qs = qs.filter(occurred_at__date__gte=occurred_from)
    if occurred_to:
        qs = qs.filter(occurred_at__date__lte=occurred_to)
    return qs.order_by("occurred_at", "id")
