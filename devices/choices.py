"""Device states and event kinds, with Swedish labels and meanings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeviceStatus(models.TextChoices):
    IN_STOCK = "in_stock", _("In stock")
    RESERVED = "reserved", _("Reserved for an order")
    IN_TRANSIT = "in_transit", _("In transit")
    ON_LOAN = "on_loan", _("On loan")
    RETURNING = "returning", _("Return requested")
    AWAITING_RECONDITIONING = "awaiting_reconditioning", _("Awaiting reconditioning")
    IN_RECONDITIONING = "in_reconditioning", _("In reconditioning")
    IN_REPAIR = "in_repair", _("In repair")
    LOST = "lost", _("Lost")
    SCRAPPED = "scrapped", _("Scrapped")
    SOLD = "sold", _("Sold")


DEVICE_STATUS_MEANINGS = {
    DeviceStatus.IN_STOCK: _("Ready to be allocated, at the centre or in a unit's local stock."),
    DeviceStatus.RESERVED: _("Allocated to one order, not yet dispatched."),
    DeviceStatus.IN_TRANSIT: _("On its way to the unit, the patient or the pickup point."),
    DeviceStatus.ON_LOAN: _("At a patient or a unit; rent runs if the product is rented."),
    DeviceStatus.RETURNING: _("A pickup or post-agent return has been requested."),
    DeviceStatus.AWAITING_RECONDITIONING: _("Received back at the centre."),
    DeviceStatus.IN_RECONDITIONING: _("Being cleaned, checked and reset for the next user."),
    DeviceStatus.IN_REPAIR: _("Under corrective maintenance."),
    DeviceStatus.LOST: _("Cannot be found (förkommet); may be found again."),
    DeviceStatus.SCRAPPED: _("Taken out of use for good."),
    DeviceStatus.SOLD: _("Sold to the unit; no longer the centre's."),
}


class Location(models.TextChoices):
    CENTRE = "centre", _("Device centre stock")
    LOCAL_STOCK = "local_stock", _("Unit's local stock")
    PATIENT = "patient", _("At a patient")
    UNIT = "unit", _("At a unit (basic equipment)")
    IN_TRANSIT = "in_transit", _("In transit")
    RECONDITIONING = "reconditioning", _("In reconditioning")
    REPAIR = "repair", _("In repair")
    NOWHERE = "nowhere", _("Lost, scrapped or sold")


class EventKind(models.TextChoices):
    REGISTERED = "registered", _("Registered in stock")
    ORDER_SUBMITTED = "order_submitted", _("Order submitted")
    ORDER_ACCEPTED = "order_accepted", _("Order accepted")
    ORDER_CANCELLED = "order_cancelled", _("Order cancelled")
    ALLOCATED = "allocated", _("Device allocated")
    DEALLOCATED = "deallocated", _("Allocation released")
    DISPATCHED = "dispatched", _("Dispatched")
    DELIVERED = "delivered", _("Delivered")
    PICKUP_REQUESTED = "pickup_requested", _("Pickup requested")
    RETURN_CODE_ISSUED = "return_code_issued", _("Post-agent return code issued")
    PICKUP_CANCELLED = "pickup_cancelled", _("Pickup order cancelled")
    RECEIVED = "received", _("Received back")
    RECONDITIONING_STARTED = "reconditioning_started", _("Reconditioning started")
    RECONDITIONED = "reconditioned", _("Reconditioned, back in stock")
    REPAIR_REPORTED = "repair_reported", _("Fault reported")
    REPAIR_STARTED = "repair_started", _("Repair started")
    REPAIR_DONE = "repair_done", _("Repair done")
    SCRAPPED = "scrapped", _("Scrapped")
    LOST = "lost", _("Reported lost")
    FOUND = "found", _("Found again")
    TRAINING_RECORDED = "training_recorded", _("Training recorded")
    SUPPORT_OPENED = "support_opened", _("Support case opened")
    SUPPORT_CLOSED = "support_closed", _("Support case closed")
    MOVED_TO_LOCAL_STOCK = "moved_to_local_stock", _("Moved to a unit's local stock")
