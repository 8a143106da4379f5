"""The historical import: orders with their whole life, maintenance and support cases,
from CSV or Excel, with their real past dates. The formats are in docs/import.md.

A file is read and checked whole first (phase 1); only a file without errors is
imported (phase 2), in one transaction, through the same actions as live work, so the
same rules apply and every step writes its event on the day it happened. The steps of
all rows run as one stream in date order, so a device returned by one order can be
reconditioned and delivered to the next. Rows are matched on their external id: a row
imported before is not created again; only the steps it has not yet taken are run.
"""

from __future__ import annotations

import csv
import datetime
import heapq
import io
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from catalog.models import Product
from core.errors import DomainError, InvalidInput
from core.imports import ImportRefused, ImportRowError
from devices.actions import device_register, reconditioning_done, reconditioning_start
from devices.choices import EventKind
from devices.models import Device, DeviceEvent
from logistics.actions import (
    delivery_confirm,
    delivery_dispatch,
    device_allocate,
    pickup_request,
    return_receive,
    supportcase_close,
    supportcase_open,
    training_record,
    workorder_finish,
    workorder_report,
    workorder_start,
)
from logistics.choices import ReturnMethod, SupportSubject, WorkOrderOutcome, WorkOrderStatus
from logistics.models import Loan, SupportCase, Training, WorkOrder
from orders.actions import OrderInput, PatientInput, order_accept, order_cancel, order_submit
from orders.choices import DeliveryMethod, OrderKind, OrderStatus
from orders.models import Order
from orders.personal_numbers import personal_number_parse
from registry.choices import PrincipalKind
from registry.models import Person, Principal, Unit

MAX_ERRORS = 100
Cell = str | bool | datetime.date | None
T = TypeVar("T")
M = TypeVar("M", bound=models.Model)


class ImportKind(StrEnum):
    ORDERS = "orders"
    MAINTENANCE = "maintenance"
    SUPPORT = "support"


class HistoryImportError(ImportRefused):
    """The file was refused; nothing was imported."""

    def __init__(self, errors: list[ImportRowError]) -> None:
        super().__init__(errors)
        self.truncated = len(errors) >= MAX_ERRORS


@dataclass(frozen=True)
class HistoryImportResult:
    kind: str
    rows: int
    created: int  # rows new to the database
    advanced: int  # rows imported before that took further steps now
    unchanged: int  # rows imported before with nothing new
    devices_registered: int
    events: int
    dry_run: bool


class _Errors(list[ImportRowError]):
    @property
    def full(self) -> bool:
        return len(self) >= MAX_ERRORS

    def add(self, row: int, column: str, reason: str) -> None:
        if not self.full:
            self.append(ImportRowError(row, column, reason))


# --- Reading the file --------------------------------------------------------------------


@dataclass(frozen=True)
class _Table:
    columns: list[str]
    rows: list[tuple[int, dict[str, Cell]]]  # (row number, cells by column)


def _refused(reason: str, row: int = 1) -> HistoryImportError:
    return HistoryImportError([ImportRowError(row, "", reason)])


def _cell(value: object) -> Cell:
    if value is None or isinstance(value, bool | datetime.date):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel keeps numbers as floats: 1480.0 is "1480"
    return str(value).strip()


def _table(header: Any, records: Iterator[tuple[int, Any]]) -> _Table:
    columns = [str(c).strip().lower() if c is not None else "" for c in header]
    if not any(columns):
        raise _refused(_("the file has no header row"))
    rows = []
    for number, values in records:
        cells = [_cell(v) for v in values]
        if all(c in (None, "") for c in cells):
            continue
        if any(c not in (None, "") for c in cells[len(columns) :]):
            raise _refused(_("the row has more values than the header row"), number)
        rows.append((number, {c: v for c, v in zip(columns, cells, strict=False) if c}))
    return _Table(columns, rows)


def _csv_read(path: Path) -> _Table:
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            text = handle.read()
    except UnicodeDecodeError:
        raise _refused(_("the file is not UTF-8 text")) from None
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    return _table(next(reader, []), enumerate(reader, start=2))


def _xlsx_read(path: Path) -> _Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise _refused(_("the file cannot be read as an Excel workbook")) from None
    try:
        rows = book.worksheets[0].iter_rows(values_only=True)
        return _table(next(rows, ()), enumerate(rows, start=2))
    finally:
        book.close()


