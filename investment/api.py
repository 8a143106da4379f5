"""REST endpoints of the joint investment, under /api/v1/investment/.

Finance officers read everything, record payments and review requests; a principal's
main or finance contact reads their own principal and sends requests; anyone else gets
403. Errors are ``{code, message, field}`` (mapped in ``api/api.py``). Amounts are
decimal strings with two decimals ("570160.00"): exact, never floats.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from investment import actions, selectors
from investment.models import InvestmentInvoice, InvestmentPayment, InvestmentRequest
from investment.selectors import Position
from registry.access import finance_check, is_finance_officer

router = Router(tags=["investment"])


class PositionOut(Schema):
    code: str
    name: str
    population: int
    amount: Decimal
    invoice_number: str | None
    original_due_on: datetime.date
    due_on: datetime.date
    postponed: bool
    paid: Decimal
    outstanding: Decimal
    last_paid_on: datetime.date | None
    status: str
    status_label: str
    pending_requests: int


def _position_out(p: Position) -> PositionOut:
    return PositionOut(
        code=p.principal.code,
        name=p.principal.name,
        population=p.principal.population,
        amount=p.amount,
        invoice_number=p.invoice.number if p.invoice else None,
        original_due_on=p.original_due_on,
        due_on=p.due_on,
        postponed=p.postponed,
        paid=p.paid,
        outstanding=p.outstanding,
        last_paid_on=p.last_paid_on,
        status=str(p.status),
        status_label=p.status_label,
        pending_requests=p.pending_requests,
    )


class TotalsOut(Schema):
    principals: int
    population: int
    amount: Decimal
    paid: Decimal
    outstanding: Decimal
    late: int
    paid_count: int
    postponed: int


class OverviewOut(Schema):
    issued_on: datetime.date | None
    totals: TotalsOut
    all_principals_total: Decimal
    rows: list[PositionOut]


class InvoiceOut(Schema):
    number: str
    kind: str
    credits: str | None
    principal: str
    population: int
    amount: Decimal
    issued_on: datetime.date
    due_on_at_issue: datetime.date
    buyer_name: str
    buyer_organisation_number: str
    invoice_address: str
    invoice_reference: str

    @staticmethod
    def resolve_credits(obj: InvestmentInvoice) -> str | None:
        return obj.credits.number if obj.credits_id and obj.credits else None

    @staticmethod
    def resolve_principal(obj: InvestmentInvoice) -> str:
        return obj.principal.code

    @staticmethod
    def resolve_due_on_at_issue(obj: InvestmentInvoice) -> datetime.date:
        return obj.due_on


class PaymentOut(Schema):
    id: int
    principal: str
    invoice: str
    paid_on: datetime.date
    amount: Decimal
    reference: str

    @staticmethod
    def resolve_principal(obj: InvestmentPayment) -> str:
        return obj.principal.code

    @staticmethod
    def resolve_invoice(obj: InvestmentPayment) -> str:
        return obj.invoice.number


class RequestOut(Schema):
    id: int
    principal: str
    change_details: bool
    invoice_address: str
    invoice_reference: str
    organisation_number: str
    postpone: bool
    requested_due_on: datetime.date | None
    message: str
    status: str
    submitted_on: datetime.date
    reviewed_on: datetime.date | None
    review_reason: str

    @staticmethod
    def resolve_principal(obj: InvestmentRequest) -> str:
        return obj.principal.code


class PrincipalInvestmentOut(Schema):
    position: PositionOut
    invoices: list[InvoiceOut]
    payments: list[PaymentOut]
    requests: list[RequestOut]
    request_form_open: bool
    request_form_closed_reason: str


class RequestIn(Schema):
    principal: str
    change_details: bool = False
    invoice_address: str = ""
    invoice_reference: str = ""
    organisation_number: str = ""
    postpone: bool = False
    requested_due_on: datetime.date | None = None
    message: str = ""


class ReviewIn(Schema):
    approve: bool
    reason: str = ""


class PaymentIn(Schema):
    principal: str
    paid_on: datetime.date
    amount: Decimal
    reference: str = ""


@router.get("/investment/overview", response=OverviewOut)
def investment_overview(request: HttpRequest, status: str | None = None) -> OverviewOut:
    """Every signatory's share, due date, payments and status, with totals."""
    finance_check(request.user)
    data = selectors.investment_overview(today=timezone.localdate(), status=status)
    t = data.totals
    return OverviewOut(
        issued_on=data.run.issued_on if data.run else None,
        totals=TotalsOut(
            principals=t.principals,
            population=t.population,
            amount=t.amount,
            paid=t.paid,
            outstanding=t.outstanding,
            late=t.late,
            paid_count=t.paid_count,
            postponed=t.postponed,
        ),
        all_principals_total=data.all_principals_total,
        rows=[_position_out(p) for p in data.rows],
    )


