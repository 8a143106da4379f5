"""The historical import: whole order lives with their past dates, idempotent by external
id, all or nothing with row errors; maintenance and support; CSV and Excel; the command."""

import csv
import datetime
import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation

from devices.models import Device, DeviceEvent
from logistics.calendar import working_days_between
from logistics.history_import import HistoryImportError, history_import
from logistics.models import Loan, SupportCase, Training, WorkOrder
from orders.models import Order, Patient
from orders.tests.helpers import BP, DISPENSER, register
from registry.models import Person, Unit

pytestmark = pytest.mark.django_db

D = datetime.date
ANNA = "SE2321000131-P000000000101"
SARA = "SE2321000131-P000000000102"
MAJORNA = "SE2321000131-E000000000201"
HSV_CENTRUM = "SE2321000131-E000000000202"
TOLVAN = "19121212-1212"
OTHER_PATIENT = "19811218-9876"

ORDER_COLUMNS = [
    "external_id",
    "ordered_on",
    "article_number",
    "kind",
    "personal_number",
    "unit_hsa_id",
    "prescriber_hsa_id",
    "criteria",
    "delivery_method",
    "accepted_on",
    "serial_number",
    "allocated_on",
    "dispatched_on",
    "delivered_on",
    "cancelled_on",
    "cancel_reason",
    "return_method",
    "pickup_requested_on",
    "received_on",
    "reconditioning_started_on",
    "reconditioned_on",
    "trained_on",
]


@pytest.fixture(autouse=True)
def hsa_ids(anna, sara):
    """The demo registry has no HSA ids; a real extract is matched on them."""
    Person.objects.filter(user=anna).update(hsa_id=ANNA)
    Person.objects.filter(user=sara).update(hsa_id=SARA)
    Unit.objects.filter(name="Närhälsan Majorna vårdcentral").update(hsa_id=MAJORNA)
    Unit.objects.filter(name="Hemsjukvård Centrum").update(hsa_id=HSV_CENTRUM)


def order_row(external_id, ordered_on, **values):
    row = {
        "external_id": external_id,
        "ordered_on": ordered_on,
        "article_number": BP,
        "kind": "prescription",
        "personal_number": TOLVAN,
        "unit_hsa_id": MAJORNA,
        "prescriber_hsa_id": ANNA,
        "criteria": "b420.2",
        "delivery_method": "tour_van_home",
    }
    row.update(values)
    return row


# Delivered, picked up, received and reconditioned; then the same device goes to the next
# patient, allocated on the very day it was reconditioned (allocated_on is left out and
# takes the dispatch date).
FIRST = order_row(
    "HIST-1",
    "2024-03-01",
    accepted_on="2024-03-04",
    serial_number="HIST-BP-1",
    allocated_on="2024-03-05",
    dispatched_on="2024-03-06",
    delivered_on="2024-03-08",
    return_method="pickup",
    pickup_requested_on="2024-06-03",
    received_on="2024-06-07",
    reconditioning_started_on="2024-06-10",
    reconditioned_on="2024-06-11",
)
SECOND = order_row(
    "HIST-2",
    "2024-06-05",
    personal_number=OTHER_PATIENT,
    serial_number="HIST-BP-1",
    dispatched_on="2024-06-11",
    delivered_on="2024-06-13",
)


def write_csv(path, rows, columns=ORDER_COLUMNS, delimiter=";", bom=True):
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, delimiter=delimiter)
        writer.writeheader()
        for row in rows:
            writer.writerow(row)
    return path


def write_xlsx(path, rows, columns=ORDER_COLUMNS):
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.append(columns)
    for row in rows:
        values = []
        for column in columns:
            value = row.get(column, "")
            if column.endswith("_on") and value:
                value = D.fromisoformat(value)  # a real Excel date cell
            values.append(value or None)
        sheet.append(values)
    book.save(path)
    return path


def orders_file(tmp_path, rows, name="orders.csv", **options):
    return write_csv(tmp_path / name, rows, **options)


