"""Prescriptions and orders, and the patients they are for."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from catalog.models import GuidanceVersion, Product
from orders.choices import OPEN_ORDER_STATUSES, DeliveryMethod, OrderKind, OrderStatus
from registry.models import Person, Principal, Unit


class Patient(models.Model):
    """A patient or resident who is prescribed devices, identified by a Swedish personal
    identity number or coordination number. With a protected identity (skyddad
    identitet) no name or address is shown or exported except to the device centre for
    delivery."""

    personal_number = models.CharField(_("personal identity number"), max_length=12, unique=True)
    is_coordination_number = models.BooleanField(_("coordination number"), default=False)
    protected_identity = models.BooleanField(_("protected identity"), default=False)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    street_address = models.CharField(_("address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=6, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    home_municipality = models.ForeignKey(
        Principal,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="residents",
        verbose_name=_("home municipality"),
    )

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["personal_number"]

    def __str__(self) -> str:
        return f"{self.personal_number[:8]}-{self.personal_number[8:]}"


class Order(models.Model):
    """A prescription of a product to a patient, or an order of it as a unit's basic
    equipment: what was asked for, by whom, under which guidance version, and how far
    the device centre has come in delivering it."""

    kind = models.CharField(_("kind"), max_length=16, choices=OrderKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.SUBMITTED
    )
    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="orders", verbose_name=_("product")
    )
    guidance = models.ForeignKey(
        GuidanceVersion,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("guidance version"),
    )
    patient = models.ForeignKey(
        Patient,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("patient"),
    )
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="orders",
        verbose_name=_("ordering unit"),
        db_index=False,  # order_unit_idx below starts with it
    )
    # The unit's principal, kept on the order so every big query can filter by principal.
    principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="orders", verbose_name=_("principal")
    )
    prescriber = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="orders", verbose_name=_("prescriber")
    )
    cost_bearer = models.ForeignKey(
        Principal,
        on_delete=models.PROTECT,
        related_name="orders_paid",
        verbose_name=_("cost bearer"),
    )
    criteria = models.JSONField(_("criteria stated"), default=list, blank=True)
    several_principals = models.BooleanField(
        _("the patient's care involves several principals"), default=False
    )
    consultation_with = models.CharField(_("consultation with"), max_length=200, blank=True)
    consultation_on = models.DateField(_("consultation date"), null=True, blank=True)
    delivery_method = models.CharField(
        _("delivery method"), max_length=16, choices=DeliveryMethod.choices
    )
    pickup_point = models.CharField(_("pickup point"), max_length=200, blank=True)
    urgent = models.BooleanField(_("urgent (within 24 hours)"), default=False)
    urgent_fee = models.DecimalField(
        _("urgent delivery fee (SEK)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )
    note = models.TextField(_("note"), blank=True)
    ordered_on = models.DateField(_("order date"))
    due_date = models.DateField(_("due date"))
    waits_for_training = models.BooleanField(_("waits for training"), default=False)
    device = models.ForeignKey(
        "devices.Device",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="orders",
        verbose_name=_("device"),
    )
    delivered_on = models.DateField(_("delivered on"), null=True, blank=True)
    delivery_working_days = models.IntegerField(
        _("delivery time (working days)"), null=True, blank=True
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=64, blank=True)
    external_id = models.CharField(_("external id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-ordered_on", "-id"]
        constraints = [
            # The same submission repeated with its key creates one order.
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="order_unique_idempotency_key",
            ),
            models.UniqueConstraint(
                fields=["external_id"],
                condition=~Q(external_id=""),
                name="order_unique_external_id",
            ),
            # One device serves one open or delivered order at a time.
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(status__in=["allocated", "dispatched"]),
                name="order_device_allocated_once",
            ),
            models.CheckConstraint(
                condition=~Q(kind="prescription") | Q(patient__isnull=False),
                name="order_prescription_has_patient",
            ),
            models.CheckConstraint(
                condition=Q(urgent_fee__gte=0), name="order_urgent_fee_not_negative"
            ),
        ]
        indexes = [
            # The device centre's work queue: open orders by due date. Partial, so it holds
            # the few thousand open orders, not the millions delivered; status and unit as
            # trailing keys let the status counts and the unit list read the index alone
            # (docs/performance.md).
            models.Index(
                fields=["due_date", "ordered_on", "id", "status", "unit"],
                condition=Q(status__in=OPEN_ORDER_STATUSES),
                name="order_open_queue_idx",
            ),
            # "My unit's orders", newest first, in the lists' own order (with the id), so a
            # page is read off the index: without the id PostgreSQL joined and sorted all
            # of the unit's orders of the newest day first.
            models.Index(fields=["unit", "-ordered_on", "-id"], name="order_unit_idx"),
            # Follow-up and rent filters by principal and period.
            models.Index(fields=["principal", "ordered_on"], name="order_principal_idx"),
        ]

    def __str__(self) -> str:
        return _("Order %(number)s") % {"number": self.pk}
