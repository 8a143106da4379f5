"""SQL for the triggers that mark a day of the follow-up's daily counts stale when what it
was counted from changes (decision 0011, followup/rollup.py). Used by the migration
``followup/0002``: a change here must leave the SQL that migration produces as it is, or
come with a new migration.

What marks which days (each in the writing transaction, so a count cannot miss it):

- an event recorded for a day before today (historical import, a backdated step): its
  day; for a delivery also the days of the device's later deliveries, receipts,
  reconditionings and repairs (whose first delivery to a patient and whose latest
  delivery they are may change). Today's events mark nothing: today is read from the
  events until it has been over for a day;
- an order whose kind, product, principal, unit, patient, delivery method or (once set)
  delivery time is corrected: the days of its events and of its device's later ones;
- a patient's new home municipality: the days of their deliveries and receipts (on
  PostgreSQL once per statement, for the historical import's one UPDATE of many);
- a device's new product: the days of its reconditionings and repairs;
- a loan moved to another order: the days of its receipts.

On PostgreSQL the mark is an upsert of the day's ``RollupDay`` row (``valid`` false),
which waits for a reader counting that day and is waited for by one about to. On SQLite,
where one writer at a time holds the whole database, an update of the day's row suffices;
SQLite stores a time in UTC without its zone, so both days it may be in Stockholm (the
UTC date and the next) are marked.
"""

from __future__ import annotations

from django.conf import settings

# Every name in this SQL is a constant of this module or the settings' time zone, never
# anything from a request (hence the noqa: S608 below).
DAY_TABLE = "followup_rollupday"
EVENT_TABLE = "devices_deviceevent"
LATER_KINDS = "('delivered', 'received', 'reconditioned', 'repair_done')"

ORDER_COLUMNS = (
    "kind",
    "product_id",
    "principal_id",
    "unit_id",
    "patient_id",
    "delivery_method",
    "delivery_working_days",
)

# (table, trigger name, PostgreSQL function) of every trigger, which a test holds the
# database to after all migrations (on SQLite a migration that alters one of these tables
# builds it anew without its triggers and must create them again).
TRIGGERS = (
    (EVENT_TABLE, "followup_event_marks_days", "followup_event_marks_days"),
    ("orders_order", "followup_order_marks_days", "followup_order_marks_days"),
    ("orders_patient", "followup_patient_marks_days", "followup_patient_marks_days"),
    ("devices_device", "followup_device_marks_days", "followup_device_marks_days"),
    ("logistics_loan", "followup_loan_marks_days", "followup_loan_marks_days"),
)


def _pg_day(column: str) -> str:
    return f"({column} AT TIME ZONE '{settings.TIME_ZONE}')::date"


def _pg_mark(days_sql: str) -> str:
    """Upsert the days ``days_sql`` selects (column ``d``) as stale, in day order: the
    order a reader locks days in."""
    return f"""
        INSERT INTO {DAY_TABLE} (day, valid, version)
        SELECT d, false, 0 FROM ({days_sql}) marked WHERE d IS NOT NULL GROUP BY d ORDER BY d
        ON CONFLICT (day) DO UPDATE SET valid = false;
    """  # noqa: S608


def _pg_later(device_rows: str, kinds: str = LATER_KINDS) -> str:
    """The days of the events of the devices in ``device_rows`` (columns device_id,
    occurred_at) at or after those rows."""
    return f"""
        SELECT {_pg_day("e.occurred_at")} AS d FROM {device_rows}
        JOIN {EVENT_TABLE} e ON e.device_id = dv.device_id
         AND e.occurred_at >= dv.occurred_at AND e.kind IN {kinds}
    """  # noqa: S608


def _pg_function(name: str, body: str, declare: str = "") -> str:
    return f"""
        CREATE OR REPLACE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
        {declare}
        BEGIN
            {body}
            RETURN NULL;
        END $$
    """


