"""The bulk import of orders writes exactly what the action path writes: the same file is
imported both ways into the same starting state and the rows compared (orders, loans,
patients, devices, trainings and every event), modulo primary keys and creation
timestamps. A wrong row gives the same error both ways and saves nothing; what the bulk
import refuses it says so."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.management import call_command
from django.db import transaction
from django.db.models import Q
from django.utils import translation

from devices.models import Device, DeviceEvent
from logistics.history_import import HistoryImportError, bulk, history_import
from logistics.models import Loan, Training
from logistics.tests.test_history_import import (
    ANNA,
    FIRST,
    HSV_CENTRUM,
    MAJORNA,
    ORDER_COLUMNS,
    OTHER_PATIENT,
    SARA,
    SECOND,
    counts,
    hsa_ids,  # noqa: F401 (an autouse fixture: the registry's HSA ids)
    order_row,
    write_csv,
)
from orders.models import Order, Patient
from orders.tests.helpers import BP, DISPENSER, register
from registry.models import Unit

pytestmark = pytest.mark.django_db

COLUMNS = [*ORDER_COLUMNS, "pickup_point", "urgent", "home_municipality"]
THIRD_PATIENT = "19800101-0001"


def varied_rows() -> list[dict[str, str]]:
    """Every kind of life an order row can describe, sharing devices, patients and a
    training, not in date order."""
    dispenser = {"article_number": DISPENSER, "criteria": "b144.2"}
    return [
        SECOND,
        FIRST,
        # The first patient moves: the latest order's home municipality is theirs.
        order_row("HIST-H1", "2024-02-01", home_municipality="1490"),
        order_row("HIST-H2", "2024-05-01", home_municipality="1480", accepted_on="2024-05-02"),
        # Basic equipment for the home-care unit, allocated and then cancelled; the same
        # device then goes out again, and comes back by post agent, not yet received.
        order_row(
            "HIST-C",
            "2024-04-01",
            kind="basic_equipment",
            personal_number="",
            unit_hsa_id=HSV_CENTRUM,
            prescriber_hsa_id=SARA,
            delivery_method="tour_van_unit",
            serial_number="HIST-BP-9",
            allocated_on="2024-04-03",
            cancelled_on="2024-04-05",
            cancel_reason="  Fel produkt ",
        ),
        order_row(
            "HIST-P",
            "2024-04-08",
            personal_number=THIRD_PATIENT,
            serial_number="HIST-BP-9",
            delivery_method="pickup_point",
            pickup_point="Apoteket Mölndal",
            urgent="ja",
            delivered_on="2024-04-09",
            return_method="post_agent",
            pickup_requested_on="2024-05-20",
        ),
        # Handed over from the unit's own shelf, handed in, reconditioned at once.
        order_row(
            "HIST-L",
            "2024-04-02",
            delivery_method="local_stock",
            serial_number="HIST-LOCAL-1",
            return_method="handed_in",
            received_on="2024-05-02",
            reconditioned_on="2024-05-03",
        ),
        # Cancelled before any device; only submitted; accepted only.
        order_row("HIST-X", "2024-03-10", accepted_on="2024-03-11", cancelled_on="2024-03-12"),
        order_row("HIST-S", "2024-07-01", personal_number=OTHER_PATIENT),
        # Training-gated: one order accepted before the unit's training and dispatched
        # after it (it waited, and gets the training's event), one accepted before and
        # never dispatched (it still waits), one accepted after (never waited).
        order_row(
            "HIST-D1",
            "2024-04-02",
            serial_number="HIST-LMA-1",
            accepted_on="2024-04-03",
            trained_on="2024-04-05",
            dispatched_on="2024-04-08",
            delivered_on="2024-04-10",
            received_on="2024-06-10",
            **dispenser,
        ),
        order_row("HIST-D2", "2024-04-01", accepted_on="2024-04-02", **dispenser),
        order_row(
            "HIST-D3",
            "2024-04-15",
            serial_number="HIST-LMA-2",
            delivered_on="2024-04-18",
            trained_on="2024-04-12",  # later than the first: not recorded again
            **dispenser,
        ),
    ]


def snapshot() -> dict[str, object]:
    """The import's rows with references by natural key, without ids and creation times."""
    orders = Order.objects.filter(external_id__startswith="HIST").select_related(
        "device", "patient"
    )
    loans = Loan.objects.filter(order__external_id__startswith="HIST").select_related(
        "order", "device", "patient"
    )
    events = DeviceEvent.objects.filter(
        Q(order__external_id__startswith="HIST") | Q(device__serial_number__startswith="HIST")
    ).select_related("order", "device", "loan__order")
    devices = Device.objects.filter(serial_number__startswith="HIST")
    numbers = {p.personal_number for o in orders if (p := o.patient)}
    return {
        "orders": sorted(
            (
                o.external_id,
                o.kind,
                o.status,
                o.product_id,
                o.guidance_id,
                o.patient.personal_number if o.patient else None,
                o.unit_id,
                o.principal_id,
                o.prescriber_id,
                o.cost_bearer_id,
                o.criteria,
                o.several_principals,
                o.consultation_with,
                o.consultation_on,
                o.delivery_method,
                o.pickup_point,
                o.urgent,
                o.urgent_fee,
                o.note,
                o.ordered_on,
                o.due_date,
                o.waits_for_training,
                o.device.serial_number if o.device else None,
                o.delivered_on,
                o.delivery_working_days,
                o.cancel_reason,
                o.created_by_id,
                o.idempotency_key,
            )
            for o in orders
        ),
        "loans": sorted(
            (
                loan.order.external_id,
                loan.device.serial_number,
                loan.patient.personal_number if loan.patient else None,
                loan.unit_id,
                loan.cost_bearer_id,
                loan.started_on,
                loan.pickup_requested_on,
                loan.return_method,
                bool(loan.return_code_hash),  # a random one-time code's hash
                loan.pickup_due_on,
                loan.rent_stops_on,
                loan.ended_on,
            )
            for loan in loans
        ),
        "events": sorted(
            (
                e.order.external_id if e.order else "",
                e.device.serial_number if e.device else "",
                e.loan.order.external_id if e.loan else "",
                e.kind,
                e.from_status,
                e.to_status,
                e.occurred_at,
                e.actor_id,
                e.acting_unit_id,
                sorted(
                    (k, v if k != "training" else "pk")  # a training's primary key
                    for k, v in e.data.items()
                ),
            )
            for e in events
        ),
        "devices": sorted(
            (d.serial_number, d.product_id, d.acquired_on, d.status, d.location, d.unit_id)
            for d in devices
        ),
        "patients": sorted(
            (p.personal_number, p.is_coordination_number, p.home_municipality_id)
            for p in Patient.objects.filter(personal_number__in=numbers)
        ),
        "trainings": sorted(Training.objects.values_list("unit_id", "product_id", "trained_on")),
    }


