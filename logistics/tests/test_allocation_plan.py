"""The allocation's "oldest device in stock" comes off the allocation index, in its
order: no sort of the devices in stock, however many were acquired the same day."""

import pytest
from django.db import connection

from catalog.models import Product
from logistics.actions import allocation_candidates

pytestmark = pytest.mark.django_db


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's plan")
def test_the_first_device_in_stock_is_read_off_the_index_without_a_sort(bp_stock):
    query = allocation_candidates(Product.objects.get(pk=bp_stock[0].product_id))[:1]
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        # The test's table is tiny: make the planner show the plan it uses on a big one.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "device_allocation_idx" in plan, plan
    assert "Sort" not in plan, plan  # an Incremental Sort with the index lacking the id