def _table_read(path: Path) -> _Table:
    """Excel (.xlsx, first sheet) or CSV (UTF-8, ``;`` or ``,``); the first row names
    the columns."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return _xlsx_read(path)
    return _csv_read(path)


def _columns_check(
    columns: list[str],
    required: tuple[str, ...],
    optional: tuple[str, ...],
    one_of: tuple[str, ...],
) -> list[ImportRowError]:
    missing = _("the column is missing from the header row")
    errors = [ImportRowError(1, c, missing) for c in required if c not in columns]
    if one_of and not set(one_of) & set(columns):
        errors.append(ImportRowError(1, one_of[0], missing))
    known = {*required, *optional, *one_of}
    for index, column in enumerate(columns):
        if column and column not in known:
            errors.append(ImportRowError(1, column, _("unknown column (see docs/import.md)")))
        elif column and column in columns[:index]:
            errors.append(ImportRowError(1, column, _("the column occurs twice in the header row")))
    return errors


# --- Reading one row ---------------------------------------------------------------------

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
TRUE_WORDS = frozenset({"true", "ja", "yes", "1"})
FALSE_WORDS = frozenset({"false", "nej", "no", "0", ""})


class _Row:
    """One row's cells, read with every error collected as it is found."""

    def __init__(self, number: int, cells: Mapping[str, Cell], errors: _Errors) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors
        self.failed = False
        self.unreadable_dates = False

    def error(self, column: str, reason: str) -> None:
        self.failed = True
        self.errors.add(self.number, column, reason)

    def text(self, column: str, *, required: bool = False, max_length: int = 0) -> str:
        value = self.cells.get(column)
        if isinstance(value, bool):
            text = "true" if value else "false"
        elif isinstance(value, datetime.date):
            text = value.isoformat()
        else:
            text = (value or "").strip()
        if required and not text:
            self.error(column, _("a value is required"))
        elif max_length and len(text) > max_length:
            self.error(column, _("longer than %(max)s characters") % {"max": max_length})
        return text

    def date(self, column: str, *, required: bool = False) -> datetime.date | None:
        value = self.cells.get(column)
        if value in (None, ""):
            if required:
                self.error(column, _("a value is required"))
            return None
        day = None
        if isinstance(value, datetime.datetime):
            day = value.date()
        elif isinstance(value, datetime.date):
            day = value
        elif isinstance(value, str) and ISO_DATE.match(value):
            try:
                day = datetime.date.fromisoformat(value)
            except ValueError:
                day = None
        if day is None:
            self.error(column, _("not a date (YYYY-MM-DD)"))
        elif day > timezone.localdate():
            self.error(column, _("the date is in the future"))
            day = None
        self.unreadable_dates |= day is None
        return day

    def choice(self, column: str, choices: list[str], *, required: bool = False) -> str:
        value = self.text(column, required=required).lower()
        if value and value not in choices:
            self.error(column, _("not one of: %(choices)s") % {"choices": ", ".join(choices)})
        return value

    def flag(self, column: str) -> bool:
        if isinstance(value := self.cells.get(column), bool):
            return value
        word = self.text(column).lower()
        if word not in TRUE_WORDS | FALSE_WORDS:
            self.error(column, _("not yes or no (true/false, ja/nej, 1/0)"))
        return word in TRUE_WORDS

    def dates(
        self, columns: tuple[str, ...], required: tuple[str, ...]
    ) -> dict[str, datetime.date]:
        """The step dates given, each on or after the step before it."""
        dates: dict[str, datetime.date] = {}
        for column in columns:
            day = self.date(column, required=column in required)
            if day is None:
                continue
            before = [(c, d) for c, d in dates.items() if d > day]
            if before:
                self.error(
                    column,
                    _("the date is before %(column)s (%(date)s)")
                    % {"column": before[-1][0], "date": before[-1][1].isoformat()},
                )
            dates[column] = day
        return dates

    def needs(self, column: str, given: bool, other: str, other_given: bool) -> None:
        """``column`` only together with ``other`` (not judged when a date was unreadable:
        its own error says enough)."""
        if given and not other_given and not self.unreadable_dates:
            self.error(column, _("only together with %(column)s") % {"column": other})


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _column_values(table: _Table, column: str) -> list[str]:
    return sorted({str(c[column]).strip() for _n, c in table.rows if c.get(column)})


