"""The benchmark suite at a small size, so it cannot rot: generate 2 000 devices into the
test database (SQLite or PostgreSQL) and check that the application and the hand-written
SQL agree. Timings are not asserted here."""

from __future__ import annotations

import pytest
from django.db import connection

from bench import generate, measure
from devices.models import Device, DeviceEvent
from logistics.models import Loan
from orders.models import Order


@pytest.mark.django_db
def test_generate_and_check_equal() -> None:
    devices_before = Device.objects.count()
    result = generate.generate(2000, seed=7)
    assert Device.objects.count() == devices_before + 2000
    written = {t.name: t.written for t in result.tables}
    assert written[DeviceEvent._meta.db_table] > 8 * 2000  # about ten events per device
    # Consistent states: one open loan per device (the database constraint held), and
    # each delivered order has its loan.
    assert not Order.objects.filter(status="delivered", loan__isnull=True).exists()
    assert Loan.objects.filter(ended_on__isnull=True).count() <= Device.objects.count()
    figures = measure.check_all()
    assert figures["followup"]["delivered_total"] > 0
    assert figures["rent"]["total"] > 0


@pytest.mark.django_db
def test_the_followup_measurement_runs_and_agrees() -> None:
    """``bench measure``'s follow-up part at a small size: from the events alone, counting
    every day, after days changed, filtered, the charts and the cached reader, each
    answer checked equal to the hand-written SQL or to the events' answer inside (a
    disagreement raises Mismatch). Timings are not asserted."""
    generate.generate(2000, seed=11)
    figures = measure.followup_measure()
    assert figures["counted_days"] > 300  # the generated history spans three years
    assert figures["summed_months"] > 10
    assert figures["days_held_by_writers"] == 0
    assert figures["figures"]["delivered_total"] > 0
    assert set(figures["after_change_s"]) == {"1_days_s", "30_days_s"}
    assert set(figures["filtered"]) == {"all municipalities", "one municipality", "one unit"}
    assert figures["filtered"]["all municipalities"]["delivered_total"] > 0
    assert len(figures["charts_s"]) == 12


@pytest.mark.django_db
def test_refuses_sqlite_at_scale() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the refusal is SQLite's")
    with pytest.raises(generate.GenerateError, match="PostgreSQL"):
        generate.generate(generate.SQLITE_MAX_DEVICES + 1)
