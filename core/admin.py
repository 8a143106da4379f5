from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from core.models import DomainEvent


@admin.register(DomainEvent)
class DomainEventAdmin(admin.ModelAdmin):
    """Events are read-only: the history is never edited, not even by an administrator."""

    list_display = [
        "occurred_at",
        "kind",
        "content_type",
        "object_id",
        "from_status",
        "to_status",
        "actor",
    ]
    list_filter = ["kind", "content_type"]
    search_fields = ["object_id", "kind"]
    list_select_related = ["content_type", "actor"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