class _References:
    """The assortment, registry and devices the rows refer to, read once."""

    def __init__(self, table: _Table) -> None:
        self.products = {p.article_number: p for p in Product.objects.all()}
        self.units = {u.pk: u for u in Unit.objects.select_related("principal")}
        self.units_by_hsa: dict[str, list[Unit]] = defaultdict(list)
        for unit in self.units.values():
            if unit.hsa_id:
                self.units_by_hsa[unit.hsa_id.upper()].append(unit)
        self.people: dict[str, list[Person]] = defaultdict(list)
        for person in Person.objects.exclude(hsa_id=""):
            self.people[person.hsa_id.upper()].append(person)
        self.principals = {p.code: p for p in Principal.objects.all()}
        self.devices: dict[str, list[Device]] = defaultdict(list)
        for chunk in _chunks(_column_values(table, "serial_number")):
            for device in Device.objects.filter(serial_number__in=chunk).select_related("product"):
                self.devices[device.serial_number].append(device)

    def product(self, row: _Row, *, required: bool = True) -> Product | None:
        number = row.text("article_number", required=required)
        product = self.products.get(number)
        if number and product is None:
            row.error("article_number", _("unknown article number"))
        return product

    def unit(self, row: _Row, *, required: bool) -> tuple[Unit | None, str]:
        """The unit by its HSA id or else by its id, and the column it was found in."""
        if hsa_id := row.text("unit_hsa_id").upper():
            units = self.units_by_hsa.get(hsa_id, [])
            if not units:
                row.error("unit_hsa_id", _("no unit has this HSA id"))
            elif len(units) > 1:
                row.error("unit_hsa_id", _("several units have this HSA id; use unit_id"))
            return (units[0] if len(units) == 1 else None), "unit_hsa_id"
        if pk := row.text("unit_id"):
            unit = self.units.get(int(pk)) if pk.isdigit() else None
            if unit is None:
                row.error("unit_id", _("unknown unit id"))
            return unit, "unit_id"
        if required:
            row.error("unit_hsa_id", _("a value is required"))
        return None, "unit_hsa_id"

    def person(self, row: _Row, column: str) -> Person | None:
        hsa_id = row.text(column, required=True).upper()
        people = self.people.get(hsa_id, [])
        if hsa_id and not people:
            row.error(column, _("no person has this HSA id"))
        elif len(people) > 1:
            row.error(column, _("several people have this HSA id"))
        return people[0] if len(people) == 1 else None

    def municipality(self, row: _Row, column: str) -> Principal | None:
        code = row.text(column)
        if code.isdigit() and len(code) in (1, 3):
            code = "0" + code  # the leading zero a spreadsheet drops (Stockholm is 0180)
        principal = self.principals.get(code)
        if code and (principal is None or principal.kind != PrincipalKind.MUNICIPALITY):
            row.error(column, _("no municipality has this code"))
            return None
        return principal

    def device(self, row: _Row, product: Product | None, serial: str) -> Device | None:
        """The registered device with the serial number (of the product, when given)."""
        devices = [
            d for d in self.devices.get(serial, []) if product is None or d.product_id == product.pk
        ]
        if len(devices) > 1:
            row.error(
                "serial_number",
                _("devices of several products have this serial number; give article_number"),
            )
        elif serial and not devices:
            row.error(
                "serial_number",
                _("no device of this product with this serial number is registered"),
            )
        return devices[0] if len(devices) == 1 else None


def _by_external_id(queryset: models.QuerySet[M], table: _Table) -> dict[str, M]:
    """The objects imported before, by the external ids in the file."""
    found: dict[str, M] = {}
    for chunk in _chunks(_column_values(table, "external_id")):
        for obj in queryset.filter(external_id__in=chunk):
            found[obj.serializable_value("external_id")] = obj
    return found


def _external_id(row: _Row, seen: set[str]) -> str:
    external_id = row.text("external_id", required=True, max_length=64)
    if external_id and external_id in seen:
        row.error("external_id", _("the external id occurs twice in the file"))
    seen.add(external_id)
    return external_id


# --- Running the steps -------------------------------------------------------------------

