"""REST endpoints for prescriptions and orders: submit, check, list, and each step."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from audit.actions import access_log_record, access_log_request_action
from audit.choices import AccessAction, Resource
from catalog.models import Product
from catalog.selectors import product_get
from core.errors import InvalidInput, NotFound
from devices.models import DeviceEvent
from logistics.actions import delivery_confirm, delivery_dispatch, device_allocate
from logistics.selectors import Timeliness, order_timeliness
from orders import selectors
from orders.actions import (
    OrderInput,
    PatientInput,
    order_accept,
    order_cancel,
    order_eligibility,
    order_submit,
)
from orders.choices import OrderStatus
from orders.models import Order
from registry import access_cache
from registry.access import acting_unit_check
from registry.models import Unit

router = Router(tags=["orders"])


class OrderIn(Schema):
    product: str = Field(description="Article number")
    unit: int = Field(description="Id of the unit the prescriber acts for")
    kind: str = "prescription"
    personal_number: str = ""
    protected_identity: bool = False
    first_name: str = ""
    last_name: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    criteria: list[str] = []
    several_principals: bool = False
    consultation_with: str = ""
    consultation_on: datetime.date | None = None
    delivery_method: str = "tour_van_unit"
    pickup_point: str = ""
    urgent: bool = False
    note: str = ""
    local_device_serial: str = ""


class RefusalOut(Schema):
    code: str
    message: str
    field: str | None


class EligibilityOut(Schema):
    eligible: bool
    guidance_version: int | None
    refusals: list[RefusalOut]


def _timing(order: Order) -> Timeliness:
    cached: Timeliness | None = getattr(order, "_timeliness", None)
    if cached is None:
        cached = order_timeliness(order)
        setattr(order, "_timeliness", cached)  # noqa: B010 - computed once per serialisation
    return cached


class OrderOut(Schema):
    """An order. A protected identity's name is shown to the device centre only."""

    id: int
    kind: str
    status: str
    product: str
    guidance_version: int
    unit: int
    principal: str
    prescriber: str
    patient: str | None
    patient_name: str | None
    protected_identity: bool
    cost_bearer: str
    criteria: list[str]
    consultation_with: str
    consultation_on: datetime.date | None
    delivery_method: str
    pickup_point: str
    urgent: bool
    urgent_fee: Decimal
    ordered_on: datetime.date
    due_date: datetime.date
    working_days_elapsed: int
    late: bool
    at_risk: bool
    waits_for_training: bool
    device_serial: str | None
    delivered_on: datetime.date | None
    delivery_working_days: int | None

    @staticmethod
    def resolve_product(obj: Order) -> str:
        return obj.product.article_number

    @staticmethod
    def resolve_guidance_version(obj: Order) -> int:
        return obj.guidance.version

    @staticmethod
    def resolve_unit(obj: Order) -> int:
        return obj.unit_id

    @staticmethod
    def resolve_principal(obj: Order) -> str:
        return obj.unit.principal.code

    @staticmethod
    def resolve_prescriber(obj: Order) -> str:
        return str(obj.prescriber)

    @staticmethod
    def resolve_patient(obj: Order, context: dict[str, Any]) -> str | None:
        # Every order serialised with its patient is an access to that patient's data.
        access_log_record(
            user=context["request"].user,
            patients=[obj.patient],
            resource=Resource.ORDER,
            object_id=obj.pk,
        )
        return str(obj.patient) if obj.patient else None

    @staticmethod
    def resolve_patient_name(obj: Order, context: dict[str, Any]) -> str | None:
        return selectors.patient_name_for(context["request"].user, obj.patient)

    @staticmethod
    def resolve_protected_identity(obj: Order) -> bool:
        return bool(obj.patient and obj.patient.protected_identity)

    @staticmethod
    def resolve_cost_bearer(obj: Order) -> str:
        return obj.cost_bearer.code

    @staticmethod
    def resolve_working_days_elapsed(obj: Order) -> int:
        return _timing(obj).working_days_elapsed

    @staticmethod
    def resolve_late(obj: Order) -> bool:
        return _timing(obj).late

    @staticmethod
    def resolve_at_risk(obj: Order) -> bool:
        return _timing(obj).at_risk

    @staticmethod
    def resolve_device_serial(obj: Order) -> str | None:
        return obj.device.serial_number if obj.device else None


