"""Cached follow-up figures are reused only while the data they come from is unchanged:
a new event, an edited product or a moved unit gives fresh figures."""

import uuid

import pytest

from catalog.models import Product
from followup import cache as followup_cache
from followup.selectors import FollowupFilter
from followup.tests.helpers import D, deliver, order_on
from orders.tests.helpers import BP, register
from registry.models import Principal, Unit

pytestmark = pytest.mark.django_db


YEAR = FollowupFilter(start=D(2024, 1, 1), end=D(2024, 12, 31), at=D(2024, 12, 31))


def counting(value):
    calls = []

    def compute():
        calls.append(1)
        return value

    return compute, calls


def test_the_same_data_and_filter_is_computed_once():
    compute, calls = counting(41)
    fingerprint = followup_cache.data_fingerprint()
    assert followup_cache.cached("x", YEAR, compute, fingerprint) == 41
    assert followup_cache.cached("x", YEAR, compute, followup_cache.data_fingerprint()) == 41
    assert len(calls) == 1
    # Another filter is another entry.
    other = FollowupFilter(start=D(2024, 1, 1), end=D(2024, 6, 30), at=D(2024, 6, 30))
    followup_cache.cached("x", other, compute, fingerprint)
    assert len(calls) == 2


def test_a_new_delivery_is_counted_at_once(anna):
    register(BP, "BP-1", D(2024, 1, 1))
    register(BP, "BP-2", D(2024, 1, 1))
    deliver(order_on(anna, D(2024, 3, 4), "19121212-1212"), D(2024, 3, 4), D(2024, 3, 6))
    first = followup_cache.summary(YEAR, followup_cache.data_fingerprint())
    assert first.delivered_total == 1

    deliver(order_on(anna, D(2024, 3, 4), "19800101-0001"), D(2024, 3, 4), D(2024, 3, 7))

    again = followup_cache.summary(YEAR, followup_cache.data_fingerprint())
    assert again.delivered_total == 2


def test_an_edited_product_changes_the_figures_without_any_event(anna):
    register(BP, "BP-1", D(2024, 1, 1))
    # Delivered after 5 working days: within 7, late against 4.
    deliver(order_on(anna, D(2024, 3, 4), "19121212-1212"), D(2024, 3, 4), D(2024, 3, 11))
    assert followup_cache.summary(YEAR, followup_cache.data_fingerprint()).deliveries_late == 0

    product = Product.objects.get(article_number=BP)
    product.agreed_delivery_days = 4
    product.save(update_fields=["agreed_delivery_days"])

    assert followup_cache.summary(YEAR, followup_cache.data_fingerprint()).deliveries_late == 1


def test_a_unit_moved_to_another_principal_changes_the_fingerprint(anna):
    before = followup_cache.data_fingerprint()
    unit = Unit.objects.filter(memberships__person__user=anna).get()
    other = Principal.objects.exclude(pk=unit.principal_id).order_by("pk").first()
    Unit.objects.filter(pk=unit.pk).update(principal=other)  # no save(), no signal
    assert followup_cache.data_fingerprint() != before


def test_the_dashboard_and_the_api_agree_after_a_change(anna, anna_client):
    register(BP, "BP-1", D(2024, 1, 1))
    register(BP, "BP-2", D(2024, 1, 1))
    deliver(order_on(anna, D(2024, 3, 4), "19121212-1212"), D(2024, 3, 4), D(2024, 3, 6))
    url = "/api/v1/followup/summary?from=2024-01-01&to=2024-12-31"
    assert anna_client.get(url).json()["delivered_total"] == 1
    deliver(order_on(anna, D(2024, 3, 4), "19800101-0001"), D(2024, 3, 4), D(2024, 3, 7))
    assert anna_client.get(url).json()["delivered_total"] == 2
    page = anna_client.get("/uppfoljning/?from=2024-01-01&to=2024-12-31")
    assert page.status_code == 200
    assert page.context["summary"].delivered_total == 2


def test_a_shared_redis_cache_serves_the_same_figures(anna, settings):
    """With CACHE_URL at Redis the figures are shared between server processes; run
    against the local Redis when there is one (these machines have it on 6379)."""
    import socket

    from django.core.cache import caches

    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:6379/15",
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    assert type(caches["default"]).__name__ == "RedisCache"
    register(BP, "BP-1", D(2024, 1, 1))
    deliver(order_on(anna, D(2024, 3, 4), "19121212-1212"), D(2024, 3, 4), D(2024, 3, 6))
    compute, calls = counting(None)
    first = followup_cache.summary(YEAR, followup_cache.data_fingerprint())
    # Read back from Redis, where another server process would find it too.
    again = followup_cache.cached("summary", YEAR, compute, followup_cache.data_fingerprint())
    assert calls == []
    assert again == first
    assert again.delivered_total == 1
    caches["default"].clear()
