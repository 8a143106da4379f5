"""Issuing, numbering, immutability, credit notes, supplementary runs and the rent
revenue the joint-economy ledger reads."""

from decimal import Decimal

import pytest
from django.db import transaction

from billing.actions import (
    cost_transfer_record,
    credit_note_issue,
    rent_run_create,
    rent_run_discard,
    rent_run_issue,
)
from billing.choices import InvoiceKind, InvoiceStatus, LineKind, RunStatus
from billing.models import (
    Invoice,
    InvoiceLine,
    InvoiceRun,
    IssuedDocumentError,
    SurchargeRate,
)
from billing.selectors import rent_revenue_per_month
from billing.tests.helpers import OTHER, D, loan_for, patient_of, region, skovde
from core.errors import Conflict, InvalidInput
from core.models import DomainEvent


@pytest.fixture
def march(anna, olof):
    """Two rented devices in March 2024 and the issued March run."""
    loan_for(anna, D(2024, 3, 1))
    loan_for(anna, D(2024, 3, 16), number=OTHER)
    run = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    return rent_run_issue(run=run, acting_user=olof, on=D(2024, 4, 2))


def test_issue_numbers_dates_and_records_the_event(march):
    assert march.status == RunStatus.ISSUED
    [invoice] = Invoice.objects.filter(run=march)
    assert (invoice.number, invoice.year, invoice.sequence) == ("2024-00001", 2024, 1)
    assert (invoice.invoice_date, invoice.due_date) == (D(2024, 4, 2), D(2024, 5, 2))
    assert invoice.status == InvoiceStatus.ISSUED
    # 45.00 + 16/31 × 45 = 45.00 + 23.23
    assert invoice.total == Decimal("68.23")
    event = DomainEvent.objects.get(kind="rent_run_issued", object_id=str(march.pk))
    assert (event.from_status, event.to_status, event.data["numbers"]) == (
        "draft",
        "issued",
        ["2024-00001"],
    )


def test_issued_documents_cannot_be_changed_or_deleted(march):
    invoice = Invoice.objects.get(run=march)
    line = invoice.lines.all()[0]
    assert line is not None
    invoice.total = Decimal("1.00")
    with pytest.raises(IssuedDocumentError):
        invoice.save()
    with pytest.raises(IssuedDocumentError):
        invoice.delete()
    with pytest.raises(IssuedDocumentError):
        Invoice.objects.filter(pk=invoice.pk).update(total=Decimal("1.00"))
    with pytest.raises(IssuedDocumentError):
        Invoice.objects.filter(pk=invoice.pk).delete()
    line.amount = Decimal("0.00")
    with pytest.raises(IssuedDocumentError):
        line.save()
    with pytest.raises(IssuedDocumentError):
        line.delete()
    with pytest.raises(IssuedDocumentError):
        InvoiceLine.objects.filter(pk=line.pk).update(amount=Decimal("0.00"))
    with pytest.raises(IssuedDocumentError):
        InvoiceRun.objects.filter(pk=march.pk).delete()
    with pytest.raises(IssuedDocumentError):
        march.delete()
    with pytest.raises(IssuedDocumentError):  # no line can be added either
        InvoiceLine.objects.create(**{**_line_fields(line), "invoice": invoice})
    with pytest.raises(Conflict):
        rent_run_issue(run=march, acting_user=None)
    with pytest.raises(Conflict):
        rent_run_discard(run=march, acting_user=None)
    invoice.refresh_from_db()
    assert invoice.total == Decimal("68.23")


def _line_fields(line):
    return {
        f.name: getattr(line, f.name)
        for f in InvoiceLine._meta.concrete_fields
        if f.name not in ("id", "invoice", "credited_line")
    }


