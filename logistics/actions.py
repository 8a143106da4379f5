"""The device flow after an order is accepted: allocate, dispatch, deliver, return,
and the work around devices: maintenance, support, training."""

from __future__ import annotations

import datetime
import hashlib
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.models import Product
from core.actors import ActingUser, actor_of
from core.db import row_update
from core.errors import Conflict, InvalidInput, NotFound
from devices.actions import device_locked, device_transition
from devices.choices import DeviceStatus, EventKind, Location
from devices.events import business_time, device_event_record
from devices.models import Device
from logistics.calendar import (
    PICKUP_WITHIN,
    RENT_STOPS_AFTER,
    REPAIR_DONE_WITHIN,
    REPAIR_START_WITHIN,
    add_working_days,
    working_days_between,
)
from logistics.choices import (
    ReturnMethod,
    SupportSubject,
    WorkOrderOutcome,
    WorkOrderStatus,
)
from logistics.models import Loan, SupportCase, Training, WorkOrder
from orders.actions import order_locked
from orders.choices import OrderStatus
from orders.models import Order
from registry.access import (
    device_centre_check,
    device_centre_unit,
    unit_or_centre_check,
)
from registry.models import Unit

# Return codes avoid letters and digits that are easy to confuse (0/O, 1/I/L).
RETURN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
RETURN_CODE_LENGTH = 8


def _order_conflict(order: Order, expected: str, code: str) -> None:
    if order.status != expected:
        raise Conflict(
            code,
            _("The order is “%(status)s”; this step needs it to be “%(expected)s”.")
            % {
                "status": OrderStatus(order.status).label,
                "expected": OrderStatus(expected).label,
            },
        )


def allocation_candidates(product: Product) -> QuerySet[Device]:
    """The product's devices in the centre's stock, oldest first (FIFO): the order of the
    allocation index (devices/models.py), so the first is read off it, not sorted."""
    return Device.objects.filter(
        product=product, status=DeviceStatus.IN_STOCK, location=Location.CENTRE
    ).order_by("acquired_on", "pk")


@transaction.atomic
def device_allocate(
    *,
    order: Order,
    acting_user: ActingUser,
    serial_number: str = "",
    on: datetime.date | None = None,
) -> Order:
    """Reserve one individual device for an accepted order: the one scanned or typed
    (``serial_number``), or else the oldest suitable device in the centre's stock."""
    device_centre_check(acting_user)
    # Lock the order first so the same order cannot be allocated twice at once.
    order = order_locked(order)
    _order_conflict(order, OrderStatus.ACCEPTED, "order_not_accepted")
    candidates = allocation_candidates(order.product)
    if serial_number.strip():
        device = candidates.select_for_update().filter(serial_number=serial_number.strip()).first()
        if device is None:
            raise Conflict(
                "device_unavailable",
                _("No device of %(product)s with serial number %(serial)s is in stock.")
                % {"product": order.product.name, "serial": serial_number.strip()},
                field="serial_number",
            )
    else:
        # Oldest first (FIFO). skip_locked: a device another transaction is reserving
        # right now is passed over instead of waited for, so two allocations never get
        # the same device and neither blocks the other (PostgreSQL; SQLite serialises
        # writers anyway).
        device = candidates.select_for_update(skip_locked=True).first()
        if device is None:
            raise Conflict(
                "out_of_stock",
                _("No device of %(product)s is in stock.") % {"product": order.product.name},
            )
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.IN_STOCK,),
        to_status=DeviceStatus.RESERVED,
        location=Location.CENTRE,
        code="device_unavailable",
    )
    order.status = OrderStatus.ALLOCATED
    order.device = device
    row_update(order, fields=("status", "device"))
    device_event_record(
        kind=EventKind.ALLOCATED,
        order=order,
        device=device,
        from_status=old_device,
        to_status=DeviceStatus.RESERVED,
        acting_user=acting_user,
        acting_unit=device_centre_unit(acting_user),
        on=on,
        data={"order_from": OrderStatus.ACCEPTED, "order_to": OrderStatus.ALLOCATED},
    )
    return order


