"""What the rows of a history file refer to, looked up once per file: the assortment's
products, the registry's units, people and municipalities, the devices registered under
the file's serial numbers, and the orders, work orders and support cases imported
before under the file's external ids. A reference that cannot be resolved becomes an
error on the row's column.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from catalog.models import Product
from devices.models import Device
from logistics.history_import.reading import _Row, _Table
from registry.choices import PrincipalKind
from registry.models import Person, Principal, Unit

M = TypeVar("M", bound=models.Model)


def _chunks(items: list[str], size: int = 500) -> Iterator[list[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _column_values(table: _Table, column: str) -> list[str]:
    return sorted({str(c[column]).strip() for _n, c in table.rows if c.get(column)})


class _References:
    """The assortment, registry and devices the rows refer to, read once."""

    def __init__(self, table: _Table | None) -> None:
        self.products = {p.article_number: p for p in Product.objects.all()}
        self.units = {u.pk: u for u in Unit.objects.select_related("principal")}
        self.units_by_hsa: dict[str, list[Unit]] = defaultdict(list)
        for unit in self.units.values():
            if unit.hsa_id:
                self.units_by_hsa[unit.hsa_id.upper()].append(unit)
        self.people: dict[str, list[Person]] = defaultdict(list)
        for person in Person.objects.exclude(hsa_id=""):
            self.people[person.hsa_id.upper()].append(person)
        self.principals = {p.code: p for p in Principal.objects.all()}
        self.devices: dict[str, list[Device]] = defaultdict(list)
        if table is not None:
            self.devices_load(_column_values(table, "serial_number"))

    def devices_load(self, serials: list[str]) -> None:
        """The registered devices with the file's serial numbers."""
        for chunk in _chunks(serials):
            for device in Device.objects.filter(serial_number__in=chunk).select_related("product"):
                self.devices[device.serial_number].append(device)

    def product(self, row: _Row, *, required: bool = True) -> Product | None:
        number = row.text("article_number", required=required)
        product = self.products.get(number)
        if number and product is None:
            row.error("article_number", _("unknown article number"))
        return product

    def unit(self, row: _Row, *, required: bool) -> tuple[Unit | None, str]:
        """The unit by its HSA id or else by its id, and the column it was found in."""
        if hsa_id := row.text("unit_hsa_id").upper():
            units = self.units_by_hsa.get(hsa_id, [])
            if not units:
                row.error("unit_hsa_id", _("no unit has this HSA id"))
            elif len(units) > 1:
                row.error("unit_hsa_id", _("several units have this HSA id; use unit_id"))
            return (units[0] if len(units) == 1 else None), "unit_hsa_id"
        if pk := row.text("unit_id"):
            unit = self.units.get(int(pk)) if pk.isdigit() else None
            if unit is None:
                row.error("unit_id", _("unknown unit id"))
            return unit, "unit_id"
        if required:
            row.error("unit_hsa_id", _("a value is required"))
        return None, "unit_hsa_id"

    def person(self, row: _Row, column: str) -> Person | None:
        hsa_id = row.text(column, required=True).upper()
        people = self.people.get(hsa_id, [])
        if hsa_id and not people:
            row.error(column, _("no person has this HSA id"))
        elif len(people) > 1:
            row.error(column, _("several people have this HSA id"))
        return people[0] if len(people) == 1 else None

    def municipality(self, row: _Row, column: str) -> Principal | None:
        code = row.text(column)
        if code.isdigit() and len(code) in (1, 3):
            code = "0" + code  # the leading zero a spreadsheet drops (Stockholm is 0180)
        principal = self.principals.get(code)
        if code and (principal is None or principal.kind != PrincipalKind.MUNICIPALITY):
            row.error(column, _("no municipality has this code"))
            return None
        return principal

    def device(self, row: _Row, product: Product | None, serial: str) -> Device | None:
        """The registered device with the serial number (of the product, when given)."""
        devices = [
            d for d in self.devices.get(serial, []) if product is None or d.product_id == product.pk
        ]
        if len(devices) > 1:
            row.error(
                "serial_number",
                _("devices of several products have this serial number; give article_number"),
            )
        elif serial and not devices:
            row.error(
                "serial_number",
                _("no device of this product with this serial number is registered"),
            )
        return devices[0] if len(devices) == 1 else None


def _by_external_id(queryset: models.QuerySet[M], table: _Table) -> dict[str, M]:
    """The objects imported before, by the external ids in the file."""
    found: dict[str, M] = {}
    for chunk in _chunks(_column_values(table, "external_id")):
        for obj in queryset.filter(external_id__in=chunk):
            found[obj.serializable_value("external_id")] = obj
    return found
