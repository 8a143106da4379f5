"""Named choices of the joint investment, each with a Swedish label and a meaning."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", _("Invoice")
    CREDIT = "credit", _("Credit note")


INVOICE_KIND_MEANINGS = {
    InvoiceKind.INVOICE: _("Charges the principal its share of the joint investment."),
    InvoiceKind.CREDIT: _(
        "Cancels an issued invoice in full, when approved new invoice details replace it."
    ),
}


class RequestStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Awaiting review")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


REQUEST_STATUS_MEANINGS = {
    RequestStatus.SUBMITTED: _(
        "Sent by the principal's contact person; the finance officer decides."
    ),
    RequestStatus.APPROVED: _("Applied: new invoice details and/or the new due date are in force."),
    RequestStatus.REJECTED: _("Refused by the finance officer, with the reason given."),
}


class PaymentStatus(models.TextChoices):
    """A principal's standing with its share of the investment, computed (never stored)
    from its invoices, its payments, its approved postponement and the day."""

    NOT_INVOICED = "not_invoiced", _("Not invoiced")
    OPEN = "open", _("Not yet due")
    POSTPONED = "postponed", _("Postponed")
    PARTLY_PAID = "partly_paid", _("Partly paid")
    PAID = "paid", _("Paid")
    LATE = "late", _("Late")


PAYMENT_STATUS_MEANINGS = {
    PaymentStatus.NOT_INVOICED: _("The investment has not been invoiced yet."),
    PaymentStatus.OPEN: _("Invoiced, nothing paid, the due date has not passed."),
    PaymentStatus.POSTPONED: _(
        "The due date was postponed by an approved request and has not passed."
    ),
    PaymentStatus.PARTLY_PAID: _("Part of the amount is paid and the due date has not passed."),
    PaymentStatus.PAID: _("The whole amount is paid."),
    PaymentStatus.LATE: _("The due date has passed and the amount is not fully paid."),
}
