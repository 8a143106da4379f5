"""REST endpoints of the joint economy: the ledger, the forecast, and the finance
officer's costs, budget and assumptions. Readers as on the screens."""

import datetime
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from core.errors import NotFound
from economy import actions, selectors
from economy.views import economy_read_check

router = Router(tags=["joint economy"])


class LedgerYearOut(Schema):
    year: int
    opening: Decimal
    investment: Decimal
    rent: Decimal
    surcharge: Decimal
    costs: dict[str, Decimal]
    costs_total: Decimal
    closing: Decimal
    budget: dict[str, Decimal]


class ForecastMonthOut(Schema):
    month: datetime.date
    surcharge: Decimal
    costs: Decimal
    balance: Decimal
    actual: bool


class AssumptionsIn(Schema):
    monthly_staff: Decimal
    monthly_equipment_premises: Decimal
    monthly_platform: Decimal
    surcharge_growth: Decimal
    trend_months: int = 6
    horizon_months: int = 24
    note: str = ""


class AssumptionsOut(AssumptionsIn):
    id: int
    monthly_costs: Decimal
    created_at: datetime.datetime


class ForecastOut(Schema):
    assumptions: AssumptionsOut
    as_of: datetime.date
    starting_level: Decimal
    observed_trend: Decimal | None
    self_sufficient_from: datetime.date | None
    months: list[ForecastMonthOut]


class CostIn(Schema):
    booked_on: datetime.date
    kind: str
    amount: Decimal
    description: str


class CostOut(CostIn):
    id: int


class BudgetIn(Schema):
    amounts: dict[str, Decimal]


@router.get("/economy/ledger", response=list[LedgerYearOut])
def ledger_get(
    request: HttpRequest, from_year: int = selectors.FIRST_YEAR, to_year: int | None = None
) -> list[selectors.LedgerYear]:
    """The joint economy per year: opening balance, investment and rent surcharge in,
    costs by kind, closing balance, and the year's budget."""
    economy_read_check(request.user)
    return selectors.ledger(from_year, to_year)


@router.get("/economy/forecast", response=ForecastOut)
def forecast_get(request: HttpRequest, as_of: datetime.date | None = None) -> object:
    """404 ``no_assumptions`` until a finance officer has saved the assumptions."""
    economy_read_check(request.user)
    current = selectors.assumptions_current()
    if current is None:
        raise NotFound("no_assumptions", _("No assumptions are saved yet."))
    return selectors.forecast(current, as_of=as_of)


@router.post("/economy/costs", response={201: CostOut})
def cost_create(request: HttpRequest, payload: CostIn) -> Status[object]:
    return Status(201, actions.cost_record(acting_user=request.user, **payload.dict()))


@router.put("/economy/budget/{year}", response=list[dict[str, str]])
def budget_put(request: HttpRequest, year: int, payload: BudgetIn) -> list[dict[str, str]]:
    saved = actions.budget_set(year=year, amounts=payload.amounts, acting_user=request.user)
    return [{"line": b.line, "amount": str(b.amount)} for b in saved]


@router.post("/economy/assumptions", response={201: AssumptionsOut})
def assumptions_create(request: HttpRequest, payload: AssumptionsIn) -> Status[object]:
    return Status(201, actions.assumptions_set(acting_user=request.user, **payload.dict()))
