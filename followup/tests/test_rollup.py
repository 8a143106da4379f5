"""The daily and monthly counts (decision 0011): the figures read through them are the
figures counted from the events, for every filter and period, and they stay so when
anything they were counted from changes afterwards."""

import dataclasses
import datetime

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.utils import timezone

from catalog.models import Product
from core.db import trigger_definitions
from devices.actions import device_register, reconditioning_done, reconditioning_start
from devices.models import Device
from followup import rollup, series, triggers
from followup.models import (
    DailyCount,
    MonthlyCount,
    PrincipalMonthlyCount,
    RollupDay,
    RollupMonth,
)
from followup.selectors import FollowupFilter, equality_per_municipality, followup_summary
from followup.tests.helpers import OXIMETER, D, deliver, order_on
from logistics.actions import (
    pickup_request,
    return_receive,
    supportcase_open,
    workorder_finish,
    workorder_report,
    workorder_start,
)
from logistics.models import Loan
from orders.actions import OrderInput, order_submit
from orders.models import Order, Patient
from orders.tests.helpers import BP, register, unit_of
from registry.models import Principal

NUMBERS = [
    "19121212-1212",
    "19800101-0001",
    "19700101-0011",
    "19600101-0021",
    "19850505-0032",
    "19900101-0009",
]


def unit_order(user, ordered, product=BP):
    """Basic equipment for ``user``'s unit, ordered on ``ordered``."""
    data = OrderInput(
        product=Product.objects.get(article_number=product),
        unit=unit_of(user),
        kind="basic_equipment",
        criteria=["b420.2"],
        ordered_on=ordered,
    )
    return order_submit(data=data, acting_user=user)[0]


def everything(f):
    """The summary and every chart's rows (the rent estimate reads loans, not events)."""
    summary = dataclasses.asdict(followup_summary(f))
    rows = {name: fn(f).rows for name, fn in series.SERIES.items() if name != "rent-per-month"}
    return summary, rows


def from_events(f):
    with override_settings(FOLLOWUP_ROLLUP=False):
        return everything(f)


def year(**kw):
    return FollowupFilter(start=D(2024, 1, 1), end=D(2024, 12, 31), at=D(2024, 12, 31), **kw)


def history(anna, sara):
    """Prescriptions from a region unit and basic equipment for a municipal unit over
    spring 2024, a return,
    reconditioning and redelivery, a repair, support cases, a delivery from a unit's own
    shelf, and oximeters on both sides of their contract start."""
    for i in range(4):
        register(BP, f"R-BP-{i}", D(2023, 9, 1))
    register(OXIMETER, "R-OX-1", D(2023, 9, 1))
    first = deliver(order_on(anna, D(2024, 1, 8), NUMBERS[0]), D(2024, 1, 8), D(2024, 1, 10))
    deliver(unit_order(sara, D(2024, 1, 29)), D(2024, 1, 29), D(2024, 2, 12))
    deliver(order_on(anna, D(2024, 2, 26), NUMBERS[2]), D(2024, 2, 26), D(2024, 3, 1))
    pickup_request(loan=first, requested_on=D(2024, 3, 4), acting_user=anna)
    return_receive(loan=first, received_on=D(2024, 3, 6), acting_user=None)
    reconditioning_start(device=first.device, acting_user=None, on=D(2024, 3, 7))
    reconditioning_done(device=first.device, acting_user=None, on=D(2024, 3, 8))
    again = deliver(unit_order(sara, D(2024, 4, 2)), D(2024, 4, 2), D(2024, 4, 5))
    work = workorder_report(
        device=again.device, fault="Visar fel", acting_user=None, reported_on=D(2024, 5, 6)
    )
    workorder_start(work_order=work, acting_user=None, on=D(2024, 5, 6))
    workorder_finish(work_order=work, outcome="repaired", acting_user=None, on=D(2024, 5, 8))
    supportcase_open(
        subject="app",
        description="Appen",
        product=Product.objects.get(article_number=BP),
        acting_user=sara,
        opened_on=D(2024, 5, 14),
    )
    register(BP, "R-SHELF", D(2024, 1, 1), unit=unit_of(anna))
    order_on(
        anna,
        D(2024, 6, 3),
        NUMBERS[4],
        delivery_method="local_stock",
        local_device_serial="R-SHELF",
    )
    # The oximeter's contract starts 2023-12-01: this one is timed.
    deliver(order_on(anna, D(2024, 6, 10), NUMBERS[5], OXIMETER), D(2024, 6, 10), D(2024, 6, 14))
    return first


def _filters(anna, sara):
    region = Principal.objects.get(code="14")
    municipality = unit_of(sara).principal
    bp = Product.objects.get(article_number=BP)
    return [
        year(),
        year(product_ids=(bp.pk,)),
        year(principal_kind="municipality"),
        year(principal_kind="region"),
        year(principal_ids=(region.pk,)),
        year(principal_ids=(municipality.pk,)),
        year(unit_ids=(unit_of(anna).pk,)),
        year(association_ids=(municipality.association_id,)),
        # Odd edges: a period that cuts months, and "at patients" on another day.
        FollowupFilter(start=D(2024, 2, 10), end=D(2024, 5, 17), at=D(2024, 3, 7)),
        FollowupFilter(start=D(2024, 3, 1), end=D(2024, 3, 31), at=D(2024, 3, 31)),
    ]


