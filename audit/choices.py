"""Named choices of the patient-data access log, with Swedish labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccessAction(models.TextChoices):
    """What was done with the patient's data: the actions the patient-data rules name."""

    READ = "read", _("Read")
    CREATE = "create", _("Created")
    ALTER = "alter", _("Changed")
    DISCLOSE = "disclose", _("Disclosed")
    EXPORT = "export", _("Exported or copied")
    PRINT = "print", _("Printed")


# When one request does several things to the same record, the row says the weightiest:
# a prescription that is created and then shown back is one "created", not two rows.
ACTION_WEIGHT = {
    AccessAction.READ: 0,
    AccessAction.ALTER: 1,
    AccessAction.CREATE: 2,
    AccessAction.DISCLOSE: 3,
    AccessAction.EXPORT: 4,
    AccessAction.PRINT: 5,
}


class Channel(models.TextChoices):
    UI = "ui", _("Screens")
    API = "api", _("API")
    ADMIN = "admin", _("Administration")
    SYSTEM = "system", _("System")


class Resource(models.TextChoices):
    """Which kind of patient data was accessed."""

    ORDER = "order", _("Prescription or order")
    ORDER_LIST = "order_list", _("List of orders")
    ORDER_HISTORY = "order_history", _("Order history")
    PATIENT = "patient", _("Patient and their devices")
    LOAN = "loan", _("Loan")
    LOAN_LIST = "loan_list", _("List of loans")
    DELIVERY = "delivery", _("Delivery note (name and address)")
    WORK_QUEUE = "work_queue", _("Device-centre work queue")
    RETURNS = "returns", _("Incoming returns")
    DEVICE_HISTORY = "device_history", _("Device history")
    ACCESS_LOG = "access_log", _("Access log")
