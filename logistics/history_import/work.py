"""Maintenance and support rows. A maintenance row is a work order on a registered
device: reported, started, finished with an outcome and, unless scrapped, reconditioned.
A support row is a support case about a product or device, opened and perhaps closed
with a resolution. As with orders, a row imported before takes only the steps it has
not yet taken.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext as _

from catalog.models import Product
from devices.actions import reconditioning_done
from devices.choices import EventKind
from devices.models import Device, DeviceEvent
from logistics.actions import (
    supportcase_close,
    supportcase_open,
    workorder_finish,
    workorder_report,
    workorder_start,
)
from logistics.choices import SupportSubject, WorkOrderOutcome, WorkOrderStatus
from logistics.history_import.orders import _reconditioning_passed
from logistics.history_import.reading import _Errors, _external_id, _Row, _Table
from logistics.history_import.references import _by_external_id, _References
from logistics.history_import.stream import _Plan, _present, _steps
from logistics.models import SupportCase, WorkOrder
from registry.models import Unit

# --- Maintenance -------------------------------------------------------------------------

WORK_STEPS = ("reported_on", "started_on", "done_on", "reconditioned_on")
WORK_REQUIRED = ("external_id", "article_number", "serial_number", "reported_on", "fault")
WORK_OPTIONAL = ("unit_hsa_id", "unit_id", "started_on", "done_on", "outcome", "reconditioned_on")


@dataclass
class _WorkRow:
    external_id: str
    device: Device
    fault: str
    unit: Unit | None
    outcome: str
    work: WorkOrder | None = None


def _work_report(row: _WorkRow, on: datetime.date) -> None:
    row.work = workorder_report(
        device=row.device,
        fault=row.fault,
        unit=row.unit,
        reported_on=on,
        external_id=row.external_id,
        acting_user=None,
    )


def _work_start(row: _WorkRow, on: datetime.date) -> None:
    row.work = workorder_start(work_order=_present(row.work), acting_user=None, on=on)


def _work_finish(row: _WorkRow, on: datetime.date) -> None:
    work = _present(row.work)
    row.work = workorder_finish(work_order=work, outcome=row.outcome, acting_user=None, on=on)


def _work_recondition(row: _WorkRow, on: datetime.date) -> None:
    reconditioning_done(device=row.device, acting_user=None, on=on)


WORK_ACTIONS = {
    "reported_on": _work_report,
    "started_on": _work_start,
    "done_on": _work_finish,
    "reconditioned_on": _work_recondition,
}


def _work_passed(work: WorkOrder) -> set[str]:
    passed = {"reported_on"}
    if work.status != WorkOrderStatus.REPORTED:
        passed.add("started_on")
    if work.status == WorkOrderStatus.DONE:
        passed.add("done_on")
        done = DeviceEvent.objects.filter(
            device_id=work.device_id, kind=EventKind.REPAIR_DONE, data__work_order=work.pk
        ).last()
        if done is not None and "reconditioned_on" in _reconditioning_passed(
            work.device_id, done.pk
        ):
            passed.add("reconditioned_on")
    return passed


def _maintenance_plan(table: _Table, errors: _Errors) -> _Plan:
    refs = _References(table)
    existing = _by_external_id(WorkOrder.objects.all(), table)
    plan, seen = _Plan(rows=len(table.rows)), set[str]()
    for number, cells in table.rows:
        if errors.full:
            break
        row = _Row(number, cells, errors)
        external_id = _external_id(row, seen)
        product = refs.product(row)
        serial = row.text("serial_number", required=True)
        device = refs.device(row, product, serial) if product is not None else None
        fault = row.text("fault", required=True)
        unit, _column = refs.unit(row, required=False)
        outcome = row.choice("outcome", WorkOrderOutcome.values)
        dates = row.dates(WORK_STEPS, required=("reported_on",))
        if "done_on" in dates:
            dates.setdefault("started_on", dates["done_on"])
            if not outcome:
                row.error("outcome", _("a value is required"))
        row.needs("outcome", bool(outcome), "done_on", "done_on" in dates)
        row.needs("reconditioned_on", "reconditioned_on" in dates, "done_on", "done_on" in dates)
        if "reconditioned_on" in dates and outcome == WorkOrderOutcome.SCRAPPED:
            row.error("reconditioned_on", _("a scrapped device is not reconditioned"))
        work = existing.get(external_id)
        if work is not None and device is not None and work.device_id != device.pk:
            row.error("external_id", _("the external id belongs to a work order of another device"))
        if row.failed or device is None:
            continue
        item = _WorkRow(external_id, device, fault, unit, outcome, work)
        passed = _work_passed(work) if work is not None else set()
        to_run = {c: dates[c] for c in WORK_STEPS if c in dates and c not in passed}
        plan.add_row(_steps(number, to_run, WORK_ACTIONS, item), existing=work is not None)
    return plan


# --- Support -----------------------------------------------------------------------------

SUPPORT_REQUIRED = ("external_id", "opened_on", "subject", "description")
SUPPORT_OPTIONAL = ("unit_hsa_id", "unit_id", "closed_on", "resolution")


@dataclass
class _SupportRow:
    external_id: str
    subject: str
    description: str
    product: Product | None
    device: Device | None
    unit: Unit | None
    resolution: str
    case: SupportCase | None = None


def _support_open(row: _SupportRow, on: datetime.date) -> None:
    row.case = supportcase_open(
        subject=row.subject,
        description=row.description,
        product=row.product,
        device=row.device,
        unit=row.unit,
        opened_on=on,
        external_id=row.external_id,
        acting_user=None,
    )


def _support_close(row: _SupportRow, on: datetime.date) -> None:
    case = _present(row.case)
    row.case = supportcase_close(case=case, resolution=row.resolution, acting_user=None, on=on)


SUPPORT_ACTIONS = {"opened_on": _support_open, "closed_on": _support_close}


def _support_plan(table: _Table, errors: _Errors) -> _Plan:
    refs = _References(table)
    existing = _by_external_id(SupportCase.objects.all(), table)
    plan, seen = _Plan(rows=len(table.rows)), set[str]()
    for number, cells in table.rows:
        if errors.full:
            break
        row = _Row(number, cells, errors)
        external_id = _external_id(row, seen)
        subject = row.choice("subject", SupportSubject.values, required=True)
        description = row.text("description", required=True)
        product = refs.product(row, required=False)
        serial = row.text("serial_number")
        device = refs.device(row, product, serial) if serial and not row.failed else None
        if not serial and not row.text("article_number"):
            row.error("article_number", _("give article_number or serial_number"))
        unit, _column = refs.unit(row, required=False)
        resolution = row.text("resolution")
        dates = row.dates(("opened_on", "closed_on"), required=("opened_on",))
        row.needs("resolution", bool(resolution), "closed_on", "closed_on" in dates)
        if row.failed:
            continue
        case = existing.get(external_id)
        item = _SupportRow(
            external_id, subject, description, product, device, unit, resolution, case
        )
        passed = (
            set() if case is None else {"opened_on"} | ({"closed_on"} if case.closed_at else set())
        )
        to_run = {c: d for c, d in dates.items() if c not in passed}
        plan.add_row(_steps(number, to_run, SUPPORT_ACTIONS, item), existing=case is not None)
    return plan
