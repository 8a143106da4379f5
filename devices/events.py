"""Writing supply-chain events. Called only from actions, inside their transaction."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from core.actors import ActingUser, actor_of
from core.db import row_insert
from devices.models import Device, DeviceEvent
from registry.models import Unit

NOON = datetime.time(12, 0)


def business_time(on: datetime.date | None) -> datetime.datetime:
    """When something happened: now for today's work, noon Stockholm time for a past date."""
    now = timezone.now()
    if on is None or on == timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.datetime.combine(on, NOON))


def device_event_record(
    *,
    kind: str,
    acting_user: ActingUser,
    device: Device | None = None,
    order: Any = None,
    loan: Any = None,
    from_status: str = "",
    to_status: str = "",
    acting_unit: Unit | None = None,
    on: datetime.date | None = None,
    data: dict[str, Any] | None = None,
) -> DeviceEvent:
    event = DeviceEvent(
        kind=kind,
        device=device,
        order=order,
        loan=loan,
        from_status=from_status,
        to_status=to_status,
        occurred_at=business_time(on),
        actor=actor_of(acting_user),
        acting_unit=acting_unit,
        data=data or {},
    )
    row_insert(event)  # save() without rebuilding its INSERT on every event
    return event
