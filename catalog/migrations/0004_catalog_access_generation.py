# Written by hand: products and their guidance join the tables whose changes replace the
# access generation, so the order steps can keep them per process (decision 0010).

from django.db import migrations

from registry import triggers

MODELS = ("Product", "GuidanceVersion", "PrescriberRule", "GuidanceCode")


def create(apps, schema_editor):
    for name in MODELS:
        table = apps.get_model("catalog", name)._meta.db_table
        for sql in triggers.trigger_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)


def drop(apps, schema_editor):
    for name in MODELS:
        table = apps.get_model("catalog", name)._meta.db_table
        for sql in triggers.drop_sql(schema_editor.connection.vendor, table):
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_alter_prescriberrule_profession"),
        ("registry", "0004_access_generation"),
    ]

    operations = [migrations.RunPython(create, drop)]