def both_ways(path):
    """The action path's result and rows, rolled back; then the bulk import's."""
    with transaction.atomic():
        by_actions = history_import("orders", path)
        rows_by_actions = snapshot()
        transaction.set_rollback(True)
    before = counts()
    by_bulk = history_import("orders", path, bulk=True)
    return by_actions, rows_by_actions, by_bulk, snapshot(), before


def test_bulk_writes_what_the_actions_write(tmp_path, lars):
    majorna = Unit.objects.get(hsa_id=MAJORNA)
    register(BP, "HIST-LOCAL-1", datetime.date(2024, 1, 2), lars, unit=majorna)
    path = write_csv(tmp_path / "orders.csv", varied_rows(), COLUMNS)

    by_actions, rows_by_actions, by_bulk, rows_by_bulk, _before = both_ways(path)

    assert by_bulk == by_actions
    for table, rows in rows_by_actions.items():
        assert rows_by_bulk[table] == rows, table
    # The file exercises what it should.
    # (HIST-LOCAL-1 was registered before the import.)
    assert len(rows_by_bulk["events"]) - 1 == by_bulk.events == 57
    statuses = {o[0]: (o[2], o[21]) for o in rows_by_bulk["orders"]}
    assert statuses["HIST-D2"] == ("accepted", True)  # still waits for the training
    assert statuses["HIST-C"] == ("cancelled", False)
    kinds = [e[3] for e in rows_by_bulk["events"]]
    assert kinds.count("training_recorded") == 2
    assert "return_code_issued" in kinds and "deallocated" in kinds


