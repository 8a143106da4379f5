"""Writing the patient-data access log.

Code that shows, changes or hands out patient data calls ``access_log_record``. Inside
a request the accesses are collected and written together when the response is ready
(``AccessLogMiddleware``), one row per patient, record and request, and only if the
request succeeded: a refused request disclosed nothing. Outside a request (a command,
a test calling a selector) the row is written at once.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection
from django.http import HttpRequest

from audit.choices import ACTION_WEIGHT, AccessAction, Channel
from audit.models import AccessLogEntry
from core.actors import ActingUser, actor_of
from core.db import row_insert
from orders.models import Order, Patient
from registry.access import device_centre_unit, person_for, unit_ids_of

Key = tuple[int, str, str]  # (patient id, resource, record id)


@dataclass
class RequestAccesses:
    """The accesses of one request, collected until its response is ready."""

    channel: str
    path: str
    default_action: str
    user: ActingUser = None
    entries: dict[Key, str] = field(default_factory=dict)

    def add(self, key: Key, action: str) -> None:
        current = self.entries.get(key)
        if (
            current is None
            or ACTION_WEIGHT[AccessAction(action)] > ACTION_WEIGHT[AccessAction(current)]
        ):
            self.entries[key] = action


_current: contextvars.ContextVar[RequestAccesses | None] = contextvars.ContextVar(
    "audit_request_accesses", default=None
)


def channel_of(path: str) -> str:
    if path.startswith("/api/"):
        return Channel.API
    if path.startswith("/admin/"):
        return Channel.ADMIN
    return Channel.UI


def request_begin(request: HttpRequest) -> contextvars.Token[RequestAccesses | None]:
    method = request.method or "GET"
    accesses = RequestAccesses(
        channel=channel_of(request.path_info),
        path=request.path[:200],
        default_action=AccessAction.READ if method in ("GET", "HEAD") else AccessAction.ALTER,
    )
    return _current.set(accesses)


def request_end(token: contextvars.Token[RequestAccesses | None]) -> RequestAccesses | None:
    accesses = _current.get()
    _current.reset(token)
    return accesses


def access_log_record(
    *,
    user: ActingUser,
    patients: Iterable[Patient | None],
    resource: str,
    object_id: object = "",
    action: str | None = None,
) -> None:
    """Note that ``user`` accessed these patients' data (``resource``, record
    ``object_id``). ``action`` defaults to read for GET requests and change otherwise."""
    if user is None or not user.is_authenticated:
        return  # the system itself; its writes are in the domain events
    ids = {p.pk for p in patients if p is not None}
    if not ids:
        return
    accesses = _current.get()
    if accesses is None:
        single = RequestAccesses(
            channel=Channel.SYSTEM, path="", default_action=AccessAction.READ, user=user
        )
        for pk in ids:
            single.add((pk, resource, str(object_id)), action or AccessAction.READ)
        access_log_flush(single)
        return
    accesses.user = user
    for pk in ids:
        accesses.add((pk, resource, str(object_id)), action or accesses.default_action)


def access_log_request_action(action: str) -> None:
    """Make ``action`` the default for the rest of this request (e.g. "create")."""
    accesses = _current.get()
    if accesses is not None:
        accesses.default_action = action
        for key in list(accesses.entries):
            accesses.add(key, action)


def access_log_flush(accesses: RequestAccesses) -> list[AccessLogEntry]:
    """Write the collected accesses: one row each, with the unit the user acted for and
    whether they worked outside the patient's units."""
    user = accesses.user
    if not accesses.entries or user is None:
        return []
    patient_ids = sorted({key[0] for key in accesses.entries})
    patient_units: dict[int, set[int]] = {}
    for patient_id, unit_id in _patient_units(patient_ids):
        patient_units.setdefault(patient_id, set()).add(unit_id)
    own_units = unit_ids_of(user)
    centre = device_centre_unit(user)
    fallback_unit_id = centre.pk if centre else (own_units[0] if own_units else None)
    person = person_for(user)
    name = person.full_name if person else user.get_username()
    rows = []
    for (patient_id, resource, object_id), action in accesses.entries.items():
        shared = [u for u in own_units if u in patient_units.get(patient_id, set())]
        rows.append(
            AccessLogEntry(
                user=actor_of(user),
                username=user.get_username(),
                user_name=name,
                acting_unit_id=shared[0] if shared else fallback_unit_id,
                patient_id=patient_id,
                action=action,
                resource=resource,
                object_id=object_id,
                channel=accesses.channel,
                path=accesses.path,
                outside_care_units=not shared,
            )
        )
    if len(rows) == 1:
        # One row, the common case (a request about one order or patient): a plain
        # INSERT, atomic on its own, spares bulk_create's BEGIN and COMMIT round trips.
        row_insert(rows[0])
        return rows
    return AccessLogEntry.objects.bulk_create(rows)


def _patient_units(patient_ids: list[int]) -> list[tuple[int, int]]:
    """The units that have ordered for these patients, as (patient, unit) pairs. Plain
    SQL: every request that shows patient data runs it, and Django builds the same
    query anew each time (docs/performance.md)."""
    marks = ", ".join(["%s"] * len(patient_ids))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT patient_id, unit_id FROM {Order._meta.db_table} "  # noqa: S608
            f"WHERE patient_id IN ({marks})",
            patient_ids,
        )
        return [(int(p), int(u)) for p, u in cursor.fetchall()]
