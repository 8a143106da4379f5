"""Every change to the joint investment: issuing the run, the request form and its
review, and payments. Each action is one transaction that also writes one domain event.

``today`` is injectable in each action (default: today's date) so that the rules tied to
the 2022 deadlines can be exercised on the dates they were meant for.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import ActingUser, actor_of
from core.errors import Conflict, InvalidInput, NotPermitted
from core.events import domain_event_record
from investment import terms
from investment.choices import InvoiceKind, RequestStatus
from investment.models import InvestmentInvoice, InvestmentPayment, InvestmentRequest, InvestmentRun
from investment.selectors import (
    FORM_CLOSED_MESSAGE,
    NOT_SIGNATORY_MESSAGE,
    PENDING_MESSAGE,
    ZERO,
    contact_principals_of,
    investment_run_get,
    investment_signatories,
    principal_due_on,
    principal_is_signatory,
    principal_position,
)
from registry.access import finance_check
from registry.models import Principal
from registry.selectors import principal_sort_key

ORGANISATION_NUMBER_RE = re.compile(r"^(\d{6})-?(\d{4})$")


def _finance_only(acting_user: ActingUser) -> None:
    # None is the system itself (the demo loader, a script): trusted.
    if acting_user is not None:
        finance_check(acting_user)


def _luhn_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        n = int(char)
        if index % 2 == 1:
            n *= 2
            if n > 9:
                n -= 9
        total += n
    return total % 10 == 0


def organisation_number_normalise(value: str, *, field: str = "organisation_number") -> str:
    """A Swedish organisation number as NNNNNN-NNNN, or a coded refusal: ten digits, a
    legal person's (the third digit is 2 or more) and a valid check digit (Luhn)."""
    match = ORGANISATION_NUMBER_RE.match(value.strip())
    if match is None:
        raise InvalidInput(
            "invalid_organisation_number",
            _("An organisation number is written NNNNNN-NNNN."),
            field=field,
        )
    digits = match.group(1) + match.group(2)
    if int(digits[2]) < 2:
        raise InvalidInput(
            "invalid_organisation_number",
            _("That is a personal identity number, not an organisation number."),
            field=field,
        )
    if not _luhn_ok(digits):
        raise InvalidInput(
            "invalid_organisation_number",
            _("The organisation number's check digit is wrong; check the number."),
            field=field,
        )
    return f"{match.group(1)}-{match.group(2)}"


def _next_number(run: InvestmentRun) -> str:
    """The next number in the run's single series (invoices and credit notes alike). The
    caller holds the run's row lock, so two issuers cannot take the same number."""
    count = InvestmentInvoice.objects.filter(run=run).count()
    return f"{terms.INVOICE_NUMBER_PREFIX}-{run.code}-{count + 1:04d}"


def _approved_details(principal: Principal) -> InvestmentRequest | None:
    return (
        InvestmentRequest.objects.filter(
            principal=principal, status=RequestStatus.APPROVED, change_details=True
        )
        .order_by("reviewed_on", "id")
        .last()
    )


def _invoice_details(principal: Principal) -> dict[str, str]:
    """The details an invoice is issued with: those the device centre uses for the
    principal (its registry name and organisation number) unless an approved request
    replaced them (Bilaga 2: "om inga andra fakturauppgifter anmäls")."""
    details = {
        "buyer_name": principal.name,
        "buyer_organisation_number": principal.organisation_number,
        "invoice_address": "",
        "invoice_reference": "",
    }
    request = _approved_details(principal)
    if request is not None:
        if request.organisation_number:
            details["buyer_organisation_number"] = request.organisation_number
        if request.invoice_address:
            details["invoice_address"] = request.invoice_address
        if request.invoice_reference:
            details["invoice_reference"] = request.invoice_reference
    return details


# --- The run ---------------------------------------------------------------------------


