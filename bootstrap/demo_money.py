"""Demo money: the joint investment of 2022, the rent runs of the simulated history
(September 2023 to May 2024, each issued on the first working day of the next month),
and the joint economy's costs, budget and forecast assumptions. Loaded after the demo
history; every amount is computed by the same actions a finance officer uses, except the
demo's surcharge rate, an assumption stated here."""

from __future__ import annotations

import datetime
from collections import Counter
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction

from billing.actions import rent_run_create, rent_run_issue
from billing.models import InvoiceRun, SurchargeRate
from core.errors import Conflict
from economy.demo import demo_economy_load
from investment.demo import demo_investment_load
from logistics.calendar import add_working_days

# Demo assumption: a fifth of each product rent is the surcharge that funds the joint
# economy (Bilaga 2: "ett långsiktigt hållbart påslag på produkthyror").
DEMO_SURCHARGE_SHARE = Decimal("0.2000")
SURCHARGE_FROM = datetime.date(2023, 9, 1)
FIRST_MONTH = datetime.date(2023, 9, 1)
LAST_MONTH = datetime.date(2024, 5, 1)  # the last whole month of the simulated history


def _months() -> list[datetime.date]:
    months, month = [], FIRST_MONTH
    while month <= LAST_MONTH:
        months.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return months


@transaction.atomic
def demo_money_load() -> Counter[str]:
    counts: Counter[str] = Counter()
    counts.update(demo_investment_load())
    finance = get_user_model().objects.get(username="olof.ekonomi")
    if not SurchargeRate.objects.exists():
        SurchargeRate.objects.create(
            product=None, share=DEMO_SURCHARGE_SHARE, valid_from=SURCHARGE_FROM
        )
        counts["surcharge_rate"] += 1
    if not InvoiceRun.objects.exists():
        for month in _months():
            try:
                run = rent_run_create(month=month, acting_user=finance)
            except Conflict as exc:
                if exc.code == "nothing_to_bill":  # no demo history loaded
                    continue
                raise
            next_month = (month + datetime.timedelta(days=32)).replace(day=1)
            issued_on = add_working_days(next_month - datetime.timedelta(days=1), 1)
            rent_run_issue(run=run, acting_user=finance, on=issued_on)
            counts["rent_run_issued"] += 1
    counts.update(demo_economy_load())
    return counts
