"""Loans, returns, maintenance, support and training: the logistics around each device."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from devices.models import Device
from logistics.choices import ReturnMethod, SupportSubject, WorkOrderOutcome, WorkOrderStatus
from orders.models import Order, Patient
from registry.models import Principal, Unit


class Loan(models.Model):
    """A device at a patient or a unit, from delivery until it is received back. It
    carries who bears the cost, when rent starts, the pickup order and when rent stops
    (3 working days after the pickup order)."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="loans", verbose_name=_("device")
    )
    order = models.OneToOneField(
        Order, on_delete=models.PROTECT, related_name="loan", verbose_name=_("order")
    )
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="loans",
        verbose_name=_("patient"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("unit"),
        db_index=False,  # loan_unit_started_idx below starts with it
    )
    cost_bearer = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="loans", verbose_name=_("cost bearer")
    )
    started_on = models.DateField(_("delivered on"))
    pickup_requested_on = models.DateField(_("pickup ordered on"), null=True, blank=True)
    return_method = models.CharField(
        _("return method"), max_length=16, choices=ReturnMethod.choices, blank=True
    )
    # Only a hash of the one-time post-agent code is kept; the patient holds the code.
    return_code_hash = models.CharField(_("return code (hash)"), max_length=128, blank=True)
    pickup_due_on = models.DateField(_("pickup due"), null=True, blank=True)
    rent_stops_on = models.DateField(_("rent stops on"), null=True, blank=True)
    ended_on = models.DateField(_("received back on"), null=True, blank=True)

    class Meta:
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        ordering = ["-started_on", "-id"]
        constraints = [
            # A device is at one place at a time: at most one open loan per device.
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(ended_on__isnull=True),
                name="loan_one_open_per_device",
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="loan_period_ordered",
            ),
        ]
        indexes = [
            # A patient's devices; the rent run's open loans per cost bearer.
            models.Index(fields=["patient", "ended_on"], name="loan_patient_idx"),
            models.Index(fields=["cost_bearer", "started_on"], name="loan_cost_bearer_idx"),
            # A unit's loans, newest first (the API's list, 50 a page): read off the index in
            # order, so only the page's loans are joined to their devices and patients,
            # not every loan of the unit before a sort (21 ms for 1 000 open loans).
            models.Index(fields=["unit", "started_on", "id"], name="loan_unit_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.device} → {self.unit}"


class WorkOrder(models.Model):
    """Corrective maintenance (avhjälpande underhåll) of one device: a reported fault,
    when the repair started and finished, and the outcome."""

    device = models.ForeignKey(
        Device, on_delete=models.PROTECT, related_name="work_orders", verbose_name=_("device")
    )
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=WorkOrderStatus.choices,
        default=WorkOrderStatus.REPORTED,
    )
    fault = models.TextField(_("reported fault"))
    reported_at = models.DateTimeField(_("reported at"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("reported by"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("reporting unit"),
    )
    start_due_on = models.DateField(_("start due"))
    done_due_on = models.DateField(_("done due"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=16, choices=WorkOrderOutcome.choices, blank=True
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-reported_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=~Q(status="done"),
                name="workorder_one_open_per_device",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.device}: {self.fault[:40]}"


class SupportCase(models.Model):
    """A support case (supportärende) about a device or the app it pairs with."""

    subject = models.CharField(_("subject"), max_length=16, choices=SupportSubject.choices)
    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_cases",
        verbose_name=_("device"),
    )
    product = models.ForeignKey(
        Product,
        on_delete=models.PROTECT,
        related_name="support_cases",
        verbose_name=_("product"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="support_cases",
        verbose_name=_("unit"),
    )
    description = models.TextField(_("description"))
    opened_at = models.DateTimeField(_("opened at"))
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("opened by"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.get_subject_display()}: {self.description[:40]}"


class Training(models.Model):
    """That a unit's staff have been trained on a product. A training-gated product's
    first delivery to a unit waits until this is recorded."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("unit")
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="trainings", verbose_name=_("product")
    )
    trained_on = models.DateField(_("trained on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-trained_on"]
        constraints = [
            models.UniqueConstraint(fields=["unit", "product"], name="training_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.product} – {self.unit}"