@transaction.atomic
def investment_run_issue(
    *,
    acting_user: ActingUser,
    issued_on: datetime.date | None = None,
    today: datetime.date | None = None,
) -> InvestmentRun:
    """Issue the joint investment: one numbered invoice per signatory, 10 SEK per
    inhabitant at 2021-12-31, due 2022-12-31 (or the approved postponed date)."""
    _finance_only(acting_user)
    day = issued_on or today or timezone.localdate()
    if investment_run_get() is not None:
        raise Conflict("run_already_issued", _("The joint investment has already been invoiced."))
    principals = sorted(investment_signatories().select_for_update(), key=principal_sort_key)
    stale = [p.name for p in principals if p.population_date != terms.POPULATION_DATE]
    if stale:
        raise Conflict(
            "population_date_mismatch",
            _("The population of %(names)s is not from 31 December 2021.")
            % {"names": ", ".join(stale)},
        )
    # The unique code stops a second run even if two finance officers issue at once:
    # the slower transaction fails on the constraint and changes nothing.
    run = InvestmentRun.objects.create(
        code=terms.RUN_CODE,
        rate_per_inhabitant=terms.RATE_PER_INHABITANT,
        population_date=terms.POPULATION_DATE,
        issued_on=day,
        due_on=terms.DUE_ON,
        issued_by=actor_of(acting_user),
    )
    invoices = []
    for index, principal in enumerate(principals, start=1):
        invoices.append(
            InvestmentInvoice(
                run=run,
                principal=principal,
                number=f"{terms.INVOICE_NUMBER_PREFIX}-{run.code}-{index:04d}",
                kind=InvoiceKind.INVOICE,
                population=principal.population,
                amount=terms.amount_for(principal.population),
                issued_on=day,
                due_on=principal_due_on(principal),
                issued_by=run.issued_by,
                **_invoice_details(principal),
            )
        )
    InvestmentInvoice.objects.bulk_create(invoices)
    total = sum((i.amount for i in invoices), ZERO)
    domain_event_record(
        kind="investment_run.issued",
        obj=run,
        acting_user=acting_user,
        to_status="issued",
        data={"invoices": len(invoices), "total": str(total), "issued_on": day.isoformat()},
    )
    return run


# --- The request form ------------------------------------------------------------------


def _request_contact_check(acting_user: ActingUser, principal: Principal) -> None:
    if acting_user is None:
        return
    if principal.pk not in contact_principals_of(acting_user):
        raise NotPermitted(
            "not_contact_person",
            _("Only the principal's main or finance contact may send the request form."),
        )


@transaction.atomic
def investment_request_submit(
    *,
    acting_user: ActingUser,
    principal: Principal,
    change_details: bool = False,
    invoice_address: str = "",
    invoice_reference: str = "",
    organisation_number: str = "",
    postpone: bool = False,
    requested_due_on: datetime.date | None = None,
    message: str = "",
    today: datetime.date | None = None,
) -> InvestmentRequest:
    """Send the request form of Bilaga 2: new invoice details and/or a later payment
    date. Open until 31 August 2022; the latest payment date is 31 March 2023."""
    day = today or timezone.localdate()
    _request_contact_check(acting_user, principal)
    if not principal_is_signatory(principal):
        raise Conflict("not_a_signatory", NOT_SIGNATORY_MESSAGE)
    if day > terms.REQUEST_DEADLINE:
        raise Conflict("request_form_closed", FORM_CLOSED_MESSAGE)
    if not change_details and not postpone:
        raise InvalidInput(
            "nothing_requested",
            _("Choose to change the invoice details, to postpone the payment, or both."),
        )
    invoice_address = invoice_address.strip()
    invoice_reference = invoice_reference.strip()
    organisation_number = organisation_number.strip()
    if change_details:
        if not (invoice_address or invoice_reference or organisation_number):
            raise InvalidInput(
                "details_missing",
                _("Give the new invoice address, reference or organisation number."),
                field="invoice_address",
            )
        if organisation_number:
            organisation_number = organisation_number_normalise(organisation_number)
        if len(invoice_reference) > 100:
            raise InvalidInput(
                "reference_too_long",
                _("The invoice reference can be at most 100 characters."),
                field="invoice_reference",
            )
    else:
        invoice_address = invoice_reference = organisation_number = ""
    if postpone:
        run = investment_run_get()
        original = run.due_on if run is not None else terms.DUE_ON
        if requested_due_on is None:
            raise InvalidInput(
                "due_date_missing",
                _("Give the payment date you ask for."),
                field="requested_due_on",
            )
        if requested_due_on <= original:
            raise InvalidInput(
                "due_date_not_later",
                _("A postponed payment date must be later than the due date %(date)s.")
                % {"date": original.isoformat()},
                field="requested_due_on",
            )
        if requested_due_on > terms.LATEST_DUE_ON:
            raise InvalidInput(
                "due_date_too_late",
                _("The latest possible payment date is 31 March 2023."),
                field="requested_due_on",
            )
    else:
        requested_due_on = None
    # Lock the principal: two contacts sending at once cannot both pass the pending check
    # (the partial unique constraint is the last line of defence).
    Principal.objects.select_for_update().filter(pk=principal.pk).first()
    if InvestmentRequest.objects.filter(
        principal=principal, status=RequestStatus.SUBMITTED
    ).exists():
        raise Conflict("request_pending", PENDING_MESSAGE)
    request = InvestmentRequest.objects.create(
        principal=principal,
        change_details=change_details,
        invoice_address=invoice_address,
        invoice_reference=invoice_reference,
        organisation_number=organisation_number,
        postpone=postpone,
        requested_due_on=requested_due_on,
        message=message.strip(),
        submitted_on=day,
        submitted_by=actor_of(acting_user),
    )
    domain_event_record(
        kind="investment_request.submitted",
        obj=request,
        acting_user=acting_user,
        to_status=RequestStatus.SUBMITTED,
        data={
            "principal": principal.code,
            "change_details": change_details,
            "requested_due_on": requested_due_on.isoformat() if requested_due_on else None,
        },
    )
    return request


