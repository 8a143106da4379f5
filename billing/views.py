"""The finance screens: rent runs (create a draft, review, issue), invoices with their
downloads and credit notes, cost-responsibility transfers, the account mapping and the
SIE export. A principal's finance contact sees their own principal's issued invoices,
read-only; anyone else gets 403.

Views are thin: they read through the selectors and write through the actions. A form's
refusal is shown next to its field with nothing changed; other refusals go through
``core.screen_errors.DomainErrorMiddleware``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from audit.actions import access_log_record
from audit.choices import AccessAction, Resource
from billing import actions, selectors
from billing.choices import RunStatus
from billing.exports import PdfUnavailable, invoice_context, invoice_csv, invoice_pdf, invoice_xlsx
from billing.forms import (
    CostTransferForm,
    CreditNoteForm,
    RunCreateForm,
    SieExportForm,
    domain_error_show,
)
from billing.sie import sie4_write
from core.errors import DomainError
from registry.access import finance_check, is_finance_officer

LIST_PAGE_SIZE = 50


def _attachment(content: bytes, content_type: str, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- Runs -------------------------------------------------------------------------------


@login_required
def runs(request: HttpRequest) -> HttpResponse:
    """The runs, newest month first, and the form to make a draft for a month."""
    finance_check(request.user)
    form = RunCreateForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                run = actions.rent_run_create(
                    month=form.cleaned_data["month"], acting_user=request.user
                )
            except DomainError as error:
                domain_error_show(form, error)
            else:
                messages.success(
                    request,
                    _("A draft run for %(month)s is ready for review.")
                    % {"month": f"{run.month:%Y-%m}"},
                )
                return HttpResponseRedirect(reverse("billing:run_detail", args=[run.pk]))
        status = 400
    page = Paginator(selectors.runs_list(request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "billing/runs.html", {"form": form, "page": page}, status=status)


@login_required
def run_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Review a run: its total per principal, and the lines of each."""
    run = selectors.run_get(request.user, pk)
    return render(
        request,
        "billing/run_detail.html",
        {
            "run": run,
            "invoices": selectors.run_invoices(run),
            "draft": run.status == RunStatus.DRAFT,
        },
    )


