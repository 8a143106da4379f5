from django.contrib import admin

from audit.admin import PatientAccessLoggedAdmin
from audit.choices import Resource
from devices.admin import ReadOnlyAdmin
from logistics.models import Loan, SupportCase, Training, WorkOrder


@admin.register(Loan)
class LoanAdmin(PatientAccessLoggedAdmin, ReadOnlyAdmin):
    access_resource = Resource.LOAN

    list_display = [
        "device",
        "unit",
        "started_on",
        "pickup_requested_on",
        "rent_stops_on",
        "ended_on",
    ]
    list_filter = ["return_method"]
    search_fields = ["device__serial_number", "patient__personal_number"]
    list_select_related = ["device", "device__product", "unit", "unit__principal"]


@admin.register(WorkOrder)
class WorkOrderAdmin(ReadOnlyAdmin):
    list_display = ["device", "status", "reported_at", "start_due_on", "done_due_on", "outcome"]
    list_filter = ["status", "outcome"]
    list_select_related = ["device", "device__product"]


@admin.register(SupportCase)
class SupportCaseAdmin(ReadOnlyAdmin):
    list_display = ["subject", "product", "opened_at", "closed_at"]
    list_filter = ["subject", "product"]
    list_select_related = ["product"]


@admin.register(Training)
class TrainingAdmin(ReadOnlyAdmin):
    list_display = ["unit", "product", "trained_on"]
    list_select_related = ["unit", "unit__principal", "product"]
