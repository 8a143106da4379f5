from django.db import migrations

from core.db import append_only_trigger_create


class Migration(migrations.Migration):
    dependencies = [("devices", "0003_initial")]

    operations = [append_only_trigger_create("devices_deviceevent")]
