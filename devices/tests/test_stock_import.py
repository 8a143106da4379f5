import pytest

from devices.models import Device, DeviceEvent
from devices.stock_import import StockImportError, stock_import_text

pytestmark = pytest.mark.django_db

GOOD = """article_number;serial_number;acquired_on;gtin
DH-1001;A-1;2023-08-15;07312345678901
DH-1001;A-2;2023-09-01;
DH-1007;L-1;2024-02-20;
"""


def test_import_registers_each_device_with_an_event(lars):
    result = stock_import_text(GOOD, acting_user=lars)
    assert (result.created, result.skipped) == (3, 0)
    device = Device.objects.get(serial_number="A-1")
    assert (device.status, device.location, device.gtin) == ("in_stock", "centre", "07312345678901")
    assert DeviceEvent.objects.filter(kind="registered").count() == 3


def test_running_the_same_file_twice_skips_what_is_there(lars):
    stock_import_text(GOOD, acting_user=lars)
    result = stock_import_text(GOOD, acting_user=lars)
    assert (result.created, result.skipped) == (0, 3)
    assert Device.objects.count() == 3


def test_a_bad_row_imports_nothing_and_names_row_column_reason(lars):
    bad = GOOD + "DH-9999;B-1;2024-01-01;\nDH-1001;A-2;2024-13-01;123\n"
    with pytest.raises(StockImportError) as exc:
        stock_import_text(bad, acting_user=lars)
    found = {(e.row, e.column) for e in exc.value.errors}
    assert found == {(5, "article_number"), (6, "serial_number"), (6, "acquired_on"), (6, "gtin")}
    assert Device.objects.count() == 0


def test_missing_column_is_reported(lars):
    with pytest.raises(StockImportError) as exc:
        stock_import_text("article_number,serial\nDH-1001,X\n", acting_user=lars)
    assert {e.column for e in exc.value.errors} == {"serial_number", "acquired_on"}
