"""Rent runs, invoices and credit notes, cost-responsibility transfers and the
accounting mapping: the money the principals pay for the shared devices.

Issued documents are immutable: the model and queryset guards below refuse to change
or delete an issued run, invoice or line; corrections are credit notes.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from billing.choices import AccountKey, InvoiceKind, InvoiceStatus, LineKind, RunStatus
from catalog.models import Product
from logistics.models import Loan
from orders.models import Patient
from registry.models import Principal, Unit


class IssuedDocumentError(Exception):
    """Raised when code tries to change or delete an issued run, invoice or line."""


class _IssuedGuardQuerySet(models.QuerySet[Any]):
    """Bulk ``update()`` and ``delete()`` skip the model's guards; refuse them here when
    the rows include an issued document. ``issued_q`` names the issued rows."""

    issued_q: Q

    def _refuse_issued(self, verb: str) -> None:
        if self.filter(self.issued_q).exists():
            raise IssuedDocumentError(f"Issued {self.model.__name__} rows cannot be {verb}.")

    def update(self, **kwargs: Any) -> int:
        self._refuse_issued("changed")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._refuse_issued("deleted")
        return super().delete()


class RunQuerySet(_IssuedGuardQuerySet):
    issued_q = Q(status=RunStatus.ISSUED)


class InvoiceQuerySet(_IssuedGuardQuerySet):
    issued_q = Q(status=InvoiceStatus.ISSUED)


class LineQuerySet(_IssuedGuardQuerySet):
    issued_q = Q(invoice__status=InvoiceStatus.ISSUED)


class _IssuedGuardModel(models.Model):
    """Refuses ``save()`` of a row whose stored version is issued, and ``delete()``."""

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding and self._stored_issued():
            raise IssuedDocumentError(f"An issued {type(self).__name__} cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self._stored_issued():
            raise IssuedDocumentError(f"An issued {type(self).__name__} cannot be deleted.")
        return super().delete(*args, **kwargs)

    def _stored_issued(self) -> bool:
        manager = type(self)._default_manager
        return manager.filter(pk=self.pk).filter(manager.get_queryset().issued_q).exists()  # type: ignore[attr-defined]


class InvoiceRun(_IssuedGuardModel):
    """One billing of one month: a draft to review, then issued (numbered and sent). A
    month may have a later supplementary run that bills only what was not billed."""

    month = models.DateField(_("billing month"), help_text=_("The first day of the month."))
    status = models.CharField(
        _("status"), max_length=16, choices=RunStatus.choices, default=RunStatus.DRAFT
    )
    supplementary = models.BooleanField(_("supplementary run"), default=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    issued_at = models.DateTimeField(_("issued at"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    objects = RunQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice run")
        verbose_name_plural = _("invoice runs")
        ordering = ["-month", "-id"]
        constraints = [
            # One draft per month at a time: two drafts could bill the same days twice.
            models.UniqueConstraint(
                fields=["month"],
                condition=Q(status=RunStatus.DRAFT),
                name="invoicerun_one_draft_per_month",
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="invoicerun_month_first_day"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} ({self.get_status_display()})"


class InvoiceNumberSeries(models.Model):
    """The last invoice number used in a year. Locked while numbers are assigned, in the
    issuing transaction, so numbers are sequential and gap-free (a rollback returns the
    number with it)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_number = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("invoice number series")
        verbose_name_plural = _("invoice number series")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_number}"