def _reissue(
    *, principal: Principal, run: InvestmentRun, acting_user: ActingUser, day: datetime.date
) -> tuple[InvestmentInvoice, InvestmentInvoice] | None:
    """Replace the principal's invoice in force with one carrying the approved details:
    a credit note for the whole old invoice, then a new invoice (new number) for the
    same amount. Payments already made stay and count against the new invoice, since
    the balance is kept per principal."""
    # The run's lock serialises numbering (see _next_number).
    InvestmentRun.objects.select_for_update().filter(pk=run.pk).first()
    current = (
        InvestmentInvoice.objects.filter(
            run=run, principal=principal, kind=InvoiceKind.INVOICE, credited_by__isnull=True
        )
        .order_by("-id")
        .first()
    )
    if current is None:
        return None
    issued_by = actor_of(acting_user)
    credit = InvestmentInvoice.objects.create(
        run=run,
        principal=principal,
        number=_next_number(run),
        kind=InvoiceKind.CREDIT,
        credits=current,
        population=current.population,
        amount=-current.amount,
        issued_on=day,
        due_on=day,
        buyer_name=current.buyer_name,
        buyer_organisation_number=current.buyer_organisation_number,
        invoice_address=current.invoice_address,
        invoice_reference=current.invoice_reference,
        issued_by=issued_by,
    )
    new = InvestmentInvoice.objects.create(
        run=run,
        principal=principal,
        number=_next_number(run),
        kind=InvoiceKind.INVOICE,
        population=current.population,
        amount=current.amount,
        issued_on=day,
        due_on=principal_due_on(principal),
        issued_by=issued_by,
        **_invoice_details(principal),
    )
    domain_event_record(
        kind="investment_invoice.reissued",
        obj=new,
        acting_user=acting_user,
        data={"credited": current.number, "credit_note": credit.number, "invoice": new.number},
    )
    return credit, new


@transaction.atomic
def investment_request_review(
    *,
    acting_user: ActingUser,
    request: InvestmentRequest,
    approve: bool,
    reason: str = "",
    today: datetime.date | None = None,
) -> InvestmentRequest:
    """The finance officer's decision. Approval applies the request at once: a new due
    date for the principal, and new invoice details, which on an issued invoice means a
    credit note and a new invoice. A rejection must give its reason."""
    _finance_only(acting_user)
    day = today or timezone.localdate()
    reason = reason.strip()
    if not approve and not reason:
        raise InvalidInput(
            "reason_required", _("Give the reason for rejecting the request."), field="reason"
        )
    to_status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
    reviewer = actor_of(acting_user)
    # Compare-and-swap: of two finance officers deciding at once, only one moves the
    # request out of "submitted"; the other is told it was already decided.
    changed = InvestmentRequest.objects.filter(
        pk=request.pk, status=RequestStatus.SUBMITTED
    ).update(status=to_status, reviewed_on=day, reviewed_by=reviewer, review_reason=reason)
    if changed != 1:
        raise Conflict("request_already_reviewed", _("The request has already been decided."))
    request.refresh_from_db()
    data: dict[str, object] = {"principal": request.principal.code, "reason": reason}
    if approve and request.change_details:
        run = investment_run_get()
        if run is not None:
            replaced = _reissue(
                principal=request.principal, run=run, acting_user=acting_user, day=day
            )
            if replaced is not None:
                data["credit_note"] = replaced[0].number
                data["invoice"] = replaced[1].number
    if approve and request.postpone and request.requested_due_on:
        data["due_on"] = request.requested_due_on.isoformat()
    domain_event_record(
        kind=f"investment_request.{to_status}",
        obj=request,
        acting_user=acting_user,
        from_status=RequestStatus.SUBMITTED,
        to_status=to_status,
        data=data,
    )
    return request


