"""The SIE 4 export, read back by the independent reader written from the specification."""

from decimal import Decimal

from billing.actions import account_mapping_set, credit_note_issue, rent_run_create, rent_run_issue
from billing.models import Invoice, SurchargeRate
from billing.selectors import account_mapping, issued_documents
from billing.sie import sie4_write, sie_text
from billing.sie_reader import sie_read, tokenize
from billing.tests.helpers import GLUCOSE, OTHER, D, loan_for


def test_tokenizer_follows_the_specification():
    assert tokenize('#VER "F" "1" 20240402 "Faktura \\"x\\"" ') == [
        "#VER",
        "F",
        "1",
        "20240402",
        'Faktura "x"',
    ]
    assert tokenize('#TRANS 3911 {1 "K 12"} -45.00') == ["#TRANS", "3911", ["1", "K 12"], "-45.00"]
    assert tokenize("#TRANS 1510 {} 45.00") == ["#TRANS", "1510", [], "45.00"]
    assert sie_text('a "b"') == '"a \\"b\\""'


def test_round_trip(anna, olof):
    SurchargeRate.objects.create(share=Decimal("0.0500"), valid_from=D(2024, 1, 1))
    account_mapping_set(key="rent", account="3913", name="Hyror hjälpmedel", acting_user=olof)
    loan_for(anna, D(2024, 3, 1))
    loan_for(anna, D(2024, 3, 16), number=OTHER, urgent=True)
    loan_for(anna, D(2024, 3, 18), number="19700101-0011", product=GLUCOSE)
    run = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    rent_run_issue(run=run, acting_user=olof, on=D(2024, 4, 2))
    invoice = Invoice.objects.get(run=run)
    note = credit_note_issue(
        invoice=invoice,
        reason="Fel",
        line_ids=[invoice.lines.get(kind="sale").pk],
        acting_user=olof,
        on=D(2024, 4, 5),
    )
    content = sie4_write(
        issued_documents(D(2024, 4, 1), D(2024, 4, 30)),
        start=D(2024, 4, 1),
        end=D(2024, 4, 30),
        accounts=account_mapping(),
        generated=D(2024, 5, 1),
    )
    assert "Hyror hjälpmedel".encode("cp437") in content  # PC8: code page 437
    assert content.endswith(b"\r\n")
    sie = sie_read(content)
    assert sie.first("#FORMAT") == ["PC8"]
    assert sie.first("#SIETYP") == ["4"]
    assert sie.first("#RAR") == ["0", "20240101", "20241231"]
    assert sie.first("#ORGNR") == ["232100-0131"]
    assert sie.accounts["3913"] == "Hyror hjälpmedel"
    assert sie.accounts["1510"] == "Kundfordringar"
    assert [(v.series, v.number, v.date) for v in sie.verifications] == [
        ("F", "1", D(2024, 4, 2)),
        ("F", "2", D(2024, 4, 5)),
    ]
    assert all(v.balance == Decimal("0.00") for v in sie.verifications)
    totals = sie.account_totals()
    # Receivables: the invoice less the credit note.
    assert totals["1510"] == invoice.total + note.total
    lines = invoice.lines.all()
    rent_total = sum((li.amount for li in lines if li.kind == "rent"), Decimal("0"))
    surcharge = sum((li.surcharge for li in lines if li.kind == "rent"), Decimal("0"))
    assert surcharge > 0
    assert totals["3913"] == -(rent_total - surcharge)
    assert totals["3912"] == -surcharge
    assert totals["3520"] == Decimal("-500.00")
    assert totals["3004"] == Decimal("0.00")  # sold, then credited
    cost_centre = lines[0].cost_centre
    if cost_centre:
        assert ("1", cost_centre) in sie.objects
        assert any(
            t.objects == ["1", cost_centre] for v in sie.verifications for t in v.transactions
        )