def imported_history():
    """The import's events as (order, device, kind, business date), comparable across runs."""
    events = DeviceEvent.objects.filter(
        Q(order__external_id__startswith="HIST") | Q(device__serial_number__startswith="HIST")
    ).select_related("order", "device")
    return sorted(
        (
            e.order.external_id if e.order else "",
            e.device.serial_number if e.device else "",
            e.kind,
            timezone.localtime(e.occurred_at).date().isoformat(),
        )
        for e in events
    )


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Order, DeviceEvent, Device, Loan, Patient, WorkOrder, SupportCase, Training)
    }


def row_errors(kind, path, **options):
    with pytest.raises(HistoryImportError) as refused:
        history_import(kind, path, **options)
    return [(e.row, e.column) for e in refused.value.errors]


def test_whole_lives_are_imported_with_their_real_dates(tmp_path):
    # The second order comes first in the file: the steps run in date order anyway.
    result = history_import("orders", orders_file(tmp_path, [SECOND, FIRST]))

    assert (result.created, result.advanced, result.unchanged) == (2, 0, 0)
    assert result.devices_registered == 1
    device = Device.objects.get(serial_number="HIST-BP-1")
    assert device.acquired_on == D(2024, 3, 1)  # the first order that used it
    assert (device.status, device.location) == ("on_loan", "patient")
    history = imported_history()
    assert result.events == len(history) == 15
    assert [h for h in history if h[0] == "HIST-1"] == [
        ("HIST-1", "", "order_accepted", "2024-03-04"),
        ("HIST-1", "", "order_submitted", "2024-03-01"),
        ("HIST-1", "HIST-BP-1", "allocated", "2024-03-05"),
        ("HIST-1", "HIST-BP-1", "delivered", "2024-03-08"),
        ("HIST-1", "HIST-BP-1", "dispatched", "2024-03-06"),
        ("HIST-1", "HIST-BP-1", "pickup_requested", "2024-06-03"),
        ("HIST-1", "HIST-BP-1", "received", "2024-06-07"),
    ]
    assert [h[2:] for h in history if not h[0]] == [
        ("reconditioned", "2024-06-11"),
        ("reconditioning_started", "2024-06-10"),
        ("registered", "2024-03-01"),
    ]
    # The second order's missing steps took the date of the next step given.
    assert sorted(h[2:] for h in history if h[0] == "HIST-2") == [
        ("allocated", "2024-06-11"),
        ("delivered", "2024-06-13"),
        ("dispatched", "2024-06-11"),
        ("order_accepted", "2024-06-11"),
        ("order_submitted", "2024-06-05"),
    ]
    first, second = Order.objects.get(external_id="HIST-1"), Order.objects.get(external_id="HIST-2")
    assert first.delivered_on == D(2024, 3, 8)
    assert first.delivery_working_days == working_days_between(D(2024, 3, 1), D(2024, 3, 8)) == 5
    assert second.delivery_working_days == 5
    assert first.prescriber.hsa_id == ANNA
    assert first.created_by is None
    loan = Loan.objects.get(order=first)
    assert (loan.started_on, loan.pickup_requested_on, loan.ended_on) == (
        D(2024, 3, 8),
        D(2024, 6, 3),
        D(2024, 6, 7),
    )
    assert loan.rent_stops_on is not None
    assert Loan.objects.get(order=second).ended_on is None


def test_the_same_file_twice_changes_nothing(tmp_path):
    path = orders_file(tmp_path, [FIRST, SECOND])
    history_import("orders", path)
    before, history = counts(), imported_history()

    again = history_import("orders", path)

    assert (again.created, again.advanced, again.unchanged, again.events) == (0, 0, 2, 0)
    assert again.devices_registered == 0
    assert counts() == before
    assert imported_history() == history


def test_an_extended_extract_advances_an_order(tmp_path):
    ordered = order_row("HIST-3", "2024-04-01", accepted_on="2024-04-02")
    history_import("orders", orders_file(tmp_path, [FIRST, ordered]))
    assert Order.objects.get(external_id="HIST-3").status == "accepted"

    extended = {**ordered, "serial_number": "HIST-BP-3", "delivered_on": "2024-04-09"}
    result = history_import("orders", orders_file(tmp_path, [FIRST, extended], name="more.csv"))

    assert (result.created, result.advanced, result.unchanged) == (0, 1, 1)
    order = Order.objects.get(external_id="HIST-3")
    assert order.status == "delivered"
    assert Device.objects.get(orders=order).serial_number == "HIST-BP-3"
    assert order.delivered_on == D(2024, 4, 9)
    # Accepted once: the earlier step was not repeated.
    assert order.events.filter(kind="order_accepted").count() == 1
    assert result.events == 4  # registered, allocated, dispatched, delivered


