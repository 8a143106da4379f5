from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from devices.models import Device, DeviceEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    """State changes go through the actions (API, screens), never an edit form."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Device)
class DeviceAdmin(ReadOnlyAdmin):
    list_display = ["serial_number", "product", "status", "location", "unit", "acquired_on"]
    list_filter = ["status", "location", "product"]
    search_fields = ["serial_number", "udi", "gtin"]
    list_select_related = ["product", "unit"]


@admin.register(DeviceEvent)
class DeviceEventAdmin(ReadOnlyAdmin):
    list_display = ["occurred_at", "kind", "device", "order", "from_status", "to_status", "actor"]
    list_filter = ["kind"]
    search_fields = ["device__serial_number", "order__id"]
    list_select_related = ["device", "device__product", "order", "actor"]
