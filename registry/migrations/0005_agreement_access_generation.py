# Written by hand: the agreements and signatures join the tables whose changes replace
# the access generation, so the order steps can keep them per process (decision 0010).

from django.db import migrations

from registry import triggers


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0004_access_generation"),
    ]

    operations = [triggers.watch_models("registry", ("Agreement", "AgreementSignature"))]
