"""The joint economy's own records: its costs (append-only; a correction is a new entry
with the opposite sign), a budget per year, and the assumptions of the forecast. The
money in (the joint investment's payments and the rent surcharge) is not copied here: it
is read from the investment and billing apps when the ledger is shown."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import AppendOnlyModel
from economy.choices import BudgetLine, CostKind


class CostEntry(AppendOnlyModel):
    """A cost booked against the joint economy on a day."""

    booked_on = models.DateField(_("booked on"))
    kind = models.CharField(_("kind of cost"), max_length=24, choices=CostKind.choices)
    # Positive for a cost; a correction is an entry with a negative amount.
    amount = models.DecimalField(_("amount (SEK)"), max_digits=14, decimal_places=2)
    description = models.CharField(_("description"), max_length=200)
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
        verbose_name = _("cost")
        verbose_name_plural = _("costs")
        ordering = ["booked_on", "id"]
        indexes = [
            # The ledger: costs per year and kind.
            models.Index(fields=["booked_on", "kind"], name="costentry_ledger_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.booked_on} {self.get_kind_display()} {self.amount}"


class BudgetAmount(models.Model):
    """A year's budget for one line (money in or a kind of cost)."""

    year = models.PositiveSmallIntegerField(_("year"))
    line = models.CharField(_("budget line"), max_length=24, choices=BudgetLine.choices)
    amount = models.DecimalField(
        _("amount (SEK)"), max_digits=14, decimal_places=2, default=Decimal("0.00")
    )

    class Meta:
        verbose_name = _("budget amount")
        verbose_name_plural = _("budget amounts")
        ordering = ["year", "line"]
        constraints = [
            models.UniqueConstraint(fields=["year", "line"], name="budget_one_amount_per_line"),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="budget_amount_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_line_display()}: {self.amount}"


class ForecastAssumptions(models.Model):
    """The forecast's assumptions, versioned: the newest row applies; earlier rows show
    what was assumed before. Shown next to every forecast."""

    monthly_staff = models.DecimalField(
        _("staff costs per month (SEK)"), max_digits=14, decimal_places=2
    )
    monthly_equipment_premises = models.DecimalField(
        _("equipment and premises per month (SEK)"), max_digits=14, decimal_places=2
    )
    monthly_platform = models.DecimalField(
        _("technical platform per month (SEK)"), max_digits=14, decimal_places=2
    )
    surcharge_growth = models.DecimalField(
        _("growth of the rent surcharge per month (SEK)"),
        max_digits=14,
        decimal_places=2,
        help_text=_("How much more the surcharge brings in each month than the month before."),
    )
    trend_months = models.PositiveSmallIntegerField(
        _("months of history the trend starts from"), default=6
    )
    horizon_months = models.PositiveSmallIntegerField(_("months to forecast"), default=24)
    note = models.CharField(_("why these assumptions"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    class Meta:
        verbose_name = _("forecast assumptions")
        verbose_name_plural = _("forecast assumptions")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(monthly_staff__gte=0)
                & models.Q(monthly_equipment_premises__gte=0)
                & models.Q(monthly_platform__gte=0),
                name="forecast_costs_not_negative",
            ),
            models.CheckConstraint(
                condition=models.Q(horizon_months__gte=1) & models.Q(horizon_months__lte=120),
                name="forecast_horizon_1_to_120",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d}: {self.monthly_costs} SEK/month"

    @property
    def monthly_costs(self) -> Decimal:
        return self.monthly_staff + self.monthly_equipment_premises + self.monthly_platform
