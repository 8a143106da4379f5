"""Database-level protections that the ORM cannot express."""

from __future__ import annotations

import functools
from typing import Any

from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.models import DateField, Field, Func, IntegerField, Model


def model_columns(model: type[Model], *, with_id: bool = True) -> tuple[str, ...]:
    """The model's table columns in declaration order: the columns of a bulk COPY or
    INSERT written row by row as plain tuples (the bench generator, the bulk import)."""
    return tuple(str(f.column) for f in model._meta.concrete_fields if with_id or not f.primary_key)


@functools.cache
def _insert_sql(model: type[Model], using: str) -> tuple[str, tuple[Field[Any, Any], ...]]:
    meta = model._meta
    fields = tuple(f for f in meta.concrete_fields if not f.primary_key)
    ops = connections[using].ops
    columns = ", ".join(ops.quote_name(str(f.column)) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    pk = ops.quote_name(str(meta.pk.column)) if meta.pk else "id"
    return (
        f"INSERT INTO {ops.quote_name(meta.db_table)} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"RETURNING {pk}",
        fields,
    )


def row_insert(instance: Model, *, using: str = DEFAULT_DB_ALIAS) -> Model:
    """INSERT one new row, as ``instance.save()`` would for a model with an automatic
    primary key and no save hooks or signals, but with its statement built once per
    process: Django builds and compiles ``save()``'s INSERT anew on every call, about
    half a millisecond of CPU, which the order steps paid twice per request (their
    event and the access log). Field defaults and ``auto_now_add`` apply
    (``pre_save``), values are adapted as Django adapts them. Sets the primary key."""
    model = type(instance)
    connection = connections[using]
    sql, fields = _insert_sql(model, using)
    params = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        row = cursor.fetchone()
    if row is None:  # INSERT … RETURNING answers one row; nothing else is a success
        raise RuntimeError(f"INSERT INTO {model._meta.db_table} returned no row")
    instance.pk = row[0]
    instance._state.adding = False
    instance._state.db = using
    return instance


@functools.cache
def _update_sql(
    model: type[Model], names: tuple[str, ...], using: str
) -> tuple[str, tuple[Field[Any, Any], ...]]:
    meta = model._meta
    fields = tuple(meta.get_field(name) for name in names)
    ops = connections[using].ops
    sets = ", ".join(f"{ops.quote_name(str(f.column))} = %s" for f in fields)  # type: ignore[union-attr]
    pk = ops.quote_name(str(meta.pk.column)) if meta.pk else "id"
    return (
        f"UPDATE {ops.quote_name(meta.db_table)} SET {sets} WHERE {pk} = %s",  # noqa: S608
        fields,  # type: ignore[return-value]
    )


def row_update(instance: Model, *, fields: tuple[str, ...], using: str = DEFAULT_DB_ALIAS) -> None:
    """UPDATE the named columns of one saved row, as ``instance.save(update_fields=…)``
    would for a model without save hooks or signals, with the statement built once per
    process (see ``row_insert``). Like ``save()``, refuses when no row was updated."""
    connection = connections[using]
    sql, targets = _update_sql(type(instance), fields, using)
    params = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in targets]
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, instance.pk])
        if cursor.rowcount != 1:
            raise DatabaseError(f"UPDATE of {type(instance).__name__} {instance.pk} changed no row")


def append_only_trigger_create(table: str) -> Any:
    """A migration operation that, on PostgreSQL, makes ``table`` refuse UPDATE and DELETE.

    The application never rewrites history; the trigger makes sure a bug or a raw SQL
    statement cannot either. On SQLite the model-level guard is the protection.
    """
    from django.db import migrations

    function = f"{table}_append_only"

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                RAISE EXCEPTION '% rows are append-only', TG_TABLE_NAME;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {function}_trg BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
            params=None,  # no placeholders: the % in RAISE is PL/pgSQL's own
        )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {function}_trg ON {table}; "
            f"DROP FUNCTION IF EXISTS {function}();"
        )

    return migrations.RunPython(forwards, backwards)


def frozen_rows_trigger_create(table: str, frozen_when: str) -> Any:
    """A migration operation that, on PostgreSQL, makes ``table`` refuse UPDATE and DELETE
    of the rows for which the SQL condition ``frozen_when`` (on ``OLD``) holds, e.g.
    issued invoices, while drafts stay editable. On SQLite the model guard protects."""
    from django.db import migrations

    function = f"{table}_frozen"

    def forwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"""
            CREATE OR REPLACE FUNCTION {function}() RETURNS trigger AS $$
            BEGIN
                IF {frozen_when} THEN
                    RAISE EXCEPTION '% rows cannot be changed once issued', TG_TABLE_NAME;
                END IF;
                IF TG_OP = 'DELETE' THEN
                    RETURN OLD;
                END IF;
                RETURN NEW;
            END;
            $$ LANGUAGE plpgsql;
            CREATE TRIGGER {function}_trg BEFORE UPDATE OR DELETE ON {table}
                FOR EACH ROW EXECUTE FUNCTION {function}();
            """,
            params=None,
        )

    def backwards(apps: Any, schema_editor: Any) -> None:
        if schema_editor.connection.vendor != "postgresql":
            return
        schema_editor.execute(
            f"DROP TRIGGER IF EXISTS {function}_trg ON {table}; "
            f"DROP FUNCTION IF EXISTS {function}();"
        )

    return migrations.RunPython(forwards, backwards)


class DaysBetween(Func):
    """``DaysBetween(end, start)``: the days from ``start`` to ``end`` (two dates)."""

    arity = 2
    output_field = IntegerField()
    template = "(%(expressions)s)"
    arg_joiner = " - "  # PostgreSQL: a date minus a date is an integer

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler,
            connection,
            template="CAST(julianday(%(expressions)s) AS INTEGER)",
            arg_joiner=") - julianday(",
            **extra_context,
        )


class DayBefore(Func):
    """The day before a date."""

    arity = 1
    output_field = DateField()
    template = "(%(expressions)s - 1)"  # PostgreSQL: a date minus an integer is a date

    def as_sqlite(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="date(%(expressions)s, '-1 day')", **extra_context
        )


def trigger_definitions(using: str = DEFAULT_DB_ALIAS) -> dict[str, str]:
    """Every trigger of the database by name, with its definition as the database keeps
    it (for the tests that hold the triggers the migrations made in place)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal"
            )
        else:
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
        return dict(cursor.fetchall())
