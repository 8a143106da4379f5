"""Named states and kinds of the billing documents, each with a Swedish label and a
one-line meaning."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class RunStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


RUN_STATUS_MEANINGS = {
    RunStatus.DRAFT: _("Computed for review; can be discarded and made again."),
    RunStatus.ISSUED: _("Numbered and sent; never changed again, only credited."),
}


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")


class InvoiceStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ISSUED = "issued", _("Issued")


class LineKind(models.TextChoices):
    RENT = "rent", _("Rent")
    SALE = "sale", _("Sale")
    SALE_WITH_RETURN = "sale_with_return", _("Sale with return")
    URGENT_FEE = "urgent_fee", _("Urgent delivery fee")


LINE_KIND_MEANINGS = {
    LineKind.RENT: _("Monthly rent of one device for the days it was on loan in the month."),
    LineKind.SALE: _("The price of a device sold, billed once in the month of delivery."),
    LineKind.SALE_WITH_RETURN: _(
        "The price of a device sold with return, billed once in the month of delivery."
    ),
    LineKind.URGENT_FEE: _("The fee of an urgent delivery, billed in the month of delivery."),
}


class AccountKey(models.TextChoices):
    """What an account in the accounting export is used for."""

    RECEIVABLES = "receivables", _("Accounts receivable")
    RENT = "rent", _("Rent revenue")
    SURCHARGE = "surcharge", _("Surcharge on product rents (joint economy)")
    SALE = "sale", _("Sales revenue")
    SALE_WITH_RETURN = "sale_with_return", _("Sales with return revenue")
    URGENT_FEE = "urgent_fee", _("Urgent delivery fees")


# The BAS accounts used until the finance office maps its own (billing.AccountMapping).
DEFAULT_ACCOUNTS: dict[str, tuple[str, str]] = {
    AccountKey.RECEIVABLES: ("1510", "Kundfordringar"),
    AccountKey.RENT: ("3911", "Hyresintäkter hjälpmedel"),
    AccountKey.SURCHARGE: ("3912", "Påslag på produkthyror, samverkansekonomi"),
    AccountKey.SALE: ("3004", "Försäljning hjälpmedel, momsfri"),
    AccountKey.SALE_WITH_RETURN: ("3005", "Försäljning med återtagande, momsfri"),
    AccountKey.URGENT_FEE: ("3520", "Fakturerade akutleveranser"),
}

LINE_ACCOUNT = {
    LineKind.RENT: AccountKey.RENT,
    LineKind.SALE: AccountKey.SALE,
    LineKind.SALE_WITH_RETURN: AccountKey.SALE_WITH_RETURN,
    LineKind.URGENT_FEE: AccountKey.URGENT_FEE,
}
