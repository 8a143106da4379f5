"""Writes to the joint economy, by finance officers only. Each is one transaction and
records a domain event."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import ActingUser, actor_of
from core.errors import InvalidInput
from core.events import domain_event_record
from economy.choices import BudgetLine, CostKind
from economy.models import BudgetAmount, CostEntry, ForecastAssumptions
from registry.access import finance_check

CENT = Decimal("0.01")


def _money(value: Decimal, field: str, *, allow_negative: bool = False) -> Decimal:
    if value != value.quantize(CENT):
        raise InvalidInput("amount_precision", _("Give the amount in whole öre."), field=field)
    if not allow_negative and value < 0:
        raise InvalidInput("amount_negative", _("The amount cannot be negative."), field=field)
    if abs(value) >= Decimal("1e12"):
        raise InvalidInput("amount_too_large", _("The amount is too large."), field=field)
    return value


@transaction.atomic
def cost_record(
    *,
    kind: str,
    amount: Decimal,
    booked_on: datetime.date,
    description: str,
    acting_user: ActingUser,
) -> CostEntry:
    """Book a cost. A correction is a cost with a negative amount that says what it
    corrects: booked costs are never changed or deleted."""
    finance_check(acting_user)
    if kind not in CostKind.values:
        raise InvalidInput("invalid_cost_kind", _("Unknown kind of cost."), field="kind")
    _money(amount, "amount", allow_negative=True)
    if amount == 0:
        raise InvalidInput("amount_zero", _("The amount cannot be zero."), field="amount")
    if booked_on > timezone.localdate():
        raise InvalidInput(
            "booked_in_future", _("A cost cannot be booked in the future."), field="booked_on"
        )
    if not description.strip():
        raise InvalidInput("description_missing", _("Describe the cost."), field="description")
    entry = CostEntry.objects.create(
        kind=kind,
        amount=amount,
        booked_on=booked_on,
        description=description.strip()[:200],
        recorded_by=actor_of(acting_user),
    )
    domain_event_record(
        kind="economy.cost_recorded",
        obj=entry,
        acting_user=acting_user,
        data={"kind": kind, "amount": str(amount), "booked_on": booked_on.isoformat()},
    )
    return entry


@transaction.atomic
def budget_set(
    *, year: int, amounts: dict[str, Decimal], acting_user: ActingUser
) -> list[BudgetAmount]:
    """Set a year's budget, line by line (lines not given are left as they are)."""
    finance_check(acting_user)
    if not 2000 <= year <= 2100:
        raise InvalidInput("invalid_year", _("Give a year between 2000 and 2100."), field="year")
    saved = []
    for line, amount in amounts.items():
        if line not in BudgetLine.values:
            raise InvalidInput("invalid_budget_line", _("Unknown budget line."), field=line)
        _money(amount, line)
        budget, _created = BudgetAmount.objects.update_or_create(
            year=year, line=line, defaults={"amount": amount}
        )
        saved.append(budget)
        domain_event_record(
            kind="economy.budget_set",
            obj=budget,
            acting_user=acting_user,
            data={"year": year, "line": line, "amount": str(amount)},
        )
    return saved


@transaction.atomic
def assumptions_set(
    *,
    monthly_staff: Decimal,
    monthly_equipment_premises: Decimal,
    monthly_platform: Decimal,
    surcharge_growth: Decimal,
    trend_months: int,
    horizon_months: int,
    note: str,
    acting_user: ActingUser,
) -> ForecastAssumptions:
    """Save new forecast assumptions; the earlier ones are kept and shown as history."""
    finance_check(acting_user)
    for field, value in (
        ("monthly_staff", monthly_staff),
        ("monthly_equipment_premises", monthly_equipment_premises),
        ("monthly_platform", monthly_platform),
    ):
        _money(value, field)
    _money(surcharge_growth, "surcharge_growth", allow_negative=True)
    if not 1 <= trend_months <= 36:
        raise InvalidInput(
            "invalid_trend_months", _("Choose 1 to 36 months of history."), field="trend_months"
        )
    if not 1 <= horizon_months <= 120:
        raise InvalidInput(
            "invalid_horizon", _("Forecast 1 to 120 months ahead."), field="horizon_months"
        )
    assumptions = ForecastAssumptions.objects.create(
        monthly_staff=monthly_staff,
        monthly_equipment_premises=monthly_equipment_premises,
        monthly_platform=monthly_platform,
        surcharge_growth=surcharge_growth,
        trend_months=trend_months,
        horizon_months=horizon_months,
        note=note.strip()[:300],
        created_by=actor_of(acting_user),
    )
    domain_event_record(
        kind="economy.assumptions_set",
        obj=assumptions,
        acting_user=acting_user,
        data={"monthly_costs": str(assumptions.monthly_costs)},
    )
    return assumptions