@transaction.atomic
def delivery_dispatch(
    *, order: Order, acting_user: ActingUser, on: datetime.date | None = None
) -> Order:
    """The device leaves the centre. A training-gated first delivery waits for training."""
    device_centre_check(acting_user)
    order = order_locked(order)
    _order_conflict(order, OrderStatus.ALLOCATED, "order_not_allocated")
    if order.waits_for_training:
        if not Training.objects.filter(unit=order.unit, product=order.product).exists():
            raise Conflict(
                "training_required",
                _("The first delivery of %(product)s to %(unit)s waits for a recorded training.")
                % {"product": order.product.name, "unit": order.unit.name},
            )
        order.waits_for_training = False
    if order.device is None:  # an allocated order always has its device
        raise Conflict("order_without_device", _("The order has no device."))
    device = device_locked(order.device, product=order.product)
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.RESERVED,),
        to_status=DeviceStatus.IN_TRANSIT,
        location=Location.IN_TRANSIT,
        code="device_not_reserved",
    )
    order.status = OrderStatus.DISPATCHED
    row_update(order, fields=("status", "waits_for_training"))
    device_event_record(
        kind=EventKind.DISPATCHED,
        order=order,
        device=device,
        from_status=old_device,
        to_status=DeviceStatus.IN_TRANSIT,
        acting_user=acting_user,
        on=on,
        data={
            "order_from": OrderStatus.ALLOCATED,
            "order_to": OrderStatus.DISPATCHED,
            "method": order.delivery_method,
        },
    )
    return order


@transaction.atomic
def delivery_confirm(
    *, order: Order, delivered_on: datetime.date | None = None, acting_user: ActingUser
) -> Loan:
    """The device has arrived: the loan (and any rent) starts on ``delivered_on``, and
    the delivery time in working days is stored for the statistics."""
    device_centre_check(acting_user)
    order = order_locked(order)
    _order_conflict(order, OrderStatus.DISPATCHED, "order_not_dispatched")
    day = delivered_on or timezone.localdate()
    if day < order.ordered_on:
        raise InvalidInput(
            "delivered_before_ordered",
            _("The delivery date cannot be before the order date."),
            field="delivered_on",
        )
    if day > timezone.localdate():
        raise InvalidInput(
            "delivered_in_future",
            _("The delivery date cannot be in the future."),
            field="delivered_on",
        )
    if order.device is None:  # an allocated order always has its device
        raise Conflict("order_without_device", _("The order has no device."))
    device = device_locked(order.device, product=order.product)
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.IN_TRANSIT,),
        to_status=DeviceStatus.ON_LOAN,
        location=Location.PATIENT if order.patient_id else Location.UNIT,
        unit=order.unit,
        code="device_not_in_transit",
    )
    return loan_start(
        order=order,
        device=device,
        device_was=old_device,
        on=day,
        acting_user=acting_user,
        working_days=working_days_between(order.ordered_on, day),
    )


def loan_start(
    *,
    order: Order,
    device: Device,
    device_was: str,
    on: datetime.date,
    working_days: int,
    acting_user: ActingUser,
    acting_unit: Unit | None = None,
    data: dict[str, object] | None = None,
) -> Loan:
    """Mark the order delivered and start the device's loan (and any rent) on ``on``.
    Called inside the delivering action's transaction, with order and device locked."""
    old_order = order.status
    order.status = OrderStatus.DELIVERED
    order.device = device
    order.delivered_on = on
    order.delivery_working_days = working_days
    row_update(order, fields=("status", "device", "delivered_on", "delivery_working_days"))
    loan = Loan.objects.create(
        device=device,
        order=order,
        patient=order.patient,
        unit=order.unit,
        cost_bearer=order.cost_bearer,
        started_on=on,
    )
    device_event_record(
        kind=EventKind.DELIVERED,
        order=order,
        device=device,
        loan=loan,
        from_status=device_was,
        to_status=DeviceStatus.ON_LOAN,
        acting_user=acting_user,
        acting_unit=acting_unit,
        on=on,
        data={
            "order_from": old_order,
            "order_to": OrderStatus.DELIVERED,
            "working_days": working_days,
            **(data or {}),
        },
    )
    return loan


def loan_locked(loan: Loan) -> Loan:
    """Re-read the loan under a row lock, with its device and order (locked with it, as
    before); its unit is read, not locked, so one unit's returns do not queue."""
    return (
        Loan.objects.select_for_update(of=("self", "device", "order"))
        .select_related("device", "unit", "order")
        .get(pk=loan.pk)
    )


def _loan_actor_check(loan: Loan, acting_user: ActingUser) -> None:
    unit_or_centre_check(acting_user, loan.unit_id)


def return_code_hash(code: str) -> str:
    """Codes are random (40 bits) and one-time, so a plain SHA-256 is enough to keep
    them from being read back out of the database."""
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


