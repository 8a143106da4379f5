"""Reads of logistics: training, due dates and lateness of open orders."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from core.actors import ActingUser
from core.errors import NotFound
from devices.choices import DeviceStatus
from devices.models import DeviceEvent
from logistics.calendar import AT_RISK_WITHIN, working_days_between
from logistics.choices import ReturnMethod, WorkOrderOutcome, WorkOrderStatus
from logistics.models import Loan, Training, WorkOrder
from orders.choices import OPEN_ORDER_STATUSES, DeliveryMethod, OrderStatus
from orders.models import Order
from orders.selectors import orders_visible_to
from registry.access import device_centre_check, is_device_centre, patient_data_check, unit_ids_of
from registry.models import Unit


def loans_visible_to(user: ActingUser) -> QuerySet[Loan]:
    """Loans of the units the user works in; every loan for the device centre."""
    patient_data_check(user)
    qs = Loan.objects.select_related("device", "device__product", "patient", "cost_bearer", "unit")
    if is_device_centre(user):
        return qs
    return qs.filter(unit_id__in=unit_ids_of(user))


def loans_list(
    user: ActingUser, *, unit: int | None = None, open_only: bool = False
) -> QuerySet[Loan]:
    """The loans the user sees, of one unit or all, newest first (the index
    ``loan_unit_started_idx`` serves one unit's in this order)."""
    qs = loans_visible_to(user)
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    if open_only:
        qs = qs.filter(ended_on__isnull=True)
    return qs.order_by("-started_on", "-id")


def loan_get(*, user: ActingUser, pk: int) -> Loan:
    loan = loans_visible_to(user).filter(pk=pk).first()
    if loan is None:
        raise NotFound("loan_not_found", _("No loan with that id is visible to you."))
    return loan


def training_recorded(*, unit: Unit, product: Product) -> bool:
    return Training.objects.filter(unit=unit, product=product).exists()


@dataclass(frozen=True)
class Timeliness:
    """Where an order stands against its agreed delivery time."""

    due_date: datetime.date
    working_days_elapsed: int
    working_days_left: int
    late: bool
    at_risk: bool


def order_timeliness(order: Order, today: datetime.date | None = None) -> Timeliness:
    """Late: not delivered by its due date. At risk: not yet dispatched and due within
    two working days. A delivered order is judged by its delivery date."""
    day = today or timezone.localdate()
    if order.status == OrderStatus.DELIVERED and order.delivered_on:
        day = order.delivered_on
    elapsed = working_days_between(order.ordered_on, day)
    left = working_days_between(day, order.due_date)
    open_ = order.status not in (OrderStatus.DELIVERED, OrderStatus.CANCELLED)
    late = day > order.due_date and order.status != OrderStatus.CANCELLED
    at_risk = (
        open_ and not late and order.status != OrderStatus.DISPATCHED and left <= AT_RISK_WITHIN
    )
    return Timeliness(order.due_date, elapsed, left, late, at_risk)


# --- The device centre's screens -------------------------------------------------------


def order_queue(
    *,
    user: ActingUser,
    status: str = "",
    product: str = "",
    route: str = "",
    unit: int | None = None,
    unit_name: str = "",
) -> QuerySet[Order]:
    """The device centre's work queue: open orders, the one due first on top. Each order
    carries ``training_done``: whether its unit is trained on its product (a
    training-gated order may then be dispatched)."""
    qs = (
        orders_visible_to(user)
        .filter(status__in=OPEN_ORDER_STATUSES)
        .select_related("unit__tour_route")
        .annotate(training_done=_training_done())
    )
    if status:
        qs = qs.filter(status=status)
    if product:
        qs = qs.filter(product__article_number=product)
    if route:
        qs = qs.filter(unit__tour_route__code=route)
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    if unit_name:
        qs = qs.filter(unit__name__icontains=unit_name)
    # Served by order_open_queue_idx (due_date, ordered_on, id) WHERE open.
    return qs.order_by("due_date", "ordered_on", "pk")


def _training_done() -> Exists:
    return Exists(
        Training.objects.filter(unit_id=OuterRef("unit_id"), product_id=OuterRef("product_id"))
    )


def order_status_counts(orders: QuerySet[Order]) -> dict[str, int]:
    """How many of ``orders`` are in each status (one grouped query)."""
    rows = orders.order_by().values_list("status").annotate(n=Count("pk"))
    return {status: n for status, n in rows}


def queue_order_get(*, user: ActingUser, pk: int) -> Order:
    """One order as the work queue shows it, open or not."""
    order = (
        orders_visible_to(user)
        .select_related("unit__tour_route")
        .annotate(training_done=_training_done())
        .filter(pk=pk)
        .first()
    )
    if order is None:
        raise NotFound("order_not_found", _("No order with that number is visible to you."))
    return order


def order_events(*, order: Order) -> QuerySet[DeviceEvent]:
    """Every event of an order, in the order they happened."""
    return (
        DeviceEvent.objects.filter(order=order)
        .select_related("actor", "acting_unit", "device", "device__product")
        .order_by("occurred_at", "id")
    )


def status_label(value: str) -> str:
    """The Swedish label of a device or order status named in an event ("" stays "")."""
    for choices in (DeviceStatus, OrderStatus):
        if value in choices.values:
            return str(choices(value).label)
    return value


@dataclass(frozen=True)
class EventRow:
    """One event as a history shows it: labels instead of codes, and its details."""

    event: DeviceEvent
    from_label: str
    to_label: str
    details: list[str]


def event_rows(events: Iterable[DeviceEvent]) -> list[EventRow]:
    rows = []
    for event in events:
        data = event.data or {}
        details: list[str] = []
        if data.get("outcome") in WorkOrderOutcome.values:
            details.append(str(WorkOrderOutcome(data["outcome"]).label))
        method = data.get("method")
        if method in ReturnMethod.values:
            details.append(str(ReturnMethod(method).label))
        elif method in DeliveryMethod.values:
            details.append(str(DeliveryMethod(method).label))
        for key in ("fault", "reason"):
            if data.get(key):
                details.append(str(data[key]))
        rows.append(
            EventRow(event, status_label(event.from_status), status_label(event.to_status), details)
        )
    return rows


def returns_incoming(
    *, user: ActingUser, route: str = "", unit: int | None = None
) -> QuerySet[Loan]:
    """Devices on their way back: a pickup ordered or a post-agent code issued, and not
    yet received. The one to be picked up first on top."""
    qs = loans_visible_to(user).filter(pickup_requested_on__isnull=False, ended_on__isnull=True)
    if route:
        qs = qs.filter(unit__tour_route__code=route)
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    return qs.select_related("unit__tour_route").order_by("pickup_due_on", "pk")


@dataclass(frozen=True)
class DueTimeliness:
    """Where a pickup or a repair stands against its service level."""

    due_date: datetime.date | None
    working_days_left: int | None
    late: bool
    at_risk: bool


def due_timeliness(due: datetime.date | None, today: datetime.date | None = None) -> DueTimeliness:
    """Late: past its due date. At risk: due within two working days."""
    if due is None:
        return DueTimeliness(None, None, False, False)
    day = today or timezone.localdate()
    left = working_days_between(day, due)
    late = day > due
    return DueTimeliness(due, left, late, not late and left <= AT_RISK_WITHIN)


def workorders_open(*, user: ActingUser) -> QuerySet[WorkOrder]:
    """Corrective maintenance not yet done, the one due to start first on top."""
    device_centre_check(user)
    return (
        WorkOrder.objects.exclude(status=WorkOrderStatus.DONE)
        .select_related("device", "device__product", "unit", "reported_by")
        .order_by("start_due_on", "pk")
    )


def workorder_get(*, user: ActingUser, pk: int) -> WorkOrder:
    device_centre_check(user)
    work = WorkOrder.objects.select_related("device").filter(pk=pk).first()
    if work is None:
        raise NotFound("workorder_not_found", _("No work order with that number."))
    return work


def orders_waiting_for_training(
    *, user: ActingUser, unit: Unit | None = None, product: Product | None = None
) -> QuerySet[Order]:
    """Accepted orders whose first delivery waits for the unit's training on the product.
    The flag stays until dispatch; ``training_done`` says whether the training has been
    recorded since, so the order may go."""
    device_centre_check(user)
    qs = Order.objects.filter(
        waits_for_training=True, status__in=(OrderStatus.ACCEPTED, OrderStatus.ALLOCATED)
    )
    if unit is not None:
        qs = qs.filter(unit=unit)
    if product is not None:
        qs = qs.filter(product=product)
    return (
        qs.select_related("product", "unit", "unit__principal")
        .annotate(training_done=_training_done())
        .order_by("due_date", "pk")
    )


def trainings_list(*, user: ActingUser) -> QuerySet[Training]:
    device_centre_check(user)
    return Training.objects.select_related(
        "unit", "unit__principal", "product", "recorded_by"
    ).order_by("-trained_on", "-pk")
