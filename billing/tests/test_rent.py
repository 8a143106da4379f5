"""The rent rules: proration across month ends, rent stops, transfers, sales and fees,
and the totals adding up to the öre."""

from decimal import Decimal

import pytest

from billing import rent
from billing.actions import cost_transfer_record, rent_run_create
from billing.choices import LineKind
from billing.models import Invoice, InvoiceLine
from billing.tests.helpers import (
    GLUCOSE,
    D,
    handed_in,
    loan_for,
    patient_of,
    personal_number,
    picked_up,
    region,
    skovde,
)
from core.errors import Conflict, InvalidInput
from core.models import DomainEvent


def lines_of(run, **filters):
    return list(
        InvoiceLine.objects.filter(invoice__run=run, **filters).order_by("period_start", "id")
    )


def test_proration_rule():
    assert rent.prorated_rent(Decimal("45.00"), 31, D(2024, 1, 1)) == Decimal("45.00")
    # 45 × 15 / 29 = 23.2758… → 23.28 (half up to öre)
    assert rent.prorated_rent(Decimal("45.00"), 15, D(2024, 2, 1)) == Decimal("23.28")
    # 0.125 rounds up: 45 × 1 / 360 is not a month, so use a rent that lands on half öre
    assert rent.prorated_rent(Decimal("0.25"), 15, D(2024, 4, 1)) == Decimal("0.13")
    # Delivery day counts, stop day does not.
    assert rent.billed_span(D(2024, 3, 4), D(2024, 3, 14), D(2024, 3, 1)) == (
        D(2024, 3, 4),
        D(2024, 3, 14),
    )
    assert rent.billed_span(D(2024, 3, 4), D(2024, 3, 4), D(2024, 3, 1)) is None
    assert rent.billed_span(D(2024, 3, 4), None, D(2024, 4, 1)) == (D(2024, 4, 1), D(2024, 5, 1))


def test_bearer_segments_split_at_the_transfer_date():
    transfers = [rent.Transfer(1, 2, D(2024, 4, 16))]
    segments = rent.bearer_segments(1, D(2024, 3, 1), transfers, D(2024, 4, 1), D(2024, 5, 1))
    assert [(s.principal_id, s.days) for s in segments] == [(1, 15), (2, 15)]
    # A transfer before the loan started does not move it: the order recorded its bearer.
    assert rent.bearer_on(1, D(2024, 5, 1), transfers, D(2024, 5, 2)) == 1
    # A transfer from another principal does not move it either.
    assert rent.bearer_on(3, D(2024, 3, 1), transfers, D(2024, 5, 2)) == 3


def test_rent_across_month_end(anna, olof):
    loan = loan_for(anna, D(2024, 2, 15))
    february = rent_run_create(month=D(2024, 2, 1), acting_user=olof)
    march = rent_run_create(month=D(2024, 3, 10), acting_user=olof)  # any day: its month
    [feb] = lines_of(february, loan=loan)
    [mar] = lines_of(march, loan=loan)
    assert (feb.period_start, feb.period_end, feb.days, feb.month_days) == (
        D(2024, 2, 15),
        D(2024, 2, 29),
        15,
        29,
    )
    assert feb.amount == Decimal("23.28")
    assert (mar.period_start, mar.period_end, mar.amount) == (
        D(2024, 3, 1),
        D(2024, 3, 31),
        Decimal("45.00"),
    )
    assert feb.invoice.principal == region()
    assert feb.cost_centre == loan.unit.cost_centre


def test_loan_that_starts_and_ends_in_the_same_month(anna, olof):
    loan = loan_for(anna, D(2024, 3, 4))
    loan = picked_up(loan, D(2024, 3, 11), anna)  # Monday: rent stops Thursday 14 March
    assert loan.rent_stops_on == D(2024, 3, 14)
    handed_in(loan, D(2024, 3, 18))
    run = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    [line] = lines_of(run, loan=loan)
    # 4–13 March: 10 days; 45 × 10 / 31 = 14.516… → 14.52
    assert (line.period_start, line.period_end, line.days) == (D(2024, 3, 4), D(2024, 3, 13), 10)
    assert line.amount == Decimal("14.52")
    with pytest.raises(Conflict) as refused:
        rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    assert refused.value.code == "nothing_to_bill"


def test_handed_in_without_pickup_stops_rent_on_the_day_back(anna, olof):
    loan = handed_in(loan_for(anna, D(2024, 3, 4)), D(2024, 3, 8))
    run = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    [line] = lines_of(run, loan=loan)
    assert (line.days, line.period_end) == (4, D(2024, 3, 7))