def postgresql_sql() -> list[str]:
    tz = settings.TIME_ZONE
    today = f"date_trunc('day', clock_timestamp() AT TIME ZONE '{tz}') AT TIME ZONE '{tz}'"
    backdated_deliveries = (
        "(SELECT device_id, occurred_at FROM new_rows WHERE kind = 'delivered'"
        " AND occurred_at < today AND device_id IS NOT NULL) dv"
    )
    events = _pg_function(
        "followup_event_marks_days",
        _pg_mark(
            f"""
            SELECT {_pg_day("n.occurred_at")} AS d FROM new_rows n WHERE n.occurred_at < today
            UNION
            {_pg_later(backdated_deliveries)}
            """  # noqa: S608
        ),
        declare=f"DECLARE today timestamptz := {today};",
    )
    order_changed = " OR ".join(
        f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in ORDER_COLUMNS if c != "delivery_working_days"
    )
    order_deliveries = (
        f"(SELECT device_id, occurred_at FROM {EVENT_TABLE} WHERE order_id = NEW.id"  # noqa: S608
        " AND kind = 'delivered' AND device_id IS NOT NULL) dv"
    )
    order = _pg_function(
        "followup_order_marks_days",
        _pg_mark(
            f"""
            SELECT {_pg_day("e.occurred_at")} AS d FROM {EVENT_TABLE} e WHERE e.order_id = NEW.id
            UNION
            {_pg_later(order_deliveries)}
            """  # noqa: S608
        ),
    )
    # Once per statement: the historical import settles many patients' municipalities in
    # one UPDATE; only the rows whose municipality changed count.
    moved = (
        "SELECT n.id FROM new_rows n JOIN old_rows o ON o.id = n.id"
        " WHERE o.home_municipality_id IS DISTINCT FROM n.home_municipality_id"
    )
    patient = _pg_function(
        "followup_patient_marks_days",
        _pg_mark(
            f"""
            SELECT {_pg_day("e.occurred_at")} AS d FROM ({moved}) p
            JOIN orders_order o ON o.patient_id = p.id
            JOIN {EVENT_TABLE} e ON e.order_id = o.id AND e.kind = 'delivered'
            UNION
            SELECT {_pg_day("e.occurred_at")} FROM ({moved}) p
            JOIN orders_order o ON o.patient_id = p.id
            JOIN logistics_loan l ON l.order_id = o.id
            JOIN {EVENT_TABLE} e ON e.loan_id = l.id AND e.kind = 'received'
            """  # noqa: S608
        ),
    )
    device = _pg_function(
        "followup_device_marks_days",
        _pg_mark(
            f"SELECT {_pg_day('e.occurred_at')} AS d FROM {EVENT_TABLE} e "  # noqa: S608
            "WHERE e.device_id = NEW.id AND e.kind IN ('reconditioned', 'repair_done')"
        ),
    )
    loan = _pg_function(
        "followup_loan_marks_days",
        _pg_mark(
            f"SELECT {_pg_day('e.occurred_at')} AS d FROM {EVENT_TABLE} e "  # noqa: S608
            "WHERE e.loan_id = NEW.id AND e.kind = 'received'"
        ),
    )
    return [
        events,
        f"""
        CREATE TRIGGER followup_event_marks_days AFTER INSERT ON {EVENT_TABLE}
        REFERENCING NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION followup_event_marks_days()
        """,
        order,
        f"""
        CREATE TRIGGER followup_order_marks_days
        AFTER UPDATE OF {", ".join(ORDER_COLUMNS)} ON orders_order FOR EACH ROW
        WHEN ({order_changed} OR (OLD.delivery_working_days IS NOT NULL
              AND OLD.delivery_working_days IS DISTINCT FROM NEW.delivery_working_days))
        EXECUTE FUNCTION followup_order_marks_days()
        """,
        patient,
        """
        CREATE TRIGGER followup_patient_marks_days AFTER UPDATE ON orders_patient
        REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
        FOR EACH STATEMENT EXECUTE FUNCTION followup_patient_marks_days()
        """,
        device,
        """
        CREATE TRIGGER followup_device_marks_days
        AFTER UPDATE OF product_id ON devices_device FOR EACH ROW
        WHEN (OLD.product_id IS DISTINCT FROM NEW.product_id)
        EXECUTE FUNCTION followup_device_marks_days()
        """,
        loan,
        """
        CREATE TRIGGER followup_loan_marks_days
        AFTER UPDATE OF order_id ON logistics_loan FOR EACH ROW
        WHEN (OLD.order_id IS DISTINCT FROM NEW.order_id)
        EXECUTE FUNCTION followup_loan_marks_days()
        """,
    ]


def _sqlite_days(column: str) -> str:
    """Both days a UTC time stored by SQLite may fall on in Stockholm."""
    return f"SELECT date({column}) UNION SELECT date({column}, '+1 day')"


