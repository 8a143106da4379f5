"""Order rows: an order's whole life in one row, from its submission through acceptance,
allocation, dispatch and delivery (or cancellation) to the device's pickup, return and
reconditioning. A row is read and its step dates settled as the actions need them; an
order imported before takes only the steps it has not yet taken, and a device the file
names but the register lacks is registered before its first allocation.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

from django.utils.translation import gettext as _

from catalog.models import Product
from core.errors import InvalidInput
from devices.actions import device_register, reconditioning_done, reconditioning_start
from devices.choices import EventKind
from devices.models import DeviceEvent
from logistics.actions import (
    delivery_confirm,
    delivery_dispatch,
    device_allocate,
    pickup_request,
    return_receive,
    training_record,
)
from logistics.choices import ReturnMethod
from logistics.history_import.reading import _Errors, _external_id, _Row, _Table
from logistics.history_import.references import _by_external_id, _References
from logistics.history_import.stream import _Plan, _present, _Step, _steps
from logistics.models import Loan, Training
from orders.actions import OrderInput, PatientInput, order_accept, order_cancel, order_submit
from orders.choices import DeliveryMethod, OrderKind, OrderStatus
from orders.models import Order
from orders.personal_numbers import personal_number_parse

ORDER_DELIVERY = ("accepted_on", "allocated_on", "dispatched_on", "delivered_on")
ORDER_RETURN = (
    "pickup_requested_on",
    "received_on",
    "reconditioning_started_on",
    "reconditioned_on",
)
ORDER_STEPS = ("ordered_on", *ORDER_DELIVERY, "cancelled_on", *ORDER_RETURN)
ORDER_REQUIRED = ("external_id", "ordered_on", "article_number", "kind", "prescriber_hsa_id")
ORDER_OPTIONAL = (
    *ORDER_STEPS[1:],
    "personal_number",
    "home_municipality",
    "criteria",
    "several_principals",
    "consultation_with",
    "consultation_on",
    "delivery_method",
    "pickup_point",
    "urgent",
    "trained_on",
    "serial_number",
    "cancel_reason",
    "return_method",
)
ORDER_KINDS, DELIVERY_METHODS = OrderKind.values, DeliveryMethod.values
RETURN_METHODS = ReturnMethod.values
STATUS_PASSED = {
    OrderStatus.SUBMITTED: (),
    OrderStatus.ACCEPTED: ORDER_DELIVERY[:1],
    OrderStatus.ALLOCATED: ORDER_DELIVERY[:2],
    OrderStatus.DISPATCHED: ORDER_DELIVERY[:3],
    OrderStatus.DELIVERED: ORDER_DELIVERY,
    OrderStatus.CANCELLED: ("accepted_on", "allocated_on", "cancelled_on"),
}


@dataclass
class _OrderRow:
    number: int
    data: OrderInput
    unit_column: str
    dates: dict[str, datetime.date]
    serial: str
    cancel_reason: str
    return_method: str
    trained_on: datetime.date | None
    order: Order | None = None
    loan: Loan | None = None


def _order_row_read(row: _Row, refs: _References, seen: set[str]) -> _OrderRow | None:
    external_id = _external_id(row, seen)
    product = refs.product(row)
    kind = row.choice("kind", ORDER_KINDS, required=True)
    unit, unit_column = refs.unit(row, required=True)
    prescriber = refs.person(row, "prescriber_hsa_id")
    patient = None
    number = row.text("personal_number")
    if kind == OrderKind.PRESCRIPTION:
        try:
            personal_number_parse(number)
        except InvalidInput as exc:
            row.error("personal_number", str(exc.message) if number else _("a value is required"))
        home = refs.municipality(row, "home_municipality")
        patient = PatientInput(personal_number=number, home_municipality=home)
    elif number:
        row.error("personal_number", _("a basic-equipment order has no patient"))
    method = row.choice("delivery_method", DELIVERY_METHODS) or DeliveryMethod.TOUR_VAN_UNIT
    serial = row.text("serial_number", max_length=64)
    if method == DeliveryMethod.LOCAL_STOCK and product is not None:
        refs.device(row, product, serial)  # a unit's local stock is registered beforehand
    criteria = row.text("criteria").split("|")
    several_principals = row.flag("several_principals")
    consultation_with = row.text("consultation_with", max_length=200)
    consultation_on = row.date("consultation_on")
    pickup_point = row.text("pickup_point", max_length=200)
    urgent = row.flag("urgent")
    cancel_reason = row.text("cancel_reason", max_length=200)
    return_method = row.choice("return_method", RETURN_METHODS)
    trained_on = row.date("trained_on")
    dates = _order_dates_settle(
        row,
        row.dates(ORDER_STEPS, required=("ordered_on",)),
        local_stock=method == DeliveryMethod.LOCAL_STOCK,
        serial=serial,
        cancel_reason=cancel_reason,
        return_method=return_method,
    )
    if row.failed or product is None or unit is None or prescriber is None:
        return None
    data = OrderInput(
        product=product,
        unit=unit,
        kind=kind,
        patient=patient,
        delivery_method=method,
        local_device_serial=serial if method == DeliveryMethod.LOCAL_STOCK else "",
        external_id=external_id,
        ordered_on=dates["ordered_on"],
        prescriber=prescriber,
        criteria=criteria,
        several_principals=several_principals,
        consultation_with=consultation_with,
        consultation_on=consultation_on,
        pickup_point=pickup_point,
        urgent=urgent,
    )
    return _OrderRow(
        row.number, data, unit_column, dates, serial, cancel_reason, return_method, trained_on
    )


def _order_dates_settle(
    row: _Row,
    dates: dict[str, datetime.date],
    *,
    local_stock: bool,
    serial: str,
    cancel_reason: str,
    return_method: str,
) -> dict[str, datetime.date]:
    """Check which steps go together, and give the steps the actions need before a later
    one the date of the next step given (docs/import.md). Returns the dates in step order."""
    if "cancelled_on" in dates:
        for column in ("dispatched_on", "delivered_on", *ORDER_RETURN):
            if column in dates:
                row.error(column, _("a cancelled order is not dispatched or delivered"))
    if local_stock:
        # Handed over from the unit's shelf: accepted, allocated and delivered at once.
        for column in (*ORDER_DELIVERY, "cancelled_on"):
            if column in dates and dates.pop(column) != dates.get("ordered_on"):
                row.error(column, _("a local-stock order is delivered on its order date"))
        if not serial:
            row.error("serial_number", _("a value is required"))
        delivered = True
    else:
        following = None
        for column in reversed(ORDER_DELIVERY):
            if column in dates:
                following = dates[column]
            elif following is not None:
                dates[column] = following
        delivered = "delivered_on" in dates
        row.needs("serial_number", bool(serial), "allocated_on", "allocated_on" in dates)
    for column in ORDER_RETURN[:2]:
        row.needs(column, column in dates, "delivered_on", delivered)
    for column in ORDER_RETURN[2:]:
        row.needs(column, column in dates, "received_on", "received_on" in dates)
    row.needs("cancel_reason", bool(cancel_reason), "cancelled_on", "cancelled_on" in dates)
    requested = "pickup_requested_on" in dates
    if return_method == ReturnMethod.HANDED_IN and requested:
        row.error("return_method", _("a device handed in has no pickup order"))
    elif return_method != ReturnMethod.HANDED_IN:
        row.needs("return_method", bool(return_method), "pickup_requested_on", requested)
    return {c: dates[c] for c in ORDER_STEPS if c in dates}


def _loan_of(order: Order) -> Loan | None:
    try:
        return order.loan
    except Loan.DoesNotExist:
        return None


def _reconditioning_passed(device_id: int, since_event_id: int) -> set[str]:
    """The reconditioning steps a device has taken since the event (its return)."""
    kinds = set(
        DeviceEvent.objects.filter(
            device_id=device_id,
            id__gt=since_event_id,
            kind__in=(EventKind.RECONDITIONING_STARTED, EventKind.RECONDITIONED),
        ).values_list("kind", flat=True)
    )
    if EventKind.RECONDITIONED in kinds:
        return {"reconditioning_started_on", "reconditioned_on"}
    return {"reconditioning_started_on"} if kinds else set()


def _order_passed(order: Order) -> set[str]:
    """The steps an order imported before has already taken."""
    passed = {"ordered_on", *STATUS_PASSED[OrderStatus(order.status)]}
    loan = _loan_of(order)
    if loan is not None and (loan.pickup_requested_on or loan.ended_on):
        passed.add("pickup_requested_on")
    if loan is not None and loan.ended_on is not None:
        passed.add("received_on")
        received = DeviceEvent.objects.filter(loan=loan, kind=EventKind.RECEIVED).last()
        if received is not None:
            passed |= _reconditioning_passed(loan.device_id, received.pk)
    return passed


def _submit(row: _OrderRow, on: datetime.date) -> None:
    row.order, _created = order_submit(data=row.data, acting_user=None)
    if row.data.delivery_method == DeliveryMethod.LOCAL_STOCK:
        row.loan = Loan.objects.get(order=row.order)


def _accept(row: _OrderRow, on: datetime.date) -> None:
    row.order = order_accept(order=_present(row.order), acting_user=None, on=on)


def _allocate(row: _OrderRow, on: datetime.date) -> None:
    order = _present(row.order)
    row.order = device_allocate(order=order, serial_number=row.serial, acting_user=None, on=on)


def _dispatch(row: _OrderRow, on: datetime.date) -> None:
    row.order = delivery_dispatch(order=_present(row.order), acting_user=None, on=on)


def _deliver(row: _OrderRow, on: datetime.date) -> None:
    row.loan = delivery_confirm(order=_present(row.order), delivered_on=on, acting_user=None)


def _cancel(row: _OrderRow, on: datetime.date) -> None:
    order = _present(row.order)
    row.order = order_cancel(order=order, reason=row.cancel_reason, acting_user=None, on=on)


def _pickup(row: _OrderRow, on: datetime.date) -> None:
    method = row.return_method or ReturnMethod.PICKUP
    row.loan, _code = pickup_request(
        loan=_present(row.loan), method=method, requested_on=on, acting_user=None
    )


def _receive(row: _OrderRow, on: datetime.date) -> None:
    row.loan = return_receive(loan=_present(row.loan), received_on=on, acting_user=None)


def _recondition_start(row: _OrderRow, on: datetime.date) -> None:
    reconditioning_start(device=_present(row.loan).device, acting_user=None, on=on)


def _recondition_done(row: _OrderRow, on: datetime.date) -> None:
    reconditioning_done(device=_present(row.loan).device, acting_user=None, on=on)


def _train(row: _OrderRow, on: datetime.date) -> None:
    unit, product = row.data.unit, row.data.product
    if not Training.objects.filter(unit=unit, product=product).exists():
        training_record(unit=unit, product=product, trained_on=on, acting_user=None)


def _register(product: Product, serial: str, on: datetime.date) -> None:
    device_register(product=product, serial_number=serial, acquired_on=on, acting_user=None)


ORDER_ACTIONS: dict[str, Callable[[_OrderRow, datetime.date], None]] = {
    "ordered_on": _submit,
    "accepted_on": _accept,
    "allocated_on": _allocate,
    "dispatched_on": _dispatch,
    "delivered_on": _deliver,
    "cancelled_on": _cancel,
    "pickup_requested_on": _pickup,
    "received_on": _receive,
    "reconditioning_started_on": _recondition_start,
    "reconditioned_on": _recondition_done,
}


def _orders_plan(table: _Table, errors: _Errors) -> _Plan:
    refs = _References(table)
    existing = _by_external_id(Order.objects.select_related("loan", "loan__device"), table)
    plan, seen = _Plan(rows=len(table.rows)), set[str]()
    # Devices not yet registered: registered (with the first order that uses them as
    # their acquisition date) before their first allocation.
    registrations: dict[tuple[Product, str], tuple[datetime.date, int]] = {}
    for number, cells in table.rows:
        if errors.full:
            break
        row = _Row(number, cells, errors)
        item = _order_row_read(row, refs, seen)
        if item is None:
            continue
        product = item.data.product
        order = existing.get(item.data.external_id)
        passed: set[str] = set()
        if order is not None:
            if order.product_id != product.pk:
                row.error(
                    "external_id", _("the external id belongs to an order of another product")
                )
                continue
            passed = _order_passed(order)
            item.order, item.loan = order, _loan_of(order)
        to_run = {c: d for c, d in item.dates.items() if c not in passed}
        steps = _steps(number, to_run, ORDER_ACTIONS, item, unit_column=item.unit_column)
        plan.add_row(steps, existing=order is not None)
        if item.trained_on and product.training_required and "dispatched_on" in to_run:
            plan.chains.append(
                _steps(number, {"trained_on": item.trained_on}, {"trained_on": _train}, item)
            )
        known = any(d.product_id == product.pk for d in refs.devices.get(item.serial, []))
        if item.serial and "allocated_on" in to_run and not known:
            first = (_present(item.data.ordered_on), number)
            registrations[(product, item.serial)] = min(
                registrations.get((product, item.serial), first), first
            )
    for (product, serial), (day, number) in registrations.items():
        run = partial(_register, product, serial, day)
        plan.chains.append([_Step(day, "serial_number", number, run)])
    plan.registrations = len(registrations)
    return plan
