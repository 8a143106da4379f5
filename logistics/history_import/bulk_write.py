"""Writing many rows at once for the bulk import: PostgreSQL COPY (psycopg 3) or batched
INSERTs on SQLite, ids taken from the tables' own sequences (so live work beside the
import cannot collide with them), and the import's temporary work tables.

Only INSERTs: the append-only tables' UPDATE/DELETE triggers never fire. Foreign keys are
deferred to the commit (Django creates them DEFERRABLE INITIALLY DEFERRED), so rows may
be written before the rows they point to within the one transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection, models

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


class Table:
    """Rows of one table waiting to be written."""

    def __init__(
        self, name: str, columns: Sequence[str], model: type[models.Model] | None = None
    ) -> None:
        self.name = name
        self.columns = list(columns)
        self.model = model
        self.rows: list[tuple[Any, ...]] = []
        self.written = 0
        self._adapters: list[Callable[[Any], Any]] | None = None

    def add(self, *row: Any) -> None:
        self.rows.append(row)

    def flush(self) -> None:
        if not self.rows:
            return
        cols = ", ".join(self.columns)
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                # Raised as Django's own errors (IntegrityError), as the ORM's would be.
                sql = f"COPY {self.name} ({cols}) FROM STDIN"
                with connection.wrap_database_errors, cursor.cursor.copy(sql) as copy:
                    for row in self.rows:
                        copy.write_row(row)
            else:
                if self._adapters is None:
                    self._adapters = [_adapter(self.model, c) for c in self.columns]
                adapters = self._adapters
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f"INSERT INTO {self.name} ({cols}) VALUES ({marks})",  # noqa: S608 (our names)
                    [tuple(a(v) for a, v in zip(adapters, row, strict=True)) for row in self.rows],
                )
        self.written += len(self.rows)
        self.rows.clear()


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

    def take(self) -> int:
        if connection.vendor != "postgresql":
            self.next += 1
            return self.next - 1
        if not self.pool:
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT nextval(pg_get_serial_sequence('{self.table}', 'id')) "  # noqa: S608
                    "FROM generate_series(1, %s)",
                    [self.BLOCK],
                )
                self.pool = [r[0] for r in cursor.fetchall()]
                self.pool.reverse()
        return self.pool.pop()