def test_pickup_two_working_days_before_month_end_stops_rent_next_month(anna, olof):
    loan = loan_for(anna, D(2024, 3, 1))
    # Friday 26 April: 29 and 30 April are the month's last working days; 1 May is a
    # public holiday, so rent stops on Thursday 2 May.
    loan = picked_up(loan, D(2024, 4, 26), anna)
    assert loan.rent_stops_on == D(2024, 5, 2)
    april = rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    may = rent_run_create(month=D(2024, 5, 1), acting_user=olof)
    [apr_line] = lines_of(april, loan=loan)
    [may_line] = lines_of(may, loan=loan)
    assert apr_line.amount == Decimal("45.00")
    assert (may_line.days, may_line.period_end, may_line.amount) == (
        1,
        D(2024, 5, 1),
        Decimal("1.45"),
    )


def test_transfer_mid_month_splits_the_days(anna, olof):
    loan = loan_for(anna, D(2024, 3, 1))
    transfer = cost_transfer_record(
        patient=patient_of(loan),
        from_principal=region(),
        to_principal=skovde(),
        valid_from=D(2024, 4, 16),
        reason="Flyttar till särskilt boende i Skövde",
        acting_user=olof,
    )
    assert DomainEvent.objects.filter(kind="cost_transfer_recorded", object_id=str(transfer.pk))
    april = rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    lines = lines_of(april, loan=loan)
    assert [(li.invoice.principal, li.days, li.amount) for li in lines] == [
        (region(), 15, Decimal("22.50")),
        (skovde(), 15, Decimal("22.50")),
    ]
    may = rent_run_create(month=D(2024, 5, 1), acting_user=olof)
    [may_line] = lines_of(may, loan=loan)
    assert (may_line.invoice.principal, may_line.amount) == (skovde(), Decimal("45.00"))


def test_transfer_refuses_bad_input(anna, olof):
    loan = loan_for(anna, D(2024, 3, 1))
    with pytest.raises(InvalidInput) as refused:
        cost_transfer_record(
            patient=patient_of(loan),
            from_principal=region(),
            to_principal=region(),
            valid_from=D(2024, 4, 16),
            reason="x",
            acting_user=olof,
        )
    assert refused.value.field == "to_principal"
    with pytest.raises(InvalidInput):
        cost_transfer_record(
            patient=patient_of(loan),
            from_principal=region(),
            to_principal=skovde(),
            valid_from=D(2024, 4, 16),
            reason="  ",
            acting_user=olof,
        )
    assert not patient_of(loan).cost_transfers.exists()


def test_sale_and_urgent_fee_in_the_month_of_delivery(anna, olof):
    sale = loan_for(anna, D(2024, 3, 5), product=GLUCOSE)
    urgent = loan_for(anna, D(2024, 3, 6), number="19800101-0001", urgent=True)
    march = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    kinds = {(li.loan_id, li.kind): li.amount for li in lines_of(march)}
    assert kinds[(sale.pk, LineKind.SALE)] == Decimal("450.00")
    assert kinds[(urgent.pk, LineKind.URGENT_FEE)] == Decimal("500.00")
    assert kinds[(urgent.pk, LineKind.RENT)] == Decimal("37.74")  # 26/31 × 45 = 37.741…
    assert (sale.pk, LineKind.RENT) not in kinds
    april = rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    assert {li.kind for li in lines_of(april)} == {LineKind.RENT}


def test_totals_add_up_to_the_ore(anna, olof):
    for day in (1, 2, 3, 5, 7, 11, 13):
        loan_for(anna, D(2024, 2, day), number=personal_number(day))
    run = rent_run_create(month=D(2024, 2, 1), acting_user=olof)
    for invoice in Invoice.objects.filter(run=run):
        amounts = [li.amount for li in invoice.lines.all()]
        assert all(isinstance(a, Decimal) and a == a.quantize(Decimal("0.01")) for a in amounts)
        assert invoice.total == sum(amounts, Decimal("0.00"))
    event = DomainEvent.objects.get(kind="rent_run_created", object_id=str(run.pk))
    assert Decimal(event.data["total"]) == sum(
        (i.total for i in Invoice.objects.filter(run=run)), Decimal("0.00")
    )


def test_run_refuses_a_month_not_ended_and_a_second_draft(anna, olof):
    loan_for(anna, D(2024, 3, 1))
    with pytest.raises(InvalidInput) as refused:
        rent_run_create(month=D(2099, 1, 1), acting_user=olof)
    assert refused.value.code == "month_not_ended"
    rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    with pytest.raises(Conflict) as conflict:
        rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    assert conflict.value.code == "draft_run_exists"


def test_only_finance_officers_make_runs(anna):
    from core.errors import NotPermitted

    with pytest.raises(NotPermitted):
        rent_run_create(month=D(2024, 3, 1), acting_user=anna)
