"""REST endpoints of billing: rent runs, invoices and credit notes, cost-responsibility
transfers and the SIE export. Finance officers may do everything; a principal's finance
contact may list and read their own principal's issued invoices; others get 403."""

import datetime
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status
from ninja.pagination import PageNumberPagination, paginate

from audit.actions import access_log_record
from audit.choices import AccessAction, Resource
from billing import actions, selectors
from billing.models import CostTransfer, Invoice, InvoiceLine, InvoiceRun
from billing.sie import sie4_write
from billing.terms import money
from core.errors import InvalidInput, NotFound
from orders.models import Patient
from orders.personal_numbers import personal_number_parse
from registry.access import finance_check
from registry.models import Principal

router = Router(tags=["billing"])


class RunOut(Schema):
    id: int
    month: datetime.date
    status: str
    supplementary: bool
    invoice_count: int
    total: Decimal
    issued_at: datetime.datetime | None

    @staticmethod
    def resolve_invoice_count(obj: InvoiceRun) -> int:
        return getattr(obj, "invoice_count", 0)

    @staticmethod
    def resolve_total(obj: InvoiceRun) -> Decimal:
        return money(getattr(obj, "total", None) or Decimal("0.00"))


class RunIn(Schema):
    month: datetime.date


class LineOut(Schema):
    id: int
    kind: str
    product: str
    article_number: str
    device_serial: str
    unit: str
    cost_centre: str
    month: datetime.date
    period_start: datetime.date
    period_end: datetime.date
    days: int | None
    month_days: int | None
    unit_price: Decimal
    amount: Decimal
    surcharge: Decimal
    credited_line: int | None

    @staticmethod
    def resolve_product(obj: InvoiceLine) -> str:
        return obj.product.name

    @staticmethod
    def resolve_article_number(obj: InvoiceLine) -> str:
        return obj.product.article_number

    @staticmethod
    def resolve_unit(obj: InvoiceLine) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_credited_line(obj: InvoiceLine) -> int | None:
        return obj.credited_line_id


class InvoiceOut(Schema):
    id: int
    kind: str
    status: str
    number: str
    principal: str
    principal_code: str
    organisation_number: str
    month: datetime.date
    invoice_date: datetime.date | None
    due_date: datetime.date | None
    total: Decimal
    credited_invoice: str | None
    reason: str

    @staticmethod
    def resolve_principal(obj: Invoice) -> str:
        return obj.principal.name

    @staticmethod
    def resolve_principal_code(obj: Invoice) -> str:
        return obj.principal.code

    @staticmethod
    def resolve_organisation_number(obj: Invoice) -> str:
        return obj.principal.organisation_number

    @staticmethod
    def resolve_credited_invoice(obj: Invoice) -> str | None:
        return obj.credited_invoice.number if obj.credited_invoice else None


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Invoice) -> list[InvoiceLine]:
        return list(selectors.invoice_lines(obj))


class CreditNoteIn(Schema):
    reason: str
    lines: list[int] | None = None


class TransferIn(Schema):
    personal_number: str
    from_principal: str
    to_principal: str
    valid_from: datetime.date
    reason: str


class TransferOut(Schema):
    id: int
    patient: str
    from_principal: str
    to_principal: str
    valid_from: datetime.date
    reason: str

    @staticmethod
    def resolve_patient(obj: CostTransfer, context: dict[str, Any]) -> str:
        access_log_record(
            user=context["request"].user,
            patients=[obj.patient],
            resource=Resource.PATIENT,
            object_id=f"cost_transfer:{obj.pk}",
        )
        return str(obj.patient)

    @staticmethod
    def resolve_from_principal(obj: CostTransfer) -> str:
        return obj.from_principal.code

    @staticmethod
    def resolve_to_principal(obj: CostTransfer) -> str:
        return obj.to_principal.code


class InvoiceFilter(Schema):
    run: int | None = None
    principal: str | None = None
    kind: str | None = None


class PeriodIn(Schema):
    start: datetime.date
    end: datetime.date


@router.get("/billing/runs", response=list[RunOut])
@paginate(PageNumberPagination, page_size=50)
def run_list(request: HttpRequest) -> QuerySet[InvoiceRun]:
    return selectors.runs_list(request.user)


@router.post("/billing/runs", response={201: RunOut})
def run_create(request: HttpRequest, payload: RunIn) -> Status[InvoiceRun]:
    run = actions.rent_run_create(month=payload.month, acting_user=request.user)
    return Status(201, selectors.run_get(request.user, run.pk))


