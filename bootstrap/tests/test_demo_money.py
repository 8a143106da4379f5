"""The demo money loads through the real actions and only once."""

import pytest

from bootstrap.demo_money import demo_money_load
from economy import selectors
from economy.models import CostEntry
from investment.models import InvestmentPayment


@pytest.mark.django_db
def test_demo_money_loads_once_and_the_ledger_shows_it():
    counts = demo_money_load()
    assert counts["run_issued"] == 1
    assert counts["payment_recorded"] > 40
    assert counts["cost_booked"] == CostEntry.objects.count() > 0
    assert demo_money_load() == {}  # a second load changes nothing
    assert InvestmentPayment.objects.count() == counts["payment_recorded"]
    year_2022 = selectors.ledger(2022, 2022)[0]
    assert year_2022.investment > 0
    assert year_2022.closing == year_2022.investment - year_2022.costs_total
