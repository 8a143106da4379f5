"""Named choices of the assortment, each with a Swedish label and a one-line meaning."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProductStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    IN_PROCUREMENT = "in_procurement", _("In procurement")
    PILOT = "pilot", _("Pilot")
    LAUNCHED = "launched", _("Launched")
    PHASED_OUT = "phased_out", _("Phased out")


PRODUCT_STATUS_MEANINGS = {
    ProductStatus.PROPOSED: _("An application or idea; not yet decided or procured."),
    ProductStatus.IN_PROCUREMENT: _("Decided for the assortment and being procured and prepared."),
    ProductStatus.PILOT: _("Being tested by pilot units before launch; not open to everyone."),
    ProductStatus.LAUNCHED: _("In the assortment: every unit with the right may order it."),
    ProductStatus.PHASED_OUT: _("No longer ordered; devices already out stay until returned."),
}

# The lifecycle moves forward one step at a time; a product can be phased out from any
# state, and a phased-out product can be relaunched.
PRODUCT_STATUS_TRANSITIONS = {
    ProductStatus.PROPOSED: {ProductStatus.IN_PROCUREMENT, ProductStatus.PHASED_OUT},
    ProductStatus.IN_PROCUREMENT: {
        ProductStatus.PILOT,
        ProductStatus.LAUNCHED,
        ProductStatus.PHASED_OUT,
    },
    ProductStatus.PILOT: {ProductStatus.LAUNCHED, ProductStatus.PHASED_OUT},
    ProductStatus.LAUNCHED: {ProductStatus.PHASED_OUT},
    ProductStatus.PHASED_OUT: {ProductStatus.LAUNCHED},
}


class BillingType(models.TextChoices):
    RENT = "rent", _("Rent")
    SALE = "sale", _("Sale")
    SALE_WITH_RETURN = "sale_with_return", _("Sale with return")


BILLING_TYPE_MEANINGS = {
    BillingType.RENT: _("Billed monthly per individual device while it is on loan."),
    BillingType.SALE: _("Billed once at delivery; the device is the unit's to keep."),
    BillingType.SALE_WITH_RETURN: _(
        "Billed once at delivery; the device comes back to the centre when no longer needed."
    ),
}


class IsoEdition(models.TextChoices):
    ISO_9999_2016 = "2016", _("ISO 9999:2016")
    ISO_9999_2022 = "2022", _("ISO 9999:2022")


class CriteriaRule(models.TextChoices):
    ANY = "any", _("At least one of the criteria")
    ALL = "all", _("All of the criteria")


class GuidanceAction(models.TextChoices):
    PRESCRIBE = "prescribe", _("Prescribe to a patient")
    ORDER = "order", _("Order as basic equipment")


class CostBearer(models.TextChoices):
    PRESCRIBING_PRINCIPAL = "prescribing_principal", _("The prescriber's principal")
    ORDERING_UNIT = "ordering_unit", _("The ordering unit")
    REGION = "region", _("The region")
    MUNICIPALITY = "municipality", _("The patient's municipality")


class CodeKind(models.TextChoices):
    CRITERION = "criterion", _("Criterion")
    GOAL = "goal", _("Goal")


class GuidanceSource(models.TextChoices):
    SEED = "seed", _("From the handbook")
    EXAMPLE = "example", _("Example text")
    DECISION = "decision", _("Decided by the steering council")
