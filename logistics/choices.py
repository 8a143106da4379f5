"""Named choices of returns, maintenance and support."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ReturnMethod(models.TextChoices):
    PICKUP = "pickup", _("Picked up by the tour van")
    POST_AGENT = "post_agent", _("Handed in at a post agent with a return code")
    HANDED_IN = "handed_in", _("Handed in at the device centre")


class WorkOrderStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    STARTED = "started", _("Started")
    DONE = "done", _("Done")


class WorkOrderOutcome(models.TextChoices):
    REPAIRED = "repaired", _("Repaired")
    NO_FAULT = "no_fault", _("No fault found")
    SCRAPPED = "scrapped", _("Scrapped, beyond repair")


class SupportSubject(models.TextChoices):
    DEVICE = "device", _("The device")
    APP = "app", _("The app it pairs with")
    CONNECTIVITY = "connectivity", _("Connection or integration")
    USAGE = "usage", _("How to use it")
    OTHER = "other", _("Other")