def _sqlite_mark(days_sql: str) -> str:
    return f"UPDATE {DAY_TABLE} SET valid = 0 WHERE day IN ({days_sql});"  # noqa: S608


def _sqlite_event_days(where: str) -> str:
    return (
        f"SELECT date(e.occurred_at) FROM {EVENT_TABLE} e WHERE {where} "  # noqa: S608
        f"UNION SELECT date(e.occurred_at, '+1 day') FROM {EVENT_TABLE} e WHERE {where}"
    )


def sqlite_sql() -> list[str]:
    later = (
        "e.device_id = NEW.device_id AND e.occurred_at >= NEW.occurred_at"
        f" AND e.kind IN {LATER_KINDS}"
    )
    order_changed = " OR ".join(
        f"OLD.{c} IS NOT NEW.{c}" for c in ORDER_COLUMNS if c != "delivery_working_days"
    )
    order_later = (
        f"e.kind IN {LATER_KINDS} AND EXISTS (SELECT 1 FROM {EVENT_TABLE} dv "  # noqa: S608
        "WHERE dv.order_id = NEW.id AND dv.kind = 'delivered' "
        "AND dv.device_id = e.device_id AND e.occurred_at >= dv.occurred_at)"
    )
    patient_orders = "SELECT id FROM orders_order WHERE patient_id = NEW.id"
    patient_deliveries = f"e.kind = 'delivered' AND e.order_id IN ({patient_orders})"
    patient_loans = f"SELECT id FROM logistics_loan WHERE order_id IN ({patient_orders})"  # noqa: S608
    patient_receipts = f"e.kind = 'received' AND e.loan_id IN ({patient_loans})"
    device_work = "e.device_id = NEW.id AND e.kind IN ('reconditioned', 'repair_done')"
    return [
        f"""
        CREATE TRIGGER followup_event_marks_days AFTER INSERT ON {EVENT_TABLE} FOR EACH ROW
        BEGIN
            {_sqlite_mark(_sqlite_days("NEW.occurred_at"))}
            {_sqlite_mark(_sqlite_event_days(f"NEW.kind = 'delivered' AND {later}"))}
        END
        """,
        f"""
        CREATE TRIGGER followup_order_marks_days
        AFTER UPDATE OF {", ".join(ORDER_COLUMNS)} ON orders_order FOR EACH ROW
        WHEN {order_changed} OR (OLD.delivery_working_days IS NOT NULL
             AND OLD.delivery_working_days IS NOT NEW.delivery_working_days)
        BEGIN
            {_sqlite_mark(_sqlite_event_days("e.order_id = NEW.id"))}
            {_sqlite_mark(_sqlite_event_days(order_later))}
        END
        """,
        f"""
        CREATE TRIGGER followup_patient_marks_days
        AFTER UPDATE OF home_municipality_id ON orders_patient FOR EACH ROW
        WHEN OLD.home_municipality_id IS NOT NEW.home_municipality_id
        BEGIN
            {_sqlite_mark(_sqlite_event_days(patient_deliveries))}
            {_sqlite_mark(_sqlite_event_days(patient_receipts))}
        END
        """,
        f"""
        CREATE TRIGGER followup_device_marks_days
        AFTER UPDATE OF product_id ON devices_device FOR EACH ROW
        WHEN OLD.product_id IS NOT NEW.product_id
        BEGIN
            {_sqlite_mark(_sqlite_event_days(device_work))}
        END
        """,
        f"""
        CREATE TRIGGER followup_loan_marks_days
        AFTER UPDATE OF order_id ON logistics_loan FOR EACH ROW
        WHEN OLD.order_id IS NOT NEW.order_id
        BEGIN
            {_sqlite_mark(_sqlite_event_days("e.loan_id = NEW.id AND e.kind = 'received'"))}
        END
        """,
    ]


def create_sql(vendor: str) -> list[str]:
    return postgresql_sql() if vendor == "postgresql" else sqlite_sql()


def drop_sql(vendor: str) -> list[str]:
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {name} ON {table}" for table, name, _f in TRIGGERS] + [
            f"DROP FUNCTION IF EXISTS {function}()" for _t, _n, function in TRIGGERS
        ]
    return [f"DROP TRIGGER IF EXISTS {name}" for _t, name, _f in TRIGGERS]
