"""The follow-up's daily and monthly counts: the events counted once per business day,
so that a year's figures are a sum over a few thousand rows instead of a scan of millions
of events (decision 0011).

They are a cache, never the source: every row can be recomputed from ``DeviceEvent`` and
the rows it points at (followup/facts.py), and is recomputed when its day changes. A day
is only counted once it has been over for a full day (``followup.rollup.closed_until``);
the days after it are counted from the events at every request. Database triggers mark a
day as stale when anything it was counted from changes: an event recorded for it later, or
a correction of an order, patient, device or loan (followup/triggers.py)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from followup.choices import Measure


class RollupDay(models.Model):
    """One business day of the daily counts: whether its rows are in step with the events.
    A row with ``valid`` false (a trigger's mark) or no row at all means the day is
    counted again before it is read."""

    day = models.DateField(_("day"), primary_key=True)
    valid = models.BooleanField(_("counted and in step"), default=False)
    # Higher at every count of the day (the highest so far plus one), so the sum over a
    # month's days changes whenever one of them is counted again (RollupMonth).
    version = models.BigIntegerField(_("version"), default=0)
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("counted day")
        verbose_name_plural = _("counted days")

    def __str__(self) -> str:
        return f"{self.day} ({'valid' if self.valid else 'stale'})"


class DailyCount(models.Model):
    """How many events of one measure a day had, per product, principal and unit of the
    order they concern, and the other figures' dimensions. The ids are plain numbers,
    not foreign keys: this is derived data, rebuilt from the events, and the registry's
    current links (a unit's principal, a principal's type) are joined when it is read."""

    day = models.DateField(_("day"))
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    product = models.IntegerField(_("product id"), null=True)
    principal = models.IntegerField(_("principal id"), null=True)
    unit = models.IntegerField(_("unit id"), null=True)
    order_kind = models.CharField(_("order kind"), max_length=16, blank=True, default="")
    home_municipality = models.IntegerField(_("home municipality id"), null=True)
    # Deliveries to patients only: the devices ever at patients are a distinct count.
    device = models.IntegerField(_("device id"), null=True)
    # Timed deliveries only (by the device centre, not from a unit's own shelf).
    working_days = models.IntegerField(_("delivery time in working days"), null=True)
    article = models.CharField(_("article number"), max_length=64, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=32, blank=True, default="")
    n = models.IntegerField(_("count"))

    class Meta:
        verbose_name = _("daily count")
        verbose_name_plural = _("daily counts")
        indexes = [
            # Every read: one measure over a range of days.
            models.Index(fields=["measure", "day"], name="dailycount_measure_day_idx"),
            # One principal's follow-up (a municipality's own figures).
            models.Index(fields=["principal", "measure", "day"], name="dailycount_principal_idx"),
            # One unit's follow-up.
            models.Index(fields=["unit", "measure", "day"], name="dailycount_unit_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.measure} {self.n}"


class RollupMonth(models.Model):
    """A month of the monthly counts, with what its days were when they were summed: the
    month is in step while all its days are valid and their versions add up the same."""

    month = models.DateField(_("month"), primary_key=True)
    days = models.IntegerField(_("days summed"))
    version_sum = models.BigIntegerField(_("sum of the days' versions"))
    counted_at = models.DateTimeField(_("counted at"))

    class Meta:
        verbose_name = _("counted month")
        verbose_name_plural = _("counted months")

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class PrincipalMonthlyCount(models.Model):
    """The daily counts of a whole month summed over unit, home municipality and device,
    per principal: what the follow-up reads when a principal, a type of principal or a
    municipal association is asked for (but no unit). Support cases, which belong to a
    unit rather than an order, are not here."""

    month = models.DateField(_("month"))
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    product = models.IntegerField(_("product id"), null=True)
    principal = models.IntegerField(_("principal id"), null=True)
    order_kind = models.CharField(_("order kind"), max_length=16, blank=True, default="")
    working_days = models.IntegerField(_("delivery time in working days"), null=True)
    n = models.IntegerField(_("count"))

    class Meta:
        verbose_name = _("monthly count per principal")
        verbose_name_plural = _("monthly counts per principal")
        indexes = [
            # A type of principal or an association: every principal's rows of the months.
            models.Index(fields=["measure", "month"], name="principalmonth_measure_idx"),
            # One principal's follow-up.
            models.Index(fields=["principal", "measure", "month"], name="principalmonth_one_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.principal} {self.n}"


class MonthlyCount(models.Model):
    """The daily counts of a whole month summed over principal, unit, home municipality
    and device: what the follow-up reads when no principal or unit is asked for."""

    month = models.DateField(_("month"))
    measure = models.CharField(_("measure"), max_length=20, choices=Measure.choices)
    product = models.IntegerField(_("product id"), null=True)
    order_kind = models.CharField(_("order kind"), max_length=16, blank=True, default="")
    working_days = models.IntegerField(_("delivery time in working days"), null=True)
    article = models.CharField(_("article number"), max_length=64, blank=True, default="")
    subject = models.CharField(_("subject"), max_length=32, blank=True, default="")
    n = models.IntegerField(_("count"))

    class Meta:
        verbose_name = _("monthly count")
        verbose_name_plural = _("monthly counts")
        indexes = [
            models.Index(fields=["measure", "month"], name="monthlycount_measure_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.measure} {self.n}"