@pytest.mark.parametrize(
    ("change", "error"),
    [
        ({"article_number": "DH-9999"}, (3, "article_number")),
        ({"delivered_on": "2024-02-30"}, (3, "delivered_on")),
        ({"delivered_on": "8/3/2024"}, (3, "delivered_on")),
        ({"dispatched_on": "2024-03-09"}, (3, "delivered_on")),  # delivered before dispatch
        ({"received_on": "2030-01-01"}, (3, "received_on")),  # in the future
        ({"prescriber_hsa_id": "SE-NOBODY"}, (3, "prescriber_hsa_id")),
        ({"personal_number": "19121212-1213"}, (3, "personal_number")),
        ({"urgent": "kanske"}, (3, "urgent")),
        # Phase 2: a nurse in municipal home care may not prescribe the monitor.
        ({"prescriber_hsa_id": SARA, "unit_hsa_id": HSV_CENTRUM}, (3, "prescriber_hsa_id")),
        # Phase 2: Sara does not work at the health centre.
        ({"prescriber_hsa_id": SARA}, (3, "prescriber_hsa_id")),
        # Phase 2: the guidance's criterion is not stated.
        ({"criteria": "b440.2"}, (3, "criteria")),
    ],
)
def test_a_bad_row_imports_nothing_and_says_where(tmp_path, change, error):
    columns = [*ORDER_COLUMNS, *(c for c in change if c not in ORDER_COLUMNS)]
    path = orders_file(tmp_path, [SECOND, {**FIRST, **change}], columns=columns)
    before = counts()

    assert row_errors("orders", path) == [error]
    assert counts() == before


def test_the_reason_is_the_rule_s_own_message(tmp_path):
    path = orders_file(tmp_path, [{**FIRST, "prescriber_hsa_id": SARA, "unit_hsa_id": HSV_CENTRUM}])
    with translation.override("en"):
        with pytest.raises(HistoryImportError) as refused:
            history_import("orders", path)
        (error,) = refused.value.errors
        assert error.reason.startswith("The guidance for Digital blodtrycksmätare does not let")
        assert str(error).startswith("row 2, column prescriber_hsa_id: The guidance")


@pytest.mark.parametrize(
    ("row", "errors"),
    [
        # A return needs a delivery; reconditioning needs the return.
        (order_row("HIST-X", "2024-03-01", received_on="2024-03-20"), [(2, "received_on")]),
        (
            order_row(
                "HIST-X", "2024-03-01", delivered_on="2024-03-08", reconditioned_on="2024-04-01"
            ),
            [(2, "reconditioned_on")],
        ),
        # A serial number without any step that allocates it.
        (order_row("HIST-X", "2024-03-01", serial_number="HIST-BP-9"), [(2, "serial_number")]),
        # Cancelled and delivered at once.
        (
            order_row("HIST-X", "2024-03-01", delivered_on="2024-03-08", cancelled_on="2024-03-09"),
            [(2, "delivered_on")],
        ),
        # A pickup order, yet handed in.
        (
            order_row(
                "HIST-X",
                "2024-03-01",
                delivered_on="2024-03-08",
                pickup_requested_on="2024-04-01",
                return_method="handed_in",
            ),
            [(2, "return_method")],
        ),
        # Basic equipment has no patient; a prescription needs one.
        (order_row("HIST-X", "2024-03-01", kind="basic_equipment"), [(2, "personal_number")]),
        (order_row("HIST-X", "2024-03-01", personal_number=""), [(2, "personal_number")]),
        (
            order_row("", "2024-03-01", unit_hsa_id="SE-NONE"),
            [(2, "external_id"), (2, "unit_hsa_id")],
        ),
    ],
)
def test_rules_of_a_row(tmp_path, row, errors):
    assert row_errors("orders", orders_file(tmp_path, [row])) == errors