@transaction.atomic
def pickup_request(
    *,
    loan: Loan,
    method: str = ReturnMethod.PICKUP,
    requested_on: datetime.date | None = None,
    acting_user: ActingUser,
) -> tuple[Loan, str]:
    """Ask for the device back: a tour-van pickup, or a one-time code the patient takes
    to a post agent. Rent stops 3 working days after the request. Returns the loan and
    the return code (empty for a pickup); only the code's hash is stored."""
    loan = loan_locked(loan)
    _loan_actor_check(loan, acting_user)
    if method not in (ReturnMethod.PICKUP, ReturnMethod.POST_AGENT):
        raise InvalidInput("invalid_return_method", _("Unknown return method."), field="method")
    if loan.ended_on is not None or loan.pickup_requested_on is not None:
        raise Conflict("return_already_requested", _("A return is already requested or done."))
    day = requested_on or timezone.localdate()
    if day < loan.started_on:
        raise InvalidInput(
            "pickup_before_delivery", _("The pickup cannot be ordered before delivery.")
        )
    device = device_locked(loan.device)
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.ON_LOAN,),
        to_status=DeviceStatus.RETURNING,
        location=device.location,
        unit=device.unit,
        code="device_not_on_loan",
    )
    code = ""
    if method == ReturnMethod.POST_AGENT:
        code = "".join(secrets.choice(RETURN_CODE_ALPHABET) for _i in range(RETURN_CODE_LENGTH))
        loan.return_code_hash = return_code_hash(code)
    loan.return_method = method
    loan.pickup_requested_on = day
    loan.pickup_due_on = add_working_days(day, PICKUP_WITHIN)
    loan.rent_stops_on = add_working_days(day, RENT_STOPS_AFTER)
    loan.save(
        update_fields=[
            "return_method",
            "return_code_hash",
            "pickup_requested_on",
            "pickup_due_on",
            "rent_stops_on",
        ]
    )
    device_event_record(
        kind=EventKind.RETURN_CODE_ISSUED if code else EventKind.PICKUP_REQUESTED,
        device=device,
        order=loan.order,
        loan=loan,
        from_status=old_device,
        to_status=DeviceStatus.RETURNING,
        acting_user=acting_user,
        on=day,
        data={"method": method, "rent_stops_on": loan.rent_stops_on.isoformat()},
    )
    return loan, code


@transaction.atomic
def pickup_cancel(*, loan: Loan, acting_user: ActingUser) -> Loan:
    """Undo a wrongly registered pickup order before the device is received. The unit
    can do this itself; rent runs on as if the pickup had never been ordered."""
    loan = loan_locked(loan)
    _loan_actor_check(loan, acting_user)
    if loan.pickup_requested_on is None or loan.ended_on is not None:
        raise Conflict("no_open_pickup", _("There is no open pickup order to cancel."))
    device = device_locked(loan.device)
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.RETURNING,),
        to_status=DeviceStatus.ON_LOAN,
        location=device.location,
        unit=device.unit,
        code="device_not_returning",
    )
    previous = {"requested_on": loan.pickup_requested_on.isoformat(), "method": loan.return_method}
    loan.pickup_requested_on = None
    loan.pickup_due_on = None
    loan.rent_stops_on = None
    loan.return_method = ""
    loan.return_code_hash = ""
    loan.save(
        update_fields=[
            "pickup_requested_on",
            "pickup_due_on",
            "rent_stops_on",
            "return_method",
            "return_code_hash",
        ]
    )
    device_event_record(
        kind=EventKind.PICKUP_CANCELLED,
        device=device,
        order=loan.order,
        loan=loan,
        from_status=old_device,
        to_status=DeviceStatus.ON_LOAN,
        acting_user=acting_user,
        data=previous,
    )
    return loan


def loan_by_return_code(code: str) -> Loan:
    loan = (
        Loan.objects.filter(return_code_hash=return_code_hash(code), ended_on__isnull=True)
        .exclude(return_code_hash="")
        .first()
    )
    if loan is None:
        raise NotFound("return_code_unknown", _("The return code is unknown or already used."))
    return loan


