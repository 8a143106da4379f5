"""Database-level protections that the ORM cannot express."""

from __future__ import annotations

from typing import Any

from django.db.models import Model


def model_columns(model: type[Model], *, with_id: bool = True) -> tuple[str, ...]:
    """The model's table columns in declaration order: the columns of a bulk COPY or
    INSERT written row by row as plain tuples (the bench generator, the bulk import)."""
    return tuple(str(f.column) for f in model._meta.concrete_fields if with_id or not f.primary_key)


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
