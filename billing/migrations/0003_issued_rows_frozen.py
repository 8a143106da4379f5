from django.db import migrations

from core.db import frozen_rows_trigger_create


class Migration(migrations.Migration):
    dependencies = [("billing", "0002_default_accounts")]

    # Issued runs, invoices and their lines are never changed or deleted, not even by raw
    # SQL (PostgreSQL); drafts can still be discarded and numbered at issue.
    operations = [
        frozen_rows_trigger_create("billing_invoicerun", "OLD.status = 'issued'"),
        frozen_rows_trigger_create("billing_invoice", "OLD.status = 'issued'"),
        frozen_rows_trigger_create(
            "billing_invoiceline",
            "EXISTS (SELECT 1 FROM billing_invoice i "
            "WHERE i.id = OLD.invoice_id AND i.status = 'issued')",
        ),
    ]
