"""The follow-up's figures on small histories built through the real actions, with the
answers worked out by hand in each test."""

import pytest

from catalog.models import Product
from devices.actions import reconditioning_done, reconditioning_start
from followup.selectors import (
    FollowupFilter,
    at_patients_series,
    delivered_per_month,
    equality_per_municipality,
    followup_summary,
    rent_per_month,
)
from followup.tests.helpers import OXIMETER, D, deliver, order_on
from logistics.actions import (
    pickup_request,
    return_receive,
    supportcase_open,
    workorder_finish,
    workorder_report,
    workorder_start,
)
from orders.tests.helpers import BP, register
from registry.models import Principal

PATIENTS = ["19121212-1212", "19800101-0001", "19700101-0011", "19600101-0021"]


def period(start=None, end=None, at=None, **kw):
    start, end = start or D(2024, 1, 1), end or D(2024, 12, 31)
    return FollowupFilter(start=start, end=end, at=at or end, **kw)


@pytest.mark.django_db
def test_median_of_an_even_count_is_the_mean_of_the_middle_two(anna):
    # Ordered Monday 2024-03-04; delivered after 2, 3, 5 and 9 working days
    # (no holidays in between): 03-06, 03-07, 03-11, 03-15.
    for i, delivered in enumerate([D(2024, 3, 6), D(2024, 3, 7), D(2024, 3, 11), D(2024, 3, 15)]):
        register(BP, f"BP-{i}", D(2024, 1, 1))
        deliver(order_on(anna, D(2024, 3, 4), PATIENTS[i]), D(2024, 3, 4), delivered)

    summary = followup_summary(period())

    assert summary.deliveries_counted == 4
    assert summary.delivery_days_median == 4.0  # (3 + 5) / 2
    assert summary.delivery_days_mean == 4.75  # (2 + 3 + 5 + 9) / 4
    assert summary.deliveries_late == 1  # 9 > 7
    assert summary.within_agreed_time_share == 0.75
    assert summary.delivered_total == summary.delivered_to_patients == 4


@pytest.mark.django_db
def test_midsummer_eve_is_not_a_working_day(anna):
    # Ordered Wednesday 2024-06-12, delivered Monday 2024-06-24. Working days after the
    # order: 13, 14, 17, 18, 19, 20 and 24 June = 7 (Midsummer Eve, Friday 21 June, is a
    # de facto holiday; 22-23 is the weekend). 7 is within the agreed 7; counting
    # Midsummer Eve it would be 8 and late.
    register(BP, "BP-1", D(2024, 1, 1))
    deliver(order_on(anna, D(2024, 6, 12), PATIENTS[0]), D(2024, 6, 12), D(2024, 6, 24))

    summary = followup_summary(period())

    assert summary.delivery_days_median == 7
    assert summary.deliveries_late == 0
    assert summary.within_agreed_time_share == 1.0


@pytest.mark.django_db
def test_a_device_returned_and_redelivered_counts_twice_and_is_at_one_patient_at_a_time(anna):
    register(BP, "BP-1", D(2024, 1, 1))
    first = deliver(order_on(anna, D(2024, 2, 1), PATIENTS[0]), D(2024, 2, 1), D(2024, 2, 5))
    pickup_request(loan=first, requested_on=D(2024, 3, 1), acting_user=anna)
    return_receive(loan=first, received_on=D(2024, 3, 6), acting_user=None)
    device = first.device
    reconditioning_start(device=device, acting_user=None, on=D(2024, 3, 7))
    reconditioning_done(device=device, acting_user=None, on=D(2024, 3, 8))
    second = deliver(order_on(anna, D(2024, 3, 11), PATIENTS[1]), D(2024, 3, 11), D(2024, 3, 13))
    assert second.device == device  # the same individual went out again

    summary = followup_summary(period(at=D(2024, 6, 1)))
    assert summary.delivered_total == 2  # the redelivery included
    assert summary.reconditionings == 1
    assert summary.reconditioning_share == 0.5  # 1 of 2 delivered
    assert summary.at_patients == 1
    assert summary.devices_at_patients_ever == 1

    series = at_patients_series(
        period(), [D(2024, 2, 4), D(2024, 2, 5), D(2024, 3, 6), D(2024, 3, 13)]
    )
    # Not yet delivered, delivered, received back the same day it ends, redelivered.
    assert series == {D(2024, 2, 4): 0, D(2024, 2, 5): 1, D(2024, 3, 6): 0, D(2024, 3, 13): 1}

    months = {row["month"]: row for row in delivered_per_month(period(end=D(2024, 3, 31)))}
    assert months[D(2024, 2, 1)]["total"] == 1
    assert months[D(2024, 3, 1)]["total"] == 1
    assert months[D(2024, 3, 1)]["cumulative"] == 2