def test_credit_note_whole_invoice_and_chosen_lines(march, anna, olof):
    invoice = Invoice.objects.get(run=march)
    first, second = invoice.lines.order_by("period_start")
    note = credit_note_issue(
        invoice=invoice,
        reason="Fel startdatum",
        line_ids=[second.pk],
        acting_user=olof,
        on=D(2024, 4, 10),
    )
    assert note.kind == InvoiceKind.CREDIT_NOTE
    assert (note.number, note.credited_invoice, note.total) == (
        "2024-00002",
        invoice,
        -second.amount,
    )
    [credit_line] = note.lines.all()
    assert (credit_line.credited_line, credit_line.amount) == (second, -second.amount)
    with pytest.raises(InvalidInput) as refused:  # already credited
        credit_note_issue(invoice=invoice, reason="x", line_ids=[second.pk], acting_user=olof)
    assert refused.value.code == "invalid_lines"
    with pytest.raises(InvalidInput) as refused:
        credit_note_issue(invoice=invoice, reason="  ", acting_user=olof)
    assert refused.value.field == "reason"
    rest = credit_note_issue(invoice=invoice, reason="Makulerad", acting_user=olof)
    assert [li.credited_line for li in rest.lines.all()] == [first]
    with pytest.raises(Conflict) as conflict:
        credit_note_issue(invoice=invoice, reason="igen", acting_user=olof)
    assert conflict.value.code == "nothing_to_credit"
    with pytest.raises(Conflict):  # a credit note is not credited
        credit_note_issue(invoice=note, reason="x", acting_user=olof)
    assert Invoice.objects.filter(kind=InvoiceKind.CREDIT_NOTE).count() == 2
    assert DomainEvent.objects.filter(kind="credit_note_issued").count() == 2


def test_numbers_are_gap_free_across_runs_and_credit_notes(march, anna, olof):
    loan = loan_for(anna, D(2024, 4, 2), number="19700101-0011")
    cost_transfer_record(
        patient=patient_of(loan),
        from_principal=region(),
        to_principal=skovde(),
        valid_from=D(2024, 4, 10),
        reason="Vårdövergång",
        acting_user=olof,
    )
    april = rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    with pytest.raises(Conflict), transaction.atomic():  # a rolled-back issue takes no number
        rent_run_issue(run=april, acting_user=olof, on=D(2024, 5, 2))
        raise Conflict("x", "forced rollback")
    assert InvoiceRun.objects.get(pk=april.pk).status == RunStatus.DRAFT
    rent_run_issue(run=april, acting_user=olof, on=D(2024, 5, 2))
    credit_note_issue(
        invoice=Invoice.objects.get(run=march),
        reason="Rättelse",
        acting_user=olof,
        on=D(2024, 5, 3),
    )
    numbers = list(Invoice.objects.order_by("sequence").values_list("number", flat=True))
    assert numbers == ["2024-00001", "2024-00002", "2024-00003", "2024-00004"]
    # Region first, then the municipalities by name.
    assert list(
        Invoice.objects.filter(run=april)
        .order_by("sequence")
        .values_list("principal__code", flat=True)
    ) == ["14", "1496"]


def test_issue_in_a_new_year_starts_at_one(anna, olof):
    loan_for(anna, D(2024, 12, 2))
    run = rent_run_create(month=D(2024, 12, 1), acting_user=olof)
    rent_run_issue(run=run, acting_user=olof, on=D(2025, 1, 3))
    assert Invoice.objects.get(run=run).number == "2025-00001"


def test_supplementary_run_bills_only_what_was_not_billed(march, anna, olof):
    late = loan_for(anna, D(2024, 3, 20), number="19700101-0011")  # registered after the run
    extra = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    assert extra.supplementary
    assert set(InvoiceLine.objects.filter(invoice__run=extra).values_list("loan", flat=True)) == {
        late.pk
    }
    rent_run_issue(run=extra, acting_user=olof)
    with pytest.raises(Conflict) as refused:
        rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    assert refused.value.code == "nothing_to_bill"


def test_credited_days_are_billed_again_to_the_new_bearer(march, olof):
    """A transfer dated back into an issued month: credit the lines, run again."""
    invoice = Invoice.objects.get(run=march)
    line = invoice.lines.order_by("period_start").first()
    assert line is not None
    cost_transfer_record(
        patient=patient_of(line.loan),
        from_principal=region(),
        to_principal=skovde(),
        valid_from=D(2024, 3, 1),
        reason="Retroaktiv vårdövergång",
        acting_user=olof,
    )
    assert Invoice.objects.get(pk=invoice.pk).total == Decimal("68.23")  # issued: unchanged
    credit_note_issue(
        invoice=invoice, reason="Kostnadsansvar flyttat", line_ids=[line.pk], acting_user=olof
    )
    again = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    [rebilled] = InvoiceLine.objects.filter(invoice__run=again)
    assert (rebilled.loan_id, rebilled.invoice.principal, rebilled.amount) == (
        line.loan_id,
        skovde(),
        line.amount,
    )


