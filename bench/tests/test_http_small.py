"""The HTTP benchmark at a tiny size, so it cannot rot: gunicorn on the test database,
a few seconds of load at 1 and 2 clients, pgbench beside it. Timings are not asserted;
that every response was right and every completed order is delivered is."""

from __future__ import annotations

import shutil

import pytest
from django.db import connection

from bench import generate, http
from orders.models import Order

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql" or shutil.which("pgbench") is None,
    reason="the HTTP benchmark runs on PostgreSQL, beside pgbench",
)


@pytest.mark.usefixtures("reference_data")
def test_a_short_run_answers_right() -> None:
    generate.generate(1000, seed=3)
    before = Order.objects.count()
    result = http.run(
        workers=2,
        duration=2.0,
        warmup=0.5,
        levels=(1, 2),
        page_users=2,
        pgbench_scale=1,
        stock=300,
    )
    for level in result["orders"]:
        assert level["errors"] == {}, level["error_samples"]
        assert level["orders_completed"] > 0
        assert level["pgbench_tps"] > 0
        assert set(level["steps"]) == {"prescribe", "accept", "allocate", "dispatch", "deliver"}
        # The CPU of the window, by role: the server's workers and PostgreSQL did the work.
        per_request = level["cpu"]["ms_per_request"]
        assert set(per_request) == set(http.CPU_ROLES)
        assert per_request["application server"] > 0
        assert per_request["database"] > 0
        assert 0 < level["cpu"]["busy_share"] <= 1.05  # ticks vs the window: a tick over
    assert result["pages"]["errors"] == {}, result["pages"]["error_samples"]
    assert result["pages"]["all"]["count"] > 0
    assert result["pages_no_think"]["errors"] == {}
    assert result["pages_no_think"]["all"]["count"] > 0
    # What the clients counted as done is in the database: delivered, with a device.
    placed = Order.objects.count() - before
    completed = sum(level["orders_completed"] for level in result["orders"])
    delivered = Order.objects.filter(
        created_by__username__startswith=http.BENCH_USER_PREFIX, status="delivered"
    )
    assert placed >= completed
    assert delivered.count() >= completed
    assert not delivered.filter(device__isnull=True).exists()