class Invoice(_IssuedGuardModel):
    """An invoice to one principal for one run, or a credit note that reverses lines of
    an issued invoice. Numbered when issued; never changed afterwards."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE
    )
    status = models.CharField(
        _("status"), max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.DRAFT
    )
    run = models.ForeignKey(
        InvoiceRun,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invoices",
        verbose_name=_("run"),
    )
    principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="invoices", verbose_name=_("buyer")
    )
    month = models.DateField(_("billing month"))
    credited_invoice = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_notes",
        verbose_name=_("credited invoice"),
    )
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence number"), null=True, blank=True)
    number = models.CharField(_("invoice number"), max_length=16, blank=True)
    invoice_date = models.DateField(_("invoice date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    total = models.DecimalField(
        _("total excl. VAT (SEK)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = InvoiceQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-year", "-sequence", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "sequence"],
                condition=Q(sequence__isnull=False),
                name="invoice_unique_number",
            ),
            models.CheckConstraint(
                condition=Q(status=InvoiceStatus.DRAFT) | Q(sequence__isnull=False),
                name="invoice_issued_has_number",
            ),
            models.CheckConstraint(
                condition=Q(kind=InvoiceKind.INVOICE) | Q(credited_invoice__isnull=False),
                name="invoice_credit_note_references_invoice",
            ),
        ]
        indexes = [
            # The invoice list of a principal's contact person, newest first.
            models.Index(fields=["principal", "status", "-invoice_date"], name="invoice_buyer_idx"),
            # The accounting export: issued documents of a period.
            models.Index(fields=["status", "invoice_date"], name="invoice_period_idx"),
        ]

    def __str__(self) -> str:
        return self.number or _("Draft for %(principal)s") % {"principal": self.principal}

    @property
    def is_credit_note(self) -> bool:
        return self.kind == InvoiceKind.CREDIT_NOTE


class InvoiceLine(_IssuedGuardModel):
    """One billed item: a device's rent for the days of a month, a sale or an urgent
    fee, on the unit's cost centre. Identified by device, not by patient."""

    invoice = models.ForeignKey(
        Invoice, on_delete=models.CASCADE, related_name="lines", verbose_name=_("invoice")
    )
    kind = models.CharField(_("kind"), max_length=16, choices=LineKind.choices)
    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="invoice_lines", verbose_name=_("loan")
    )
    # No index on the product or the unit: no query looks lines up by either, and a
    # region's month is a million lines, each index a second or more of the rent run's
    # writing (docs/performance.md). The foreign keys themselves stay.
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("product"),
        db_index=False,
    )
    device_serial = models.CharField(_("serial number"), max_length=64)
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name=_("unit"), db_index=False
    )
    cost_centre = models.CharField(_("cost centre"), max_length=32, blank=True)
    month = models.DateField(_("billing month"))
    period_start = models.DateField(_("from"))
    period_end = models.DateField(_("to"), help_text=_("The last day billed."))
    days = models.PositiveSmallIntegerField(_("days"), null=True, blank=True)
    month_days = models.PositiveSmallIntegerField(_("days in month"), null=True, blank=True)
    unit_price = models.DecimalField(_("price (SEK)"), max_digits=14, decimal_places=2)
    amount = models.DecimalField(_("amount (SEK)"), max_digits=14, decimal_places=2)
    surcharge = models.DecimalField(
        _("of which surcharge (SEK)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    credited_line = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="credit_line",
        verbose_name=_("credited line"),
    )

    objects = LineQuerySet.as_manager()

    class Meta:
        verbose_name = _("invoice line")
        verbose_name_plural = _("invoice lines")
        ordering = ["invoice", "cost_centre", "unit__name", "device_serial", "period_start", "id"]
        indexes = [
            # What a month has already billed: the supplementary run's look-up.
            models.Index(fields=["month", "loan", "kind"], name="invoiceline_billed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.device_serial} {self.amount}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self._stored_issued():
            raise IssuedDocumentError("Lines of an issued invoice cannot be changed.")
        models.Model.save(self, *args, **kwargs)

    def _stored_issued(self) -> bool:
        # A line may not be added to, changed on or removed from an issued invoice.
        return Invoice.objects.filter(pk=self.invoice_id, status=InvoiceStatus.ISSUED).exists()


class CostTransfer(models.Model):
    """Cost responsibility for a patient's devices moves from one principal to another
    from a date (a care transition). Applies to the devices on loan to the patient with
    the old principal as cost bearer on that date; invoices not yet issued reflect it."""

    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        related_name="cost_transfers",
        verbose_name=_("patient"),
    )
    from_principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="+", verbose_name=_("from principal")
    )
    to_principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="+", verbose_name=_("to principal")
    )
    valid_from = models.DateField(_("from date"))
    reason = models.CharField(_("reason"), max_length=300)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("cost-responsibility transfer")
        verbose_name_plural = _("cost-responsibility transfers")
        ordering = ["-valid_from", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(from_principal=models.F("to_principal")),
                name="costtransfer_distinct_principals",
            ),
            models.UniqueConstraint(
                fields=["patient", "from_principal", "valid_from"],
                name="costtransfer_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_principal} → {self.to_principal} {self.valid_from}"


account_validator = RegexValidator(r"^\d{4,6}$", _("An account is 4 to 6 digits."))


class AccountMapping(models.Model):
    """Which account of the chart of accounts (BAS by default) each kind of amount is
    booked on in the SIE export. Edited by the finance office in the admin."""

    key = models.CharField(_("used for"), max_length=32, choices=AccountKey.choices, unique=True)
    account = models.CharField(_("account"), max_length=6, validators=[account_validator])
    name = models.CharField(_("account name"), max_length=100)

    class Meta:
        verbose_name = _("account mapping")
        verbose_name_plural = _("account mappings")
        ordering = ["account"]

    def __str__(self) -> str:
        return f"{self.account} {self.name}"


class SurchargeRate(models.Model):
    """The share of product rent that is a surcharge funding the joint economy
    (påslag på produkthyror), from a date; for one product or (no product) all."""

    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("product"),
        help_text=_("Empty: applies to every product without a rate of its own."),
    )
    share = models.DecimalField(
        _("share of the rent"),
        max_digits=5,
        decimal_places=4,
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("E.g. 0.1000 for 10 %."),
    )
    valid_from = models.DateField(_("applies from"))

    class Meta:
        verbose_name = _("surcharge rate")
        verbose_name_plural = _("surcharge rates")
        ordering = ["-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=Q(share__gte=0) & Q(share__lte=1), name="surchargerate_share_range"
            ),
            models.UniqueConstraint(
                fields=["product", "valid_from"], name="surchargerate_unique_product"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.share:%} {self.product or ''} {self.valid_from}"
