"""The patient-data access log: who read, created, changed, exported or printed which
patient's data, acting for which unit, when, through which channel."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.choices import AccessAction, Channel, Resource
from core.models import AppendOnlyModel
from orders.models import Patient
from registry.models import Unit


class AccessLogEntry(AppendOnlyModel):
    """One access to one patient's data. Rows are never changed or deleted by the
    application (the model, its queryset and, on PostgreSQL, a trigger refuse it); the
    log is kept as the patient-data rules require and followed up by the security
    officer."""

    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("user"),
    )
    # Kept as written: the log must still say who it was if the account is renamed.
    username = models.CharField(_("username"), max_length=150)
    user_name = models.CharField(_("name"), max_length=200, blank=True)
    acting_unit = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acting for unit"),
    )
    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="+", verbose_name=_("patient")
    )
    action = models.CharField(_("action"), max_length=16, choices=AccessAction.choices)
    resource = models.CharField(_("what"), max_length=32, choices=Resource.choices)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    path = models.CharField(_("address"), max_length=200, blank=True)
    # Whether, at the time, the user worked in none of the units that had prescribed or
    # ordered for the patient: such accesses are what a log follow-up looks at first.
    outside_care_units = models.BooleanField(_("outside the patient's units"), default=False)

    class Meta:
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # A patient's own log extract, newest first.
            models.Index(fields=["patient", "-occurred_at"], name="accesslog_patient_idx"),
            # Follow-up by user and period.
            models.Index(fields=["user", "-occurred_at"], name="accesslog_user_idx"),
            # Follow-up by unit and period.
            models.Index(fields=["acting_unit", "-occurred_at"], name="accesslog_unit_idx"),
            # The flagged accesses of a period.
            models.Index(
                fields=["occurred_at"],
                condition=models.Q(outside_care_units=True),
                name="accesslog_flagged_idx",
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.username} {self.action} {self.patient_id} @ {self.occurred_at:%Y-%m-%d %H:%M}"
        )
