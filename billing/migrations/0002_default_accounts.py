"""The BAS accounts the export uses until the finance office maps its own."""

from django.db import migrations

DEFAULTS = [
    ("receivables", "1510", "Kundfordringar"),
    ("rent", "3911", "Hyresintäkter hjälpmedel"),
    ("surcharge", "3912", "Påslag på produkthyror, samverkansekonomi"),
    ("sale", "3004", "Försäljning hjälpmedel, momsfri"),
    ("sale_with_return", "3005", "Försäljning med återtagande, momsfri"),
    ("urgent_fee", "3520", "Fakturerade akutleveranser"),
]


def load(apps, schema_editor):
    AccountMapping = apps.get_model("billing", "AccountMapping")
    for key, account, name in DEFAULTS:
        AccountMapping.objects.get_or_create(key=key, defaults={"account": account, "name": name})


class Migration(migrations.Migration):
    dependencies = [("billing", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