# On one day, steps that free a device run before steps that take one, so a device
# received and reconditioned in the morning can go to the next order that afternoon.
# A row's own steps always run in their order, whatever their rank.
STEP_RANK = {
    "serial_number": 0,  # registering a device before its first use
    "cancelled_on": 1,
    "done_on": 1,
    "closed_on": 1,
    "received_on": 2,
    "reconditioning_started_on": 3,
    "reconditioned_on": 4,
    "trained_on": 5,
    "ordered_on": 6,
    "reported_on": 6,
    "opened_on": 6,
    "accepted_on": 7,
    "started_on": 7,
    "allocated_on": 8,
    "dispatched_on": 9,
    "delivered_on": 10,
    "pickup_requested_on": 11,
}
# The field an action names in its error, and the column of the file it comes from.
FIELD_COLUMNS = {
    "product": "article_number",
    "local_device_serial": "serial_number",
    "method": "return_method",
    **{
        f: f
        for f in (
            "personal_number",
            "criteria",
            "consultation_with",
            "delivery_method",
            "pickup_point",
            "serial_number",
            "kind",
            "delivered_on",
            "fault",
            "outcome",
            "subject",
            "description",
        )
    },
}
# Refusals about who prescribed, or about the unit's principal, whatever field they name.
CODE_COLUMNS = {
    "not_member_of_unit": "prescriber_hsa_id",
    "profession_not_permitted": "prescriber_hsa_id",
    "principal_not_signed": "unit",
    "agreement_not_in_force": "unit",
}


@dataclass(frozen=True)
class _Step:
    on: datetime.date
    column: str  # the step's date column: its rank, and where its errors are shown
    row: int
    run: Callable[[], object]
    unit_column: str = "unit_hsa_id"

    @property
    def key(self) -> tuple[datetime.date, int, int]:
        return (self.on, STEP_RANK[self.column], self.row)

    def error_column(self, exc: DomainError) -> str:
        column = CODE_COLUMNS.get(exc.code) or FIELD_COLUMNS.get(exc.field or "", "")
        return self.unit_column if column == "unit" else column or self.column


@dataclass
class _Plan:
    """What phase 1 found: the chains of steps to run, and how the rows count."""

    rows: int = 0
    chains: list[list[_Step]] = field(default_factory=list)
    created: int = 0
    advanced: int = 0
    unchanged: int = 0
    registrations: int = 0

    def add_row(self, steps: list[_Step], *, existing: bool) -> None:
        self.chains.append(steps)
        if not existing:
            self.created += 1
        elif steps:
            self.advanced += 1
        else:
            self.unchanged += 1


def _steps_run(chains: list[list[_Step]], errors: _Errors, *, progress: bool) -> None:
    """Run the steps of every chain merged by (date, rank, row); a step runs only after
    the step before it in its chain. A refused step becomes a row error and the rest of
    its row is left out (the caller then rolls everything back)."""
    queue = [(c[0].key, i, 0) for i, c in enumerate(chains) if c]
    heapq.heapify(queue)
    failed_rows: set[int] = set()
    total = sum(map(len, chains))
    with tqdm(total=total, disable=not progress, unit=_("step"), desc=_("Importing")) as bar:
        while queue and not errors.full:
            _key, chain, index = heapq.heappop(queue)
            step = chains[chain][index]
            bar.update(1)
            if step.row in failed_rows:
                continue
            try:
                step.run()
            except DomainError as exc:
                errors.add(step.row, step.error_column(exc), str(exc.message))
                failed_rows.add(step.row)
                continue
            if index + 1 < len(chains[chain]):
                heapq.heappush(queue, (chains[chain][index + 1].key, chain, index + 1))


def _present(value: T | None) -> T:
    if value is None:  # a row's steps run in order, and an earlier one set this
        raise RuntimeError("a step ran before the step it builds on")
    return value


def _steps(
    row: int,
    dates: Mapping[str, datetime.date],
    actions: Mapping[str, Callable[..., Any]],
    *args: Any,
    unit_column: str = "unit_hsa_id",
) -> list[_Step]:
    """One step per date, in the order of ``dates``; each calls its action with ``args``
    and the date."""
    return [_Step(d, c, row, partial(actions[c], *args, d), unit_column) for c, d in dates.items()]