def test_file_level_errors(tmp_path):
    columns = [c for c in ORDER_COLUMNS if c not in ("kind", "unit_hsa_id")]
    path = tmp_path / "header.csv"
    path.write_text(";".join([*columns, "external_id"]) + "\n", encoding="utf-8")
    assert row_errors("orders", path) == [(1, "kind"), (1, "unit_hsa_id"), (1, "external_id")]

    path.write_text(";".join([*ORDER_COLUMNS, "urgnt"]) + "\n", encoding="utf-8")
    assert row_errors("orders", path) == [(1, "urgnt")]  # a misspelt column is not ignored

    twice = orders_file(tmp_path, [FIRST, {**SECOND, "external_id": "HIST-1"}], name="twice.csv")
    assert row_errors("orders", twice) == [(3, "external_id")]

    # A description over several lines, quoted, is one row.
    multiline = {**FIRST, "cancel_reason": "rad ett\nrad två"}
    path = orders_file(tmp_path, [multiline, {**SECOND, "article_number": "DH-9999"}], name="m.csv")
    assert row_errors("orders", path) == [(2, "cancel_reason"), (3, "article_number")]

    latin1 = tmp_path / "latin1.csv"
    latin1.write_bytes("external_id;ordered_on\nÅ;2024-01-01\n".encode("latin-1"))
    assert row_errors("orders", latin1) == [(1, "")]


def test_a_comma_separated_file_without_bom_and_a_unit_id(tmp_path):
    majorna = Unit.objects.get(hsa_id=MAJORNA)
    columns = [c if c != "unit_hsa_id" else "unit_id" for c in ORDER_COLUMNS]
    rows = [{**{k: v for k, v in FIRST.items() if k != "unit_hsa_id"}, "unit_id": majorna.pk}]
    path = orders_file(tmp_path, rows, columns=columns, delimiter=",", bom=False)

    assert history_import("orders", path).created == 1
    assert Order.objects.get(external_id="HIST-1").unit == majorna


def test_excel_gives_the_same_result_as_csv(tmp_path):
    with transaction.atomic():
        from_csv = history_import("orders", orders_file(tmp_path, [FIRST, SECOND]))
        csv_history = imported_history()
        transaction.set_rollback(True)
    assert not Order.objects.filter(external_id="HIST-1").exists()

    from_excel = history_import("orders", write_xlsx(tmp_path / "orders.xlsx", [FIRST, SECOND]))

    assert from_excel == from_csv
    assert imported_history() == csv_history


def test_an_excel_row_error_names_the_sheet_row(tmp_path):
    path = write_xlsx(tmp_path / "bad.xlsx", [FIRST, {**SECOND, "article_number": "DH-9999"}])
    assert row_errors("orders", path) == [(3, "article_number")]


def test_dry_run_changes_nothing(tmp_path):
    before = counts()
    result = history_import("orders", orders_file(tmp_path, [FIRST, SECOND]), dry_run=True)

    assert (result.created, result.events, result.dry_run) == (2, 15, True)
    assert counts() == before


def test_cancellation_local_stock_and_training(tmp_path, lars):
    majorna = Unit.objects.get(hsa_id=MAJORNA)
    register(BP, "HIST-LOCAL-1", D(2024, 1, 2), lars, unit=majorna)
    rows = [
        # Basic equipment for the home-care unit, allocated and then cancelled.
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
            cancel_reason="Fel produkt",
        ),
        # Handed over from the unit's own shelf, later handed in.
        order_row(
            "HIST-L",
            "2024-04-02",
            delivery_method="local_stock",
            serial_number="HIST-LOCAL-1",
            return_method="handed_in",
            received_on="2024-05-02",
        ),
        # A training-gated dispenser: the unit's training is recorded before dispatch.
        order_row(
            "HIST-D",
            "2024-04-02",
            article_number=DISPENSER,
            criteria="b144.2",
            serial_number="HIST-LMA-1",
            trained_on="2024-03-28",
            delivered_on="2024-04-10",
        ),
    ]
    history_import("orders", orders_file(tmp_path, rows))

    cancelled = Order.objects.get(external_id="HIST-C")
    assert (cancelled.status, cancelled.cancel_reason, cancelled.device) == (
        "cancelled",
        "Fel produkt",
        None,
    )
    assert Device.objects.get(serial_number="HIST-BP-9").status == "in_stock"
    local = Order.objects.get(external_id="HIST-L")
    assert (local.status, local.delivered_on, local.delivery_working_days) == (
        "delivered",
        D(2024, 4, 2),
        0,
    )
    assert Loan.objects.get(order=local).return_method == "handed_in"
    assert Device.objects.get(serial_number="HIST-LOCAL-1").status == "awaiting_reconditioning"
    assert Training.objects.get(unit=majorna, product__article_number=DISPENSER).trained_on == D(
        2024, 3, 28
    )
    assert Order.objects.get(external_id="HIST-D").status == "delivered"


