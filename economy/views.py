"""The joint economy's screens: the ledger per year with outcome against budget, the
costs, the budget and the forecast. Finance officers write; coordinators and the
principals' contact persons may read (the agreement: an account "för påseende av
samtliga deltagande huvudmän")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import InvalidInput, NotPermitted
from economy import actions, selectors
from economy.choices import COST_KIND_MEANINGS, CostKind
from economy.forms import AssumptionsForm, BudgetForm, CostForm
from economy.models import BudgetAmount, CostEntry, ForecastAssumptions
from followup import charts
from registry.access import Role, contact_principal_ids, is_finance_officer, roles_of


def economy_read_check(user: Any) -> None:
    if is_finance_officer(user) or Role.COORDINATOR in roles_of(user):
        return
    if contact_principal_ids(user):
        return
    raise NotPermitted("economy_no_access", _("You may not see the joint economy."))


def _form_error(form: Any, exc: InvalidInput) -> None:
    field = exc.field if exc.field in form.fields else None
    form.add_error(field, str(exc.message))


def ledger_view(request: HttpRequest) -> HttpResponse:
    economy_read_check(request.user)
    years = selectors.ledger()
    with_money = [y.year for y in years if y.investment or y.rent or y.costs]
    try:
        chosen = int(request.GET.get("year", "") or 0)
    except ValueError:
        chosen = 0
    chosen = chosen or (with_money[-1] if with_money else timezone.localdate().year)
    year = next((y for y in years if y.year == chosen), years[-1])
    lines: list[tuple[str, list[Decimal], bool]] = [
        (_("Opening balance"), [y.opening for y in years], False),
        (_("Joint investment in"), [y.investment for y in years], False),
        (_("Rent invoiced"), [y.rent for y in years], False),
        (_("Rent surcharge in"), [y.surcharge for y in years], False),
        *[
            (str(label), [y.costs.get(kind, Decimal("0.00")) for y in years], False)
            for kind, label in CostKind.choices
        ],
        (_("Costs in all"), [y.costs_total for y in years], False),
        (_("Closing balance"), [y.closing for y in years], True),
    ]
    chart = charts.bar_chart(
        title=_("Closing balance per year (SEK)"),
        categories=[str(y.year) for y in years],
        series=[charts.Series(name=_("Closing balance"), values=[float(y.closing) for y in years])],
    )
    return render(
        request,
        "economy/ledger.html",
        {
            "years": years,
            "lines": lines,
            "year": year,
            "chart": chart,
            "cost_kinds": CostKind.choices,
            "may_write": is_finance_officer(request.user),
        },
    )


def costs_view(request: HttpRequest) -> HttpResponse:
    economy_read_check(request.user)
    form = CostForm(request.POST or None, initial={"booked_on": timezone.localdate()})
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.cost_record(acting_user=request.user, **form.cleaned_data)
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The cost is booked."))
                return HttpResponseRedirect(reverse("economy:costs"))
        status = 400
    page = Paginator(CostEntry.objects.order_by("-booked_on", "-id"), 50).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "economy/costs.html",
        {
            "form": form,
            "page": page,
            "meanings": COST_KIND_MEANINGS,
            "may_write": is_finance_officer(request.user),
        },
        status=status,
    )


def budget_view(request: HttpRequest, year: int) -> HttpResponse:
    economy_read_check(request.user)
    current = {b.line: b.amount for b in BudgetAmount.objects.filter(year=year)}
    form = BudgetForm(request.POST or None, initial=current)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            amounts = {k: v for k, v in form.cleaned_data.items() if v is not None}
            try:
                actions.budget_set(year=year, amounts=amounts, acting_user=request.user)
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The budget is saved."))
                return HttpResponseRedirect(reverse("economy:ledger") + f"?year={year}")
        status = 400
    return render(
        request,
        "economy/budget.html",
        {"form": form, "year": year, "may_write": is_finance_officer(request.user)},
        status=status,
    )


def forecast_view(request: HttpRequest) -> HttpResponse:
    economy_read_check(request.user)
    current = selectors.assumptions_current()
    initial = (
        {
            f: getattr(current, f)
            for f in (
                "monthly_staff",
                "monthly_equipment_premises",
                "monthly_platform",
                "surcharge_growth",
                "trend_months",
                "horizon_months",
                "note",
            )
        }
        if current
        else {"trend_months": 6, "horizon_months": 24, "surcharge_growth": Decimal("0")}
    )
    form = AssumptionsForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                actions.assumptions_set(acting_user=request.user, **form.cleaned_data)
            except InvalidInput as exc:
                _form_error(form, exc)
            else:
                messages.success(request, _("The assumptions are saved; the forecast uses them."))
                return HttpResponseRedirect(reverse("economy:forecast"))
        status = 400
    context: dict[str, Any] = {
        "form": form,
        "assumptions": current,
        "history": ForecastAssumptions.objects.all()[:10],
        "may_write": is_finance_officer(request.user),
    }
    if current is not None:
        result = selectors.forecast(current)
        shown = [m for m in result.months if m.month >= datetime.date(2023, 1, 1)]
        categories = [m.month.strftime("%Y-%m") for m in shown]
        context["forecast"] = result
        context["balance_chart"] = charts.line_chart(
            title=_("Balance of the joint economy: outcome and forecast (SEK)"),
            categories=categories,
            series=[charts.Series(name=_("Balance"), values=[float(m.balance) for m in shown])],
        )
        context["cover_chart"] = charts.line_chart(
            title=_("Rent surcharge and running costs per month (SEK)"),
            categories=categories,
            series=[
                charts.Series(name=_("Rent surcharge"), values=[float(m.surcharge) for m in shown]),
                charts.Series(name=_("Costs"), values=[float(m.costs) for m in shown]),
            ],
        )
    return render(request, "economy/forecast.html", context, status=status)
