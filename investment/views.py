"""The joint investment's screens: the finance officer's overview, a principal's page
(invoice, payments, requests, the request form), recording a payment, reviewing
requests, and the downloads.

Finance officers see every signatory; a principal's main or finance contact sees their
own principal only; anyone else is refused (403). Views are thin: they read through
the selectors and change state only through the actions; a refused action raises a
``DomainError`` that ``core.screen_errors.DomainErrorMiddleware`` shows in Swedish.
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.errors import InvalidInput
from investment import actions, exports, selectors, terms
from investment.choices import PAYMENT_STATUS_MEANINGS, PaymentStatus, RequestStatus
from registry.access import finance_check, is_finance_officer
from registry.models import Principal

FILTERS = [
    ("", _("All")),
    ("late", _("Late")),
    ("unpaid", _("Not fully paid")),
    ("paid", _("Paid")),
    ("postponed", _("Postponed")),
]


def _date(request: HttpRequest, name: str, *, required: bool = False) -> datetime.date | None:
    value = request.POST.get(name, "").strip()
    if not value:
        if required:
            raise InvalidInput("date_missing", _("Give the date."), field=name)
        return None
    try:
        return datetime.date.fromisoformat(value)
    except ValueError:
        raise InvalidInput("invalid_date", _("Give the date as YYYY-MM-DD."), field=name) from None


@login_required
def index(request: HttpRequest) -> HttpResponse:
    """Finance officers land on the overview; a contact person on their principal."""
    if is_finance_officer(request.user):
        return overview(request)
    selectors.investment_access_check(request.user)
    first = (
        Principal.objects.filter(pk__in=selectors.contact_principals_of(request.user))
        .order_by("kind", "name")
        .first()
    )
    if first is None:
        return HttpResponseRedirect(reverse("home"))
    return HttpResponseRedirect(reverse("investment:principal", args=[first.code]))


@login_required
def overview(request: HttpRequest) -> HttpResponse:
    finance_check(request.user)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    data = selectors.investment_overview(today=today, status=status or None)
    return render(
        request,
        "investment/overview.html",
        {
            "overview": data,
            "today": today,
            "status": status,
            "filters": FILTERS,
            "terms": terms,
            "meanings": [(s.label, PAYMENT_STATUS_MEANINGS[s]) for s in PaymentStatus],
            "pending_requests": selectors.requests_visible_to(request.user)
            .filter(status=RequestStatus.SUBMITTED)
            .count(),
        },
    )


@login_required
def principal_detail(request: HttpRequest, code: str) -> HttpResponse:
    principal = selectors.principal_visible_get(user=request.user, code=code)
    today = timezone.localdate()
    finance = is_finance_officer(request.user)
    return render(
        request,
        "investment/principal.html",
        {
            "principal": principal,
            "position": selectors.principal_position(principal=principal, today=today),
            "is_signatory": selectors.principal_is_signatory(principal),
            "payments": list(selectors.payments_of(principal)),
            "requests": list(
                selectors.requests_visible_to(request.user).filter(principal=principal)
            ),
            "form_state": selectors.request_form_state(principal=principal, today=today),
            "is_contact": principal.pk in selectors.contact_principals_of(request.user),
            "is_finance": finance,
            "run": selectors.investment_run_get(),
            "today": today,
            "terms": terms,
        },
    )


@login_required
@require_POST
def payment_record(request: HttpRequest, code: str) -> HttpResponse:
    finance_check(request.user)
    principal = selectors.principal_visible_get(user=request.user, code=code)
    payment = actions.investment_payment_record(
        acting_user=request.user,
        principal=principal,
        paid_on=_date(request, "paid_on", required=True) or timezone.localdate(),
        amount=actions.amount_parse(request.POST.get("amount", "")),
        reference=request.POST.get("reference", ""),
    )
    messages.success(
        request,
        _("Payment of %(amount)s SEK from %(name)s recorded.")
        % {"amount": f"{payment.amount:.2f}".replace(".", ","), "name": principal.name},
    )
    return HttpResponseRedirect(reverse("investment:principal", args=[principal.code]))


@login_required
@require_POST
def request_submit(request: HttpRequest, code: str) -> HttpResponse:
    principal = selectors.principal_visible_get(user=request.user, code=code)
    actions.investment_request_submit(
        acting_user=request.user,
        principal=principal,
        change_details=request.POST.get("change_details") == "on",
        invoice_address=request.POST.get("invoice_address", ""),
        invoice_reference=request.POST.get("invoice_reference", ""),
        organisation_number=request.POST.get("organisation_number", ""),
        postpone=request.POST.get("postpone") == "on",
        requested_due_on=_date(request, "requested_due_on"),
        message=request.POST.get("message", ""),
    )
    messages.success(request, _("Your request has been sent to the finance officer."))
    return HttpResponseRedirect(reverse("investment:principal", args=[principal.code]))


@login_required
def request_list(request: HttpRequest) -> HttpResponse:
    finance_check(request.user)
    requests = list(selectors.requests_visible_to(request.user))
    return render(
        request,
        "investment/requests.html",
        {
            "pending": [r for r in requests if r.status == RequestStatus.SUBMITTED],
            "decided": [r for r in requests if r.status != RequestStatus.SUBMITTED],
        },
    )


@login_required
@require_POST
def request_review(request: HttpRequest, pk: int) -> HttpResponse:
    finance_check(request.user)
    item = selectors.request_get(user=request.user, pk=pk)
    decision = request.POST.get("decision", "")
    if decision not in ("approve", "reject"):
        raise InvalidInput("decision_missing", _("Approve or reject the request."))
    actions.investment_request_review(
        acting_user=request.user,
        request=item,
        approve=decision == "approve",
        reason=request.POST.get("reason", ""),
    )
    text = (
        _("The request from %(name)s is approved.")
        if decision == "approve"
        else _("The request from %(name)s is rejected.")
    )
    messages.success(request, text % {"name": item.principal.name})
    return HttpResponseRedirect(reverse("investment:requests"))


@login_required
@require_POST
def run_issue(request: HttpRequest) -> HttpResponse:
    run = actions.investment_run_issue(acting_user=request.user)
    messages.success(
        request,
        _("The joint investment is invoiced (issued %(date)s).")
        % {"date": run.issued_on.isoformat()},
    )
    return HttpResponseRedirect(reverse("investment:overview"))


@login_required
def overview_download(request: HttpRequest, fmt: str) -> HttpResponse:
    finance_check(request.user)
    today = timezone.localdate()
    data = selectors.investment_overview(today=today, status=request.GET.get("status") or None)
    if fmt == "xlsx":
        response = HttpResponse(
            exports.overview_xlsx(data, today),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        response = HttpResponse(exports.overview_csv(data), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = (
        f'attachment; filename="gemensam_investering_{today.isoformat()}.{fmt}"'
    )
    return response


@login_required
def invoice_pdf(request: HttpRequest, number: str) -> HttpResponse:
    invoice = selectors.invoice_visible_get(user=request.user, number=number)
    response = HttpResponse(exports.invoice_pdf(invoice, request), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{invoice.number}.pdf"'
    return response