@pytest.mark.django_db
def test_figures_through_the_counts_equal_those_from_the_events(anna, sara):
    history(anna, sara)
    for f in _filters(anna, sara):
        assert everything(f) == from_events(f), f
    # The counts were really read: every day of 2024 is counted, whole months summed.
    assert RollupDay.objects.filter(day__range=(D(2024, 1, 1), D(2024, 12, 31))).count() == 366
    assert not RollupDay.objects.filter(valid=False, day__year=2024).exists()
    assert DailyCount.objects.filter(measure="delivered").count() > 0
    assert RollupMonth.objects.filter(month=D(2024, 3, 1)).exists()
    assert MonthlyCount.objects.filter(month=D(2024, 3, 1), measure="reconditioned").exists()
    assert PrincipalMonthlyCount.objects.filter(month=D(2024, 3, 1), measure="delivered").exists()


@pytest.mark.django_db
def test_counting_can_be_turned_off(anna, sara):
    history(anna, sara)
    with override_settings(FOLLOWUP_ROLLUP=False):
        summary = followup_summary(year())
    assert summary.delivered_total == 6
    # Nothing counted (on PostgreSQL the triggers' marks are there: rows not valid).
    assert not RollupDay.objects.filter(valid=True).exists()
    assert not DailyCount.objects.exists()


@pytest.mark.django_db
def test_a_backdated_event_marks_its_day_stale_and_the_figures_follow(anna, sara):
    history(anna, sara)
    before = followup_summary(year())
    assert RollupDay.objects.get(day=D(2024, 2, 20)).valid

    register(BP, "LATE-1", D(2023, 9, 1))
    deliver(order_on(anna, D(2024, 2, 19), "19121212-1212"), D(2024, 2, 19), D(2024, 2, 20))

    # The order date's and the delivery date's days are stale, in the same transaction
    # (on SQLite the day after too: it stores times in UTC without their zone).
    assert not RollupDay.objects.get(day=D(2024, 2, 19)).valid
    assert not RollupDay.objects.get(day=D(2024, 2, 20)).valid
    assert RollupDay.objects.get(day=D(2024, 2, 22)).valid
    assert RollupDay.objects.get(day=D(2024, 2, 21)).valid == (connection.vendor == "postgresql")
    after = followup_summary(year())
    assert after.delivered_total == before.delivered_total + 1
    assert everything(year()) == from_events(year())
    assert RollupDay.objects.get(day=D(2024, 2, 20)).valid


@pytest.mark.django_db
def test_a_backdated_delivery_changes_whose_later_reconditioning_it_is(anna, sara, lars):
    """A reconditioning belongs to the order of the device's latest delivery before it;
    a delivery recorded afterwards, for a day before it, marks the reconditioning's day."""
    device = register(BP, "ATTR-1", D(2023, 9, 1))
    loan = deliver(order_on(anna, D(2024, 1, 8), NUMBERS[0]), D(2024, 1, 8), D(2024, 1, 10))
    pickup_request(loan=loan, requested_on=D(2024, 1, 15), acting_user=anna)
    return_receive(loan=loan, received_on=D(2024, 1, 17), acting_user=None)
    reconditioning_start(device=device, acting_user=None, on=D(2024, 3, 7))
    reconditioning_done(device=device, acting_user=None, on=D(2024, 3, 8))
    municipality = year(principal_ids=(unit_of(sara).principal.pk,))
    assert followup_summary(municipality).reconditionings == 0
    assert RollupDay.objects.get(day=D(2024, 3, 8)).valid

    # Recorded today, it says the device went to a Göteborg patient on 1 February (and
    # came back) before the reconditioning in March.
    late = deliver(unit_order(sara, D(2024, 1, 29)), D(2024, 1, 29), D(2024, 2, 1))
    assert late.device == device
    assert not RollupDay.objects.get(day=D(2024, 3, 8)).valid

    assert followup_summary(municipality).reconditionings == 1
    assert everything(municipality) == from_events(municipality)


@pytest.mark.django_db
def test_a_corrected_order_marks_its_days(anna, sara):
    history(anna, sara)
    followup_summary(year())
    order = Order.objects.get(ordered_on=D(2024, 2, 26))
    other = unit_of(sara)
    # As a correction in the admin or by SQL would: no action, no event.
    Order.objects.filter(pk=order.pk).update(unit=other, principal=other.principal)

    assert not RollupDay.objects.get(day=D(2024, 3, 1)).valid  # its delivery
    for f in _filters(anna, sara):
        assert everything(f) == from_events(f), f


