"""The kinds of money in the joint economy (samverkansekonomin), with Swedish labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class CostKind(models.TextChoices):
    STAFF = "staff", _("Staff")
    EQUIPMENT_PREMISES = "equipment_premises", _("Equipment and premises")
    PLATFORM = "platform", _("Technical platform")
    OTHER = "other", _("Other costs")


COST_KIND_MEANINGS = {
    CostKind.STAFF: _(
        "Coordinators, process leaders, product consultants, technicians, procurers, "
        "developers and project management."
    ),
    CostKind.EQUIPMENT_PREMISES: _("Products for tests, equipment, premises."),
    CostKind.PLATFORM: _("The technical platform for digital assistive devices."),
    CostKind.OTHER: _("Anything else, with a description."),
}


class BudgetLine(models.TextChoices):
    """What a year's budget is set for: the money in and each kind of cost."""

    INVESTMENT = "investment", _("Joint investment in")
    SURCHARGE = "surcharge", _("Rent surcharge in")
    STAFF = "staff", _("Staff")
    EQUIPMENT_PREMISES = "equipment_premises", _("Equipment and premises")
    PLATFORM = "platform", _("Technical platform")
    OTHER = "other", _("Other costs")
