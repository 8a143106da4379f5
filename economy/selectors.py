"""The joint economy's ledger per year, outcome against budget, and the forecast of the
balance and of the month the rent surcharge covers the running costs (the follow-up's
self-sufficiency goal, summer 2025). Computed when asked, from the costs recorded here
and the money in read from the investment and billing apps (economy/sources.py)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from economy import sources
from economy.choices import BudgetLine, CostKind
from economy.models import BudgetAmount, CostEntry, ForecastAssumptions

FIRST_YEAR = 2022  # the collaboration agreement and the investment: 2022
ZERO = Decimal("0.00")
CENT = Decimal("0.01")


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _next_month(month: datetime.date) -> datetime.date:
    return (month + datetime.timedelta(days=32)).replace(day=1)


def months_between(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months = []
    month = _month(start)
    while month <= end:
        months.append(month)
        month = _next_month(month)
    return months


@dataclass
class MonthFlow:
    month: datetime.date
    investment: Decimal = ZERO
    rent: Decimal = ZERO
    surcharge: Decimal = ZERO
    costs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def costs_total(self) -> Decimal:
        return sum(self.costs.values(), ZERO)

    @property
    def net(self) -> Decimal:
        """What the month adds to the joint economy: investment and surcharge in, costs out."""
        return self.investment + self.surcharge - self.costs_total


def month_flows(start: datetime.date, end: datetime.date) -> list[MonthFlow]:
    """Every month from ``start`` to ``end`` with its money in and costs by kind."""
    flows = {m: MonthFlow(month=m) for m in months_between(start, end)}
    for month, amount in sources.investment_in(start, end).items():
        if month in flows:
            flows[month].investment += amount
    for month, (rent, surcharge) in sources.rent_in(start, end).items():
        if month in flows:
            flows[month].rent += rent
            flows[month].surcharge += surcharge
    costs = (
        CostEntry.objects.filter(booked_on__gte=_month(start), booked_on__lte=end)
        .annotate(month=TruncMonth("booked_on"))
        .values("month", "kind")
        .annotate(total=Sum("amount"))
    )
    for row in costs:
        month = row["month"]
        if isinstance(month, datetime.datetime):
            month = month.date()
        flow = flows[month]
        total = row["total"].quantize(CENT)  # SQLite sums decimals as floats
        flow.costs[row["kind"]] = flow.costs.get(row["kind"], ZERO) + total
    return list(flows.values())


@dataclass
class LedgerYear:
    year: int
    opening: Decimal
    investment: Decimal
    rent: Decimal
    surcharge: Decimal
    costs: dict[str, Decimal]
    budget: dict[str, Decimal]

    @property
    def costs_total(self) -> Decimal:
        return sum(self.costs.values(), ZERO)

    @property
    def closing(self) -> Decimal:
        return self.opening + self.investment + self.surcharge - self.costs_total

    def outcome(self) -> list[tuple[str, str, Decimal, Decimal | None, Decimal | None]]:
        """(line, label, outcome, budget, outcome − budget) for every budget line."""
        actual = {
            BudgetLine.INVESTMENT: self.investment,
            BudgetLine.SURCHARGE: self.surcharge,
            **{kind: self.costs.get(kind, ZERO) for kind in CostKind.values},
        }
        rows = []
        for line, label in BudgetLine.choices:
            budget = self.budget.get(line)
            value = actual[line]
            rows.append(
                (line, str(label), value, budget, value - budget if budget is not None else None)
            )
        return rows


def ledger(first_year: int = FIRST_YEAR, last_year: int | None = None) -> list[LedgerYear]:
    """One row per year: the opening balance is the previous year's closing (zero before
    the first year)."""
    last = last_year or timezone.localdate().year
    flows = month_flows(datetime.date(first_year, 1, 1), datetime.date(last, 12, 31))
    budgets: dict[int, dict[str, Decimal]] = defaultdict(dict)
    for budget in BudgetAmount.objects.filter(year__gte=first_year, year__lte=last):
        budgets[budget.year][budget.line] = budget.amount
    years = []
    opening = ZERO
    for year in range(first_year, last + 1):
        in_year = [f for f in flows if f.month.year == year]
        costs: dict[str, Decimal] = {}
        for flow in in_year:
            for kind, amount in flow.costs.items():
                costs[kind] = costs.get(kind, ZERO) + amount
        row = LedgerYear(
            year=year,
            opening=opening,
            investment=sum((f.investment for f in in_year), ZERO),
            rent=sum((f.rent for f in in_year), ZERO),
            surcharge=sum((f.surcharge for f in in_year), ZERO),
            costs=costs,
            budget=budgets[year],
        )
        years.append(row)
        opening = row.closing
    return years


def assumptions_current() -> ForecastAssumptions | None:
    return ForecastAssumptions.objects.first()


@dataclass
class ForecastMonth:
    month: datetime.date
    surcharge: Decimal
    costs: Decimal
    balance: Decimal
    actual: bool


@dataclass
class Forecast:
    assumptions: ForecastAssumptions
    as_of: datetime.date  # the last month of actual figures
    starting_level: Decimal  # the surcharge per month the projection starts from
    observed_trend: Decimal | None  # least-squares growth per month over the trend window
    months: list[ForecastMonth]
    self_sufficient_from: datetime.date | None


def _trend(values: list[Decimal]) -> Decimal | None:
    """The least-squares slope of ``values`` per step (None for fewer than two)."""
    n = len(values)
    if n < 2:
        return None
    mean_x = Decimal(n - 1) / 2
    mean_y = sum(values, ZERO) / n
    num = sum(((Decimal(i) - mean_x) * (v - mean_y) for i, v in enumerate(values)), ZERO)
    den = sum(((Decimal(i) - mean_x) ** 2 for i in range(n)), ZERO)
    return (num / den).quantize(CENT, ROUND_HALF_UP)


def forecast(assumptions: ForecastAssumptions, as_of: datetime.date | None = None) -> Forecast:
    """The actual months up to ``as_of`` (default: the last complete month, or the last
    month with any money if that is earlier), then
    ``horizon_months`` projected: the surcharge starts at the average of the last
    ``trend_months`` actual months and grows by ``surcharge_growth`` each month; costs are
    the assumed monthly costs. Self-sufficient from the first month whose surcharge
    covers that month's costs (actual or assumed)."""
    today = timezone.localdate()
    last_complete = _month(_month(today) - datetime.timedelta(days=1))
    if as_of is not None:
        last = _month(as_of)
    else:
        # The outcome ends where the money does: with no costs, payments or invoices in
        # the latest months, the forecast starts from the last month that has any.
        latest = sources.latest_money_day()
        last = min(last_complete, _month(latest)) if latest else last_complete
    history = month_flows(
        datetime.date(FIRST_YEAR, 1, 1), _next_month(last) - datetime.timedelta(1)
    )
    months: list[ForecastMonth] = []
    balance = ZERO
    for flow in history:
        balance += flow.net
        months.append(
            ForecastMonth(flow.month, flow.surcharge, flow.costs_total, balance, actual=True)
        )
    window = [f.surcharge for f in history[-assumptions.trend_months :]] or [ZERO]
    level = (sum(window, ZERO) / len(window)).quantize(CENT, ROUND_HALF_UP)
    costs = assumptions.monthly_costs
    month = _next_month(last)
    surcharge = level
    for _i in range(assumptions.horizon_months):
        surcharge = (surcharge + assumptions.surcharge_growth).quantize(CENT, ROUND_HALF_UP)
        balance += surcharge - costs
        months.append(ForecastMonth(month, surcharge, costs, balance, actual=False))
        month = _next_month(month)
    covered = next((m.month for m in months if m.costs > 0 and m.surcharge >= m.costs), None)
    return Forecast(
        assumptions=assumptions,
        as_of=last,
        starting_level=level,
        observed_trend=_trend(window),
        months=months,
        self_sufficient_from=covered,
    )