@pytest.mark.django_db
def test_a_patients_new_home_municipality_marks_their_days(anna, sara):
    history(anna, sara)
    f = year()
    equality_per_municipality(f)
    borås = Principal.objects.get(name="Borås")
    order = Order.objects.get(ordered_on=D(2024, 2, 26))
    Patient.objects.filter(pk=order.patient_id).update(home_municipality=borås)  # type: ignore[misc]
    assert not RollupDay.objects.get(day=D(2024, 3, 1)).valid
    rows = {r["principal"]: r["devices"] for r in equality_per_municipality(f)}
    assert rows[borås] == 1
    assert everything(f) == from_events(f)


@pytest.mark.django_db
def test_a_devices_new_product_marks_its_reconditionings_and_repairs(anna, sara):
    first = history(anna, sara)
    followup_summary(year())
    oximeter = Product.objects.get(article_number=OXIMETER)
    Device.objects.filter(pk=first.device_id).update(product=oximeter)
    assert not RollupDay.objects.get(day=D(2024, 3, 8)).valid  # its reconditioning
    assert not RollupDay.objects.get(day=D(2024, 5, 8)).valid  # its repair
    for f in (year(), year(product_ids=(oximeter.pk,))):
        assert everything(f) == from_events(f)


@pytest.mark.django_db
def test_a_loan_moved_to_another_order_marks_its_receipts(anna, sara):
    first = history(anna, sara)
    followup_summary(year())
    # A municipal unit's order never delivered (a loan has one order, an order one loan).
    other = unit_order(sara, D(2024, 1, 5))
    Loan.objects.filter(pk=first.pk).update(order=other)
    assert not RollupDay.objects.get(day=D(2024, 3, 6)).valid  # its receipt
    for f in (year(), year(principal_ids=(unit_of(sara).principal.pk,))):
        assert everything(f) == from_events(f)


@pytest.mark.django_db
def test_a_month_is_summed_again_when_one_of_its_days_is_counted_again(anna, sara):
    history(anna, sara)
    march = FollowupFilter(start=D(2024, 3, 1), end=D(2024, 3, 31), at=D(2024, 3, 31))
    assert followup_summary(march).delivered_total == 1
    summed = RollupMonth.objects.get(month=D(2024, 3, 1))

    register(BP, "MARCH-1", D(2023, 9, 1))
    deliver(order_on(anna, D(2024, 3, 11), "19121212-1212"), D(2024, 3, 11), D(2024, 3, 13))

    assert followup_summary(march).delivered_total == 2
    again = RollupMonth.objects.get(month=D(2024, 3, 1))
    assert again.version_sum > summed.version_sum
    assert everything(march) == from_events(march)


@pytest.mark.django_db
def test_today_and_yesterday_are_read_from_the_events(anna, lars):
    today = timezone.localdate()
    register(BP, "TODAY-1", today - datetime.timedelta(days=30))
    order = order_on(anna, today, "19121212-1212")
    deliver(order, today, today)
    f = FollowupFilter(start=today - datetime.timedelta(days=40), end=today, at=today)

    summary = followup_summary(f)

    assert (summary.delivered_total, summary.at_patients) == (1, 1)
    # Neither today nor yesterday is counted; the day before is.
    assert not RollupDay.objects.filter(day__gt=rollup.closed_until()).exists()
    assert RollupDay.objects.get(day=rollup.closed_until()).valid
    assert not DailyCount.objects.filter(day=today).exists()


@pytest.mark.django_db
def test_the_command_counts_every_day_once(anna, sara):
    history(anna, sara)
    call_command("followup_rollup")
    counted = RollupDay.objects.filter(valid=True).count()
    assert counted >= 366
    assert RollupMonth.objects.filter(month=D(2024, 6, 1)).exists()
    days, months, failed = rollup.rollup_all()
    assert (days, months, failed) == (0, 0, set())
    call_command("followup_rollup", "--recount")
    assert RollupDay.objects.filter(valid=True).count() == counted
    assert everything(year()) == from_events(year())


@pytest.mark.django_db
@pytest.mark.parametrize(("table", "name", "_function"), triggers.TRIGGERS)
def test_every_trigger_is_there_after_all_migrations(table, name, _function):
    """On SQLite a later migration that alters one of these tables builds it anew
    without its triggers: it must create them again."""
    definition = trigger_definitions().get(name)
    assert definition is not None, f"{name} is missing: a migration dropped it"
    assert f" ON {table} " in " ".join(definition.split()).replace(" ON public.", " ON ")


@pytest.mark.django_db
def test_a_registered_device_backdated_marks_its_day(lars):
    """Any event kind marks its day (the registration is no measure of its own, but a
    day is a day): the trigger does not need to know which kinds are counted."""
    RollupDay.objects.create(day=D(2024, 2, 1), valid=True, version=1)
    device_register(
        product=Product.objects.get(article_number=BP),
        serial_number="REG-1",
        acquired_on=D(2024, 2, 1),
        acting_user=lars,
    )
    assert not RollupDay.objects.get(day=D(2024, 2, 1)).valid