@pytest.mark.django_db
def test_deliveries_before_the_contract_start_are_not_counted_for_delivery_times(anna):
    # The oximeter's contract starts 2023-12-01. A pilot delivery on 2023-11-20 is
    # delivered but not counted; one on 2023-12-05 (ordered Friday 2023-12-01:
    # 4, 5 December = 2 working days) is.
    register(OXIMETER, "OX-1", D(2023, 9, 1))
    register(OXIMETER, "OX-2", D(2023, 9, 1))
    deliver(
        order_on(anna, D(2023, 11, 13), PATIENTS[0], OXIMETER), D(2023, 11, 13), D(2023, 11, 20)
    )
    deliver(order_on(anna, D(2023, 12, 1), PATIENTS[1], OXIMETER), D(2023, 12, 1), D(2023, 12, 5))

    summary = followup_summary(period(start=D(2023, 11, 1), end=D(2023, 12, 31)))

    assert summary.delivered_total == 2
    assert summary.deliveries_counted == 1
    assert summary.delivery_days_median == 2
    (oximeter,) = summary.per_product
    assert oximeter.article_number == OXIMETER
    assert (oximeter.delivered_total, oximeter.deliveries_counted) == (2, 1)


@pytest.mark.django_db
def test_fast_track_deliveries_from_a_units_shelf_are_delivered_but_not_timed(anna):
    unit = anna.person.memberships.get().unit
    register(BP, "SHELF-1", D(2024, 1, 1), unit=unit)
    order_on(
        anna,
        D(2024, 4, 2),
        PATIENTS[0],
        delivery_method="local_stock",
        local_device_serial="SHELF-1",
    )
    summary = followup_summary(period())
    assert summary.delivered_total == 1
    assert summary.deliveries_counted == 0
    assert summary.delivery_days_median is None


@pytest.mark.django_db
def test_period_and_filters(anna, sara):
    # One delivery in January, one in March; only March is in the period.
    register(BP, "BP-1", D(2024, 1, 1))
    register(BP, "BP-2", D(2024, 1, 1))
    deliver(order_on(anna, D(2024, 1, 8), PATIENTS[0]), D(2024, 1, 8), D(2024, 1, 10))
    deliver(order_on(anna, D(2024, 3, 4), PATIENTS[1]), D(2024, 3, 4), D(2024, 3, 6))
    region = Principal.objects.get(code="14")
    municipality = sara.person.memberships.get().unit.principal

    march = followup_summary(period(start=D(2024, 3, 1), end=D(2024, 3, 31)))
    assert march.delivered_total == 1
    assert march.ordering_units == 1
    assert (march.ordering_principals, march.ordering_municipalities) == (1, 0)
    assert march.ordering_regional_units == 1
    # Both are at patients at the end of March whatever the period's start.
    assert march.at_patients == 2

    assert followup_summary(period(principal_ids=(region.pk,))).delivered_total == 2
    assert followup_summary(period(principal_ids=(municipality.pk,))).delivered_total == 0
    assert followup_summary(period(principal_kind="municipality")).delivered_total == 0
    other = Product.objects.get(article_number=OXIMETER)
    assert followup_summary(period(product_ids=(other.pk,))).delivered_total == 0


