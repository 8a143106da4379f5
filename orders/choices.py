"""Named choices of prescriptions and orders, with Swedish labels and meanings."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderKind(models.TextChoices):
    PRESCRIPTION = "prescription", _("Prescription to a patient")
    BASIC_EQUIPMENT = "basic_equipment", _("Basic equipment for the unit")


class OrderStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    ALLOCATED = "allocated", _("Device allocated")
    DISPATCHED = "dispatched", _("Dispatched")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_STATUS_MEANINGS = {
    OrderStatus.SUBMITTED: _("Sent by the prescriber; the device centre has not yet accepted it."),
    OrderStatus.ACCEPTED: _("Accepted by the device centre and waiting for a device."),
    OrderStatus.ALLOCATED: _("An individual device is reserved for the order."),
    OrderStatus.DISPATCHED: _("The device has left the centre with the tour van or for pickup."),
    OrderStatus.DELIVERED: _("The device has arrived; the loan and any rent have started."),
    OrderStatus.CANCELLED: _("Withdrawn before dispatch; any reserved device went back to stock."),
}

OPEN_ORDER_STATUSES = (
    OrderStatus.SUBMITTED,
    OrderStatus.ACCEPTED,
    OrderStatus.ALLOCATED,
    OrderStatus.DISPATCHED,
)
CANCELLABLE_ORDER_STATUSES = (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, OrderStatus.ALLOCATED)


class DeliveryMethod(models.TextChoices):
    TOUR_VAN_UNIT = "tour_van_unit", _("Tour van to the unit")
    TOUR_VAN_HOME = "tour_van_home", _("Tour van to the patient's home")
    PICKUP_POINT = "pickup_point", _("Pickup point")
    LOCAL_STOCK = "local_stock", _("From the unit's local stock")
