"""``core.db.row_insert`` and ``row_update``: one row written as ``save()`` writes it,
with the statement built once per process."""

import datetime

import pytest
from django.utils import timezone

from audit.models import AccessLogEntry
from core.db import row_insert
from devices.models import DeviceEvent
from orders.tests.helpers import BP, register

pytestmark = pytest.mark.django_db

COMPARED = ("device_id", "kind", "from_status", "to_status", "occurred_at", "actor_id", "data")


def test_an_event_reads_back_as_one_saved_by_django(lars):
    device = register(BP, "BP-X", datetime.date(2024, 1, 1), lars)
    at = timezone.now().replace(microsecond=123456)
    fields = {
        "device": device,
        "kind": "note",
        "from_status": "in_stock",
        "to_status": "in_stock",
        "occurred_at": at,
        "actor": lars,
        "data": {"text": "å ä ö", "n": 3, "nested": [1, None, True]},
    }
    saved = DeviceEvent(**fields)
    saved.save()
    inserted = row_insert(DeviceEvent(**fields))
    assert inserted.pk is not None and inserted.pk != saved.pk
    assert not inserted._state.adding
    a, b = DeviceEvent.objects.get(pk=saved.pk), DeviceEvent.objects.get(pk=inserted.pk)
    assert [getattr(b, f) for f in COMPARED] == [getattr(a, f) for f in COMPARED]
    assert b.occurred_at == at
    # auto_now_add is filled in as save() fills it.
    assert b.recorded_at is not None and abs(b.recorded_at - a.recorded_at).total_seconds() < 60


def test_defaults_apply(lars):
    entry = row_insert(
        AccessLogEntry(
            user=lars, username="lars", patient_id=_a_patient(lars), action="read", resource="order"
        )
    )
    row = AccessLogEntry.objects.get(pk=entry.pk)
    assert row.occurred_at is not None
    assert row.outside_care_units is False
    assert row.object_id == ""


def _a_patient(user):
    from orders.models import Patient

    return Patient.objects.create(personal_number="191212121212").pk


def test_row_update_writes_the_named_columns_only(lars):
    from django.db import DatabaseError

    from core.db import row_update
    from devices.models import Device

    device = register(BP, "BP-U", datetime.date(2024, 1, 1), lars)
    unit = lars.person.memberships.first().unit
    stale = Device.objects.get(pk=device.pk)
    device.status, device.location, device.unit = "reserved", "centre", unit
    device.serial_number = "NOT-WRITTEN"
    row_update(device, fields=("status", "location", "unit"))
    row = Device.objects.get(pk=device.pk)
    assert (row.status, row.location, row.unit_id) == ("reserved", "centre", unit.pk)
    assert row.serial_number == stale.serial_number == "BP-U"
    device.pk = 0  # no such row: refused, as save(update_fields=…) refuses
    with pytest.raises(DatabaseError):
        row_update(device, fields=("status",))
