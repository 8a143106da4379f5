from django.db import migrations

from core.db import append_only_trigger_create


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [append_only_trigger_create("core_domainevent")]