@pytest.mark.django_db
def test_maintenance_share_and_support_cases(anna):
    register(BP, "BP-1", D(2024, 1, 1))
    register(BP, "BP-2", D(2024, 1, 1))
    loan = deliver(order_on(anna, D(2024, 2, 1), PATIENTS[0]), D(2024, 2, 1), D(2024, 2, 5))
    deliver(order_on(anna, D(2024, 2, 1), PATIENTS[1]), D(2024, 2, 1), D(2024, 2, 6))
    for outcome, day in (("repaired", 10), ("no_fault", 20)):
        work = workorder_report(
            device=loan.device, fault="Visar fel", acting_user=None, reported_on=D(2024, 3, day)
        )
        workorder_start(work_order=work, acting_user=None, on=D(2024, 3, day))
        workorder_finish(work_order=work, outcome=outcome, acting_user=None, on=D(2024, 3, day))
    product = Product.objects.get(article_number=BP)
    supportcase_open(
        subject="app",
        description="Appen",
        product=product,
        acting_user=None,
        opened_on=D(2024, 4, 2),
    )
    supportcase_open(
        subject="app",
        description="Igen",
        product=product,
        acting_user=None,
        opened_on=D(2024, 4, 3),
    )
    supportcase_open(
        subject="device",
        description="Knapp",
        product=product,
        acting_user=None,
        opened_on=D(2024, 4, 4),
    )

    summary = followup_summary(period())
    assert summary.corrective_maintenances == 1  # "no fault found" is not maintenance
    assert summary.devices_at_patients_ever == 2
    assert summary.corrective_maintenance_share == 0.5
    assert summary.support_cases == 3
    (bp,) = summary.per_product
    assert bp.support_cases == 3
    from followup.selectors import support_by_subject

    assert support_by_subject(period()) == {"app": 2, "device": 1}


@pytest.mark.django_db
def test_rent_is_prorated_by_day_until_rent_stops(anna):
    # 45 SEK a month. Delivered 2024-02-20: February has 29 days, 10 of them rented
    # (20-29) = 45 * 10 / 29 = 15.517... -> 15.52. Pickup ordered Friday 2024-03-01:
    # rent stops 3 working days later, Wednesday 2024-03-06; March is rented 1-5 =
    # 5 days = 45 * 5 / 31 = 7.258... -> 7.26.
    register(BP, "BP-1", D(2024, 1, 1))
    loan = deliver(order_on(anna, D(2024, 2, 15), PATIENTS[0]), D(2024, 2, 15), D(2024, 2, 20))
    pickup_request(loan=loan, requested_on=D(2024, 3, 1), acting_user=anna)
    loan.refresh_from_db()
    assert loan.rent_stops_on == D(2024, 3, 6)

    revenue = rent_per_month(period(start=D(2024, 1, 1), end=D(2024, 4, 30)))
    assert [str(v) for v in revenue.values()] == ["0.00", "15.52", "7.26", "0.00"]


@pytest.mark.django_db
def test_equality_counts_devices_where_patients_live(anna):
    from orders.models import Patient

    register(BP, "BP-1", D(2024, 1, 1))
    deliver(order_on(anna, D(2024, 2, 1), PATIENTS[0]), D(2024, 2, 1), D(2024, 2, 5))
    kungalv = Principal.objects.get(name="Kungälv")
    Patient.objects.update(home_municipality=kungalv)

    rows = {
        (r["principal"].name if r["principal"] else None): r
        for r in equality_per_municipality(period())
    }
    assert rows["Kungälv"]["devices"] == 1
    assert rows["Kungälv"]["per_1000"] == pytest.approx(1000 / kungalv.population)
    assert rows["Kungälv"]["has_ordered"] is False  # the region ordered it
    assert rows[None]["devices"] == 0


@pytest.mark.django_db
def test_rent_series_shows_invoiced_rent_beside_the_estimate(anna):
    from django.contrib.auth.models import User

    from billing.actions import rent_run_create, rent_run_issue
    from followup.series import rent_per_month as rent_series
    from followup.tests.helpers import small_history

    olof = User.objects.get(username="olof.ekonomi")
    small_history(anna)
    rent_run_issue(run=rent_run_create(month=D(2024, 3, 1), acting_user=olof), acting_user=olof)
    rows = {
        r["month"]: r for r in rent_series(period(start=D(2024, 3, 1), end=D(2024, 4, 30))).rows
    }
    # March: one monitor from the 6th, 26 of 31 days at 45 SEK: 37.74 invoiced and estimated.
    assert str(rows["2024-03"]["invoiced"]) == "37.74"
    assert str(rows["2024-03"]["rent"]) == "37.74"
    assert rows["2024-04"]["invoiced"] is None  # April is not invoiced yet
    # With a principal filter only the estimate is shown.
    region = Principal.objects.get(code="14")
    filtered = rent_series(
        period(start=D(2024, 3, 1), end=D(2024, 3, 31), principal_ids=(region.pk,))
    )
    assert filtered.rows[0]["invoiced"] is None
    assert str(filtered.rows[0]["rent"]) == "37.74"
