"""The historical import: orders with their whole life, maintenance and support cases,
from CSV or Excel, with their real past dates. The formats are in docs/import.md.

A file is read and checked whole first (phase 1); only a file without errors is
imported (phase 2), in one transaction, through the same actions as live work, so the
same rules apply and every step writes its event on the day it happened. The steps of
all rows run as one stream in date order, so a device returned by one order can be
reconditioned and delivered to the next. Rows are matched on their external id: a row
imported before is not created again; only the steps it has not yet taken are run.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from core.imports import ImportRowError
from devices.models import DeviceEvent
from logistics.history_import.bulk import orders_bulk_import
from logistics.history_import.orders import ORDER_OPTIONAL, ORDER_REQUIRED, _orders_plan
from logistics.history_import.reading import (
    MAX_ERRORS,
    HistoryImportError,
    _columns_check,
    _Errors,
    _Table,
    _table_read,
)
from logistics.history_import.stream import _Plan, _steps_run
from logistics.history_import.work import (
    SUPPORT_OPTIONAL,
    SUPPORT_REQUIRED,
    WORK_OPTIONAL,
    WORK_REQUIRED,
    _maintenance_plan,
    _support_plan,
)

__all__ = [
    "MAX_ERRORS",
    "HistoryImportError",
    "HistoryImportResult",
    "ImportKind",
    "history_import",
]


class ImportKind(StrEnum):
    ORDERS = "orders"
    MAINTENANCE = "maintenance"
    SUPPORT = "support"


@dataclass(frozen=True)
class HistoryImportResult:
    kind: str
    rows: int
    created: int  # rows new to the database
    advanced: int  # rows imported before that took further steps now
    unchanged: int  # rows imported before with nothing new
    devices_registered: int
    events: int
    dry_run: bool


@dataclass(frozen=True)
class _Format:
    required: tuple[str, ...]
    optional: tuple[str, ...]
    one_of: tuple[str, ...]
    plan: Callable[[_Table, _Errors], _Plan]


FORMATS = {
    ImportKind.ORDERS: _Format(
        ORDER_REQUIRED, ORDER_OPTIONAL, ("unit_hsa_id", "unit_id"), _orders_plan
    ),
    ImportKind.MAINTENANCE: _Format(WORK_REQUIRED, WORK_OPTIONAL, (), _maintenance_plan),
    ImportKind.SUPPORT: _Format(
        SUPPORT_REQUIRED, SUPPORT_OPTIONAL, ("article_number", "serial_number"), _support_plan
    ),
}


def history_import(
    kind: str,
    path: Path,
    *,
    dry_run: bool = False,
    progress: bool = False,
    bulk: bool = False,
) -> HistoryImportResult:
    """Import one file of ``kind`` (orders, maintenance or support), all or nothing.

    Raises HistoryImportError with every row error found (up to MAX_ERRORS) and imports
    nothing if any row is wrong or any action refuses a step. ``dry_run`` runs every
    step and rolls back; ``progress`` shows a progress bar on standard error. ``bulk``
    (orders only) streams the file and writes the rows the actions would write with
    COPY, for large files (logistics/history_import/bulk.py)."""
    if bulk:
        return _bulk_import(kind, path, dry_run=dry_run, progress=progress)
    spec = FORMATS[ImportKind(kind)]
    table = _table_read(path)
    errors = _Errors(_columns_check(table.columns, spec.required, spec.optional, spec.one_of))
    if errors:
        raise HistoryImportError(errors)
    plan = spec.plan(table, errors)
    if errors:
        raise HistoryImportError(errors)
    with transaction.atomic():
        before = DeviceEvent.objects.count()
        _steps_run(plan.chains, errors, progress=progress)
        events = DeviceEvent.objects.count() - before
        if errors or dry_run:
            transaction.set_rollback(True)
    if errors:
        raise HistoryImportError(errors)
    return HistoryImportResult(
        kind=kind,
        rows=plan.rows,
        created=plan.created,
        advanced=plan.advanced,
        unchanged=plan.unchanged,
        devices_registered=plan.registrations,
        events=events,
        dry_run=dry_run,
    )


def _bulk_import(kind: str, path: Path, *, dry_run: bool, progress: bool) -> HistoryImportResult:
    if ImportKind(kind) != ImportKind.ORDERS:
        raise HistoryImportError(
            [
                ImportRowError(
                    1, "", _("the bulk import is only for orders: import the file without --bulk")
                )
            ]
        )
    result = orders_bulk_import(path, dry_run=dry_run, progress=progress)
    return HistoryImportResult(
        kind=kind,
        rows=result.rows,
        created=result.created,
        advanced=0,
        unchanged=result.unchanged,
        devices_registered=result.devices_registered,
        events=result.events,
        dry_run=dry_run,
    )
