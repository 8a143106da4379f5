"""The profile at a tiny size, so it cannot rot: every order step and page answers
right through the whole request cycle, its queries are counted and its profile names
the view that served it."""

from __future__ import annotations

import pytest

from bench import generate, profile
from orders.models import Order


@pytest.mark.django_db
def test_a_short_profile_names_each_operation() -> None:
    generate.generate(1000, seed=5)
    before = Order.objects.filter(status="delivered").count()
    result = profile.run(orders=2, visits=1)
    steps = ["prescribe", "accept", "allocate", "dispatch", "deliver"]
    assert list(result["operations"])[:5] == steps
    assert "work queue (page)" in result["operations"]
    for name, figures in result["operations"].items():
        assert figures["queries"] > 0, name
        assert figures["mean_ms"] > 0, name
    assert "order_accept_view" in result["profiles"]["accept"]
    assert "work_queue" in result["profiles"]["work queue (page)"]
    # The profiled orders (after the 3 warm-up ones) really were placed and delivered.
    assert Order.objects.filter(status="delivered").count() == before + 3 + 2
    text = profile.markdown(result, "python -m bench profile")
    assert "| accept | 2 |" in text
    assert "## work queue (page)" in text
