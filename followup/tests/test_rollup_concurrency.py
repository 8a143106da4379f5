"""The daily counts and a writer at the same time, on PostgreSQL (decision 0011): a count
never misses a change committed while it runs."""

import threading
import time

import pytest
from django.db import close_old_connections, connection, transaction

from followup import rollup
from followup.models import RollupDay
from followup.selectors import FollowupFilter, followup_summary
from followup.tests.helpers import D, deliver, order_on
from orders.tests.helpers import BP, register

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="row locks are PostgreSQL's; SQLite serialises writers",
)

MARCH = FollowupFilter(start=D(2024, 3, 1), end=D(2024, 3, 31), at=D(2024, 3, 31))


def _in_thread(target):
    errors: list[BaseException] = []

    def run():
        close_old_connections()
        try:
            target()
        except BaseException as exc:  # reported by the test, not lost in the thread
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread, errors


@pytest.mark.usefixtures("reference_data")
def test_a_reader_gives_way_to_a_writer_holding_a_day_and_counts_it_later(django_user_model):
    anna = django_user_model.objects.get(username="anna.lind")
    register(BP, "W-1", D(2023, 9, 1))
    register(BP, "W-2", D(2023, 9, 1))
    deliver(order_on(anna, D(2024, 3, 4), "19121212-1212"), D(2024, 3, 4), D(2024, 3, 6))
    holding, release = threading.Event(), threading.Event()

    def writer():
        with transaction.atomic():
            order = order_on(anna, D(2024, 3, 11), "19800101-0001")
            deliver(order, D(2024, 3, 11), D(2024, 3, 13))
            holding.set()
            assert release.wait(20)

    thread, errors = _in_thread(writer)
    assert holding.wait(20)
    started = time.monotonic()
    during = followup_summary(MARCH)  # March is not counted yet; the writer holds two days
    waited = time.monotonic() - started
    release.set()
    thread.join(20)
    assert not errors

    # The reader did not wait for the writer: it counted March from the events, where
    # the writer's delivery was not yet committed.
    assert during.delivered_total == 1
    assert waited < 5
    assert not RollupDay.objects.get(day=D(2024, 3, 13)).valid
    after = followup_summary(MARCH)
    assert after.delivered_total == 2
    assert RollupDay.objects.get(day=D(2024, 3, 13)).valid


@pytest.mark.usefixtures("reference_data")
def test_a_writer_waits_for_a_count_in_progress_and_marks_its_day_afterwards(django_user_model):
    anna = django_user_model.objects.get(username="anna.lind")
    register(BP, "W-3", D(2023, 9, 1))
    day = D(2024, 3, 13)
    counting, finish = threading.Event(), threading.Event()

    def count_in_progress():
        # What days_count does: lock the day first, then count, then mark it valid.
        with transaction.atomic():
            rollup._days_lock([day])
            counting.set()
            assert finish.wait(20)
            RollupDay.objects.filter(day=day).update(valid=True, version=1)

    reader, reader_errors = _in_thread(count_in_progress)
    assert counting.wait(20)
    written = threading.Event()

    def backdated_delivery():
        deliver(order_on(anna, D(2024, 3, 11), "19121212-1212"), D(2024, 3, 11), day)
        written.set()

    writer, writer_errors = _in_thread(backdated_delivery)
    # The writer's trigger waits for the day the count holds.
    assert not written.wait(1.5)
    finish.set()
    reader.join(20)
    writer.join(20)
    assert not reader_errors and not writer_errors
    assert written.is_set()
    # The count committed its day as valid; the writer's mark came after it.
    assert not RollupDay.objects.get(day=day).valid
    assert followup_summary(MARCH).delivered_total == 1
