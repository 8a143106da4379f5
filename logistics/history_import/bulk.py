"""The bulk import of orders (``history_import(..., bulk=True)``, ``import_history
--bulk``): the rows the actions would write, derived row by row and written with COPY,
for files of a million rows.

The file is streamed in chunks and never held whole. Each row is read and checked by the
same code as the action path (``_order_row_read``) and the rules ``order_submit`` applies
(``bulk_checks.py``, same messages); its order, patient, loan and events are derived as
the actions would write them and written chunk by chunk, all in one transaction (a
chunk's orders, loans and events with COPY in a thread while the next chunk is read and
checked, see ``_BulkImport.run``). What depends on other rows is settled at the end from
work tables in the database, not from memory: whether each device's uses follow one
another in date order (a device must be back in stock before its next allocation), each
device's final state and acquisition date, each patient's latest home municipality, and
the training-gated orders.

Refused in bulk mode (use the normal mode): rows of orders imported before that the
file takes further, and allocations without a serial number (the oldest device in
stock depends on every other row's date). Errors are those of the action path; when
several rows are wrong, later errors that follow from an earlier refused row may differ.
"""

from __future__ import annotations

import contextlib
import datetime
import heapq
import itertools
import json
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from tqdm import tqdm

from catalog.models import Product
from core.db import model_columns
from core.errors import InvalidInput
from core.imports import ImportRowError
from devices.choices import DeviceStatus, EventKind, Location
from devices.events import NOON
from devices.models import Device, DeviceEvent
from logistics.actions import RETURN_CODE_ALPHABET, RETURN_CODE_LENGTH, return_code_hash
from logistics.calendar import PICKUP_WITHIN, RENT_STOPS_AFTER
from logistics.calendar import add_working_days as _add_working_days
from logistics.calendar import working_days_between as _working_days_between
from logistics.choices import ReturnMethod
from logistics.history_import.bulk_checks import SubmitRules
from logistics.history_import.bulk_write import (
    ChunkWriter,
    Ids,
    Table,
    copy_value,
    model_table,
    temp_tables_create,
    temp_tables_drop,
    temp_tables_index,
)
from logistics.history_import.orders import (
    ORDER_OPTIONAL,
    ORDER_REQUIRED,
    _order_passed,
    _order_row_read,
    _OrderRow,
)
from logistics.history_import.reading import (
    MAX_ERRORS,
    Cell,
    HistoryImportError,
    _columns_check,
    _Errors,
    _Row,
    _stream_open,
)
from logistics.history_import.references import _chunks, _References
from logistics.history_import.stream import STEP_RANK, _present
from logistics.models import Loan, Training
from orders.choices import DeliveryMethod, OrderStatus
from orders.models import Order, Patient
from orders.personal_numbers import PersonalNumber, personal_number_parse
from registry.models import Unit

CHUNK_ROWS = 5_000  # rows read, checked and written at a time: bounds the memory
ROW_BITS = 27  # row numbers below 134 million

add_working_days = lru_cache(maxsize=20_000)(_add_working_days)
working_days_between = lru_cache(maxsize=20_000)(_working_days_between)


@lru_cache(maxsize=10_000)
def _personal_number(text: str) -> PersonalNumber:
    return personal_number_parse(text)


def _key(day: datetime.date, column: str, row: int) -> int:
    """The action path's stream order (date, rank, row) as one integer."""
    return ((day.toordinal() * 32 + STEP_RANK[column]) << ROW_BITS) | row


def _key_row(key: int) -> int:
    return key & ((1 << ROW_BITS) - 1)


