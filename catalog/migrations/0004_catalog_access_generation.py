# Written by hand: products and their guidance join the tables whose changes replace the
# access generation, so the order steps can keep them per process (decision 0010).

from django.db import migrations

from registry import triggers


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_alter_prescriberrule_profession"),
        ("registry", "0004_access_generation"),
    ]

    operations = [
        triggers.watch_models(
            "catalog", ("Product", "GuidanceVersion", "PrescriberRule", "GuidanceCode")
        )
    ]
