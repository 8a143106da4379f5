from django.db import migrations

from core.db import append_only_trigger_create


class Migration(migrations.Migration):
    dependencies = [("economy", "0001_initial")]

    # Booked costs are never changed or deleted, not even by raw SQL (PostgreSQL).
    operations = [append_only_trigger_create("economy_costentry")]
