"""What the follow-up counts, defined once from the events: for each measure, the events
it counts on some business days, each annotated with its day and the dimensions the
figures are filtered and grouped by (``f_day``, ``f_product`` …).

The same querysets serve twice (decision 0011): grouped per day they are the daily
counts stored in ``DailyCount`` for days that are over (``followup.rollup``), and read
directly they give the days not yet counted. So a figure means the same whichever way it
was read, and docs/followup.md defines each one.

- *delivered*: ``delivered`` events, by the order's product, principal, unit and kind;
  deliveries to patients carry the device (for the distinct count of devices ever at
  patients) and the patient's home municipality; deliveries by the device centre carry
  their delivery time in working days (a fast-track delivery from a unit's own shelf has
  none to measure).
- *first to patient*: a delivery to a patient of a device never delivered to one before.
- *received*: ``received`` events, by the order of the loan that ended.
- *reconditioned*, *maintained*: ``reconditioned`` events and finished repairs that found
  a fault, by the device's product and the principal and unit of the order of the
  device's latest delivery before them.
- *support*: ``support_opened`` events, by the unit that opened the case, the article
  number and the subject recorded.
- *submitted*: ``order_submitted`` events, by the order's product, principal, unit, kind.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Coalesce, TruncDate
from django.utils import timezone

from devices.choices import EventKind
from devices.models import DeviceEvent
from followup.choices import Measure
from logistics.choices import WorkOrderOutcome
from orders.choices import DeliveryMethod, OrderKind

# The dimensions of a count, in the order of DailyCount's columns. Each fact queryset
# annotates every one of them as ``f_<name>`` (None or "" where it does not apply).
DIMENSIONS = (
    "product",
    "principal",
    "unit",
    "order_kind",
    "home_municipality",
    "device",
    "working_days",
    "article",
    "subject",
)
TEXT_DIMENSIONS = frozenset({"order_kind", "article", "subject"})


def day_start(day: datetime.date) -> datetime.datetime:
    """Midnight in Stockholm: periods are business days, events are stored in UTC."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def business_date(field_name: str = "occurred_at") -> TruncDate:
    return TruncDate(field_name, tzinfo=timezone.get_current_timezone())


def events_of(kind: str, start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    """Events of ``kind`` on the business days ``start`` … ``end`` (both included)."""
    # Served by the index on (kind, occurred_at).
    return DeviceEvent.objects.filter(
        kind=kind,
        occurred_at__gte=day_start(start),
        occurred_at__lt=day_start(end + datetime.timedelta(days=1)),
    )


def _none() -> Cast:
    # Typed: PostgreSQL takes an untyped NULL in a subquery's select list for text.
    return Cast(Value(None), output_field=IntegerField())


def _text(expression: F | KeyTextTransform) -> Coalesce:
    return Coalesce(expression, Value(""), output_field=CharField())


def _annotated(qs: QuerySet[DeviceEvent], **dims: Any) -> QuerySet[DeviceEvent]:
    """``qs`` with ``f_day`` and every dimension (those not given: None or "")."""
    values: dict[str, Any] = {"f_day": business_date()}
    for name in DIMENSIONS:
        given = dims.pop(name, None)
        if given is None:
            given = Value("") if name in TEXT_DIMENSIONS else _none()
        values[f"f_{name}"] = given
    if dims:
        raise TypeError(f"not a dimension: {sorted(dims)}")
    return qs.annotate(**values)


def _order_dims(prefix: str) -> dict[str, Any]:
    return {
        "product": F(f"{prefix}product_id"),
        "principal": F(f"{prefix}principal_id"),
        "unit": F(f"{prefix}unit_id"),
        "order_kind": _text(F(f"{prefix}kind")),
    }


def delivered(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    to_patient = Q(order__kind=OrderKind.PRESCRIPTION)
    timed = ~Q(order__delivery_method=DeliveryMethod.LOCAL_STOCK)
    return _annotated(
        events_of(EventKind.DELIVERED, start, end),
        **_order_dims("order__"),
        home_municipality=F("order__patient__home_municipality_id"),
        device=Case(When(to_patient, then=F("device_id")), default=_none()),
        working_days=Case(When(timed, then=F("order__delivery_working_days")), default=_none()),
    )


def first_to_patient(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    earlier = DeviceEvent.objects.filter(
        kind=EventKind.DELIVERED,
        device_id=OuterRef("device_id"),
        order__kind=OrderKind.PRESCRIPTION,
    ).filter(
        Q(occurred_at__lt=OuterRef("occurred_at"))
        | Q(occurred_at=OuterRef("occurred_at"), id__lt=OuterRef("id"))
    )
    return _annotated(
        events_of(EventKind.DELIVERED, start, end)
        .filter(order__kind=OrderKind.PRESCRIPTION)
        .filter(~Exists(earlier)),
        **_order_dims("order__"),
    )


def received(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    return _annotated(
        events_of(EventKind.RECEIVED, start, end),
        **_order_dims("loan__order__"),
        home_municipality=F("loan__order__patient__home_municipality_id"),
    )


def _latest_delivery(field: str) -> Subquery:
    """``field`` of the order of the device's latest delivery at or before the event."""
    latest = (
        DeviceEvent.objects.filter(
            kind=EventKind.DELIVERED,
            device_id=OuterRef("device_id"),
            occurred_at__lte=OuterRef("occurred_at"),
        )
        .order_by("-occurred_at", "-id")
        .values(field)[:1]
    )
    return Subquery(latest, output_field=IntegerField())


def _attributed(qs: QuerySet[DeviceEvent]) -> QuerySet[DeviceEvent]:
    return _annotated(
        qs,
        product=F("device__product_id"),
        principal=_latest_delivery("order__principal_id"),
        unit=_latest_delivery("order__unit_id"),
    )


def reconditioned(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    return _attributed(events_of(EventKind.RECONDITIONED, start, end))


def maintained(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    """Finished corrective maintenance; a check that found no fault is not maintenance."""
    return _attributed(
        events_of(EventKind.REPAIR_DONE, start, end).exclude(
            data__outcome=WorkOrderOutcome.NO_FAULT
        )
    )


def support(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    return _annotated(
        events_of(EventKind.SUPPORT_OPENED, start, end),
        unit=F("acting_unit_id"),
        article=_text(KeyTextTransform("product", "data")),
        subject=_text(KeyTextTransform("subject", "data")),
    )


def submitted(start: datetime.date, end: datetime.date) -> QuerySet[DeviceEvent]:
    return _annotated(events_of(EventKind.ORDER_SUBMITTED, start, end), **_order_dims("order__"))


FACTS: dict[str, Callable[[datetime.date, datetime.date], QuerySet[DeviceEvent]]] = {
    Measure.DELIVERED: delivered,
    Measure.FIRST_TO_PATIENT: first_to_patient,
    Measure.RECEIVED: received,
    Measure.RECONDITIONED: reconditioned,
    Measure.MAINTAINED: maintained,
    Measure.SUPPORT: support,
    Measure.SUBMITTED: submitted,
}

# Measures whose principal and unit are the order of the device's latest delivery.
ATTRIBUTED = frozenset({Measure.RECONDITIONED, Measure.MAINTAINED})
