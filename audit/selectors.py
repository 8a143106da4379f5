"""Reads of the access log for its follow-up: who may see which rows, filters, a random
sample to check, and a patient's own extract."""

from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessLogEntry
from core.actors import ActingUser
from core.errors import InvalidInput, NotPermitted
from orders.models import Patient
from orders.personal_numbers import personal_number_parse
from registry.access import Role, managed_unit_ids, roles_of

SAMPLE_MAX = 200


def access_log_visible_to(user: ActingUser) -> QuerySet[AccessLogEntry]:
    """The security officer and administrators follow up the whole log; a unit manager
    the accesses made acting for the units they manage. Everyone else is refused."""
    qs = AccessLogEntry.objects.select_related("user", "acting_unit", "patient")
    roles = roles_of(user)
    if roles & {Role.SECURITY_OFFICER, Role.ADMINISTRATOR}:
        return qs
    if Role.UNIT_MANAGER in roles:
        return qs.filter(acting_unit_id__in=managed_unit_ids(user))
    raise NotPermitted(
        "not_log_reviewer",
        _("Only the security officer and unit managers follow up the access log."),
    )


@dataclass(frozen=True)
class LogFilter:
    username: str = ""
    personal_number: str = ""
    unit: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    flagged_only: bool = False


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def access_log_list(*, user: ActingUser, filters: LogFilter) -> QuerySet[AccessLogEntry]:
    qs = access_log_visible_to(user)
    if filters.username:
        qs = qs.filter(username=filters.username.strip())
    if filters.personal_number:
        number = personal_number_parse(filters.personal_number)
        qs = qs.filter(patient__personal_number=number.digits)
    if filters.unit is not None:
        qs = qs.filter(acting_unit_id=filters.unit)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise InvalidInput(
            "invalid_period", _("The period ends before it starts."), field="date_to"
        )
    if filters.date_from:
        qs = qs.filter(occurred_at__gte=_day_start(filters.date_from))
    if filters.date_to:
        qs = qs.filter(occurred_at__lt=_day_start(filters.date_to + datetime.timedelta(days=1)))
    if filters.flagged_only:
        qs = qs.filter(outside_care_units=True)
    return qs.order_by("-occurred_at", "-id")


def access_log_sample(
    *, user: ActingUser, filters: LogFilter, size: int, seed: int
) -> list[AccessLogEntry]:
    """A random sample of the filtered accesses, for the systematic random check. The
    same seed over the same period gives the same sample, so a check can be redone."""
    if not 1 <= size <= SAMPLE_MAX:
        raise InvalidInput(
            "invalid_sample_size",
            _("The sample size must be between 1 and %(max)s.") % {"max": SAMPLE_MAX},
            field="size",
        )
    ids = list(access_log_list(user=user, filters=filters).values_list("id", flat=True))
    chosen = random.Random(seed).sample(ids, min(size, len(ids)))  # noqa: S311 - not security
    return list(access_log_visible_to(user).filter(id__in=chosen).order_by("-occurred_at", "-id"))


def patient_log_extract(*, user: ActingUser, patient: Patient) -> QuerySet[AccessLogEntry]:
    """Every access to one patient's data: the extract the patient is entitled to."""
    roles = roles_of(user)
    if not roles & {Role.SECURITY_OFFICER, Role.ADMINISTRATOR}:
        raise NotPermitted(
            "not_log_reviewer",
            _("Only the security officer produces a patient's log extract."),
        )
    return (
        AccessLogEntry.objects.filter(patient=patient)
        .select_related("acting_unit", "acting_unit__principal")
        .order_by("-occurred_at", "-id")
    )