# --- Payments --------------------------------------------------------------------------


def amount_parse(value: str | Decimal, *, field: str = "amount") -> Decimal:
    """A money amount from a form: a decimal comma or point, spaces as thousands
    separators, at most two decimals (öre). No rounding: a third decimal is refused."""
    if isinstance(value, Decimal):
        amount = value
    else:
        text = value.replace("\u00a0", "").replace(" ", "").replace(",", ".")
        try:
            amount = Decimal(text)
        except InvalidOperation:
            raise InvalidInput(
                "invalid_amount", _("Give the amount in kronor, e.g. 570 160,00."), field=field
            ) from None
    if not amount.is_finite() or amount != amount.quantize(terms.ORE):
        raise InvalidInput(
            "invalid_amount", _("Give the amount in kronor with at most two decimals."), field=field
        )
    return amount.quantize(terms.ORE)


@transaction.atomic
def investment_payment_record(
    *,
    acting_user: ActingUser,
    principal: Principal,
    paid_on: datetime.date,
    amount: Decimal,
    reference: str = "",
    today: datetime.date | None = None,
) -> InvestmentPayment:
    """Record a payment received from the principal. Partial payments are fine; a
    payment larger than what is outstanding is refused (nothing is kept as credit:
    the excess goes back to the payer)."""
    _finance_only(acting_user)
    day = today or timezone.localdate()
    amount = amount_parse(amount)
    if amount <= 0:
        raise InvalidInput(
            "invalid_amount", _("The amount must be more than zero."), field="amount"
        )
    if paid_on > day:
        raise InvalidInput(
            "payment_in_future", _("The payment date cannot be in the future."), field="paid_on"
        )
    run = investment_run_get()
    if run is None:
        raise Conflict("not_invoiced", _("The joint investment has not been invoiced yet."))
    if paid_on < run.issued_on:
        raise InvalidInput(
            "payment_before_issue",
            _("The payment date is before the invoice was issued (%(date)s).")
            % {"date": run.issued_on.isoformat()},
            field="paid_on",
        )
    # Lock the principal: two payments recorded at once cannot both fit under the
    # outstanding amount and together overpay it.
    Principal.objects.select_for_update().filter(pk=principal.pk).first()
    position = principal_position(principal=principal, today=day)
    if position.invoice is None:
        raise Conflict(
            "not_invoiced", _("%(name)s has no investment invoice.") % {"name": principal.name}
        )
    paid = (
        InvestmentPayment.objects.filter(run=run, principal=principal).aggregate(
            total=Sum("amount")
        )["total"]
        or ZERO
    )
    outstanding = position.amount - paid
    if amount > outstanding:
        raise Conflict(
            "overpayment",
            _("The payment is larger than the outstanding %(outstanding)s SEK.")
            % {"outstanding": f"{outstanding:.2f}".replace(".", ",")},
            field="amount",
        )
    payment = InvestmentPayment.objects.create(
        run=run,
        principal=principal,
        invoice=position.invoice,
        paid_on=paid_on,
        amount=amount,
        reference=reference.strip()[:100],
        recorded_by=actor_of(acting_user),
    )
    domain_event_record(
        kind="investment_payment.recorded",
        obj=payment,
        acting_user=acting_user,
        data={
            "principal": principal.code,
            "amount": str(amount),
            "paid_on": paid_on.isoformat(),
            "invoice": position.invoice.number,
        },
    )
    return payment
