"""The joint economy: costs, budget, ledger per year and the forecast, with the rules
and the access of the screens and the API."""

import datetime
from decimal import Decimal

import pytest

from core.errors import InvalidInput, NotPermitted
from core.models import AppendOnlyError
from economy import actions, selectors
from economy.models import CostEntry

D = datetime.date
pytestmark = pytest.mark.django_db


@pytest.fixture
def olof(db):
    from django.contrib.auth.models import User

    return User.objects.get(username="olof.ekonomi")


def book(user, day, kind, amount, text="Kostnad"):
    return actions.cost_record(
        kind=kind, amount=Decimal(amount), booked_on=day, description=text, acting_user=user
    )


def test_ledger_carries_the_balance_over_years_and_compares_with_budget(olof):
    book(olof, D(2023, 3, 1), "staff", "1000000.00")
    book(olof, D(2023, 9, 1), "equipment_premises", "250000.50")
    book(olof, D(2024, 1, 15), "platform", "400000.00")
    book(olof, D(2024, 2, 1), "staff", "-100000.00", "Rättelse: för mycket bokat i mars 2023")
    actions.budget_set(
        year=2024,
        amounts={"staff": Decimal("900000"), "platform": Decimal("500000")},
        acting_user=olof,
    )

    years = {y.year: y for y in selectors.ledger(2022, 2024)}
    assert years[2022].closing == Decimal("0.00")
    assert years[2023].costs_total == Decimal("1250000.50")
    assert years[2023].closing == Decimal("-1250000.50")
    assert years[2024].opening == Decimal("-1250000.50")
    assert years[2024].costs == {"platform": Decimal("400000.00"), "staff": Decimal("-100000.00")}
    assert years[2024].closing == Decimal("-1550000.50")
    outcome = {
        line: (value, budget, diff) for line, _l, value, budget, diff in years[2024].outcome()
    }
    assert outcome["platform"] == (
        Decimal("400000.00"),
        Decimal("500000.00"),
        Decimal("-100000.00"),
    )
    assert outcome["staff"] == (Decimal("-100000.00"), Decimal("900000.00"), Decimal("-1000000.00"))
    assert outcome["other"][1] is None  # no budget set for that line


def test_booked_costs_cannot_be_changed_or_deleted(olof):
    entry = book(olof, D(2024, 1, 1), "staff", "10.00")
    entry.amount = Decimal("20.00")
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        CostEntry.objects.filter(pk=entry.pk).update(amount=Decimal("1"))
    with pytest.raises(AppendOnlyError):
        entry.delete()


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"kind": "travel"}, "invalid_cost_kind"),
        ({"amount": Decimal("0")}, "amount_zero"),
        ({"amount": Decimal("1.005")}, "amount_precision"),
        ({"booked_on": D(2099, 1, 1)}, "booked_in_future"),
        ({"description": "  "}, "description_missing"),
    ],
)
def test_bad_costs_are_refused_and_nothing_is_booked(olof, kwargs, code):
    args = {
        "kind": "staff",
        "amount": Decimal("100.00"),
        "booked_on": D(2024, 1, 1),
        "description": "Lön",
        **kwargs,
    }
    with pytest.raises(InvalidInput) as exc:
        actions.cost_record(acting_user=olof, **args)
    assert exc.value.code == code
    assert CostEntry.objects.count() == 0


def test_only_finance_officers_write(anna):
    with pytest.raises(NotPermitted):
        book(anna, D(2024, 1, 1), "staff", "1.00")


def test_forecast_finds_the_month_the_surcharge_covers_the_costs(olof):
    book(olof, D(2024, 5, 10), "staff", "5000.00")
    assumptions = actions.assumptions_set(
        monthly_staff=Decimal("3000"),
        monthly_equipment_premises=Decimal("1500"),
        monthly_platform=Decimal("500"),
        surcharge_growth=Decimal("1000"),
        trend_months=6,
        horizon_months=12,
        note="Test",
        acting_user=olof,
    )
    result = selectors.forecast(assumptions, as_of=D(2024, 6, 1))
    # No surcharge yet: the level starts at 0 and grows 1 000 a month; the costs are
    # 5 000 a month, so the fifth forecast month (2024-11) is the first that is covered.
    assert result.as_of == D(2024, 6, 1)
    assert result.starting_level == Decimal("0.00")
    assert result.self_sufficient_from == D(2024, 11, 1)
    future = [m for m in result.months if not m.actual]
    assert len(future) == 12
    assert [m.surcharge for m in future[:5]] == [Decimal(n) for n in (1000, 2000, 3000, 4000, 5000)]
    # Balance: −5 000 booked in May 2024, then Σ(1 000k − 5 000) over k = 1..12 = 18 000.
    assert future[-1].balance == Decimal("13000.00")


