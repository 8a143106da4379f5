"""The triggers that mark a day of the follow-up's counts stale when what it was counted
from changes (followup/triggers.py, decision 0011)."""

from typing import Any

from django.db import migrations

from followup import triggers


def create(apps: Any, schema_editor: Any) -> None:
    for sql in triggers.create_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


def drop(apps: Any, schema_editor: Any) -> None:
    for sql in triggers.drop_sql(schema_editor.connection.vendor):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("followup", "0001_initial"),
        ("devices", "0006_allocation_index_in_query_order"),
        ("orders", "0004_unit_index_in_list_order"),
        ("logistics", "0003_loan_unit_started_index"),
    ]

    operations = [migrations.RunPython(create, drop)]
