"""The joint investment (samverkansavtalets gemensamma investering): a one-off run that
invoices each principal that signed the collaboration agreement 10 SEK per inhabitant,
the requests principals send to change invoice details or postpone payment, and the
payments received.

Invoices, credit notes, runs and payments are append-only: once written they are never
changed (on PostgreSQL a trigger refuses UPDATE and DELETE as well). A change of invoice
details after issue is a credit note plus a new invoice; a postponement changes the
principal's due date through its approved request, never the issued invoice row.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyModel
from investment.choices import InvoiceKind, RequestStatus
from registry.models import Principal


class InvestmentRun(AppendOnlyModel):
    """The invoicing of the joint investment: which rate and population date it used,
    when it was issued and the due date it set. There is one run (code 2022)."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    rate_per_inhabitant = models.DecimalField(
        _("SEK per inhabitant"), max_digits=14, decimal_places=2
    )
    population_date = models.DateField(_("population reference date"))
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("payment due date"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("investment run")
        verbose_name_plural = _("investment runs")
        ordering = ["-issued_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(rate_per_inhabitant__gt=0), name="investmentrun_rate_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{_('Joint investment')} {self.code}"


class InvestmentInvoice(AppendOnlyModel):
    """An invoice (or a credit note) of the joint investment to one principal, with the
    invoice details it was issued with. Immutable once issued."""

    run = models.ForeignKey(
        InvestmentRun, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("run")
    )
    principal = models.ForeignKey(
        Principal,
        on_delete=models.PROTECT,
        related_name="investment_invoices",
        verbose_name=_("principal"),
    )
    number = models.CharField(_("invoice number"), max_length=32, unique=True)
    kind = models.CharField(
        _("kind"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    credits = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credited_by",
        verbose_name=_("credits invoice"),
    )
    population = models.PositiveIntegerField(_("population"))
    amount = models.DecimalField(_("amount (SEK)"), max_digits=14, decimal_places=2)
    issued_on = models.DateField(_("issued on"))
    due_on = models.DateField(_("due date at issue"))
    buyer_name = models.CharField(_("buyer"), max_length=100)
    buyer_organisation_number = models.CharField(
        _("buyer's organisation number"), max_length=11, blank=True
    )
    invoice_address = models.TextField(_("invoice address"), blank=True)
    invoice_reference = models.CharField(_("invoice reference"), max_length=100, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("investment invoice")
        verbose_name_plural = _("investment invoices")
        ordering = ["number"]
        constraints = [
            # An invoice is credited at most once.
            models.UniqueConstraint(
                fields=["credits"],
                condition=Q(credits__isnull=False),
                name="investmentinvoice_credited_once",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind=InvoiceKind.INVOICE, amount__gte=0, credits__isnull=True)
                    | Q(kind=InvoiceKind.CREDIT, amount__lt=0, credits__isnull=False)
                ),
                name="investmentinvoice_kind_sign",
            ),
        ]
        indexes = [
            # The overview and a principal's page: a principal's invoices in a run.
            models.Index(fields=["run", "principal"], name="investinv_run_principal_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.buyer_name}"


class InvestmentRequest(models.Model):
    """A principal's request (the web form of Bilaga 2) to change its invoice details
    and/or to postpone its payment date, and the finance officer's decision on it."""

    principal = models.ForeignKey(
        Principal,
        on_delete=models.PROTECT,
        related_name="investment_requests",
        verbose_name=_("principal"),
    )
    change_details = models.BooleanField(_("change invoice details"), default=False)
    invoice_address = models.TextField(_("invoice address"), blank=True)
    invoice_reference = models.CharField(_("invoice reference"), max_length=100, blank=True)
    organisation_number = models.CharField(_("organisation number"), max_length=11, blank=True)
    postpone = models.BooleanField(_("postpone payment"), default=False)
    requested_due_on = models.DateField(_("requested payment date"), null=True, blank=True)
    message = models.TextField(_("message"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=RequestStatus.choices, default=RequestStatus.SUBMITTED
    )
    submitted_on = models.DateField(_("submitted on"))
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    reviewed_on = models.DateField(_("reviewed on"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reviewed by"),
    )
    review_reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("investment request")
        verbose_name_plural = _("investment requests")
        ordering = ["-submitted_on", "-id"]
        constraints = [
            # One request at a time awaits review per principal.
            models.UniqueConstraint(
                fields=["principal"],
                condition=Q(status=RequestStatus.SUBMITTED),
                name="investmentrequest_one_pending",
            ),
            models.CheckConstraint(
                condition=Q(change_details=True) | Q(postpone=True),
                name="investmentrequest_asks_something",
            ),
            models.CheckConstraint(
                condition=Q(postpone=False) | Q(requested_due_on__isnull=False),
                name="investmentrequest_postpone_has_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.submitted_on:%Y-%m-%d} ({self.get_status_display()})"


class InvestmentPayment(AppendOnlyModel):
    """A payment received from a principal towards its share of the investment."""

    run = models.ForeignKey(
        InvestmentRun, on_delete=models.PROTECT, related_name="payments", verbose_name=_("run")
    )
    principal = models.ForeignKey(
        Principal,
        on_delete=models.PROTECT,
        related_name="investment_payments",
        verbose_name=_("principal"),
    )
    invoice = models.ForeignKey(
        InvestmentInvoice,
        on_delete=models.PROTECT,
        related_name="payments",
        verbose_name=_("invoice"),
    )
    paid_on = models.DateField(_("payment date"))
    amount = models.DecimalField(_("amount (SEK)"), max_digits=14, decimal_places=2)
    reference = models.CharField(_("payment reference"), max_length=100, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("investment payment")
        verbose_name_plural = _("investment payments")
        ordering = ["paid_on", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="investmentpayment_positive"),
        ]
        indexes = [
            # The joint-economy ledger: payments received per month.
            models.Index(fields=["paid_on"], name="investpay_paid_on_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.principal} {self.paid_on:%Y-%m-%d} {self.amount}"
