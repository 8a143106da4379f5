"""Demo figures for the joint economy: costs 2022 – June 2024 in the proportions of the
follow-up's "Användning av finansiella medel" (about half of the 34 MSEK used by June
2024, most of it staff), a budget per year and forecast assumptions. Invented amounts,
booked through the same actions as a finance officer's, by the demo finance officer."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from economy import actions
from economy.models import BudgetAmount, CostEntry, ForecastAssumptions

FINANCE_LOGIN = "olof.ekonomi"

# (first day of the quarter, staff, equipment and premises, technical platform) in SEK.
QUARTERS = [
    ("2022-07-01", "900000.00", "350000.00", "0.00"),
    ("2022-10-01", "1250000.00", "420000.00", "0.00"),
    ("2023-01-01", "1400000.00", "510000.00", "0.00"),
    ("2023-04-01", "1500000.00", "480000.00", "0.00"),
    ("2023-07-01", "1450000.00", "390000.00", "150000.00"),
    ("2023-10-01", "1600000.00", "440000.00", "250000.00"),
    ("2024-01-01", "1650000.00", "300000.00", "400000.00"),
    ("2024-04-01", "1700000.00", "280000.00", "450000.00"),
]
BUDGET = {
    2023: {
        "investment": "0",
        "surcharge": "300000",
        "staff": "6000000",
        "equipment_premises": "1800000",
        "platform": "500000",
    },
    2024: {
        "investment": "0",
        "surcharge": "900000",
        "staff": "6800000",
        "equipment_premises": "1200000",
        "platform": "1800000",
    },
}


@transaction.atomic
def demo_economy_load() -> Counter[str]:
    counts: Counter[str] = Counter()
    if CostEntry.objects.exists():
        return counts
    user = get_user_model().objects.get(username=FINANCE_LOGIN)
    for quarter, *amounts in QUARTERS:
        day = datetime.date.fromisoformat(quarter) + datetime.timedelta(days=45)
        for kind, amount in zip(("staff", "equipment_premises", "platform"), amounts, strict=True):
            if Decimal(amount):
                actions.cost_record(
                    kind=kind,
                    amount=Decimal(amount),
                    booked_on=day,
                    description=f"Kvartalets kostnader {quarter[:7]}",
                    acting_user=user,
                )
                counts["cost_booked"] += 1
    for year, lines in BUDGET.items():
        if not BudgetAmount.objects.filter(year=year).exists():
            actions.budget_set(
                year=year,
                amounts={line: Decimal(v) for line, v in lines.items()},
                acting_user=user,
            )
            counts["budget_set"] += 1
    if not ForecastAssumptions.objects.exists():
        actions.assumptions_set(
            monthly_staff=Decimal("550000"),
            monthly_equipment_premises=Decimal("90000"),
            monthly_platform=Decimal("150000"),
            surcharge_growth=Decimal("35000"),
            trend_months=6,
            horizon_months=24,
            note="Demo: kostnadsnivån våren 2024; påslaget antas öka när fler produkter lanseras.",
            acting_user=user,
        )
        counts["assumptions_set"] += 1
    return counts