def test_screens_for_finance_readers_and_others(olof, anna):
    from conftest import client_for

    finance = client_for(olof)
    assert finance.get("/samverkansekonomi/").status_code == 200
    response = finance.post(
        "/samverkansekonomi/kostnader/",
        {
            "booked_on": "2024-01-31",
            "kind": "platform",
            "amount": "1234,50",
            "description": "Licens",
        },
    )
    assert response.status_code == 302
    assert CostEntry.objects.get().amount == Decimal("1234.50")
    bad = finance.post(
        "/samverkansekonomi/kostnader/",
        {"booked_on": "2024-01-31", "kind": "platform", "amount": "0", "description": "Noll"},
    )
    assert bad.status_code == 400
    assert "Beloppet kan inte vara noll." in bad.content.decode()
    assert finance.get("/samverkansekonomi/prognos/").status_code == 200
    assert finance.get("/samverkansekonomi/budget/2024/").status_code == 200
    assert client_for(anna).get("/samverkansekonomi/").status_code == 403


def test_api_ledger_forecast_and_errors(olof, anna):
    from conftest import client_for

    finance = client_for(olof)
    missing = finance.get("/api/v1/economy/forecast")
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "no_assumptions",
        "message": "Inga antaganden är sparade ännu.",
        "field": None,
    }
    created = finance.post(
        "/api/v1/economy/costs",
        {"booked_on": "2024-02-01", "kind": "staff", "amount": "2500.00", "description": "Lön"},
        content_type="application/json",
    )
    assert created.status_code == 201
    refused = finance.post(
        "/api/v1/economy/costs",
        {"booked_on": "2024-02-01", "kind": "coffee", "amount": "1.00", "description": "Fika"},
        content_type="application/json",
    )
    assert (refused.status_code, refused.json()["code"]) == (400, "invalid_cost_kind")
    budget = finance.put(
        "/api/v1/economy/budget/2024",
        {"amounts": {"staff": "3000.00"}},
        content_type="application/json",
    )
    assert budget.status_code == 200
    ledger = {y["year"]: y for y in finance.get("/api/v1/economy/ledger?to_year=2024").json()}
    assert ledger[2024]["costs"] == {"staff": "2500.00"}
    assert ledger[2024]["budget"] == {"staff": "3000.00"}
    assert ledger[2024]["closing"] == "-2500.00"
    assumptions = finance.post(
        "/api/v1/economy/assumptions",
        {
            "monthly_staff": "1000",
            "monthly_equipment_premises": "0",
            "monthly_platform": "0",
            "surcharge_growth": "250",
            "horizon_months": 6,
        },
        content_type="application/json",
    )
    assert assumptions.status_code == 201
    forecast = finance.get("/api/v1/economy/forecast?as_of=2024-02-01").json()
    assert forecast["self_sufficient_from"] == "2024-06-01"  # 250, 500, 750, 1 000
    nurse = client_for(anna)
    assert nurse.get("/api/v1/economy/ledger").status_code == 403
    assert (
        nurse.post(
            "/api/v1/economy/costs",
            {"booked_on": "2024-02-01", "kind": "staff", "amount": "1.00", "description": "x"},
            content_type="application/json",
        ).status_code
        == 403
    )


def test_the_ledger_reads_investment_payments_and_issued_rent(olof, anna):
    """Money in is read from the apps that own it: a payment of the joint investment in
    2022, and the surcharge of an issued rent run in 2024 (half the rent at a 50 % rate)."""
    from billing.actions import rent_run_create, rent_run_issue
    from billing.models import SurchargeRate
    from followup.tests.helpers import small_history
    from investment.actions import investment_payment_record, investment_run_issue
    from registry.models import Principal

    investment_run_issue(acting_user=olof, issued_on=D(2022, 7, 1), today=D(2022, 7, 1))
    skovde = Principal.objects.get(code="1496")
    investment_payment_record(
        acting_user=olof, principal=skovde, paid_on=D(2022, 12, 1), amount=Decimal("570160.00")
    )
    small_history(anna)  # BP monitors (45 SEK a month) delivered 6 March, 5 April, 16 May
    SurchargeRate.objects.create(product=None, share=Decimal("0.5"), valid_from=D(2024, 1, 1))
    run = rent_run_create(month=D(2024, 3, 1), acting_user=olof)
    rent_run_issue(run=run, acting_user=olof, on=D(2024, 4, 2))

    years = {y.year: y for y in selectors.ledger(2022, 2024)}
    assert years[2022].investment == Decimal("570160.00")
    # March: one monitor from the 6th = 26 of 31 days: 45 × 26 / 31 = 37.74 (half up).
    assert years[2024].rent == Decimal("37.74")
    assert years[2024].surcharge == Decimal("18.87")
    assert years[2024].closing == Decimal("570178.87")


def test_the_outcome_ends_with_the_last_month_that_has_money(olof):
    """Without as_of the forecast starts after the last month with any cost, payment or
    invoice (here May 2024), not after a long run of empty months up to today."""
    book(olof, D(2024, 5, 10), "staff", "5000.00")
    assumptions = actions.assumptions_set(
        monthly_staff=Decimal("1"),
        monthly_equipment_premises=Decimal("0"),
        monthly_platform=Decimal("0"),
        surcharge_growth=Decimal("0"),
        trend_months=3,
        horizon_months=2,
        note="",
        acting_user=olof,
    )
    result = selectors.forecast(assumptions)
    assert result.as_of == D(2024, 5, 1)
    assert [m.month for m in result.months if not m.actual] == [D(2024, 6, 1), D(2024, 7, 1)]