def test_a_credited_rent_line_is_billed_again_as_it_was(march, olof):
    """Credited without a transfer: the supplementary run writes the same line again
    (in the database, like the month's other rent lines), and only that one."""
    invoice = Invoice.objects.get(run=march)
    line = invoice.lines.order_by("period_start").first()
    assert line is not None
    credit_note_issue(invoice=invoice, reason="Fel period", line_ids=[line.pk], acting_user=olof)
    again = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    fields = (
        "kind", "loan_id", "product_id", "device_serial", "unit_id", "cost_centre",
        "period_start", "period_end", "days", "month_days", "unit_price", "amount",
    )  # fmt: skip
    assert list(InvoiceLine.objects.filter(invoice__run=again).values_list(*fields)) == list(
        InvoiceLine.objects.filter(pk=line.pk).values_list(*fields)
    )
    # One invoice, to the bearer with lines, its total that line's amount: the run opens
    # no invoice for a principal it bills nothing.
    [rebilled] = Invoice.objects.filter(run=again)
    assert (rebilled.principal, rebilled.total) == (region(), line.amount)
    event = DomainEvent.objects.get(kind="rent_run_created", object_id=str(again.pk))
    assert (event.data["invoices"], event.data["lines"]) == (1, 1)


def test_discard_a_draft(anna, olof):
    loan_for(anna, D(2024, 3, 1))
    run = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    rent_run_discard(run=run, acting_user=olof)
    assert not InvoiceRun.objects.exists() and not InvoiceLine.objects.exists()
    assert DomainEvent.objects.filter(kind="rent_run_discarded").exists()


def test_rent_revenue_per_month_issued_only_net_of_credits_with_surcharge(anna, olof):
    SurchargeRate.objects.create(share=Decimal("0.1000"), valid_from=D(2024, 4, 1))
    loan_for(anna, D(2024, 3, 1))
    loan_for(anna, D(2024, 3, 5), number=OTHER, urgent=True)
    march = rent_run_issue(
        run=rent_run_create(month=D(2024, 3, 1), acting_user=olof), acting_user=olof
    )
    april = rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    revenue = rent_revenue_per_month(D(2024, 3, 1), D(2024, 4, 30))
    # March: 45.00 + 27/31 × 45 = 45.00 + 39.19; no surcharge before April; April is a draft.
    assert revenue[D(2024, 3, 1)].rent == Decimal("84.19")
    assert revenue[D(2024, 3, 1)].surcharge == Decimal("0.00")
    assert revenue[D(2024, 3, 1)].urgent_fees == Decimal("500.00")
    assert revenue[D(2024, 4, 1)].rent == Decimal("0.00")
    rent_run_issue(run=april, acting_user=olof)
    revenue = rent_revenue_per_month(D(2024, 3, 1), D(2024, 4, 30))
    assert revenue[D(2024, 4, 1)].rent == Decimal("90.00")
    assert revenue[D(2024, 4, 1)].surcharge == Decimal("9.00")
    invoice = Invoice.objects.get(run=march)
    credited = invoice.lines.get(kind=LineKind.RENT, amount=Decimal("45.00"))
    credit_note_issue(invoice=invoice, reason="Fel", line_ids=[credited.pk], acting_user=olof)
    revenue = rent_revenue_per_month(D(2024, 3, 1), D(2024, 3, 31))
    assert list(revenue) == [D(2024, 3, 1)]
    assert revenue[D(2024, 3, 1)].rent == Decimal("39.19")


@pytest.mark.skipif(
    "postgresql" not in __import__("django.conf").conf.settings.DATABASES["default"]["ENGINE"],
    reason="the database trigger exists on PostgreSQL only",
)
def test_the_database_refuses_raw_changes_to_issued_documents(march):
    from django.db import DatabaseError, connection, transaction

    invoice = Invoice.objects.get(run=march)
    for sql in (
        "UPDATE billing_invoice SET total = 1 WHERE id = %s",
        "DELETE FROM billing_invoiceline WHERE invoice_id = %s",
        "UPDATE billing_invoicerun SET status = 'draft' WHERE id = "
        "(SELECT run_id FROM billing_invoice WHERE id = %s)",
    ):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql, [invoice.pk])
