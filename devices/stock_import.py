"""Import of an initial stock of devices from CSV.

Columns (header row required, UTF-8, comma or semicolon separated):
``article_number, serial_number, acquired_on`` (YYYY-MM-DD), and optionally ``udi``,
``gtin`` and ``unit`` (the id of a unit whose local stock holds the device).

The whole file is checked first; if any row is wrong nothing is imported and every
error is reported with its row, column and reason. Rows whose serial number is
already registered for the product are skipped, so the same file can be run twice.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass
from typing import TextIO

from django.db import transaction
from django.utils.translation import gettext as _

from catalog.models import Product
from core.actors import ActingUser
from core.imports import ImportRefused, ImportRowError
from devices.actions import device_register
from devices.models import Device
from registry.models import Unit

REQUIRED_COLUMNS = ("article_number", "serial_number", "acquired_on")


# The row errors and the refusal are shared by every file import.
RowError = ImportRowError


class StockImportError(ImportRefused):
    pass


@dataclass(frozen=True)
class _Row:
    product: Product
    serial: str
    acquired: datetime.date
    udi: str
    gtin: str
    unit_id: int | None


@dataclass(frozen=True)
class StockImportResult:
    created: int
    skipped: int


def _reader(handle: TextIO) -> csv.DictReader[str]:
    sample = handle.read(4096)
    handle.seek(0)
    delimiter = ";" if sample.count(";") > sample.count(",") else ","
    return csv.DictReader(handle, delimiter=delimiter)


def stock_import(handle: TextIO, *, acting_user: ActingUser) -> StockImportResult:
    reader = _reader(handle)
    columns = [c.strip() for c in reader.fieldnames or []]
    missing = [c for c in REQUIRED_COLUMNS if c not in columns]
    if missing:
        raise StockImportError(
            [RowError(1, c, _("the column is missing from the header row")) for c in missing]
        )
    products = {p.article_number: p for p in Product.objects.all()}
    units = set(Unit.objects.values_list("pk", flat=True))
    errors: list[RowError] = []
    rows: list[_Row] = []
    seen: set[tuple[str, str]] = set()
    for number, raw in enumerate(reader, start=2):
        row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
        product = products.get(row["article_number"])
        if product is None:
            errors.append(RowError(number, "article_number", _("unknown article number")))
        serial = row["serial_number"]
        if not serial:
            errors.append(RowError(number, "serial_number", _("the serial number is empty")))
        elif (row["article_number"], serial) in seen:
            errors.append(
                RowError(number, "serial_number", _("the serial number occurs twice in the file"))
            )
        seen.add((row["article_number"], serial))
        try:
            acquired = datetime.date.fromisoformat(row["acquired_on"])
        except ValueError:
            errors.append(RowError(number, "acquired_on", _("not a date (YYYY-MM-DD)")))
            acquired = None
        gtin = row.get("gtin", "")
        if gtin and (not gtin.isdigit() or len(gtin) not in (8, 12, 13, 14)):
            errors.append(RowError(number, "gtin", _("a GTIN is 8, 12, 13 or 14 digits")))
        unit_id = None
        if row.get("unit"):
            if not row["unit"].isdigit() or int(row["unit"]) not in units:
                errors.append(RowError(number, "unit", _("unknown unit id")))
            else:
                unit_id = int(row["unit"])
        if product is not None and acquired is not None:
            rows.append(_Row(product, serial, acquired, row.get("udi", ""), gtin, unit_id))
    if errors:
        raise StockImportError(errors)
    created = skipped = 0
    with transaction.atomic():
        for item in rows:
            if Device.objects.filter(product=item.product, serial_number=item.serial).exists():
                skipped += 1
                continue
            device_register(
                product=item.product,
                serial_number=item.serial,
                acquired_on=item.acquired,
                udi=item.udi,
                gtin=item.gtin,
                unit=Unit.objects.get(pk=item.unit_id) if item.unit_id else None,
                acting_user=acting_user,
            )
            created += 1
    return StockImportResult(created=created, skipped=skipped)


def stock_import_text(text: str, *, acting_user: ActingUser) -> StockImportResult:
    return stock_import(io.StringIO(text), acting_user=acting_user)
