from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.actions import access_log_record
from audit.models import AccessLogEntry


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(admin.ModelAdmin):
    """Read-only: the log is never edited, not even by an administrator. The follow-up
    screen (/logg/) is where it is read; this list is for technical support."""

    list_display = [
        "occurred_at",
        "username",
        "acting_unit",
        "patient",
        "action",
        "resource",
        "object_id",
        "channel",
        "outside_care_units",
    ]
    list_filter = ["action", "channel", "outside_care_units"]
    search_fields = ["username"]
    list_select_related = ["acting_unit", "patient"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class PatientAccessLoggedAdmin(admin.ModelAdmin):
    """For admin pages of models that show patient data: the list logs the patients of
    the rows shown, the detail page its patient, like every other screen."""

    access_resource = "patient"

    def patient_of(self, obj: Any) -> Any:
        return getattr(obj, "patient", None)

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if changelist is not None:
            for obj in changelist.result_list:
                self._accessed(request, obj)
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        response = super().change_view(request, object_id, form_url, extra_context)
        obj = getattr(response, "context_data", {}).get("original")
        if obj is not None:
            self._accessed(request, obj)
        return response

    def _accessed(self, request: HttpRequest, obj: Any) -> None:
        access_log_record(
            user=request.user,
            patients=[self.patient_of(obj)],
            resource=self.access_resource,
            object_id=obj.pk,
        )
