from django.db import migrations

from core.db import append_only_trigger_create


class Migration(migrations.Migration):
    dependencies = [("investment", "0001_initial")]

    operations = [
        append_only_trigger_create("investment_investmentrun"),
        append_only_trigger_create("investment_investmentinvoice"),
        append_only_trigger_create("investment_investmentpayment"),
    ]