def _key_date(key: int) -> datetime.date:
    return datetime.date.fromordinal((key >> ROW_BITS) // 32)


_JsonKey = tuple[tuple[str, Any], ...]
_JSON_CACHE: dict[_JsonKey, str] = {}
_COPY_JSON_CACHE: dict[_JsonKey, str] = {}


def _json_cached(
    data: dict[str, Any] | None, cache: dict[_JsonKey, str], render: Callable[[str], str]
) -> str:
    """``render(json.dumps(data))``; the few data that recur (most steps' data) rendered
    once, in ``cache``."""
    if not data:
        return "{}"
    key = tuple(data.items())
    try:
        text = cache.get(key)
    except TypeError:  # an unhashable value
        return render(json.dumps(data))
    if text is None:
        text = render(json.dumps(data))
        if len(cache) < 10_000:
            cache[key] = text
    return text


def _json(data: dict[str, Any] | None) -> str:
    """The event's data as JSON."""
    return _json_cached(data, _JSON_CACHE, str)


def _json_copy(data: dict[str, Any] | None) -> str:
    """``_json`` as COPY text: json.dumps escapes control characters with backslashes,
    which COPY's text format doubles."""
    return _json_cached(data, _COPY_JSON_CACHE, copy_value)


def _select_in(select: str, column: str, values: Sequence[Any]) -> list[tuple[Any, ...]]:
    """The rows of ``select`` (ending in WHERE or AND) whose ``column`` is one of the
    values: one query with an array on PostgreSQL (cheap to send for thousands of
    values), IN lists of 500 elsewhere."""
    rows: list[tuple[Any, ...]] = []
    if not values:
        return rows
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{select} {column} = ANY(%s)", [list(values)])
            return list(cursor.fetchall())
        for start in range(0, len(values), 500):
            part = list(values[start : start + 500])
            cursor.execute(f"{select} {column} IN ({', '.join(['%s'] * len(part))})", part)
            rows.extend(cursor.fetchall())
    return rows


def _id_text(value: int | None) -> str:
    return "\\N" if value is None else str(value)


@dataclass
class _Chunk:
    """A chunk's rows, what they name, and what the database says about them (read
    before the rows are checked)."""

    rows: list[_Row]
    ids: list[str]  # the external ids given
    serials: list[str]
    numbers: list[str]  # the personal numbers given (digits)
    seen: set[str] = field(default_factory=set)
    existing: dict[str, Order] = field(default_factory=dict)


@dataclass
class BulkResult:
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    devices_registered: int = 0
    events: int = 0


@dataclass
class _StreamErrors:
    """The refusals the action path would meet running its steps, kept as the
    MAX_ERRORS earliest in its stream order, at most one per row (a row stops at its
    first)."""

    heap: list[tuple[int, int, str, str]] = field(default_factory=list)  # (-key, row, col, msg)
    rows: dict[int, int] = field(default_factory=dict)

    def add(self, key: int, column: str, message: str) -> None:
        row = _key_row(key)
        if row in self.rows:
            if self.rows[row] <= key:
                return
            self.heap = [h for h in self.heap if h[1] != row]
            heapq.heapify(self.heap)
        if len(self.heap) >= MAX_ERRORS:
            if -self.heap[0][0] < key:
                return
            _k, dropped, _c, _m = heapq.heappop(self.heap)
            del self.rows[dropped]
        heapq.heappush(self.heap, (-key, row, column, message))
        self.rows[row] = key

    def __bool__(self) -> bool:
        return bool(self.heap)

    def errors(self) -> list[ImportRowError]:
        return [
            ImportRowError(row, col, msg) for _k, row, col, msg in sorted(self.heap, reverse=True)
        ]


# The device's state after a row's last step that touched it: (status, location, unit?).
_FREE = (DeviceStatus.IN_STOCK, Location.CENTRE)
END_STATES = {
    "allocated_on": (DeviceStatus.RESERVED, Location.CENTRE),
    "dispatched_on": (DeviceStatus.IN_TRANSIT, Location.IN_TRANSIT),
    "cancelled_on": _FREE,
    "received_on": (DeviceStatus.AWAITING_RECONDITIONING, Location.RECONDITIONING),
    "reconditioning_started_on": (DeviceStatus.IN_RECONDITIONING, Location.RECONDITIONING),
    "reconditioned_on": _FREE,
}
DEVICE_STEPS = (
    "allocated_on",
    "dispatched_on",
    "delivered_on",
    "cancelled_on",
    "pickup_requested_on",
    "received_on",
    "reconditioning_started_on",
    "reconditioned_on",
)


class _BulkImport:
    def __init__(self, errors: _Errors, *, progress: bool) -> None:
        self.errors = errors
        self.stream_errors = _StreamErrors()
        self.result = BulkResult()
        self.progress = progress
        self.writer = ChunkWriter()  # broken once a chunk's rows broke a constraint
        self.now = timezone.now()
        self.now_text = copy_value(self.now)
        self.today = timezone.localdate(self.now)
        self.refs = _References(None)
        self.rules = SubmitRules()
        self.trainings = set(Training.objects.values_list("unit_id", "product_id"))
        self.trained: dict[tuple[int, int], int] = {}  # (unit, product) -> first training key
        self.order_ids, self.loan_ids = Ids(Order), Ids(Loan)
        self.device_ids, self.patient_ids = Ids(Device), Ids(Patient)
        self.orders = model_table(Order, ORDER_COLUMNS)
        self.loans = model_table(Loan, LOAN_COLUMNS)
        self.events = model_table(DeviceEvent, EVENT_COLUMNS)
        self.devices = model_table(Device, DEVICE_COLUMNS)
        self.patients = model_table(Patient, PATIENT_COLUMNS)
        self.seen = Table("hi_seen", ["external_id"])
        self.intervals = Table(
            "hi_interval",
            [
                "device_id",
                "start_key",
                "end_key",
                "row_no",
                "local_req",
                "req_unit",
                "end_status",
                "end_location",
                "end_unit",
            ],
        )
        self.new_devices = Table("hi_new_device", ["device_id"])
        self.analyzed_at = 5_000  # rows in hi_seen when it was last analysed
        self.registrations = Table("hi_registration", ["device_id", "reg_date"])
        self.homes = Table("hi_patient_home", ["patient_id", "sort_key", "home_id"])
        self.gated = Table(
            "hi_gated",
            ["order_id", "unit_id", "product_id", "accept_key", "dispatch_key", "row_no"],
        )
        # Per chunk: the devices this import registered, and the patients known.
        self.chunk_new_devices: dict[tuple[int, str], int] = {}
        self.chunk_patients: dict[str, int] = {}

    # --- Time ---------------------------------------------------------------------------

    @lru_cache(maxsize=8192)  # noqa: B019 (one import object, a few thousand days)
    def at(self, day: datetime.date) -> datetime.datetime:
        """As ``devices.events.business_time``: noon Stockholm time, or now for today."""
        if day == self.today:
            return self.now
        return timezone.make_aware(datetime.datetime.combine(day, NOON))

    def event(
        self,
        kind: str,
        day: datetime.date,
        *,
        device: int | None = None,
        order: int | None = None,
        loan: int | None = None,
        from_status: str = "",
        to_status: str = "",
        unit: int | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        if self.events.copy:  # the line written directly: most of the rows are events
            self.events.rows.append(
                f"{_id_text(device)}\t{_id_text(order)}\t{_id_text(loan)}\t{kind}\t"
                f"{from_status}\t{to_status}\t{self.at_text(day)}\t{self.now_text}\t\\N\t"
                f"{_id_text(unit)}\t{_json_copy(data)}\n"
            )
            return
        self.events.add(
            device,
            order,
            loan,
            kind,
            from_status,
            to_status,
            self.at(day),
            self.now,
            None,
            unit,
            _json(data),
        )

    @lru_cache(maxsize=8192)  # noqa: B019 (as at)
    def at_text(self, day: datetime.date) -> str:
        return copy_value(self.at(day))

    # --- Chunks -------------------------------------------------------------------------

    def run(self, records: Iterator[tuple[int, dict[str, Cell]]]) -> None:
        """Chunk by chunk: while a chunk's orders, loans and events are written (in a
        thread, see ChunkWriter), the next chunk is read and checked. What the next
        chunk's lookups need of the one before (the devices it registered, its patients,
        the external ids seen) is written first, before the lookups."""
        # Read only at the end (outside the savepoint: the checks there read them).
        at_end = (self.intervals, self.registrations, self.homes, self.gated)
        written = (self.orders, self.loans, self.events)
        with tqdm(disable=not self.progress, unit=_("row"), desc=_("Importing")) as bar:
            try:
                first = list(itertools.islice(records, CHUNK_ROWS))
                chunk = self._prepare(self._rows(first)) if first else None
                while chunk is not None:
                    # The chunk before's (none the first time).
                    self.writer.write(at_end, written)
                    self._process(chunk)
                    bar.update(len(chunk.rows))
                    if self.errors.full:
                        break
                    following = list(itertools.islice(records, CHUNK_ROWS))
                    upcoming = self._rows(following) if following else None
                    self.writer.wait()
                    self._flush()
                    chunk = self._prepare(upcoming) if upcoming is not None else None
                self.writer.write(at_end, written)
                self.writer.wait()
            finally:
                self.writer.abandon()

    def _work_tables_analyze(self) -> None:
        """Statistics for the work tables looked up chunk by chunk, each time they have
        doubled: temporary tables get no autovacuum, and without statistics the planner
        scans the whole table for each lookup (quadratic over a file)."""
        if connection.vendor != "postgresql" or self.seen.written < 2 * self.analyzed_at:
            return
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE hi_seen")
            cursor.execute("ANALYZE hi_new_device")
        self.analyzed_at = self.seen.written

    def _seen_before(self, ids: list[str]) -> set[str]:
        return {
            r[0] for r in _select_in("SELECT external_id FROM hi_seen WHERE", "external_id", ids)
        }

    def _devices_load(self, serials: list[str]) -> None:
        """The chunk's devices: those registered before the import (what the rows may
        name as registered) and those this import registered."""
        found = [
            d
            for part in _chunks(serials)
            for d in Device.objects.filter(serial_number__in=part).only(
                "id", "serial_number", "product_id"
            )
        ]
        new = {
            r[0]
            for r in _select_in(
                "SELECT device_id FROM hi_new_device WHERE", "device_id", [d.pk for d in found]
            )
        }
        self.refs.devices.clear()
        self.chunk_new_devices = {}
        for d in found:
            if d.pk in new:
                self.chunk_new_devices[(d.product_id, d.serial_number)] = d.pk
            else:
                self.refs.devices[d.serial_number].append(d)

    def _patients_load(self, numbers: list[str]) -> None:
        self.chunk_patients = dict(
            _select_in(
                f"SELECT personal_number, id FROM {Patient._meta.db_table} WHERE",  # noqa: S608
                "personal_number",
                numbers,
            )
        )

    def _rows(self, records: list[tuple[int, dict[str, Cell]]]) -> _Chunk:
        """A chunk's rows and what they name (no query: done while the chunk before is
        being written)."""
        self.result.rows += len(records)
        reader_errors = _Errors()
        rows = [_Row(n, cells, reader_errors) for n, cells in records]
        numbers = set()
        for row in rows:
            row.today = self.today
            # The patients of every personal number given (those of wrong rows too).
            if text := row.text("personal_number"):
                with contextlib.suppress(InvalidInput):
                    numbers.add(_personal_number(text).digits)
        return _Chunk(
            rows,
            sorted({i for r in rows if (i := r.text("external_id"))}),
            sorted({s for r in rows if (s := r.text("serial_number"))}),
            sorted(numbers),
        )

    def _prepare(self, chunk: _Chunk) -> _Chunk:
        """The chunk's lookups: the external ids seen before (and now these), the devices
        and patients the rows name, the orders imported before."""
        chunk.seen = self._seen_before(chunk.ids)
        for external_id in chunk.ids:
            if external_id not in chunk.seen:
                self.seen.add(external_id)
        self.seen.flush()
        self._work_tables_analyze()
        self._devices_load(chunk.serials)
        # Which ids are known first (an index lookup), then only those orders with their
        # loans: a join over the growing loans table for every chunk would be quadratic.
        # (The unique index on external_id leaves out ''; PostgreSQL proves a list of
        # more than 100 values implies that only when it is said: else a scan a query.)
        found = [
            r[0]
            for r in _select_in(
                f"SELECT external_id FROM {Order._meta.db_table}"  # noqa: S608
                " WHERE NOT (external_id = '') AND",
                "external_id",
                chunk.ids,
            )
        ]
        chunk.existing = {
            o.external_id: o
            for part in _chunks(found)
            for o in Order.objects.select_related("loan", "loan__device")
            .filter(external_id__in=part)
            .exclude(external_id="")
        }
        self._patients_load(chunk.numbers)
        # Ids at hand: none is fetched while the chunk before is being written.
        for pool in (self.order_ids, self.loan_ids, self.device_ids, self.patient_ids):
            pool.reserve(len(chunk.rows))
        return chunk

    def _process(self, chunk: _Chunk) -> None:
        """Read and check the chunk's rows, and derive the rows of its new orders."""
        items = self._read(chunk.rows, chunk.seen, chunk.existing)
        if self.errors:
            return
        for item in items:
            self._derive(item)

    def _read(
        self, rows: list[_Row], seen: set[str], existing: dict[str, Order]
    ) -> list[_OrderRow]:
        """Read and check each row as the action path does; the new orders to write."""
        items = []
        for row in rows:
            if self.errors.full:
                break
            row.errors = self.errors
            item = _order_row_read(row, self.refs, seen)
            if item is None:
                continue
            order = existing.get(item.data.external_id)
            if order is not None:
                if order.product_id != item.data.product.pk:
                    row.error(
                        "external_id", _("the external id belongs to an order of another product")
                    )
                elif {c for c in item.dates if c not in _order_passed(order)}:
                    row.error(
                        "external_id",
                        _(
                            "the order was imported before and this row takes it further; "
                            "the bulk import only creates new orders: import the file "
                            "without --bulk"
                        ),
                    )
                else:
                    self.result.unchanged += 1
                continue
            if "allocated_on" in item.dates and not item.serial:
                row.error(
                    "serial_number",
                    _(
                        "the bulk import needs the serial number of every device allocated: "
                        "import the file without --bulk"
                    ),
                )
                continue
            self.result.created += 1
            items.append(item)
        return items

    def _flush(self) -> None:
        """What the next chunk's lookups read (and the check at the end), written at
        once. The rest follows in the ChunkWriter's thread, the orders, loans and events
        in its savepoint: a device used by two rows at once breaks a unique constraint
        there; the check at the end names the rows, so writing stops and checking goes
        on."""
        for table in (self.devices, self.patients, self.new_devices):
            table.flush()

    # --- One row ------------------------------------------------------------------------

    def _patient(self, item: _OrderRow, key: int) -> int | None:
        patient = item.data.patient
        if patient is None:
            return None
        number = _personal_number(patient.personal_number)
        home = patient.home_municipality
        pk = self.chunk_patients.get(number.digits)
        if pk is None:
            pk = self.patient_ids.take()
            self.chunk_patients[number.digits] = pk
            self.patients.add(
                pk,
                number.digits,
                number.is_coordination_number,
                False,
                "",
                "",
                "",
                "",
                "",
                home.pk if home else None,
            )
        if home is not None:
            self.homes.add(pk, key, home.pk)
        return pk

    def _device(self, item: _OrderRow, on: datetime.date, row: int) -> int:
        product = item.data.product
        known = [d for d in self.refs.devices.get(item.serial, []) if d.product_id == product.pk]
        if known:
            return known[0].pk
        pk = self.chunk_new_devices.get((product.pk, item.serial))
        if pk is None:
            pk = self.device_ids.take()
            self.chunk_new_devices[(product.pk, item.serial)] = pk
            self.devices.add(pk, product.pk, item.serial, "", "", on, *_FREE, None)
            self.new_devices.add(pk)
        self.registrations.add(pk, item.data.ordered_on)
        return pk

    def _derive(self, item: _OrderRow) -> None:
        """The rows the actions would write for one new order, in its steps' order."""
        data, dates, row = item.data, item.dates, item.number
        product, unit = data.product, data.unit
        ordered_on = dates["ordered_on"]
        submit_key = _key(ordered_on, "ordered_on", row)
        refusal = self.rules.refusal(data, item.unit_column)
        if refusal is not None:
            self.stream_errors.add(submit_key, refusal.column, refusal.message)
            return
        guidance = _present(self.rules.guidance_in_force(product, ordered_on))
        order_id = self.order_ids.take()
        patient_id = self._patient(item, submit_key)
        cost_bearer = self.rules.cost_bearer_id(guidance, unit.principal_id)
        at_patient = Location.PATIENT if patient_id else Location.UNIT
        local = data.delivery_method == DeliveryMethod.LOCAL_STOCK
        self.event(
            EventKind.ORDER_SUBMITTED,
            ordered_on,
            order=order_id,
            to_status=OrderStatus.SUBMITTED,
            unit=unit.pk,
            data={"product": product.article_number, "guidance_version": guidance.version},
        )
        status = OrderStatus.SUBMITTED
        device: int | None = None
        loan: int | None = None
        delivered_on: datetime.date | None = None
        working_days: int | None = None
        start_key = end_key = 0
        end_state: tuple[str, str] = _FREE
        if local:
            device = next(
                d.pk for d in self.refs.devices[item.serial] if d.product_id == product.pk
            )
            for old, new, kind in (
                (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, EventKind.ORDER_ACCEPTED),
                (OrderStatus.ACCEPTED, OrderStatus.ALLOCATED, EventKind.ALLOCATED),
            ):
                self.event(
                    kind,
                    ordered_on,
                    order=order_id,
                    device=device if new == OrderStatus.ALLOCATED else None,
                    from_status=old,
                    to_status=new,
                    unit=unit.pk,
                )
            loan, delivered_on, working_days = self.loan_ids.take(), ordered_on, 0
            self.event(
                EventKind.DELIVERED,
                ordered_on,
                order=order_id,
                device=device,
                loan=loan,
                from_status=DeviceStatus.IN_STOCK,
                to_status=DeviceStatus.ON_LOAN,
                unit=unit.pk,
                data={
                    "order_from": OrderStatus.ALLOCATED,
                    "order_to": OrderStatus.DELIVERED,
                    "working_days": 0,
                    "local_stock": True,
                },
            )
            status = OrderStatus.DELIVERED
            start_key = end_key = submit_key
            end_state = (DeviceStatus.ON_LOAN, at_patient)
        waits = False
        if "accepted_on" in dates:
            day = dates["accepted_on"]
            accept_key = _key(day, "accepted_on", row)
            gated = product.training_required and (unit.pk, product.pk) not in self.trainings
            if gated:  # whether it waited is settled when every training is known
                dispatched = dates.get("dispatched_on")
                self.gated.add(
                    order_id,
                    unit.pk,
                    product.pk,
                    accept_key,
                    _key(dispatched, "dispatched_on", row) if dispatched else None,
                    row,
                )
            else:
                self.event(
                    EventKind.ORDER_ACCEPTED,
                    day,
                    order=order_id,
                    from_status=OrderStatus.SUBMITTED,
                    to_status=OrderStatus.ACCEPTED,
                    data={"waits_for_training": False},
                )
            status = OrderStatus.ACCEPTED
        pair = (unit.pk, product.pk)
        if (
            item.trained_on
            and product.training_required
            and "dispatched_on" in dates
            and pair not in self.trainings  # recorded before: the step changes nothing
        ):
            trained_key = _key(item.trained_on, "trained_on", row)
            self.trained[pair] = min(self.trained.get(pair, trained_key), trained_key)
        if "allocated_on" in dates:
            day = dates["allocated_on"]
            device = self._device(item, ordered_on, row)
            self.event(
                EventKind.ALLOCATED,
                day,
                order=order_id,
                device=device,
                from_status=DeviceStatus.IN_STOCK,
                to_status=DeviceStatus.RESERVED,
                data={"order_from": OrderStatus.ACCEPTED, "order_to": OrderStatus.ALLOCATED},
            )
            status = OrderStatus.ALLOCATED
            start_key = _key(day, "allocated_on", row)
        if "dispatched_on" in dates:
            self.event(
                EventKind.DISPATCHED,
                dates["dispatched_on"],
                order=order_id,
                device=device,
                from_status=DeviceStatus.RESERVED,
                to_status=DeviceStatus.IN_TRANSIT,
                data={
                    "order_from": OrderStatus.ALLOCATED,
                    "order_to": OrderStatus.DISPATCHED,
                    "method": data.delivery_method,
                },
            )
            status = OrderStatus.DISPATCHED
        if "delivered_on" in dates:
            delivered_on = dates["delivered_on"]
            working_days = working_days_between(ordered_on, delivered_on)
            loan = self.loan_ids.take()
            self.event(
                EventKind.DELIVERED,
                delivered_on,
                order=order_id,
                device=device,
                loan=loan,
                from_status=DeviceStatus.IN_TRANSIT,
                to_status=DeviceStatus.ON_LOAN,
                data={
                    "order_from": OrderStatus.DISPATCHED,
                    "order_to": OrderStatus.DELIVERED,
                    "working_days": working_days,
                },
            )
            status = OrderStatus.DELIVERED
            end_state = (DeviceStatus.ON_LOAN, at_patient)
        cancel_reason = ""
        if "cancelled_on" in dates:
            day = dates["cancelled_on"]
            if device is not None:
                self.event(
                    EventKind.DEALLOCATED,
                    day,
                    order=order_id,
                    device=device,
                    from_status=DeviceStatus.RESERVED,
                    to_status=DeviceStatus.IN_STOCK,
                )
            cancel_reason = item.cancel_reason.strip()[:200]
            self.event(
                EventKind.ORDER_CANCELLED,
                day,
                order=order_id,
                from_status=status,
                to_status=OrderStatus.CANCELLED,
                data={"reason": cancel_reason},
            )
            status = OrderStatus.CANCELLED
        loan_row = self._return_steps(item, order_id, device, loan)
        if device is not None:
            last = next((c for c in reversed(DEVICE_STEPS) if c in dates), None)
            if last is not None:
                end_key = _key(dates[last], last, row)
                end_state = END_STATES.get(last, end_state)
                if last == "pickup_requested_on":
                    end_state = (DeviceStatus.RETURNING, at_patient)
            on_loan = end_state[0] in (DeviceStatus.ON_LOAN, DeviceStatus.RETURNING)
            self.intervals.add(
                device,
                start_key,
                end_key,
                row,
                1 if local else 0,
                unit.pk if local else None,
                end_state[0],
                end_state[1],
                unit.pk if on_loan else None,
            )
        if loan is not None:
            self.loans.add(
                loan,
                device,
                order_id,
                patient_id,
                unit.pk,
                cost_bearer,
                delivered_on,
                *loan_row,
            )
        urgent = data.urgent
        self.orders.add(
            order_id,
            data.kind,
            status,
            product.pk,
            guidance.pk,
            patient_id,
            unit.pk,
            unit.principal_id,
            data.prescriber.pk if data.prescriber else None,
            cost_bearer,
            json.dumps([c.strip() for c in data.criteria if c.strip()]),
            data.several_principals,
            data.consultation_with.strip(),
            data.consultation_on,
            data.delivery_method,
            data.pickup_point.strip(),
            urgent,
            settings.URGENT_DELIVERY_FEE if urgent else 0,
            "",
            ordered_on,
            add_working_days(ordered_on, 1 if urgent else product.agreed_delivery_days),
            waits,
            None if status == OrderStatus.CANCELLED else device,
            delivered_on,
            working_days,
            cancel_reason,
            None,
            self.now,
            "",
            data.external_id,
        )

    def _return_steps(
        self, item: _OrderRow, order: int, device: int | None, loan: int | None
    ) -> tuple[Any, ...]:
        """The pickup, receipt and reconditioning events; the loan's return columns
        (pickup_requested_on, return_method, return_code_hash, pickup_due_on,
        rent_stops_on, ended_on)."""
        dates = item.dates
        requested = dates.get("pickup_requested_on")
        method, code_hash, due, rent_stops = "", "", None, None
        if requested is not None:
            method = item.return_method or ReturnMethod.PICKUP
            if method == ReturnMethod.POST_AGENT:
                code = "".join(
                    secrets.choice(RETURN_CODE_ALPHABET) for _i in range(RETURN_CODE_LENGTH)
                )
                code_hash = return_code_hash(code)
            due = add_working_days(requested, PICKUP_WITHIN)
            rent_stops = add_working_days(requested, RENT_STOPS_AFTER)
            self.event(
                EventKind.RETURN_CODE_ISSUED
                if method == ReturnMethod.POST_AGENT
                else EventKind.PICKUP_REQUESTED,
                requested,
                device=device,
                order=order,
                loan=loan,
                from_status=DeviceStatus.ON_LOAN,
                to_status=DeviceStatus.RETURNING,
                data={"method": method, "rent_stops_on": rent_stops.isoformat()},
            )
        received = dates.get("received_on")
        if received is not None:
            if requested is None:
                method, rent_stops = ReturnMethod.HANDED_IN, received
            code_hash = ""
            self.event(
                EventKind.RECEIVED,
                received,
                device=device,
                order=order,
                loan=loan,
                from_status=DeviceStatus.RETURNING if requested else DeviceStatus.ON_LOAN,
                to_status=DeviceStatus.AWAITING_RECONDITIONING,
                data={"method": method},
            )
        started = dates.get("reconditioning_started_on")
        if started is not None:
            self.event(
                EventKind.RECONDITIONING_STARTED,
                started,
                device=device,
                from_status=DeviceStatus.AWAITING_RECONDITIONING,
                to_status=DeviceStatus.IN_RECONDITIONING,
            )
        if (done := dates.get("reconditioned_on")) is not None:
            self.event(
                EventKind.RECONDITIONED,
                done,
                device=device,
                from_status=DeviceStatus.IN_RECONDITIONING
                if started
                else DeviceStatus.AWAITING_RECONDITIONING,
                to_status=DeviceStatus.IN_STOCK,
            )
        return (requested, method, code_hash, due, rent_stops, received)

    # --- What depends on other rows, settled at the end ---------------------------------

    def finish(self) -> None:
        if self.errors:
            return
        temp_tables_index()
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:  # temporary tables get no autovacuum
                for table in ("hi_interval", "hi_new_device", "hi_registration", "hi_patient_home"):
                    cursor.execute(f"ANALYZE {table}")
        self._devices_check()
        self._training_settle()
        if self.errors or self.stream_errors:
            return
        if self.writer.broken:  # a constraint broke, yet no row was found wrong
            raise RuntimeError("the bulk import broke a constraint the checks did not find")
        self._devices_settle()
        self._patients_settle()
        self.events.flush()
        self.result.events = self.events.written

    def _devices_check(self) -> None:
        """Each device's uses in date order, as the action path's stream meets them: a
        use starts only with the device in stock (at the centre, or for a local-stock
        order on the unit's shelf) and after the use before it has ended."""
        flagged_sql = """
            SELECT DISTINCT i.device_id FROM (
                SELECT device_id, start_key, local_req, req_unit,
                       LAG(end_key) OVER w AS prev_end,
                       LAG(end_status) OVER w AS prev_status,
                       LAG(end_location) OVER w AS prev_location,
                       ROW_NUMBER() OVER w AS n
                FROM hi_interval
                WINDOW w AS (PARTITION BY device_id ORDER BY start_key)
            ) i JOIN devices_device d ON d.id = i.device_id
            WHERE (i.n = 1 AND NOT (d.status = %s AND (
                    (i.local_req = 0 AND d.location = %s)
                    OR (i.local_req = 1 AND d.location = %s AND d.unit_id = i.req_unit))))
               OR (i.n > 1 AND (i.prev_end > i.start_key OR i.prev_status <> %s
                    OR i.prev_location <> %s OR i.local_req = 1))
        """
        with connection.cursor() as cursor:
            cursor.execute(
                flagged_sql,
                [*_FREE, Location.LOCAL_STOCK, *_FREE],
            )
            flagged = sorted(r[0] for r in cursor.fetchall())
        for part in _chunks([str(f) for f in flagged]):
            ids = [int(p) for p in part]
            devices = {d.pk: d for d in Device.objects.filter(pk__in=ids).select_related("product")}
            with connection.cursor() as cursor:
                marks = ", ".join(["%s"] * len(ids))
                columns = "device_id, start_key, end_key, local_req, req_unit, end_status"
                sql = f"SELECT {columns}, end_location FROM hi_interval WHERE device_id IN ({marks}) ORDER BY device_id, start_key"  # noqa: S608, E501
                cursor.execute(
                    sql,
                    ids,
                )
                uses = cursor.fetchall()
            for device_id, group in itertools.groupby(uses, key=lambda u: u[0]):
                self._device_replay(devices[device_id], list(group))

    def _device_replay(self, device: Device, uses: list[tuple[Any, ...]]) -> None:
        """The action path's refusals for one device, in date order: a refused use is
        left out (its row stops) and the device stays as it was."""
        status, location, unit = device.status, device.location, device.unit_id
        busy_until = -1
        for _d, start, end, local_req, req_unit, end_status, end_location in uses:
            if local_req:
                ok = (status, location, unit) == (
                    DeviceStatus.IN_STOCK,
                    Location.LOCAL_STOCK,
                    req_unit,
                )
            else:
                ok = (status, location) == _FREE
            if ok and start > busy_until:
                status, location, busy_until = end_status, end_location, end
                continue
            if local_req:
                message = _(
                    "No device of this product with that serial number is in your unit's "
                    "local stock."
                )
            else:
                message = _(
                    "No device of %(product)s with serial number %(serial)s is in stock."
                ) % {
                    "product": device.product.name,
                    "serial": device.serial_number,
                }
            self.stream_errors.add(start, "serial_number", message)

    def _gated_rows(self) -> Iterator[tuple[int, int, int, int, int | None, int]]:
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT order_id, unit_id, product_id, accept_key, dispatch_key, row_no "
                    "FROM hi_gated WHERE order_id > %s ORDER BY order_id LIMIT %s",
                    [last, CHUNK_ROWS],
                )
                page = cursor.fetchall()
            if not page:
                return
            yield from page
            last = page[-1][0]

    def _training_settle(self) -> None:
        """Trainings first recorded by the import, and the training-gated orders: an
        order accepted before its unit's training waits for it (its dispatch is refused
        until then) and gets the training's event while it waits."""
        trainings: dict[tuple[int, int], Training] = {}
        # Orders waiting before the import (the import's own are written not waiting).
        waiting: dict[tuple[int, int], list[int]] = {}
        if self.trained:
            for pk, unit_id, product_id in Order.objects.filter(
                waits_for_training=True
            ).values_list("pk", "unit_id", "product_id"):
                waiting.setdefault((unit_id, product_id), []).append(pk)
        for (unit_id, product_id), key in self.trained.items():
            trainings[(unit_id, product_id)] = Training.objects.create(
                unit_id=unit_id, product_id=product_id, trained_on=_key_date(key)
            )
            for order_id in waiting.get((unit_id, product_id), []):
                self.event(
                    EventKind.TRAINING_RECORDED,
                    _key_date(key),
                    order=order_id,
                    data={"training": trainings[(unit_id, product_id)].pk},
                )
        still_waiting: list[int] = []
        products = {p.pk: p for p in Product.objects.all()}
        units = {}
        for order_id, unit_id, product_id, accept_key, dispatch_key, _row in self._gated_rows():
            if len(self.events.rows) >= CHUNK_ROWS:  # bounds the memory
                self.events.flush()
            trained = self.trained.get((unit_id, product_id))
            waits = trained is None or trained > accept_key
            self.event(
                EventKind.ORDER_ACCEPTED,
                _key_date(accept_key),
                order=order_id,
                from_status=OrderStatus.SUBMITTED,
                to_status=OrderStatus.ACCEPTED,
                data={"waits_for_training": waits},
            )
            if not waits:
                continue
            if dispatch_key is not None and (trained is None or trained > dispatch_key):
                if unit_id not in units:
                    units[unit_id] = Unit.objects.get(pk=unit_id)
                self.stream_errors.add(
                    dispatch_key,
                    "dispatched_on",
                    _(
                        "The first delivery of %(product)s to %(unit)s waits for a recorded "
                        "training."
                    )
                    % {"product": products[product_id].name, "unit": units[unit_id].name},
                )
            if trained is not None and (dispatch_key is None or dispatch_key > trained):
                self.event(
                    EventKind.TRAINING_RECORDED,
                    _key_date(trained),
                    order=order_id,
                    data={"training": trainings[(unit_id, product_id)].pk},
                )
            if dispatch_key is None:
                still_waiting.append(order_id)
        for part in _chunks([str(o) for o in still_waiting]):
            Order.objects.filter(pk__in=[int(o) for o in part]).update(waits_for_training=True)

    def _devices_settle(self) -> None:
        """Devices the import registered: acquired on the first order that names them,
        registered that day; every device used: the state its last use left it in."""
        with connection.cursor() as cursor:
            # Only the rows that change: a device registered by its earliest row keeps
            # its date, and one put back in stock keeps its state.
            cursor.execute(
                "UPDATE devices_device SET acquired_on = r.first FROM ("
                " SELECT device_id, MIN(reg_date) AS first FROM hi_registration"
                " GROUP BY device_id) r WHERE devices_device.id = r.device_id"
                " AND devices_device.acquired_on IS DISTINCT FROM r.first"
            )
            cursor.execute(
                "UPDATE devices_device SET status = u.end_status, location = u.end_location, "
                "unit_id = u.end_unit FROM ("
                " SELECT device_id, end_status, end_location, end_unit, ROW_NUMBER() OVER ("
                "  PARTITION BY device_id ORDER BY start_key DESC) AS n FROM hi_interval"
                ") u WHERE devices_device.id = u.device_id AND u.n = 1"
                " AND (devices_device.status, devices_device.location, devices_device.unit_id)"
                " IS DISTINCT FROM (u.end_status, u.end_location, u.end_unit)"
            )
        last = 0
        registered = {"location": Location.CENTRE, "unit": None}
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT n.device_id, d.acquired_on FROM hi_new_device n JOIN devices_device d "
                    "ON d.id = n.device_id WHERE n.device_id > %s ORDER BY n.device_id LIMIT %s",
                    [last, CHUNK_ROWS],
                )
                page = cursor.fetchall()
            if not page:
                break
            for device_id, acquired_on in page:
                if isinstance(acquired_on, str):  # SQLite
                    acquired_on = datetime.date.fromisoformat(acquired_on)
                self.event(
                    EventKind.REGISTERED,
                    acquired_on,
                    device=device_id,
                    to_status=DeviceStatus.IN_STOCK,
                    data=registered,
                )
            self.result.devices_registered += len(page)
            self.events.flush()
            last = page[-1][0]

    def _patients_settle(self) -> None:
        """A patient's home municipality is the one its latest order (by date) gave."""
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE orders_patient SET home_municipality_id = h.home_id FROM ("
                " SELECT patient_id, home_id, ROW_NUMBER() OVER ("
                "  PARTITION BY patient_id ORDER BY sort_key DESC) AS n FROM hi_patient_home"
                ") h WHERE orders_patient.id = h.patient_id AND h.n = 1"
                " AND (orders_patient.home_municipality_id IS NULL"
                "  OR orders_patient.home_municipality_id <> h.home_id)"
            )


# The tables' columns in their declaration order, as the rows below are built.
ORDER_COLUMNS = model_columns(Order)
LOAN_COLUMNS = model_columns(Loan)
EVENT_COLUMNS = model_columns(DeviceEvent, with_id=False)  # ids from the sequence
DEVICE_COLUMNS = model_columns(Device)
PATIENT_COLUMNS = model_columns(Patient)


def orders_bulk_import(path: Path, *, dry_run: bool, progress: bool) -> BulkResult:
    """Import an orders file in bulk, all or nothing (see the module docstring). Raises
    HistoryImportError with the rows' errors and saves nothing if any row is wrong."""
    with _stream_open(path) as (columns, records):
        errors = _Errors(
            _columns_check(columns, ORDER_REQUIRED, ORDER_OPTIONAL, ("unit_hsa_id", "unit_id"))
        )
        if errors:
            raise HistoryImportError(errors)
        with transaction.atomic():
            temp_tables_create()
            run = _BulkImport(errors, progress=progress)
            run.run(records)
            run.finish()
            temp_tables_drop()
            refused = list(errors) or run.stream_errors.errors()
            if refused or dry_run:
                transaction.set_rollback(True)
    if refused:
        raise HistoryImportError(refused)
    return run.result