@transaction.atomic
def return_receive(
    *,
    loan: Loan | None = None,
    return_code: str = "",
    received_on: datetime.date | None = None,
    acting_user: ActingUser,
) -> Loan:
    """The device is back at the centre (picked up, handed in, or sent by a post agent
    with its one-time code). The loan ends and the device waits for reconditioning."""
    device_centre_check(acting_user)
    if loan is None:
        loan = loan_by_return_code(return_code)
    loan = loan_locked(loan)
    if loan.ended_on is not None:
        raise Conflict("loan_already_ended", _("The device has already been received back."))
    day = received_on or timezone.localdate()
    if day < loan.started_on:
        raise InvalidInput(
            "received_before_delivery", _("The device cannot come back before it was delivered.")
        )
    device = device_locked(loan.device)
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.ON_LOAN, DeviceStatus.RETURNING),
        to_status=DeviceStatus.AWAITING_RECONDITIONING,
        location=Location.RECONDITIONING,
        code="device_not_out",
    )
    if loan.pickup_requested_on is None:
        # Handed in without a pickup order: rent stops on the day it came back.
        loan.return_method = ReturnMethod.HANDED_IN
        loan.rent_stops_on = day
    loan.ended_on = day
    loan.return_code_hash = ""  # one-time: the code cannot be used again
    loan.save(update_fields=["ended_on", "return_code_hash", "return_method", "rent_stops_on"])
    device_event_record(
        kind=EventKind.RECEIVED,
        device=device,
        order=loan.order,
        loan=loan,
        from_status=old_device,
        to_status=DeviceStatus.AWAITING_RECONDITIONING,
        acting_user=acting_user,
        on=day,
        data={"method": loan.return_method},
    )
    return loan


@transaction.atomic
def training_record(
    *, unit: Unit, product: Product, trained_on: datetime.date, acting_user: ActingUser
) -> Training:
    """Record that a unit has been trained on a product; its waiting orders may go."""
    device_centre_check(acting_user)
    training, created = Training.objects.get_or_create(
        unit=unit,
        product=product,
        defaults={"trained_on": trained_on, "recorded_by": actor_of(acting_user)},
    )
    if not created:
        raise Conflict(
            "training_exists", _("The unit's training on this product is already recorded.")
        )
    waiting = Order.objects.filter(unit=unit, product=product, waits_for_training=True)
    for order in waiting.select_for_update():
        device_event_record(
            kind=EventKind.TRAINING_RECORDED,
            order=order,
            acting_user=acting_user,
            on=trained_on,
            data={"training": training.pk},
        )
    return training


@transaction.atomic
def workorder_report(
    *,
    device: Device,
    fault: str,
    acting_user: ActingUser,
    unit: Unit | None = None,
    reported_on: datetime.date | None = None,
    external_id: str = "",
) -> WorkOrder:
    """Report a fault: corrective maintenance must start within 3 working days and be
    done within 10."""
    if not fault.strip():
        raise InvalidInput("fault_missing", _("Describe the fault."), field="fault")
    if unit is not None:
        unit_or_centre_check(acting_user, unit.pk)
    device = device_locked(device)
    if device.status in (DeviceStatus.SCRAPPED, DeviceStatus.SOLD, DeviceStatus.LOST):
        raise Conflict("device_gone", _("The device is no longer in use."))
    if WorkOrder.objects.filter(device=device).exclude(status=WorkOrderStatus.DONE).exists():
        raise Conflict("workorder_open", _("The device already has an open work order."))
    day = reported_on or timezone.localdate()
    work = WorkOrder.objects.create(
        device=device,
        fault=fault.strip(),
        reported_at=business_time(reported_on),
        reported_by=actor_of(acting_user),
        unit=unit,
        start_due_on=add_working_days(day, REPAIR_START_WITHIN),
        done_due_on=add_working_days(day, REPAIR_DONE_WITHIN),
        external_id=external_id,
    )
    device_event_record(
        kind=EventKind.REPAIR_REPORTED,
        device=device,
        acting_user=acting_user,
        acting_unit=unit,
        on=day,
        data={"work_order": work.pk, "fault": work.fault},
    )
    return work


