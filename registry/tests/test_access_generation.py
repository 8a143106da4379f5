"""The triggers behind the access generation (registry/triggers.py) are on every watched
table, as the migrations left them: a later migration that rebuilt a table on SQLite
would have dropped them silently."""

import pytest
from django.db import connection

from core.db import trigger_definitions
from registry import triggers

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("table", sorted(triggers.WATCHED))
def test_every_watched_table_has_its_triggers(table):
    definitions = trigger_definitions()
    columns = triggers.WATCHED[table]
    for name in triggers.trigger_names(connection.vendor, table):
        assert name in definitions, f"{name} is missing: a migration dropped it"
        definition = " ".join(definitions[name].split()).replace(" ON public.", " ON ")
        assert f" ON {table} " in definition
        if connection.vendor == "sqlite" and not name.endswith("_update"):
            continue  # SQLite: only the update trigger names columns
        if columns:
            assert f"UPDATE OF {', '.join(columns)}" in definition
        else:
            assert "UPDATE OF" not in definition
