"""Lists and look-ups that must not sort everything they match to return the first few:
their index is in the query's order, so PostgreSQL reads the first rows off it, however
many match (the benchmark found both sorting at scale)."""

import pytest
from django.db import connection

from catalog.models import Product
from logistics.actions import allocation_candidates
from logistics.selectors import loans_list
from orders.selectors import order_list

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan"),
]


def _plan(queryset) -> str:
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test's tables are tiny, and for a row or two sorting is the cheapest plan:
        # forbid the sorts and scans that ignore order, so the plan has no sort exactly
        # when an index gives the rows in the query's order (whatever the statistics).
        for setting in ("seqscan", "bitmapscan", "sort", "incremental_sort"):
            cursor.execute(f"SET LOCAL enable_{setting} = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_first_device_in_stock_is_read_off_the_index_without_a_sort(bp_stock):
    """80 000 devices acquired the same day: 50 ms a sort, 0.1 ms off the index."""
    product = Product.objects.get(pk=bp_stock[0].product_id)
    plan = _plan(allocation_candidates(product)[:1])
    assert "device_allocation_idx" in plan, plan
    assert "Sort" not in plan, plan  # an Incremental Sort with the index lacking the id


def test_a_units_open_loans_page_is_read_off_the_index_without_a_sort(lars, anna):
    """1 000 open loans: 21 ms joining and sorting them all, 0.7 ms for the page's 50."""
    unit_id = anna.person.memberships.values_list("unit_id", flat=True)[0]
    plan = _plan(loans_list(lars, unit=unit_id, open_only=True)[:50])
    assert "loan_unit_started_idx" in plan, plan
    assert "Sort" not in plan, plan


def test_a_units_order_list_page_is_read_off_the_index_without_a_sort(lars, anna):
    """The unit's orders of one day (the benchmark's: 778) were joined and sorted first."""
    unit_id = anna.person.memberships.values_list("unit_id", flat=True)[0]
    plan = _plan(order_list(user=lars, unit=unit_id)[:50])
    assert "order_unit_idx" in plan, plan
    assert "Sort" not in plan, plan