@transaction.atomic
def workorder_start(
    *, work_order: WorkOrder, acting_user: ActingUser, on: datetime.date | None = None
) -> WorkOrder:
    """Repair starts: a device not at a patient goes into repair; one on loan is
    repaired where it is (or swapped by a new order)."""
    device_centre_check(acting_user)
    work = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if work.status != WorkOrderStatus.REPORTED:
        raise Conflict("workorder_not_reported", _("The work order has already started."))
    device = device_locked(work.device)
    old = device.status
    if device.status in (
        DeviceStatus.IN_STOCK,
        DeviceStatus.AWAITING_RECONDITIONING,
        DeviceStatus.IN_RECONDITIONING,
    ):
        device_transition(
            device,
            allowed_from=(old,),
            to_status=DeviceStatus.IN_REPAIR,
            location=Location.REPAIR,
            code="cannot_repair",
        )
    work.status = WorkOrderStatus.STARTED
    work.started_at = business_time(on)
    work.save(update_fields=["status", "started_at"])
    device_event_record(
        kind=EventKind.REPAIR_STARTED,
        device=device,
        from_status=old,
        to_status=device.status,
        acting_user=acting_user,
        on=on,
        data={"work_order": work.pk},
    )
    return work


@transaction.atomic
def workorder_finish(
    *,
    work_order: WorkOrder,
    outcome: str,
    acting_user: ActingUser,
    on: datetime.date | None = None,
) -> WorkOrder:
    device_centre_check(acting_user)
    if outcome not in WorkOrderOutcome.values:
        raise InvalidInput("invalid_outcome", _("Unknown outcome."), field="outcome")
    work = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    if work.status != WorkOrderStatus.STARTED:
        raise Conflict("workorder_not_started", _("Only a started work order can be finished."))
    device = device_locked(work.device)
    old = device.status
    if outcome == WorkOrderOutcome.SCRAPPED:
        device_transition(
            device,
            allowed_from=(old,),
            to_status=DeviceStatus.SCRAPPED,
            location=Location.NOWHERE,
            code="cannot_scrap",
        )
    elif device.status == DeviceStatus.IN_REPAIR:
        # A repaired device is reconditioned before it goes out again.
        device_transition(
            device,
            allowed_from=(DeviceStatus.IN_REPAIR,),
            to_status=DeviceStatus.AWAITING_RECONDITIONING,
            location=Location.RECONDITIONING,
            code="cannot_repair",
        )
    work.status = WorkOrderStatus.DONE
    work.done_at = business_time(on)
    work.outcome = outcome
    work.save(update_fields=["status", "done_at", "outcome"])
    device_event_record(
        kind=EventKind.REPAIR_DONE,
        device=device,
        from_status=old,
        to_status=device.status,
        acting_user=acting_user,
        on=on,
        data={"work_order": work.pk, "outcome": outcome},
    )
    return work


@transaction.atomic
def supportcase_open(
    *,
    subject: str,
    description: str,
    acting_user: ActingUser,
    product: Product | None = None,
    device: Device | None = None,
    unit: Unit | None = None,
    opened_on: datetime.date | None = None,
    external_id: str = "",
) -> SupportCase:
    if subject not in SupportSubject.values:
        raise InvalidInput("invalid_subject", _("Unknown subject."), field="subject")
    if not description.strip():
        raise InvalidInput("description_missing", _("Describe the problem."), field="description")
    if device is None and product is None:
        raise InvalidInput("product_missing", _("Name the device or the product."), field="product")
    if unit is not None:
        unit_or_centre_check(acting_user, unit.pk)
    case = SupportCase.objects.create(
        subject=subject,
        description=description.strip(),
        device=device,
        product=device.product if device is not None else product,  # type: ignore[misc]
        unit=unit,
        opened_at=business_time(opened_on),
        opened_by=actor_of(acting_user),
        external_id=external_id,
    )
    device_event_record(
        kind=EventKind.SUPPORT_OPENED,
        device=device,
        acting_user=acting_user,
        acting_unit=unit,
        on=opened_on,
        data={"support_case": case.pk, "subject": subject, "product": case.product.article_number},
    )
    return case


@transaction.atomic
def supportcase_close(
    *,
    case: SupportCase,
    resolution: str,
    acting_user: ActingUser,
    on: datetime.date | None = None,
) -> SupportCase:
    device_centre_check(acting_user)
    # Compare-and-swap: only an open case is closed, once.
    updated = SupportCase.objects.filter(pk=case.pk, closed_at__isnull=True).update(
        closed_at=business_time(on), resolution=resolution.strip()
    )
    if updated != 1:
        raise Conflict("case_already_closed", _("The support case is already closed."))
    case = SupportCase.objects.select_related("device").get(pk=case.pk)
    device_event_record(
        kind=EventKind.SUPPORT_CLOSED,
        device=case.device,
        acting_user=acting_user,
        on=on,
        data={"support_case": case.pk},
    )
    return case
