"""Named choices of the follow-up."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Measure(models.TextChoices):
    """What one row of the daily counts counts (followup/facts.py defines each from the
    events, and docs/followup.md says what the figures built from them mean)."""

    DELIVERED = "delivered", _("Deliveries")
    FIRST_TO_PATIENT = "first_to_patient", _("A device's first delivery to a patient")
    RECEIVED = "received", _("Received back from a patient or unit")
    RECONDITIONED = "reconditioned", _("Reconditionings")
    MAINTAINED = "maintained", _("Corrective maintenance")
    SUPPORT = "support", _("Support cases opened")
    SUBMITTED = "submitted", _("Orders submitted")


MEASURE_MEANINGS = {
    Measure.DELIVERED: _("A delivered event; redeliveries of reconditioned devices included."),
    Measure.FIRST_TO_PATIENT: _(
        "A delivery to a patient of a device that had never been delivered to a patient before."
    ),
    Measure.RECEIVED: _("A received event: the device is back at the device centre."),
    Measure.RECONDITIONED: _("A reconditioned event: the device is back in stock."),
    Measure.MAINTAINED: _("A finished repair whose outcome was not 'no fault found'."),
    Measure.SUPPORT: _("A support case opened, by the unit that opened it."),
    Measure.SUBMITTED: _("An order submitted, by its unit."),
}