class EventOut(Schema):
    id: int
    kind: str
    device: int | None
    order: int | None
    from_status: str
    to_status: str
    occurred_at: datetime.datetime
    recorded_at: datetime.datetime
    actor: str | None
    data: dict[str, object]

    @staticmethod
    def resolve_device(obj: DeviceEvent) -> int | None:
        return obj.device_id

    @staticmethod
    def resolve_order(obj: DeviceEvent) -> int | None:
        return obj.order_id

    @staticmethod
    def resolve_actor(obj: DeviceEvent) -> str | None:
        return obj.actor.get_username() if obj.actor else None


class AllocateIn(Schema):
    serial_number: str = ""


class DeliverIn(Schema):
    delivered_on: datetime.date | None = None


class CancelIn(Schema):
    reason: str = ""


def _input(payload: OrderIn) -> OrderInput:
    # Reference rows, kept per process under the access generation (decision 0010).
    current = access_cache.current_generation()
    product: Product | None = access_cache.cached_under(
        current,
        f"product:{payload.product}",
        lambda: product_get(article_number=payload.product),
    )
    if product is None:
        raise NotFound("product_not_found", _("No product has that article number."))
    try:
        unit = access_cache.row(Unit, payload.unit, current=current, related=("principal",))
    except Unit.DoesNotExist:
        raise NotFound("unit_not_found", _("No unit has that id.")) from None
    patient = None
    if payload.personal_number:
        patient = PatientInput(
            personal_number=payload.personal_number,
            protected_identity=payload.protected_identity,
            first_name=payload.first_name,
            last_name=payload.last_name,
            street_address=payload.street_address,
            postal_code=payload.postal_code,
            city=payload.city,
        )
    return OrderInput(
        product=product,
        unit=unit,
        kind=payload.kind,
        patient=patient,
        criteria=payload.criteria,
        several_principals=payload.several_principals,
        consultation_with=payload.consultation_with,
        consultation_on=payload.consultation_on,
        delivery_method=payload.delivery_method,
        pickup_point=payload.pickup_point,
        urgent=payload.urgent,
        note=payload.note,
        local_device_serial=payload.local_device_serial,
    )


@router.post("/orders", response={200: OrderOut, 201: OrderOut})
def order_create(request: HttpRequest, payload: OrderIn, response: HttpResponse) -> Status[Order]:
    """Submit a prescription or order. Send an `Idempotency-Key` header to make a retry
    safe: the same key returns the first order (200) instead of creating another (201)."""
    data = _input(payload)
    key = request.headers.get("Idempotency-Key", "").strip()
    if len(key) > 64:
        raise InvalidInput("invalid_idempotency_key", _("The idempotency key is too long."))
    data.idempotency_key = key
    order, created = order_submit(data=data, acting_user=request.user)
    access_log_request_action(AccessAction.CREATE if created else AccessAction.READ)
    if created:  # answered from the order just written, with its related rows in hand
        order = selectors.order_shown(user=request.user, order=order)
    else:  # the first submission's order, as it is now
        order = selectors.order_get(user=request.user, pk=order.pk)
    return Status(201 if created else 200, order)


@router.post("/orders/check", response=EligibilityOut)
def order_check(request: HttpRequest, payload: OrderIn) -> dict[str, object]:
    """Check an order as it is being filled in, without saving anything."""
    data = _input(payload)
    person = acting_unit_check(request.user, data.unit)
    guidance, refusals = order_eligibility(person=person, data=data, on=datetime.date.today())  # noqa: DTZ011
    return {
        "eligible": not refusals,
        "guidance_version": guidance.version if guidance else None,
        "refusals": [{"code": r.code, "message": r.message, "field": r.field} for r in refusals],
    }


class OrderCountOut(Schema):
    product: str
    product_name: str
    principal: str
    principal_name: str
    principal_kind: str
    status: str
    orders: int


