"""The historical-import benchmark at a small size, so it cannot rot: a generated data
set, an orders file of a few hundred rows written for it, imported in bulk (in this
process: the test database is not visible to another) and loaded with the raw COPY; the
rows that land are those the file describes. Timings are not asserted here."""

from __future__ import annotations

import csv
from collections import Counter

import pytest

from bench import generate, importing
from devices.models import Device, DeviceEvent
from logistics.models import Loan
from orders.models import Order

STEPS = (
    "accepted_on",
    "allocated_on",
    "dispatched_on",
    "delivered_on",
    "cancelled_on",
    "pickup_requested_on",
    "received_on",
    "reconditioning_started_on",
    "reconditioned_on",
)
STATUS_OF_LAST_STEP = {
    "cancelled_on": "cancelled",
    "delivered_on": "delivered",
    "dispatched_on": "dispatched",
    "allocated_on": "allocated",
    "accepted_on": "accepted",
}
DEVICE_AFTER = {
    "allocated_on": "reserved",
    "dispatched_on": "in_transit",
    "delivered_on": "on_loan",
    "pickup_requested_on": "returning",
    "received_on": "awaiting_reconditioning",
    "reconditioning_started_on": "in_reconditioning",
    "reconditioned_on": "in_stock",
}


@pytest.mark.django_db
def test_import_a_small_file_and_check_the_rows(tmp_path) -> None:
    generate.generate(200, seed=3)
    path = tmp_path / "orders.csv"
    events_before = DeviceEvent.objects.count()

    figures = importing.run(300, seed=4, in_process=True, path=path)

    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle, delimiter=";"))
    assert len(rows) == figures["rows"] == figures["raw_copy"]["rows"] == 300
    assert figures["import"]["created"] == 300
    orders = {o.external_id: o for o in Order.objects.filter(external_id__startswith="IMP")}
    assert len(orders) == 300
    for row in rows:
        order = orders[row["external_id"]]
        last = next((c for c in STATUS_OF_LAST_STEP if row.get(c)), None)
        # Only the cancelled, the delivered, and the last order of the history, cut at
        # its end, are anything but delivered.
        assert order.status == STATUS_OF_LAST_STEP.get(last or "", "submitted")
        assert order.ordered_on.isoformat() == row["ordered_on"]
        assert (order.delivered_on.isoformat() if order.delivered_on else "") == row.get(
            "delivered_on", ""
        )
    serials = {r["serial_number"] for r in rows if r.get("serial_number")}
    expected_events = sum(1 + sum(1 for c in STEPS if r.get(c)) for r in rows) + len(serials)
    assert DeviceEvent.objects.count() - events_before == figures["import"]["events"]
    assert figures["import"]["events"] == expected_events
    assert figures["import"]["devices_registered"] == len(serials)
    loans = Loan.objects.filter(order__external_id__startswith="IMP")
    assert loans.count() == sum(1 for r in rows if r.get("delivered_on"))
    assert loans.filter(ended_on__isnull=False).count() == sum(
        1 for r in rows if r.get("received_on")
    )
    # Each device is where its last order (by date) left it.
    last_use: dict[str, dict[str, str]] = {}
    for r in sorted(rows, key=lambda r: r["ordered_on"]):
        if r.get("serial_number"):
            last_use[r["serial_number"]] = r
    states: Counter[str] = Counter()
    for device in Device.objects.filter(serial_number__in=serials):
        row = last_use[device.serial_number]
        last = next(c for c in reversed(DEVICE_AFTER) if row.get(c))
        assert device.status == DEVICE_AFTER[last], device.serial_number
        states[device.status] += 1
    assert states["on_loan"] > 0