@require_POST
@login_required
def run_issue(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    actions.rent_run_issue(run=run, acting_user=request.user)
    messages.success(
        request, _("The run for %(month)s is issued.") % {"month": f"{run.month:%Y-%m}"}
    )
    return HttpResponseRedirect(reverse("billing:run_detail", args=[run.pk]))


@require_POST
@login_required
def run_discard(request: HttpRequest, pk: int) -> HttpResponse:
    run = selectors.run_get(request.user, pk)
    actions.rent_run_discard(run=run, acting_user=request.user)
    messages.success(request, _("The draft run was discarded."))
    return HttpResponseRedirect(reverse("billing:runs"))


# --- Invoices ---------------------------------------------------------------------------


@login_required
def invoice_list(request: HttpRequest) -> HttpResponse:
    invoices = selectors.invoices_visible_to(request.user).order_by(
        "-invoice_date", "-year", "-sequence", "-id"
    )
    page = Paginator(invoices, LIST_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "billing/invoice_list.html",
        {"page": page, "finance": is_finance_officer(request.user)},
    )


def _invoice_page(
    request: HttpRequest, pk: int, form: CreditNoteForm | None = None, status: int = 200
) -> HttpResponse:
    invoice = selectors.invoice_get(request.user, pk)
    finance = is_finance_officer(request.user)
    context: dict[str, Any] = {**invoice_context(invoice), "finance": finance}
    if finance and not invoice.is_credit_note and invoice.status == "issued":
        open_lines = [
            (
                line.pk,
                f"{line.device_serial} {line.get_kind_display()} "
                f"{number_format(line.amount, 2)} kr",
            )
            for group in context["groups"]
            for line in group.lines
            if not hasattr(line, "credit_line")
        ]
        context["credit_form"] = form or CreditNoteForm(line_choices=open_lines)
    context["credit_notes"] = invoice.credit_notes.filter(status="issued").order_by("sequence")
    return render(request, "billing/invoice_detail.html", context, status=status)


@login_required
def invoice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _invoice_page(request, pk)


@require_POST
@login_required
def credit_note_create(request: HttpRequest, pk: int) -> HttpResponse:
    finance_check(request.user)
    invoice = selectors.invoice_get(request.user, pk)
    choices = [(line.pk, str(line.pk)) for line in selectors.invoice_lines(invoice)]
    form = CreditNoteForm(request.POST, line_choices=choices)
    if form.is_valid():
        try:
            note = actions.credit_note_issue(
                invoice=invoice,
                reason=form.cleaned_data["reason"],
                line_ids=form.cleaned_data["lines"] or None,
                acting_user=request.user,
            )
        except DomainError as error:
            domain_error_show(form, error)
        else:
            messages.success(request, _("Credit note %(number)s issued.") % {"number": note.number})
            return HttpResponseRedirect(reverse("billing:invoice_detail", args=[note.pk]))
    return _invoice_page(request, pk, form=form, status=400)


@login_required
def invoice_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    invoice = selectors.invoice_get(request.user, pk)
    name = f"faktura_{invoice.number or f'utkast-{invoice.pk}'}"
    if fmt == "csv":
        return _attachment(invoice_csv(invoice), "text/csv; charset=utf-8", f"{name}.csv")
    if fmt == "xlsx":
        return _attachment(
            invoice_xlsx(invoice),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            f"{name}.xlsx",
        )
    try:
        pdf = invoice_pdf(invoice, request.build_absolute_uri("/"))
    except PdfUnavailable:
        return HttpResponse(
            _("The PDF cannot be made on this server (the Pango library is missing)."),
            status=503,
            content_type="text/plain; charset=utf-8",
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# --- Transfers, accounts, SIE -----------------------------------------------------------


@login_required
def transfers(request: HttpRequest) -> HttpResponse:
    """Cost-responsibility transfers and the form to record one. The list names patients
    (by personal identity number), so each showing is written to the access log."""
    finance_check(request.user)
    form = CostTransferForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                transfer = actions.cost_transfer_record(
                    patient=data["personal_number"],
                    from_principal=data["from_principal"],
                    to_principal=data["to_principal"],
                    valid_from=data["valid_from"],
                    reason=data["reason"],
                    acting_user=request.user,
                )
            except DomainError as error:
                domain_error_show(form, error)
            else:
                access_log_record(
                    user=request.user,
                    patients=[transfer.patient],
                    resource=Resource.PATIENT,
                    object_id=transfer.pk,
                    action=AccessAction.CREATE,
                )
                messages.success(
                    request, _("The transfer is recorded; the next invoices reflect it.")
                )
                return HttpResponseRedirect(reverse("billing:transfers"))
        status = 400
    page = Paginator(selectors.transfers_list(request.user), LIST_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    access_log_record(
        user=request.user,
        patients=[t.patient for t in page.object_list],
        resource=Resource.PATIENT,
        object_id="cost_transfers",
    )
    return render(request, "billing/transfers.html", {"form": form, "page": page}, status=status)


@login_required
def accounts(request: HttpRequest) -> HttpResponse:
    finance_check(request.user)
    from billing.models import SurchargeRate

    return render(
        request,
        "billing/accounts.html",
        {
            "rows": selectors.account_mapping_rows(),
            "rates": SurchargeRate.objects.select_related("product").order_by("-valid_from"),
        },
    )


@login_required
def sie_export(request: HttpRequest) -> HttpResponse:
    """The form for a period; with a valid period, the SIE 4 file of its documents."""
    finance_check(request.user)
    form = SieExportForm(request.GET or None)
    if request.GET and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
        content = sie4_write(
            selectors.issued_documents(start, end),
            start=start,
            end=end,
            accounts=selectors.account_mapping(),
            generated=timezone.localdate(),
        )
        return _attachment(
            content, "text/plain; charset=cp437", f"fakturor_{start:%Y%m%d}_{end:%Y%m%d}.se"
        )
    return render(
        request, "billing/sie_export.html", {"form": form}, status=400 if request.GET else 200
    )