def test_bulk_in_chunks_of_two_rows_writes_the_same(tmp_path, lars, monkeypatch):
    """Devices, patients and trainings shared across chunks; each chunk's orders, loans
    and events written while the next chunk is read (on PostgreSQL, in a thread)."""
    monkeypatch.setattr(bulk, "CHUNK_ROWS", 2)
    majorna = Unit.objects.get(hsa_id=MAJORNA)
    register(BP, "HIST-LOCAL-1", datetime.date(2024, 1, 2), lars, unit=majorna)
    path = write_csv(tmp_path / "orders.csv", varied_rows(), COLUMNS)

    by_actions, rows_by_actions, by_bulk, rows_by_bulk, _before = both_ways(path)

    assert by_bulk == by_actions
    for table, rows in rows_by_actions.items():
        assert rows_by_bulk[table] == rows, table


def test_text_with_copy_s_special_characters(tmp_path):
    """Tabs, line breaks, backslashes and quotes in the text columns and the events' data
    land as the action path writes them (COPY's text format escapes them)."""
    reason = 'Fel\tprodukt \\ "x"\nrad två\r\\N slut'
    pickup_point = "Apoteket \\ Mölndal\t2"
    rows = [
        order_row(
            "HIST-T1",
            "2024-03-01",
            delivery_method="pickup_point",
            pickup_point=pickup_point,
            accepted_on="2024-03-04",
            cancelled_on="2024-03-05",
            cancel_reason=reason,
        ),
        order_row("HIST-T2", "2024-03-02", consultation_with="Dr \\N\tB"),
    ]
    columns = [*ORDER_COLUMNS, "pickup_point", "consultation_with"]
    path = write_csv(tmp_path / "orders.csv", rows, columns)

    by_actions, rows_by_actions, by_bulk, rows_by_bulk, _before = both_ways(path)

    assert by_bulk == by_actions
    for table, written in rows_by_actions.items():
        assert rows_by_bulk[table] == written, table
    cancelled = Order.objects.get(external_id="HIST-T1")
    assert (cancelled.cancel_reason, cancelled.pickup_point) == (reason, pickup_point)
    assert Order.objects.get(external_id="HIST-T2").consultation_with == "Dr \\N\tB"


def test_the_same_file_twice_in_bulk_changes_nothing(tmp_path):
    path = write_csv(tmp_path / "orders.csv", [FIRST, SECOND])
    history_import("orders", path, bulk=True)
    before, rows = counts(), snapshot()

    again = history_import("orders", path, bulk=True)

    assert (again.created, again.advanced, again.unchanged, again.events) == (0, 0, 2, 0)
    assert counts() == before and snapshot() == rows


def bulk_errors(path):
    before = counts()
    with translation.override("en"):
        with pytest.raises(HistoryImportError) as refused:
            history_import("orders", path, bulk=True)
        errors = [str(e) for e in refused.value.errors]
    assert counts() == before  # nothing saved
    return errors


def action_errors(path):
    with translation.override("en"):
        with pytest.raises(HistoryImportError) as refused:
            history_import("orders", path)
        return [str(e) for e in refused.value.errors]