@router.get("/orders/counts", response=list[OrderCountOut])
def order_count_list(
    request: HttpRequest,
    ordered_from: datetime.date | None = None,
    ordered_to: datetime.date | None = None,
) -> list[selectors.OrderCount]:
    """Orders per product, principal and status: aggregated, with no patient data, so
    open to every role (the follow-up analyst's view of the supply chain)."""
    return selectors.order_counts(ordered_from=ordered_from, ordered_to=ordered_to)


class OrderPagination(PageNumberPagination):
    """django-ninja's page-number pagination, the page's orders given their reference rows
    from the process's cache (``selectors.orders_with_references``) rather than read with
    them in a nine-table join."""

    def paginate_queryset(
        self, queryset: QuerySet[Order], pagination: Any, request: HttpRequest, **params: Any
    ) -> Any:
        page = super().paginate_queryset(queryset, pagination, request, **params)
        page[self.items_attribute] = selectors.orders_with_references(page[self.items_attribute])
        return page


@router.get("/orders", response=list[OrderOut])
@paginate(OrderPagination, page_size=50)
def order_list(
    request: HttpRequest,
    status: str = "",
    unit: int | None = None,
    product: str = "",
    open: bool = False,
    ordered_from: datetime.date | None = None,
    ordered_to: datetime.date | None = None,
) -> QuerySet[Order]:
    if status and status not in OrderStatus.values:
        raise InvalidInput("invalid_status", _("Unknown order status."), field="status")
    return (
        selectors.order_list(
            user=request.user,
            status=status,
            unit=unit,
            product=product,
            open_only=open,
            ordered_from=ordered_from,
            ordered_to=ordered_to,
        )
        .select_related(None)
        .select_related(*selectors.ORDER_OWN_RELATED)
    )


@router.get("/orders/{order_id}", response=OrderOut)
def order_detail(request: HttpRequest, order_id: int) -> Order:
    return selectors.order_get(user=request.user, pk=order_id)


@router.get("/orders/{order_id}/events", response=list[EventOut])
def order_events(request: HttpRequest, order_id: int) -> QuerySet[DeviceEvent]:
    order = selectors.order_get(user=request.user, pk=order_id)
    access_log_record(
        user=request.user,
        patients=[order.patient],
        resource=Resource.ORDER_HISTORY,
        object_id=order.pk,
    )
    return order.events.select_related("actor").order_by("occurred_at", "id")


def _step(request: HttpRequest, order_id: int) -> Order:
    return selectors.order_for_step(user=request.user, pk=order_id)


# Each step answers from the order its action read under the lock and wrote: one read
# of the order per request (``order_locked``), not three.


@router.post("/orders/{order_id}/accept", response=OrderOut)
def order_accept_view(request: HttpRequest, order_id: int) -> Order:
    order = order_accept(order=_step(request, order_id), acting_user=request.user)
    return selectors.order_shown(user=request.user, order=order)


@router.post("/orders/{order_id}/allocate", response=OrderOut)
def order_allocate_view(request: HttpRequest, order_id: int, payload: AllocateIn) -> Order:
    order = device_allocate(
        order=_step(request, order_id),
        serial_number=payload.serial_number,
        acting_user=request.user,
    )
    return selectors.order_shown(user=request.user, order=order)


@router.post("/orders/{order_id}/dispatch", response=OrderOut)
def order_dispatch_view(request: HttpRequest, order_id: int) -> Order:
    order = delivery_dispatch(order=_step(request, order_id), acting_user=request.user)
    return selectors.order_shown(user=request.user, order=order)


@router.post("/orders/{order_id}/deliver", response=OrderOut)
def order_deliver_view(request: HttpRequest, order_id: int, payload: DeliverIn) -> Order:
    loan = delivery_confirm(
        order=_step(request, order_id), delivered_on=payload.delivered_on, acting_user=request.user
    )
    return selectors.order_shown(user=request.user, order=loan.order)


@router.post("/orders/{order_id}/cancel", response=OrderOut)
def order_cancel_view(request: HttpRequest, order_id: int, payload: CancelIn) -> Order:
    order = order_cancel(
        order=_step(request, order_id), reason=payload.reason, acting_user=request.user
    )
    return selectors.order_get(user=request.user, pk=order.pk)
