"""The investment run reproduces Table 1 of Bilaga 2 for every signatory."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction

from core.errors import Conflict, NotPermitted
from core.models import AppendOnlyError, DomainEvent
from investment import selectors, terms
from investment.actions import investment_run_issue
from investment.models import InvestmentInvoice

# Table 1 of Bilaga 2 as printed (seed 002), with the registry's code of each principal.
# The seed misspells Bengtsfors ("Bengtstors") and Mölndal ("Mölnadal"): matched by code.
TABLE_1 = [
    ("14", "Västra Götalandsregionen", 1744859, "17448590"),
    ("1440", "Ale", 32148, "321480"),
    ("1489", "Alingsås", 41853, "418530"),
    ("1460", "Bengtstors", 9409, "94090"),
    ("1443", "Bollebygd", 9634, "96340"),
    ("1490", "Borås", 114091, "1140910"),
    ("1438", "Dals-Ed", 4756, "47560"),
    ("1445", "Essunga", 5698, "56980"),
    ("1499", "Falköping", 33270, "332700"),
    ("1439", "Färgelanda", 6576, "65760"),
    ("1444", "Grästorp", 5730, "57300"),
    ("1447", "Gullspång", 5206, "52060"),
    ("1480", "Göteborg", 587549, "5875490"),
    ("1471", "Götene", 13263, "132630"),
    ("1466", "Herrljunga", 9501, "95010"),
    ("1497", "Hjo", 9233, "92330"),
    ("1401", "Härryda", 39006, "390060"),
    ("1446", "Karlsborg", 6965, "69650"),
    ("1482", "Kungälv", 48271, "482710"),
    ("1441", "Lerum", 43399, "433990"),
    ("1494", "Lidköping", 40460, "404600"),
    ("1462", "Lilla Edet", 14509, "145090"),
    ("1484", "Lysekil", 14266, "142660"),
    ("1493", "Mariestad", 24723, "247230"),
    ("1463", "Mark", 35201, "352010"),
    ("1461", "Mellerud", 9268, "92680"),
    ("1430", "Munkedal", 10588, "105880"),
    ("1481", "Mölnadal", 69943, "699430"),
    ("1421", "Orust", 15345, "153450"),
    ("1402", "Partille", 39529, "395290"),
    ("1495", "Skara", 18732, "187320"),
    ("1496", "Skövde", 57016, "570160"),
    ("1427", "Sotenäs", 9125, "91250"),
    ("1415", "Stenungsund", 27556, "275560"),
    ("1486", "Strömstad", 13277, "132770"),
    ("1465", "Svenljunga", 10864, "108640"),
    ("1435", "Tanum", 12965, "129650"),
    ("1472", "Tibro", 11281, "112810"),
    ("1498", "Tidaholm", 12825, "128250"),
    ("1419", "Tjörn", 16312, "163120"),
    ("1452", "Tranemo", 11937, "119370"),
    ("1488", "Trollhättan", 59154, "591540"),
    ("1473", "Töreboda", 9207, "92070"),
    ("1485", "Uddevalla", 57122, "571220"),
    ("1491", "Ulricehamn", 24898, "248980"),
    ("1470", "Vara", 16162, "161620"),
    ("1442", "Vårgårda", 12180, "121800"),
    ("1487", "Vänersborg", 39636, "396360"),
    ("1492", "Åmål", 12318, "123180"),
    ("1407", "Öckerö", 12902, "129020"),
]
NOT_SIGNED = {"1440", "1489"}  # Ale, Alingsås


def test_table_1_is_complete_and_consistent():
    assert len(TABLE_1) == 50
    assert len({code for code, *_ in TABLE_1}) == 50
    for _code, _name, population, amount in TABLE_1:
        assert Decimal(amount) == population * 10


def test_registry_population_matches_table_1(db):
    from registry.models import Principal

    populations = dict(Principal.objects.values_list("code", "population"))
    assert populations == {code: population for code, _n, population, _a in TABLE_1}


def test_signatories_are_the_region_and_47_municipalities(db):
    codes = set(selectors.investment_signatories().values_list("code", flat=True))
    assert len(codes) == 48
    assert codes == {code for code, *_ in TABLE_1} - NOT_SIGNED


def test_run_reproduces_every_table_1_amount(run):
    invoices = {i.principal.code: i for i in run.invoices.select_related("principal")}
    assert set(invoices) == {code for code, *_ in TABLE_1} - NOT_SIGNED
    for code, name, population, amount in TABLE_1:
        if code in NOT_SIGNED:
            continue
        invoice = invoices[code]
        assert invoice.population == population, name
        assert invoice.amount == Decimal(amount), name
        assert isinstance(invoice.amount, Decimal)
        assert invoice.due_on == datetime.date(2022, 12, 31)
        assert invoice.issued_on == datetime.date(2022, 7, 1)
        assert invoice.buyer_name == invoice.principal.name  # registry's spelling


def test_totals_for_signatories_and_for_all_fifty(run):
    table_signed = sum(Decimal(a) for c, _n, _p, a in TABLE_1 if c not in NOT_SIGNED)
    table_all = sum(Decimal(a) for *_x, a in TABLE_1)
    assert table_signed == Decimal("34157170")
    assert table_all == Decimal("34897180")
    assert selectors.investment_expected_total() == Decimal("34157170.00")
    assert selectors.investment_all_principals_total() == Decimal("34897180.00")
    assert selectors.investment_total() == Decimal("34157170.00")
    overview = selectors.investment_overview(today=datetime.date(2022, 7, 2))
    assert overview.totals.amount == Decimal("34157170.00")
    assert overview.totals.principals == 48
    assert overview.all_principals_total == Decimal("34897180.00")


def test_total_before_the_run_is_computed_from_the_registry(db):
    assert selectors.investment_run_get() is None
    assert selectors.investment_total() == Decimal("34157170.00")


def test_invoice_numbers_are_unique_and_sequential(run):
    numbers = list(run.invoices.order_by("number").values_list("number", flat=True))
    assert numbers == [f"GI-2022-{i:04d}" for i in range(1, 49)]


def test_issue_writes_one_event(run):
    event = DomainEvent.objects.get(kind="investment_run.issued")
    assert event.data["invoices"] == 48
    assert event.data["total"] == "34157170.00"


def test_second_run_is_refused(run, olof):
    with pytest.raises(Conflict) as exc:
        investment_run_issue(acting_user=olof)
    assert exc.value.code == "run_already_issued"


def test_only_finance_officer_issues(db, anna):
    with pytest.raises(NotPermitted):
        investment_run_issue(acting_user=anna)
    assert selectors.investment_run_get() is None


def test_issued_invoices_are_immutable(run):
    invoice = InvestmentInvoice.objects.order_by("id")[0]
    invoice.amount = Decimal("1.00")
    with pytest.raises(AppendOnlyError):
        invoice.save()
    with pytest.raises(AppendOnlyError):
        invoice.delete()
    with pytest.raises(AppendOnlyError):
        InvestmentInvoice.objects.filter(pk=invoice.pk).update(amount=Decimal("1.00"))
    with pytest.raises(AppendOnlyError):
        run.save()


def test_amount_rounding_is_exact():
    assert terms.amount_for(1744859) == Decimal("17448590.00")
    assert terms.amount_for(0) == Decimal("0.00")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgres_refuses_raw_updates_of_invoices(run):
    from django.db.utils import DatabaseError

    invoice = InvestmentInvoice.objects.order_by("id")[0]
    for sql in (
        "UPDATE investment_investmentinvoice SET amount = 1 WHERE id = %s",
        "DELETE FROM investment_investmentinvoice WHERE id = %s",
    ):
        with (
            pytest.raises(DatabaseError, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [invoice.pk])
    assert InvestmentInvoice.objects.get(pk=invoice.pk).amount == invoice.amount