@router.get("/investment/principals/{code}", response=PrincipalInvestmentOut)
def investment_principal(request: HttpRequest, code: str) -> dict[str, object]:
    """One principal's invoice(s), payments, requests and whether the form is open."""
    principal = selectors.principal_visible_get(user=request.user, code=code)
    today = timezone.localdate()
    position = selectors.principal_position(principal=principal, today=today)
    state = selectors.request_form_state(principal=principal, today=today)
    return {
        "position": _position_out(position),
        "invoices": position.invoices,
        "payments": list(selectors.payments_of(principal).select_related("principal")),
        "requests": list(selectors.requests_visible_to(request.user).filter(principal=principal)),
        "request_form_open": state.open,
        "request_form_closed_reason": str(state.reason),
    }


@router.get("/investment/requests", response=list[RequestOut])
def investment_request_list(request: HttpRequest) -> list[InvestmentRequest]:
    """Requests: every principal's for finance officers, their own for a contact."""
    selectors.investment_access_check(request.user)
    return list(selectors.requests_visible_to(request.user))


@router.post("/investment/requests", response={201: RequestOut})
def investment_request_create(
    request: HttpRequest, payload: RequestIn
) -> Status[InvestmentRequest]:
    """Send the request form (as the principal's main or finance contact)."""
    principal = selectors.principal_visible_get(user=request.user, code=payload.principal)
    created = actions.investment_request_submit(
        acting_user=request.user,
        principal=principal,
        change_details=payload.change_details,
        invoice_address=payload.invoice_address,
        invoice_reference=payload.invoice_reference,
        organisation_number=payload.organisation_number,
        postpone=payload.postpone,
        requested_due_on=payload.requested_due_on,
        message=payload.message,
    )
    return Status(201, created)


@router.post("/investment/requests/{request_id}/review", response=RequestOut)
def investment_request_review(
    request: HttpRequest, request_id: int, payload: ReviewIn
) -> InvestmentRequest:
    """Approve or reject a request (finance officer); a rejection needs a reason."""
    finance_check(request.user)
    item = selectors.request_get(user=request.user, pk=request_id)
    return actions.investment_request_review(
        acting_user=request.user, request=item, approve=payload.approve, reason=payload.reason
    )


@router.get("/investment/payments", response=list[PaymentOut])
def investment_payment_list(
    request: HttpRequest, principal: str | None = None
) -> list[InvestmentPayment]:
    """Payments received: every principal's for finance officers, their own for a contact."""
    selectors.investment_access_check(request.user)
    qs = InvestmentPayment.objects.select_related("principal", "invoice")
    if not is_finance_officer(request.user):
        qs = qs.filter(principal_id__in=selectors.contact_principals_of(request.user))
    if principal:
        qs = qs.filter(principal__code=principal)
    return list(qs.order_by("paid_on", "id"))


@router.post("/investment/payments", response={201: PaymentOut})
def investment_payment_create(
    request: HttpRequest, payload: PaymentIn
) -> Status[InvestmentPayment]:
    """Record a payment received (finance officer); more than outstanding is refused."""
    finance_check(request.user)
    principal = selectors.principal_visible_get(user=request.user, code=payload.principal)
    payment = actions.investment_payment_record(
        acting_user=request.user,
        principal=principal,
        paid_on=payload.paid_on,
        amount=payload.amount,
        reference=payload.reference,
    )
    return Status(201, payment)
