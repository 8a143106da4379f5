"""Individual devices and the append-only event table of the supply chain."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from core.models import AppendOnlyModel
from devices.choices import DeviceStatus, EventKind, Location
from registry.models import Unit


class Device(models.Model):
    """One individual assistive device, with its serial number, where it is and what
    state it is in. Its full history is in its events."""

    product = models.ForeignKey(
        Product, on_delete=models.PROTECT, related_name="devices", verbose_name=_("product")
    )
    serial_number = models.CharField(_("serial number"), max_length=64)
    udi = models.CharField(_("UDI"), max_length=128, blank=True)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    acquired_on = models.DateField(_("acquired on"))
    status = models.CharField(
        _("status"), max_length=32, choices=DeviceStatus.choices, default=DeviceStatus.IN_STOCK
    )
    location = models.CharField(
        _("location"), max_length=16, choices=Location.choices, default=Location.CENTRE
    )
    # The unit whose local stock holds it, or that has it as basic equipment.
    unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="devices",
        verbose_name=_("unit"),
    )

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        ordering = ["product", "serial_number"]
        constraints = [
            models.UniqueConstraint(
                fields=["product", "serial_number"], name="device_unique_serial"
            ),
        ]
        indexes = [
            # Allocation: the oldest device in stock of a product at a location first, in
            # the query's own order (acquired_on, id), so the first is read off the index:
            # without the id, PostgreSQL sorted every device of the day's batch (80 000
            # acquired on one day: 50 ms per allocation, the sort spilling to disk).
            models.Index(
                fields=["product", "status", "location", "acquired_on", "id"],
                name="device_allocation_idx",
            ),
            models.Index(fields=["serial_number"], name="device_serial_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.product.name} {self.serial_number}"


class DeviceEvent(AppendOnlyModel):
    """One step in the supply chain: who moved which order or device from which state to
    which, when (business time), and why. Statistics and rent are computed from these
    rows. Order steps before a device is allocated have no device."""

    device = models.ForeignKey(
        Device,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("device"),
    )
    order = models.ForeignKey(
        "orders.Order",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("order"),
    )
    loan = models.ForeignKey(
        "logistics.Loan",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("loan"),
    )
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    from_status = models.CharField(_("from status"), max_length=32, blank=True)
    to_status = models.CharField(_("to status"), max_length=32, blank=True)
    occurred_at = models.DateTimeField(_("occurred at"))
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    acting_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting unit"),
    )
    data = models.JSONField(_("data"), default=dict, blank=True)

    class Meta:
        verbose_name = _("device event")
        verbose_name_plural = _("device events")
        ordering = ["occurred_at", "id"]
        indexes = [
            # A device's history page.
            models.Index(fields=["device", "occurred_at"], name="deviceevent_device_idx"),
            # An order's history.
            models.Index(fields=["order", "occurred_at"], name="deviceevent_order_idx"),
            # Follow-up: events of a kind in a period.
            models.Index(fields=["kind", "occurred_at"], name="deviceevent_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.occurred_at:%Y-%m-%d %H:%M}"