def test_a_training_gated_delivery_without_training_is_refused(tmp_path):
    row = order_row(
        "HIST-D",
        "2024-04-02",
        article_number=DISPENSER,
        criteria="b144.2",
        serial_number="HIST-LMA-1",
        delivered_on="2024-04-10",
    )
    assert row_errors("orders", orders_file(tmp_path, [row])) == [(2, "dispatched_on")]


MAINTENANCE_COLUMNS = [
    "external_id",
    "article_number",
    "serial_number",
    "reported_on",
    "fault",
    "unit_hsa_id",
    "started_on",
    "done_on",
    "outcome",
    "reconditioned_on",
]


def test_maintenance(tmp_path, lars):
    majorna = Unit.objects.get(hsa_id=MAJORNA)
    device = register(BP, "HIST-M-1", D(2024, 1, 10), lars)
    repaired = {
        "external_id": "WO-1",
        "article_number": BP,
        "serial_number": "HIST-M-1",
        "reported_on": "2024-04-02",
        "fault": "Visar fel värden",
        "unit_hsa_id": MAJORNA,
        "started_on": "2024-04-03",
        "done_on": "2024-04-10",
        "outcome": "repaired",
        "reconditioned_on": "2024-04-11",
    }
    still_open = {
        "external_id": "WO-2",
        "article_number": BP,
        "serial_number": "HIST-M-1",
        "reported_on": "2024-05-06",
        "fault": "Startar inte",
    }
    path = write_csv(tmp_path / "work.csv", [still_open, repaired], MAINTENANCE_COLUMNS)

    result = history_import("maintenance", path)

    assert (result.created, result.events) == (2, 5)
    first = WorkOrder.objects.get(external_id="WO-1")
    assert (first.status, first.outcome, first.unit_id) == ("done", "repaired", majorna.pk)
    assert timezone.localtime(first.reported_at).date() == D(2024, 4, 2)
    assert timezone.localtime(first.done_at).date() == D(2024, 4, 10)
    assert [h[2:] for h in imported_history()] == [
        ("reconditioned", "2024-04-11"),
        ("registered", "2024-01-10"),
        ("repair_done", "2024-04-10"),
        ("repair_reported", "2024-04-02"),
        ("repair_reported", "2024-05-06"),
        ("repair_started", "2024-04-03"),
    ]
    device.refresh_from_db()
    assert device.status == "in_stock"
    assert WorkOrder.objects.get(external_id="WO-2").status == "reported"

    assert history_import("maintenance", path).unchanged == 2

    # The extended extract: the open work order was found to have no fault.
    done = {**still_open, "done_on": "2024-05-08", "outcome": "no_fault"}
    path = write_csv(tmp_path / "more.csv", [repaired, done], MAINTENANCE_COLUMNS)
    result = history_import("maintenance", path)
    assert (result.advanced, result.unchanged) == (1, 1)
    second = WorkOrder.objects.get(external_id="WO-2")
    assert second.status == "done"
    assert timezone.localtime(second.started_at).date() == D(2024, 5, 8)  # the next date


def test_maintenance_of_an_unknown_device_is_refused(tmp_path):
    row = {
        "external_id": "WO-1",
        "article_number": BP,
        "serial_number": "NO-SUCH",
        "reported_on": "2024-04-02",
        "fault": "Trasig",
        "done_on": "2024-04-03",
    }
    path = write_csv(tmp_path / "work.csv", [row], MAINTENANCE_COLUMNS)
    assert row_errors("maintenance", path) == [(2, "serial_number"), (2, "outcome")]


SUPPORT_COLUMNS = [
    "external_id",
    "opened_on",
    "subject",
    "article_number",
    "serial_number",
    "unit_hsa_id",
    "description",
    "closed_on",
    "resolution",
]


