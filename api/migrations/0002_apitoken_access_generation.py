# Written by hand: the trigger that changes the access generation when a token is
# issued, revoked, moved or deleted (registry/models.py AccessGeneration).

from django.db import migrations

from registry import triggers

# A token's "last used" stamp decides nothing: its update does not count.
COLUMNS = ("user_id", "key_hash", "revoked")


def create(apps, schema_editor):
    table = apps.get_model("api", "ApiToken")._meta.db_table
    for sql in triggers.trigger_sql(schema_editor.connection.vendor, table, COLUMNS):
        schema_editor.execute(sql)


def drop(apps, schema_editor):
    table = apps.get_model("api", "ApiToken")._meta.db_table
    for sql in triggers.drop_sql(schema_editor.connection.vendor, table):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("api", "0001_initial"),
        ("registry", "0004_access_generation"),
    ]

    operations = [migrations.RunPython(create, drop)]
