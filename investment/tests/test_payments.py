"""Payments: partial, late, refused overpayment, and the ledger's monthly selector."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import AppendOnlyError
from investment import selectors
from investment.actions import amount_parse, investment_payment_record
from investment.choices import PaymentStatus

D = datetime.date


def _pay(user, principal, on, amount, today=None):
    return investment_payment_record(
        acting_user=user,
        principal=principal,
        paid_on=on,
        amount=Decimal(amount),
        reference="OCR",
        today=today or on,
    )


def test_partial_then_full_payment(run, olof, skovde):
    assert selectors.principal_position(principal=skovde, today=D(2022, 8, 1)).status == (
        PaymentStatus.OPEN
    )
    _pay(olof, skovde, D(2022, 11, 1), "200000.00")
    position = selectors.principal_position(principal=skovde, today=D(2022, 11, 2))
    assert position.paid == Decimal("200000.00")
    assert position.outstanding == Decimal("370160.00")
    assert position.status == PaymentStatus.PARTLY_PAID
    _pay(olof, skovde, D(2022, 12, 30), "370160.00")
    position = selectors.principal_position(principal=skovde, today=D(2023, 6, 1))
    assert position.outstanding == Decimal("0.00")
    assert position.status == PaymentStatus.PAID


def test_late_when_past_due_and_not_fully_paid(run, olof, skovde, goteborg):
    _pay(olof, skovde, D(2022, 12, 1), "100.00")
    assert selectors.principal_position(principal=skovde, today=D(2022, 12, 31)).status == (
        PaymentStatus.PARTLY_PAID
    )
    assert selectors.principal_position(principal=skovde, today=D(2023, 1, 1)).status == (
        PaymentStatus.LATE
    )
    assert selectors.principal_position(principal=goteborg, today=D(2023, 1, 1)).is_late
    overview = selectors.investment_overview(today=D(2023, 1, 1), status="late")
    assert len(overview.rows) == 48
    assert overview.totals.late == 48
    assert overview.totals.paid == Decimal("100.00")
    assert overview.totals.outstanding == Decimal("34157070.00")


def test_overpayment_is_refused(run, olof, skovde):
    _pay(olof, skovde, D(2022, 11, 1), "570000.00")
    with pytest.raises(Conflict) as exc:
        _pay(olof, skovde, D(2022, 11, 2), "160.01")
    assert exc.value.code == "overpayment"
    assert "160,00" in str(exc.value.message)
    _pay(olof, skovde, D(2022, 11, 2), "160.00")


@pytest.mark.parametrize(
    ("on", "amount", "code"),
    [
        (D(2022, 6, 30), "1.00", "payment_before_issue"),
        (D(2030, 1, 1), "1.00", "payment_in_future"),
        (D(2022, 11, 1), "0", "invalid_amount"),
        (D(2022, 11, 1), "1.005", "invalid_amount"),
    ],
)
def test_invalid_payments_are_refused(run, olof, skovde, on, amount, code):
    with pytest.raises(InvalidInput) as exc:
        investment_payment_record(
            acting_user=olof,
            principal=skovde,
            paid_on=on,
            amount=Decimal(amount),
            today=D(2023, 1, 1),
        )
    assert exc.value.code == code


def test_payment_before_the_run_is_refused(db, olof, skovde):
    with pytest.raises(Conflict) as exc:
        _pay(olof, skovde, D(2022, 11, 1), "1.00")
    assert exc.value.code == "not_invoiced"


def test_only_finance_officer_records_payments(run, mats, skovde):
    with pytest.raises(NotPermitted):
        _pay(mats, skovde, D(2022, 11, 1), "1.00")


def test_payments_are_append_only(run, olof, skovde):
    payment = _pay(olof, skovde, D(2022, 11, 1), "1.00")
    payment.amount = Decimal("2.00")
    with pytest.raises(AppendOnlyError):
        payment.save()


def test_amount_parse_reads_swedish_amounts():
    assert amount_parse("570 160,00") == Decimal("570160.00")
    assert amount_parse("570\u00a0160,5") == Decimal("570160.50")
    with pytest.raises(InvalidInput):
        amount_parse("abc")


def test_received_per_month(run, olof, skovde, goteborg):
    _pay(olof, skovde, D(2022, 11, 30), "100.10")
    _pay(olof, goteborg, D(2022, 11, 1), "0.90")
    _pay(olof, goteborg, D(2023, 1, 31), "5875489.10")
    received = selectors.investment_received_per_month(D(2022, 10, 1), D(2023, 1, 31))
    assert received == {
        D(2022, 10, 1): Decimal("0.00"),
        D(2022, 11, 1): Decimal("101.00"),
        D(2022, 12, 1): Decimal("0.00"),
        D(2023, 1, 1): Decimal("5875489.10"),
    }
    assert all(isinstance(v, Decimal) for v in received.values())
    # The end date is inclusive, the start date too.
    assert selectors.investment_received_per_month(D(2022, 11, 30), D(2022, 11, 30)) == {
        D(2022, 11, 1): Decimal("100.10")
    }