# --- Orders ------------------------------------------------------------------------------

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
    kind = row.choice("kind", OrderKind.values, required=True)
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
    method = row.choice("delivery_method", DeliveryMethod.values) or DeliveryMethod.TOUR_VAN_UNIT
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
    return_method = row.choice("return_method", ReturnMethod.values)
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


# --- Maintenance -------------------------------------------------------------------------

WORK_STEPS = ("reported_on", "started_on", "done_on", "reconditioned_on")
WORK_REQUIRED = ("external_id", "article_number", "serial_number", "reported_on", "fault")
WORK_OPTIONAL = ("unit_hsa_id", "unit_id", "started_on", "done_on", "outcome", "reconditioned_on")


@dataclass
class _WorkRow:
    external_id: str
    device: Device
    fault: str
    unit: Unit | None
    outcome: str
    work: WorkOrder | None = None


def _work_report(row: _WorkRow, on: datetime.date) -> None:
    row.work = workorder_report(
        device=row.device,
        fault=row.fault,
        unit=row.unit,
        reported_on=on,
        external_id=row.external_id,
        acting_user=None,
    )


def _work_start(row: _WorkRow, on: datetime.date) -> None:
    row.work = workorder_start(work_order=_present(row.work), acting_user=None, on=on)


def _work_finish(row: _WorkRow, on: datetime.date) -> None:
    work = _present(row.work)
    row.work = workorder_finish(work_order=work, outcome=row.outcome, acting_user=None, on=on)


def _work_recondition(row: _WorkRow, on: datetime.date) -> None:
    reconditioning_done(device=row.device, acting_user=None, on=on)


WORK_ACTIONS = {
    "reported_on": _work_report,
    "started_on": _work_start,
    "done_on": _work_finish,
    "reconditioned_on": _work_recondition,
}


def _work_passed(work: WorkOrder) -> set[str]:
    passed = {"reported_on"}
    if work.status != WorkOrderStatus.REPORTED:
        passed.add("started_on")
    if work.status == WorkOrderStatus.DONE:
        passed.add("done_on")
        done = DeviceEvent.objects.filter(
            device_id=work.device_id, kind=EventKind.REPAIR_DONE, data__work_order=work.pk
        ).last()
        if done is not None and "reconditioned_on" in _reconditioning_passed(
            work.device_id, done.pk
        ):
            passed.add("reconditioned_on")
    return passed


def _maintenance_plan(table: _Table, errors: _Errors) -> _Plan:
    refs = _References(table)
    existing = _by_external_id(WorkOrder.objects.all(), table)
    plan, seen = _Plan(rows=len(table.rows)), set[str]()
    for number, cells in table.rows:
        if errors.full:
            break
        row = _Row(number, cells, errors)
        external_id = _external_id(row, seen)
        product = refs.product(row)
        serial = row.text("serial_number", required=True)
        device = refs.device(row, product, serial) if product is not None else None
        fault = row.text("fault", required=True)
        unit, _column = refs.unit(row, required=False)
        outcome = row.choice("outcome", WorkOrderOutcome.values)
        dates = row.dates(WORK_STEPS, required=("reported_on",))
        if "done_on" in dates:
            dates.setdefault("started_on", dates["done_on"])
            if not outcome:
                row.error("outcome", _("a value is required"))
        row.needs("outcome", bool(outcome), "done_on", "done_on" in dates)
        row.needs("reconditioned_on", "reconditioned_on" in dates, "done_on", "done_on" in dates)
        if "reconditioned_on" in dates and outcome == WorkOrderOutcome.SCRAPPED:
            row.error("reconditioned_on", _("a scrapped device is not reconditioned"))
        work = existing.get(external_id)
        if work is not None and device is not None and work.device_id != device.pk:
            row.error("external_id", _("the external id belongs to a work order of another device"))
        if row.failed or device is None:
            continue
        item = _WorkRow(external_id, device, fault, unit, outcome, work)
        passed = _work_passed(work) if work is not None else set()
        to_run = {c: dates[c] for c in WORK_STEPS if c in dates and c not in passed}
        plan.add_row(_steps(number, to_run, WORK_ACTIONS, item), existing=work is not None)
    return plan


# --- Support -----------------------------------------------------------------------------