@pytest.mark.parametrize(
    "rows",
    [
        # Reading: an unknown product, an impossible date, a repeated external id.
        [SECOND, {**FIRST, "article_number": "DH-9999"}],
        [{**FIRST, "delivered_on": "2024-02-30"}, {**SECOND, "external_id": "HIST-1"}],
        # order_submit's rules: prescribing rights, membership, criteria.
        [SECOND, {**FIRST, "prescriber_hsa_id": SARA, "unit_hsa_id": HSV_CENTRUM}],
        [SECOND, {**FIRST, "prescriber_hsa_id": SARA}],
        [{**FIRST, "criteria": "b440.2"}, {**SECOND, "criteria": ""}],
        # The device is still out when the second order allocates it.
        [FIRST, {**SECOND, "dispatched_on": "2024-06-10", "delivered_on": "2024-06-13"}],
        [
            FIRST,
            {
                **SECOND,
                "external_id": "HIST-2B",
                "ordered_on": "2024-03-02",
                "allocated_on": "2024-03-06",
            },
            SECOND,
        ],
        # A training-gated delivery without the unit's training.
        [
            order_row(
                "HIST-D",
                "2024-04-02",
                article_number=DISPENSER,
                criteria="b144.2",
                serial_number="HIST-LMA-1",
                delivered_on="2024-04-10",
            )
        ],
    ],
)
@pytest.mark.parametrize("chunk_rows", [bulk.CHUNK_ROWS, 1])
def test_a_wrong_row_gives_the_action_path_s_error_and_saves_nothing(
    tmp_path, rows, chunk_rows, monkeypatch
):
    """Also with one row a chunk: the rows of a chunk are written while the next is read."""
    monkeypatch.setattr(bulk, "CHUNK_ROWS", chunk_rows)
    path = write_csv(tmp_path / "orders.csv", rows)
    errors = action_errors(path)
    assert errors
    assert bulk_errors(path) == errors


def test_a_local_stock_device_not_on_the_shelf(tmp_path, lars):
    majorna = Unit.objects.get(hsa_id=MAJORNA)
    register(BP, "HIST-LOCAL-1", datetime.date(2024, 1, 2), lars, unit=majorna)
    local = order_row("HIST-L", "2024-04-02", delivery_method="local_stock")
    rows = [
        {**local, "serial_number": "HIST-LOCAL-1"},
        {**local, "external_id": "HIST-L2", "serial_number": "HIST-LOCAL-1"},
    ]
    path = write_csv(tmp_path / "orders.csv", rows)
    errors = action_errors(path)
    assert errors == [
        "row 3, column serial_number: No device of this product with that serial number is "
        "in your unit's local stock."
    ]
    assert bulk_errors(path) == errors


def test_what_bulk_refuses_it_says_so(tmp_path):
    ordered = order_row("HIST-3", "2024-04-01", accepted_on="2024-04-02")
    history_import("orders", write_csv(tmp_path / "a.csv", [ordered]))
    extended = {**ordered, "serial_number": "HIST-BP-3", "delivered_on": "2024-04-09"}
    without_serial = order_row("HIST-4", "2024-04-01", delivered_on="2024-04-09")
    path = write_csv(tmp_path / "b.csv", [extended, without_serial])

    errors = bulk_errors(path)

    assert [e.split(":")[0] for e in errors] == [
        "row 2, column external_id",
        "row 3, column serial_number",
    ]
    assert all("without --bulk" in e for e in errors)
    with translation.override("en"), pytest.raises(HistoryImportError, match="only for orders"):
        history_import("support", path, bulk=True)


def test_bulk_dry_run_saves_nothing(tmp_path):
    before = counts()
    result = history_import(
        "orders", write_csv(tmp_path / "o.csv", [FIRST, SECOND]), bulk=True, dry_run=True
    )
    assert (result.created, result.events, result.devices_registered) == (2, 15, 1)
    assert counts() == before


def test_the_command_with_bulk(tmp_path):
    out = io.StringIO()
    path = write_csv(tmp_path / "o.csv", [FIRST, SECOND])
    with translation.override("en"):
        call_command("import_history", "orders", str(path), "--bulk", "--no-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        "orders: 2 rows; 2 created, 0 advanced, 0 unchanged; 1 devices registered; "
        "15 events written."
    ]
    assert Order.objects.get(external_id="HIST-2").prescriber.hsa_id == ANNA
