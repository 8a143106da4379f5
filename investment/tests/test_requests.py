"""The request form of Bilaga 2: its deadlines, its limits and the finance officer's review."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from core.errors import Conflict, InvalidInput, NotPermitted
from core.models import DomainEvent
from investment import selectors
from investment.actions import investment_request_review, investment_request_submit
from investment.choices import InvoiceKind, PaymentStatus, RequestStatus
from investment.models import InvestmentInvoice
from registry.models import Principal

D = datetime.date


AUGUST = D(2022, 8, 1)


def _postpone(user, principal, to, today=AUGUST):
    return investment_request_submit(
        acting_user=user, principal=principal, postpone=True, requested_due_on=to, today=today
    )


def test_request_on_the_deadline_is_accepted(mats, skovde):
    request = _postpone(mats, skovde, D(2023, 3, 31), today=D(2022, 8, 31))
    assert request.status == RequestStatus.SUBMITTED
    assert request.submitted_on == D(2022, 8, 31)
    assert DomainEvent.objects.filter(kind="investment_request.submitted").count() == 1


def test_request_the_day_after_the_deadline_is_refused(mats, skovde):
    with pytest.raises(Conflict) as exc:
        _postpone(mats, skovde, D(2023, 3, 31), today=D(2022, 9, 1))
    assert exc.value.code == "request_form_closed"
    assert "31 augusti 2022" in str(exc.value.message) or "31 August 2022" in str(exc.value.message)


def test_postponement_to_the_latest_date_is_accepted(mats, skovde):
    assert _postpone(mats, skovde, D(2023, 3, 31)).requested_due_on == D(2023, 3, 31)


def test_postponement_past_the_latest_date_is_refused(mats, skovde):
    with pytest.raises(InvalidInput) as exc:
        _postpone(mats, skovde, D(2023, 4, 1))
    assert exc.value.code == "due_date_too_late"
    assert exc.value.field == "requested_due_on"


@pytest.mark.parametrize("day", [D(2022, 12, 30), D(2022, 12, 31)])
def test_postponement_not_after_the_due_date_is_refused(mats, skovde, day):
    with pytest.raises(InvalidInput) as exc:
        _postpone(mats, skovde, day)
    assert exc.value.code == "due_date_not_later"


def test_principal_that_has_not_signed_is_refused(db):
    ale = Principal.objects.get(code="1440")
    with pytest.raises(Conflict) as exc:
        _postpone(None, ale, D(2023, 1, 31))
    assert exc.value.code == "not_a_signatory"
    state = selectors.request_form_state(principal=ale, today=D(2022, 8, 1))
    assert not state.open


def test_only_own_contact_person_may_send(mats, anna, goteborg, skovde):
    with pytest.raises(NotPermitted):
        _postpone(mats, goteborg, D(2023, 1, 31))
    with pytest.raises(NotPermitted):
        _postpone(anna, skovde, D(2023, 1, 31))


def test_one_pending_request_at_a_time(mats, skovde):
    _postpone(mats, skovde, D(2023, 1, 31))
    with pytest.raises(Conflict) as exc:
        _postpone(mats, skovde, D(2023, 2, 28))
    assert exc.value.code == "request_pending"


def test_nothing_requested_is_refused(mats, skovde):
    with pytest.raises(InvalidInput) as exc:
        investment_request_submit(acting_user=mats, principal=skovde, today=D(2022, 8, 1))
    assert exc.value.code == "nothing_requested"


@pytest.mark.parametrize("number", ["212000-1711", "19121212-1212", "1234", "800101-0019"])
def test_organisation_number_is_checked(mats, skovde, number):
    with pytest.raises(InvalidInput) as exc:
        investment_request_submit(
            acting_user=mats,
            principal=skovde,
            change_details=True,
            organisation_number=number,
            today=D(2022, 8, 1),
        )
    assert exc.value.code == "invalid_organisation_number"


def test_organisation_number_is_normalised(mats, skovde):
    request = investment_request_submit(
        acting_user=mats,
        principal=skovde,
        change_details=True,
        organisation_number="2120001710",
        today=D(2022, 8, 1),
    )
    assert request.organisation_number == "212000-1710"


def test_approved_postponement_changes_the_due_date(run, mats, olof, skovde):
    request = _postpone(mats, skovde, D(2023, 3, 31))
    assert selectors.principal_due_on(skovde) == D(2022, 12, 31)
    investment_request_review(acting_user=olof, request=request, approve=True, today=D(2022, 9, 1))
    request.refresh_from_db()
    assert request.status == RequestStatus.APPROVED
    assert request.reviewed_by == olof
    assert selectors.principal_due_on(skovde) == D(2023, 3, 31)
    position = selectors.principal_position(principal=skovde, today=D(2023, 1, 15))
    assert position.postponed
    assert position.status == PaymentStatus.POSTPONED  # not late: the new date has not passed
    late = selectors.principal_position(principal=skovde, today=D(2023, 4, 1))
    assert late.status == PaymentStatus.LATE
    # The issued invoice row is unchanged: the due date lives in the approved request.
    assert InvestmentInvoice.objects.get(principal=skovde).due_on == D(2022, 12, 31)
    event = DomainEvent.objects.get(kind="investment_request.approved")
    assert event.data["due_on"] == "2023-03-31"


def test_rejection_needs_a_reason_and_changes_nothing(run, mats, olof, skovde):
    request = _postpone(mats, skovde, D(2023, 3, 31))
    with pytest.raises(InvalidInput) as exc:
        investment_request_review(acting_user=olof, request=request, approve=False)
    assert exc.value.code == "reason_required"
    investment_request_review(acting_user=olof, request=request, approve=False, reason="Nej.")
    request.refresh_from_db()
    assert request.status == RequestStatus.REJECTED
    assert selectors.principal_due_on(skovde) == D(2022, 12, 31)


def test_a_request_is_decided_once(run, mats, olof, skovde):
    request = _postpone(mats, skovde, D(2023, 3, 31))
    investment_request_review(acting_user=olof, request=request, approve=True)
    with pytest.raises(Conflict) as exc:
        investment_request_review(acting_user=olof, request=request, approve=False, reason="x")
    assert exc.value.code == "request_already_reviewed"


def test_only_finance_officer_reviews(run, mats, skovde):
    request = _postpone(mats, skovde, D(2023, 3, 31))
    with pytest.raises(NotPermitted):
        investment_request_review(acting_user=mats, request=request, approve=True)


def test_approved_details_on_issued_invoice_credit_and_reissue(run, mats, olof, skovde):
    original = InvestmentInvoice.objects.get(principal=skovde)
    request = investment_request_submit(
        acting_user=mats,
        principal=skovde,
        change_details=True,
        invoice_reference="Ref 99",
        invoice_address="Box 1\n541 83 Skövde",
        organisation_number="212000-1710",
        today=D(2022, 8, 20),
    )
    investment_request_review(acting_user=olof, request=request, approve=True, today=D(2022, 8, 25))
    invoices = list(InvestmentInvoice.objects.filter(principal=skovde).order_by("id"))
    assert [i.kind for i in invoices] == [
        InvoiceKind.INVOICE,
        InvoiceKind.CREDIT,
        InvoiceKind.INVOICE,
    ]
    credit, new = invoices[1], invoices[2]
    assert credit.credits == original and credit.amount == -original.amount
    assert new.amount == Decimal("570160.00")
    assert new.invoice_reference == "Ref 99"
    assert new.buyer_organisation_number == "212000-1710"
    assert new.number == "GI-2022-0050"  # after the 48 and the credit note
    original.refresh_from_db()
    assert original.invoice_reference == ""  # the issued invoice itself never changed
    position = selectors.principal_position(principal=skovde, today=D(2022, 9, 1))
    assert position.invoice == new
    assert position.amount == Decimal("570160.00")
    assert selectors.investment_total() == Decimal("34157170.00")


def test_details_approved_before_the_run_are_used_at_issue(mats, olof, skovde):
    from investment.actions import investment_run_issue

    request = investment_request_submit(
        acting_user=mats,
        principal=skovde,
        change_details=True,
        invoice_reference="Ref 1",
        postpone=True,
        requested_due_on=D(2023, 2, 28),
        today=D(2022, 6, 1),
    )
    investment_request_review(acting_user=olof, request=request, approve=True, today=D(2022, 6, 2))
    investment_run_issue(acting_user=olof, issued_on=D(2022, 7, 1))
    invoice = InvestmentInvoice.objects.get(principal=skovde)
    assert invoice.invoice_reference == "Ref 1"
    assert invoice.due_on == D(2023, 2, 28)
    assert InvestmentInvoice.objects.count() == 48