def test_support_cases(tmp_path, lars):
    device = register(BP, "HIST-S-1", D(2024, 1, 10), lars)
    closed = {
        "external_id": "SC-1",
        "opened_on": "2024-02-05",
        "subject": "app",
        "serial_number": "HIST-S-1",
        "unit_hsa_id": MAJORNA,
        "description": "Appen hittar inte mätaren",
        "closed_on": "2024-02-07",
        "resolution": "Parkopplade om",
    }
    still_open = {
        "external_id": "SC-2",
        "opened_on": "2024-03-01",
        "subject": "usage",
        "article_number": BP,
        "description": "Hur mäter man?",
    }
    path = write_csv(tmp_path / "support.csv", [closed, still_open], SUPPORT_COLUMNS)

    result = history_import("support", path)

    assert (result.created, result.events) == (2, 3)
    first = SupportCase.objects.get(external_id="SC-1")
    assert (first.device_id, first.product.article_number) == (device.pk, BP)
    assert timezone.localtime(first.opened_at).date() == D(2024, 2, 5)
    assert timezone.localtime(first.closed_at).date() == D(2024, 2, 7)
    assert first.resolution == "Parkopplade om"
    second = SupportCase.objects.get(external_id="SC-2")
    assert (second.device, second.closed_at) == (None, None)

    assert history_import("support", path).unchanged == 2
    now_closed = {**still_open, "closed_on": "2024-03-04", "resolution": "Visade"}
    path = write_csv(tmp_path / "more.csv", [closed, now_closed], SUPPORT_COLUMNS)
    assert history_import("support", path).advanced == 1
    second.refresh_from_db()
    assert timezone.localtime(second.closed_at).date() == D(2024, 3, 4)


def test_support_needs_the_product_or_the_device(tmp_path):
    row = {"external_id": "SC-1", "opened_on": "2024-02-05", "subject": "app", "description": "?"}
    path = write_csv(tmp_path / "support.csv", [row], SUPPORT_COLUMNS)
    assert row_errors("support", path) == [(2, "article_number")]


def test_the_command(tmp_path):
    path = orders_file(tmp_path, [FIRST, SECOND])
    out = io.StringIO()
    with translation.override("en"):
        call_command("import_history", "orders", str(path), "--dry-run", stdout=out)
        assert not Order.objects.filter(external_id="HIST-1").exists()
        call_command("import_history", "orders", str(path), "--no-progress", stdout=out)
    assert out.getvalue().splitlines() == [
        "orders: 2 rows; 2 created, 0 advanced, 0 unchanged; 1 devices registered; "
        "15 events written.",
        "Dry run: nothing was saved.",
        "orders: 2 rows; 2 created, 0 advanced, 0 unchanged; 1 devices registered; "
        "15 events written.",
    ]
    assert Order.objects.filter(external_id__startswith="HIST").count() == 2


def test_the_command_reports_each_error_and_fails(tmp_path):
    path = orders_file(tmp_path, [FIRST, {**SECOND, "article_number": "DH-9999"}])
    err = io.StringIO()
    before = counts()
    with pytest.raises(CommandError):
        call_command("import_history", "orders", str(path), "--no-progress", stderr=err)
    # Swedish is the default language.
    assert err.getvalue().splitlines() == ["rad 3, kolumn article_number: okänt artikelnummer"]
    assert counts() == before
    with pytest.raises(CommandError):
        call_command("import_history", "orders", str(tmp_path / "missing.csv"))


def test_a_progress_bar_counts_the_steps_on_standard_error(tmp_path, capsys):
    """The command shows it only on a terminal; asked for, it counts every step."""
    result = history_import("orders", orders_file(tmp_path, [FIRST, SECOND]), progress=True)
    bar = capsys.readouterr().err
    assert result.events > 0
    steps = bar.rsplit("|", 1)[-1].split()[0]  # e.g. "13/13" at the end
    done, total = steps.split("/")
    assert done == total and int(total) >= 10  # two orders' whole lives, every step
    quiet = history_import("orders", orders_file(tmp_path, [FIRST, SECOND]), dry_run=True)
    assert quiet.unchanged == 2 and capsys.readouterr().err == ""
