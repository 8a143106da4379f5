"""Writing many rows at once for the bulk import: PostgreSQL COPY (psycopg 3) or batched
INSERTs on SQLite, ids taken from the tables' own sequences (so live work beside the
import cannot collide with them), and the import's temporary work tables.

On PostgreSQL each row becomes its line of COPY text as it is added (cheaper than
formatting row by row in psycopg), and a chunk's largest tables are written by
``ChunkWriter`` in a thread on the import's own connection, while the next chunk is read
and checked: the server writes (indexes, foreign-key checks) on one core while Python
works on the other.

Only INSERTs: the append-only tables' UPDATE/DELETE triggers never fire. Foreign keys are
deferred (Django creates them DEFERRABLE INITIALLY DEFERRED): checked at the end of each
chunk's writing (``ChunkWriter``) and at the commit, not row by row.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any

import psycopg
from django.db import IntegrityError, connection, models, transaction

# The import's work tables: one row per row (or device) of the file, kept in the
# database rather than in memory, dropped at the end of the import.
TEMP_TABLES = {
    # External ids seen so far: a repeated id is found in the chunk that repeats it.
    "hi_seen": "external_id varchar(64) PRIMARY KEY",
    # Each row's use of a device, from its first device step to its last, and the
    # device's state after it: checked in date order per device at the end.
    "hi_interval": (
        "device_id bigint NOT NULL, start_key bigint NOT NULL, end_key bigint NOT NULL, "
        "row_no integer NOT NULL, local_req smallint NOT NULL, req_unit bigint NULL, "
        "end_status varchar(32) NOT NULL, end_location varchar(16) NOT NULL, "
        "end_unit bigint NULL"
    ),
    "hi_new_device": "device_id bigint PRIMARY KEY",
    # Rows that name a device the import registers: it is acquired on the first one.
    "hi_registration": "device_id bigint NOT NULL, reg_date date NOT NULL",
    # The home municipalities given, by order date: the last one is the patient's.
    "hi_patient_home": (
        "patient_id bigint NOT NULL, sort_key bigint NOT NULL, home_id bigint NOT NULL"
    ),
    # Orders of training-gated products without the unit's training when the import
    # began: whether they waited is settled when every training date is known.
    "hi_gated": (
        "order_id bigint NOT NULL, unit_id bigint NOT NULL, product_id bigint NOT NULL, "
        "accept_key bigint NOT NULL, dispatch_key bigint NULL, row_no integer NOT NULL"
    ),
}


def temp_tables_create() -> None:
    with connection.cursor() as cursor:
        for name, columns in TEMP_TABLES.items():
            cursor.execute(f"DROP TABLE IF EXISTS {name}")
            cursor.execute(f"CREATE TEMPORARY TABLE {name} ({columns})")


def temp_tables_index() -> None:
    """The work tables' indexes for the checks at the end: built once all rows are in,
    cheaper than kept up row by row (temporary tables have little buffer space)."""
    with connection.cursor() as cursor:
        cursor.execute("CREATE INDEX hi_interval_device ON hi_interval (device_id, start_key)")


def temp_tables_drop() -> None:
    with connection.cursor() as cursor:
        for name in TEMP_TABLES:
            cursor.execute(f"DROP TABLE IF EXISTS {name}")


def _adapter(model: type[models.Model] | None, column: str) -> Callable[[Any], Any]:
    """How a Python value is passed to SQLite's INSERT (psycopg's COPY adapts itself)."""
    ops = connection.ops
    if model is None:
        return lambda v: ops.adapt_datefield_value(v) if column.endswith("_date") else v
    f = next(f for f in model._meta.concrete_fields if f.column == column)
    if isinstance(f, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(f, models.DateField):
        return ops.adapt_datefield_value
    if isinstance(f, models.DecimalField):
        return lambda v: None if v is None else str(v)
    return lambda v: v


# COPY's text format: tab between columns, \N for NULL, and these characters escaped.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_value(value: Any) -> str:
    """One value as COPY text (what psycopg's text dumpers send)."""
    if value is None:
        return "\\N"
    if value is True:
        return "t"
    if value is False:
        return "f"
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    if isinstance(value, int | Decimal):
        return str(value)
    if isinstance(value, datetime.date):  # datetimes are aware: with their offset
        return value.isoformat()
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_line(row: Sequence[Any]) -> str:
    return "\t".join([copy_value(v) for v in row]) + "\n"


class Table:
    """Rows of one table waiting to be written: COPY text lines on PostgreSQL, tuples on
    SQLite."""

    def __init__(
        self, name: str, columns: Sequence[str], model: type[models.Model] | None = None
    ) -> None:
        self.name = name
        self.columns = list(columns)
        self.model = model
        self.copy = connection.vendor == "postgresql"
        self.rows: list[Any] = []
        self.written = 0
        self._adapters: list[Callable[[Any], Any]] | None = None

    def add(self, *row: Any) -> None:
        self.rows.append(copy_line(row) if self.copy else row)

    @property
    def copy_sql(self) -> str:
        return f"COPY {self.name} ({', '.join(self.columns)}) FROM STDIN"

    def take_text(self) -> str:
        """The rows as COPY text, taken out of the table (PostgreSQL)."""
        text = "".join(self.rows)
        self.written += len(self.rows)
        self.rows.clear()
        return text

    def flush(self) -> None:
        if not self.rows:
            return
        with connection.cursor() as cursor:
            if self.copy:
                # Raised as Django's own errors (IntegrityError), as the ORM's would be.
                with connection.wrap_database_errors, cursor.cursor.copy(self.copy_sql) as copy:
                    copy.write(self.take_text())
                return
            if self._adapters is None:
                self._adapters = [_adapter(self.model, c) for c in self.columns]
            adapters = self._adapters
            cols = ", ".join(self.columns)
            marks = ", ".join(["%s"] * len(self.columns))
            cursor.executemany(
                f"INSERT INTO {self.name} ({cols}) VALUES ({marks})",  # noqa: S608 (our names)
                [tuple(a(v) for a, v in zip(adapters, row, strict=True)) for row in self.rows],
            )
        self.written += len(self.rows)
        self.rows.clear()


class ChunkWriter:
    """Writes a chunk's tables in a thread on the import's connection (PostgreSQL), so
    the next chunk is read and checked meanwhile; the caller waits for it before its next
    query. First the tables written whatever happens (``outside``), then the others in
    one savepoint (``inside``): a unique constraint their rows break rolls them back and
    sets ``broken``, and later chunks' are then not written. Deferred foreign keys are
    checked at the chunk's end (as Django's ``check_constraints`` does), in the thread
    rather than all at the commit."""

    SAVEPOINT = "hi_chunk"

    def __init__(self) -> None:
        self.broken = False
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        # Checked chunk by chunk only when putting every constraint back to deferred
        # restores how they began (Django's foreign keys are initially deferred).
        self._check = False
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT NOT EXISTS (SELECT 1 FROM pg_constraint"
                    " WHERE condeferrable AND NOT condeferred)"
                )
                row = cursor.fetchone()
                self._check = bool(row and row[0])

    def write(self, outside: Sequence[Table], inside: Sequence[Table]) -> None:
        self.wait()
        if self.broken:
            for table in inside:
                table.rows.clear()
            inside = ()
        if connection.vendor != "postgresql":
            for table in outside:
                table.flush()
            try:
                with transaction.atomic():
                    for table in inside:
                        table.flush()
            except IntegrityError:
                self.broken = True
            for table in inside:
                table.rows.clear()
            return
        if not any(t.rows for t in (*outside, *inside)):
            return
        connection.ensure_connection()
        before = [(t.copy_sql, t.take_text()) for t in outside if t.rows]
        jobs = [(t.copy_sql, t.take_text()) for t in inside if t.rows]
        self._thread = threading.Thread(
            target=self._copy, args=(connection.connection, before, jobs), daemon=True
        )
        self._thread.start()

    def _copy(
        self,
        raw: psycopg.Connection[Any],
        before: list[tuple[str, str]],
        jobs: list[tuple[str, str]],
    ) -> None:
        try:
            with raw.cursor() as cursor:
                for sql, text in before:
                    with cursor.copy(sql) as copy:
                        copy.write(text)
                if not jobs:
                    return
                cursor.execute(f"SAVEPOINT {self.SAVEPOINT}")
                try:
                    for sql, text in jobs:
                        with cursor.copy(sql) as copy:
                            copy.write(text)
                    if self._check:
                        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
                except psycopg.IntegrityError:
                    cursor.execute(f"ROLLBACK TO SAVEPOINT {self.SAVEPOINT}")
                    self.broken = True
                cursor.execute(f"RELEASE SAVEPOINT {self.SAVEPOINT}")
        except BaseException as exc:  # raised in the caller's thread (wait)
            self._error = exc

    def wait(self) -> None:
        """Wait for the chunk being written; its error, if any, raised here."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:
            error, self._error = self._error, None
            with connection.wrap_database_errors:
                raise error

    def abandon(self) -> None:
        """Wait for the thread without raising (the import is failing anyway)."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self._error = None


def model_table(model: type[models.Model], columns: Sequence[str]) -> Table:
    return Table(model._meta.db_table, columns, model)


class Ids:
    """Primary keys for new rows of a table, taken from its sequence a block at a time
    (PostgreSQL), or counted on from the largest (SQLite, where writers are serialised)."""

    BLOCK = 20_000

    def __init__(self, model: type[models.Model]) -> None:
        self.table = model._meta.db_table
        self.pool: list[int] = []
        self.next = 0
        if connection.vendor != "postgresql":
            top = model._default_manager.aggregate(m=models.Max("pk"))["m"]
            self.next = int(top or 0) + 1

    def reserve(self, count: int) -> None:
        """At least ``count`` ids at hand, so that taking them needs no query."""
        if connection.vendor == "postgresql" and len(self.pool) < count:
            self._fetch(max(self.BLOCK, count))

    def _fetch(self, count: int) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id')) "  # noqa: S608
                "FROM generate_series(1, %s)",
                [count],
            )
            fresh = [r[0] for r in cursor.fetchall()]
        fresh.reverse()
        self.pool = fresh + self.pool  # taken from the end: the lowest first

    def take(self) -> int:
        if connection.vendor != "postgresql":
            self.next += 1
            return self.next - 1
        if not self.pool:
            self._fetch(self.BLOCK)
        return self.pool.pop()
