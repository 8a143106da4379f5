"""SQL for the triggers that change ``AccessGeneration`` (registry/models.py) when a row
that decides access, or a reference row an order step keeps per process (decision 0010),
changes. Used by migrations (``registry/0004``, ``registry/0005``, ``api/0002``,
``catalog/0004``): a change here must leave the SQL those produce as it is, or come with a
new migration."""

from __future__ import annotations

from typing import Any

# Every name put into this SQL is a constant of this module or a table name from the
# models' metadata: nothing comes from a request (hence the noqa: S608 below).

GENERATION_TABLE = "registry_accessgeneration"
PG_FUNCTION = "registry_access_generation_change"
EVENTS = ("insert", "update", "delete")

# The tables watched, with the columns whose update counts (all, when empty): the state
# the migrations leave, which a test holds the database to. On SQLite a migration that
# alters one of these tables builds it anew without its triggers: it must create them
# again (registry/tests/test_access_generation.py fails until it does).
WATCHED: dict[str, tuple[str, ...]] = {
    "auth_user": (
        "password",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
    ),
    "registry_principal": (),
    "registry_unit": (),
    "registry_person": (),
    "registry_membership": (),
    "api_apitoken": ("user_id", "key_hash", "revoked"),
    # Reference rows the order steps keep per process (decision 0010).
    "registry_agreement": (),
    "registry_agreementsignature": (),
    "catalog_product": (),
    "catalog_guidanceversion": (),
    "catalog_prescriberrule": (),
    "catalog_guidancecode": (),
}


def _name(table: str, event: str = "") -> str:
    return f"{table}_access_generation{'_' + event if event else ''}"


def trigger_names(vendor: str, table: str) -> list[str]:
    if vendor == "postgresql":
        return [_name(table)]
    return [_name(table, event) for event in EVENTS]


def function_sql(vendor: str) -> list[str]:
    """The PostgreSQL function the triggers call (SQLite triggers carry their body)."""
    if vendor != "postgresql":
        return []
    # random() has 52 random bits; times 2**62 it stays inside a bigint.
    return [
        f"""
        CREATE OR REPLACE FUNCTION {PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            UPDATE {GENERATION_TABLE}
               SET value = (random() * 4611686018427387903)::bigint WHERE id = 1;
            RETURN NULL;
        END $$
        """  # noqa: S608
    ]


def trigger_sql(vendor: str, table: str, update_columns: tuple[str, ...] = ()) -> list[str]:
    """Triggers on ``table`` for every insert, delete and update (of ``update_columns``
    only, when given: a token's "last used" stamp decides nothing)."""
    of = f" OF {', '.join(update_columns)}" if update_columns else ""
    if vendor == "postgresql":
        # Once per statement: a bulk update changes the value once.
        return [
            f"""
            CREATE TRIGGER {_name(table)}
            AFTER INSERT OR DELETE OR TRUNCATE OR UPDATE{of} ON {table}
            FOR EACH STATEMENT EXECUTE FUNCTION {PG_FUNCTION}()
            """
        ]
    # SQLite: one trigger per event, for each row (it has no statement triggers).
    return [
        f"""
        CREATE TRIGGER {_name(table, event)}
        AFTER {event.upper()}{of if event == "update" else ""} ON {table}
        BEGIN
            UPDATE {GENERATION_TABLE} SET value = random() WHERE id = 1;
        END
        """  # noqa: S608
        for event in EVENTS
    ]


def drop_sql(vendor: str, table: str) -> list[str]:
    on = f" ON {table}" if vendor == "postgresql" else ""
    return [f"DROP TRIGGER IF EXISTS {name}{on}" for name in trigger_names(vendor, table)]


def drop_function_sql(vendor: str) -> list[str]:
    return [f"DROP FUNCTION IF EXISTS {PG_FUNCTION}()"] if vendor == "postgresql" else []


def watch_models(app_label: str, model_names: tuple[str, ...]) -> Any:
    """A migration operation that puts the triggers on these models' tables (every
    insert, update and delete counts), and takes them off when reversed."""
    from django.db import migrations

    def tables(apps: Any) -> list[str]:
        return [apps.get_model(app_label, name)._meta.db_table for name in model_names]

    def create(apps: Any, schema_editor: Any) -> None:
        for table in tables(apps):
            for sql in trigger_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(sql)

    def drop(apps: Any, schema_editor: Any) -> None:
        for table in tables(apps):
            for sql in drop_sql(schema_editor.connection.vendor, table):
                schema_editor.execute(sql)

    return migrations.RunPython(create, drop)
