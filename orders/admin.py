"""Orders and patients in the admin: read-mostly. Every state change goes through the
API or the screens, which call the actions and write events."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from audit.admin import PatientAccessLoggedAdmin
from audit.choices import Resource
from orders.models import Order, Patient


@admin.register(Patient)
class PatientAdmin(PatientAccessLoggedAdmin):
    access_resource = Resource.PATIENT

    def patient_of(self, obj: Any) -> Any:
        return obj

    list_display = ["__str__", "is_coordination_number", "protected_identity"]
    list_filter = ["protected_identity", "is_coordination_number"]
    search_fields = ["personal_number"]


@admin.register(Order)
class OrderAdmin(PatientAccessLoggedAdmin):
    access_resource = Resource.ORDER

    list_display = [
        "pk",
        "kind",
        "status",
        "product",
        "unit",
        "ordered_on",
        "due_date",
        "delivered_on",
    ]
    list_filter = ["status", "kind", "urgent", "delivery_method", "product"]
    search_fields = ["pk", "unit__name", "patient__personal_number", "device__serial_number"]
    list_select_related = ["product", "unit", "unit__principal"]
    date_hierarchy = "ordered_on"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