@router.get("/billing/runs/{run_id}", response=RunOut)
def run_detail(request: HttpRequest, run_id: int) -> InvoiceRun:
    return selectors.run_get(request.user, run_id)


@router.post("/billing/runs/{run_id}/issue", response=RunOut)
def run_issue(request: HttpRequest, run_id: int) -> InvoiceRun:
    run = selectors.run_get(request.user, run_id)
    actions.rent_run_issue(run=run, acting_user=request.user)
    return selectors.run_get(request.user, run_id)


@router.delete("/billing/runs/{run_id}", response={204: None})
def run_discard(request: HttpRequest, run_id: int) -> Status[None]:
    run = selectors.run_get(request.user, run_id)
    actions.rent_run_discard(run=run, acting_user=request.user)
    return Status(204, None)


@router.get("/billing/invoices", response=list[InvoiceOut])
@paginate(PageNumberPagination, page_size=50)
def invoice_list(request: HttpRequest, filters: Query[InvoiceFilter]) -> QuerySet[Invoice]:
    invoices = selectors.invoices_visible_to(request.user)
    if filters.run is not None:
        invoices = invoices.filter(run_id=filters.run)
    if filters.principal:
        invoices = invoices.filter(principal__code=filters.principal)
    if filters.kind:
        invoices = invoices.filter(kind=filters.kind)
    return invoices.order_by("-invoice_date", "-year", "-sequence", "-id")


@router.get("/billing/invoices/{invoice_id}", response=InvoiceDetailOut)
def invoice_detail(request: HttpRequest, invoice_id: int) -> Invoice:
    return selectors.invoice_get(request.user, invoice_id)


@router.post("/billing/invoices/{invoice_id}/credit-notes", response={201: InvoiceDetailOut})
def credit_note_create(
    request: HttpRequest, invoice_id: int, payload: CreditNoteIn
) -> Status[Invoice]:
    finance_check(request.user)
    invoice = selectors.invoice_get(request.user, invoice_id)
    note = actions.credit_note_issue(
        invoice=invoice, reason=payload.reason, line_ids=payload.lines, acting_user=request.user
    )
    return Status(201, selectors.invoice_get(request.user, note.pk))


def _principal(code: str, field: str) -> Principal:
    principal = Principal.objects.filter(code=code).first()
    if principal is None:
        raise NotFound("principal_not_found", _("No principal has this code."), field=field)
    return principal


@router.get("/billing/transfers", response=list[TransferOut])
@paginate(PageNumberPagination, page_size=50)
def transfer_list(request: HttpRequest) -> QuerySet[CostTransfer]:
    return selectors.transfers_list(request.user)


@router.post("/billing/transfers", response={201: TransferOut})
def transfer_create(request: HttpRequest, payload: TransferIn) -> Status[CostTransfer]:
    finance_check(request.user)
    number = personal_number_parse(payload.personal_number)
    patient = Patient.objects.filter(personal_number=number.digits).first()
    if patient is None:
        raise NotFound(
            "patient_not_found",
            _("No patient with this number has devices."),
            field="personal_number",
        )
    transfer = actions.cost_transfer_record(
        patient=patient,
        from_principal=_principal(payload.from_principal, "from_principal"),
        to_principal=_principal(payload.to_principal, "to_principal"),
        valid_from=payload.valid_from,
        reason=payload.reason,
        acting_user=request.user,
    )
    access_log_record(
        user=request.user,
        patients=[patient],
        resource=Resource.PATIENT,
        object_id=transfer.pk,
        action=AccessAction.CREATE,
    )
    return Status(201, transfer)


@router.get("/billing/sie", response={200: None})
def sie_export(request: HttpRequest, period: Query[PeriodIn]) -> HttpResponse:
    """The SIE 4 file (code page 437) of the invoices and credit notes issued in the period."""
    finance_check(request.user)
    if period.end < period.start:
        raise InvalidInput(
            "invalid_period", _("The end date is before the start date."), field="end"
        )
    if period.start.year != period.end.year:
        raise InvalidInput(
            "period_spans_years", _("The period must lie within one fiscal year."), field="end"
        )
    content = sie4_write(
        selectors.issued_documents(period.start, period.end),
        start=period.start,
        end=period.end,
        accounts=selectors.account_mapping(),
        generated=timezone.localdate(),
    )
    response = HttpResponse(content, content_type="text/plain; charset=cp437")
    response["Content-Disposition"] = (
        f'attachment; filename="fakturor_{period.start:%Y%m%d}_{period.end:%Y%m%d}.se"'
    )
    return response