SUPPORT_REQUIRED = ("external_id", "opened_on", "subject", "description")
SUPPORT_OPTIONAL = ("unit_hsa_id", "unit_id", "closed_on", "resolution")


@dataclass
class _SupportRow:
    external_id: str
    subject: str
    description: str
    product: Product | None
    device: Device | None
    unit: Unit | None
    resolution: str
    case: SupportCase | None = None


def _support_open(row: _SupportRow, on: datetime.date) -> None:
    row.case = supportcase_open(
        subject=row.subject,
        description=row.description,
        product=row.product,
        device=row.device,
        unit=row.unit,
        opened_on=on,
        external_id=row.external_id,
        acting_user=None,
    )


def _support_close(row: _SupportRow, on: datetime.date) -> None:
    case = _present(row.case)
    row.case = supportcase_close(case=case, resolution=row.resolution, acting_user=None, on=on)


SUPPORT_ACTIONS = {"opened_on": _support_open, "closed_on": _support_close}


def _support_plan(table: _Table, errors: _Errors) -> _Plan:
    refs = _References(table)
    existing = _by_external_id(SupportCase.objects.all(), table)
    plan, seen = _Plan(rows=len(table.rows)), set[str]()
    for number, cells in table.rows:
        if errors.full:
            break
        row = _Row(number, cells, errors)
        external_id = _external_id(row, seen)
        subject = row.choice("subject", SupportSubject.values, required=True)
        description = row.text("description", required=True)
        product = refs.product(row, required=False)
        serial = row.text("serial_number")
        device = refs.device(row, product, serial) if serial and not row.failed else None
        if not serial and not row.text("article_number"):
            row.error("article_number", _("give article_number or serial_number"))
        unit, _column = refs.unit(row, required=False)
        resolution = row.text("resolution")
        dates = row.dates(("opened_on", "closed_on"), required=("opened_on",))
        row.needs("resolution", bool(resolution), "closed_on", "closed_on" in dates)
        if row.failed:
            continue
        case = existing.get(external_id)
        item = _SupportRow(
            external_id, subject, description, product, device, unit, resolution, case
        )
        passed = (
            set() if case is None else {"opened_on"} | ({"closed_on"} if case.closed_at else set())
        )
        to_run = {c: d for c, d in dates.items() if c not in passed}
        plan.add_row(_steps(number, to_run, SUPPORT_ACTIONS, item), existing=case is not None)
    return plan


# --- The import --------------------------------------------------------------------------


@dataclass(frozen=True)
class _Format:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    one_of: tuple[str, ...]
    plan: Callable[[_Table, _Errors], _Plan]


FORMATS = {
    ImportKind.ORDERS: _Format(
        ORDER_REQUIRED, ORDER_OPTIONAL, ("unit_hsa_id", "unit_id"), _orders_plan
    ),
    ImportKind.MAINTENANCE: _Format(WORK_REQUIRED, WORK_OPTIONAL, (), _maintenance_plan),
    ImportKind.SUPPORT: _Format(
        SUPPORT_REQUIRED, SUPPORT_OPTIONAL, ("article_number", "serial_number"), _support_plan
    ),
}


def history_import(
    kind: str, path: Path, *, dry_run: bool = False, progress: bool = False
) -> HistoryImportResult:
    """Import one file of ``kind`` (orders, maintenance or support), all or nothing.

    Raises HistoryImportError with every row error found (up to MAX_ERRORS) and imports
    nothing if any row is wrong or any action refuses a step. ``dry_run`` runs every
    step and rolls back; ``progress`` shows a progress bar on standard error."""
    spec = FORMATS[ImportKind(kind)]
    table = _table_read(path)
    errors = _Errors(_columns_check(table.columns, spec.required, spec.optional, spec.one_of))
    if errors:
        raise HistoryImportError(errors)
    plan = spec.plan(table, errors)
    if errors:
        raise HistoryImportError(errors)
    with transaction.atomic():
        before = DeviceEvent.objects.count()
        _steps_run(plan.chains, errors, progress=progress)
        events = DeviceEvent.objects.count() - before
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise HistoryImportError(errors)
    return HistoryImportResult(
        kind=kind,
        rows=plan.rows,
        created=plan.created,
        advanced=plan.advanced,
        unchanged=plan.unchanged,
        devices_registered=plan.registrations,
        events=events,
        dry_run=dry_run,
    )
