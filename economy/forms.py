"""Forms of the joint economy's screens; the actions check the rules again."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from django import forms
from django.utils.translation import gettext_lazy as _

from economy.choices import BudgetLine, CostKind

if TYPE_CHECKING:
    from django_stubs_ext import StrPromise

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _money_field(
    label: str | StrPromise, *, required: bool = True, allow_negative: bool = False
) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        max_digits=14,
        decimal_places=2,
        required=required,
        min_value=None if allow_negative else Decimal("0"),
        localize=True,
    )


class CostForm(forms.Form):
    booked_on = forms.DateField(label=_("Booked on"), widget=DATE)
    kind = forms.ChoiceField(label=_("Kind of cost"), choices=CostKind.choices)
    amount = _money_field(_("Amount (SEK)"), allow_negative=True)
    description = forms.CharField(label=_("Description"), max_length=200)


class BudgetForm(forms.Form):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        for line, label in BudgetLine.choices:
            self.fields[line] = _money_field(str(label), required=False)


class AssumptionsForm(forms.Form):
    monthly_staff = _money_field(_("Staff costs per month (SEK)"))
    monthly_equipment_premises = _money_field(_("Equipment and premises per month (SEK)"))
    monthly_platform = _money_field(_("Technical platform per month (SEK)"))
    surcharge_growth = _money_field(
        _("Growth of the rent surcharge per month (SEK)"), allow_negative=True
    )
    trend_months = forms.IntegerField(
        label=_("Months of history to start from"), min_value=1, max_value=36
    )
    horizon_months = forms.IntegerField(label=_("Months to forecast"), min_value=1, max_value=120)
    note = forms.CharField(
        label=_("Why these assumptions"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
