from typing import Any

from django.contrib import admin
from django.http import HttpRequest

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
