"""REST endpoints of the access log's follow-up, under the same rules as the screens."""

import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import PageNumberPagination, paginate

from audit.actions import access_log_record
from audit.choices import AccessAction, Resource
from audit.models import AccessLogEntry
from audit.selectors import LogFilter, access_log_list, access_log_sample, patient_log_extract
from core.errors import NotFound
from orders.models import Patient

router = Router(tags=["access log"])


class AccessLogOut(Schema):
    id: int
    occurred_at: datetime.datetime
    username: str
    user_name: str
    acting_unit: int | None
    acting_unit_name: str | None
    patient: str
    action: str
    resource: str
    object_id: str
    channel: str
    outside_care_units: bool

    @staticmethod
    def resolve_acting_unit(obj: AccessLogEntry) -> int | None:
        return obj.acting_unit_id

    @staticmethod
    def resolve_acting_unit_name(obj: AccessLogEntry) -> str | None:
        return obj.acting_unit.name if obj.acting_unit else None

    @staticmethod
    def resolve_patient(obj: AccessLogEntry, context: dict[str, Any]) -> str:
        # Reading the log discloses who the patient is: that is an access too.
        access_log_record(
            user=context["request"].user,
            patients=[obj.patient],
            resource=Resource.ACCESS_LOG,
            object_id=obj.pk,
        )
        return str(obj.patient)


class ExtractRowOut(Schema):
    """One row of a patient's extract: who, from which unit and organisation, when."""

    occurred_at: datetime.datetime
    user_name: str
    acting_unit_name: str | None
    organisation: str | None
    action: str
    resource: str

    @staticmethod
    def resolve_acting_unit_name(obj: AccessLogEntry) -> str | None:
        return obj.acting_unit.name if obj.acting_unit else None

    @staticmethod
    def resolve_organisation(obj: AccessLogEntry) -> str | None:
        return obj.acting_unit.principal.name if obj.acting_unit else None


class LogFilterQuery(Schema):
    """The follow-up's filters, as query parameters."""

    username: str = ""
    personal_number: str = ""
    unit: int | None = None
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None
    flagged: bool = Field(False, description="Only accesses outside the patient's units")

    def log_filter(self) -> LogFilter:
        return LogFilter(
            username=self.username,
            personal_number=self.personal_number,
            unit=self.unit,
            date_from=self.date_from,
            date_to=self.date_to,
            flagged_only=self.flagged,
        )


@router.get("/access-log", response=list[AccessLogOut])
@paginate(PageNumberPagination, page_size=100)
def access_log(request: HttpRequest, query: Query[LogFilterQuery]) -> QuerySet[AccessLogEntry]:
    """The access log, newest first: the security officer sees all of it, a unit manager
    the accesses made for their units. `flagged=true`: accesses by someone who worked in
    none of the patient's units."""
    return access_log_list(user=request.user, filters=query.log_filter())


@router.get("/access-log/sample", response=list[AccessLogOut])
def access_log_random_sample(
    request: HttpRequest, query: Query[LogFilterQuery], size: int = 20, seed: int = 0
) -> list[AccessLogEntry]:
    """A random sample of the filtered accesses; the same seed draws the same sample."""
    return access_log_sample(user=request.user, filters=query.log_filter(), size=size, seed=seed)


@router.get("/access-log/patients/{patient_id}", response=list[ExtractRowOut])
def access_log_patient_extract(request: HttpRequest, patient_id: int) -> list[AccessLogEntry]:
    """A patient's own log extract: every access to their data."""
    patient = Patient.objects.filter(pk=patient_id).first()
    if patient is None:
        raise NotFound("patient_not_found", _("No patient has that id."))
    rows = list(patient_log_extract(user=request.user, patient=patient))
    access_log_record(
        user=request.user,
        patients=[patient],
        resource=Resource.ACCESS_LOG,
        object_id=f"extract:{patient.pk}",
        action=AccessAction.EXPORT,
    )
    return rows
