"""The finance officer's forms: labelled fields, Swedish errors next to each field."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from orders.models import Patient
from orders.personal_numbers import personal_number_parse
from registry.models import Principal


def domain_error_show(form: forms.Form, error: DomainError) -> None:
    """Show a refused action's message next to the field it names (or on top)."""
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.message))


class MonthField(forms.DateField):
    """A month as <input type="month"> (YYYY-MM); its first day."""

    widget = forms.DateInput(attrs={"type": "month"}, format="%Y-%m")
    input_formats = ["%Y-%m", "%Y-%m-%d"]

    def to_python(self, value: Any) -> datetime.date | None:
        day = super().to_python(value)
        return day.replace(day=1) if day else None


class RunCreateForm(forms.Form):
    month = MonthField(
        label=_("Billing month"),
        help_text=_("A month that has ended. A month already billed gets a supplementary run."),
        error_messages={"invalid": _("Enter a month as YYYY-MM.")},
    )


class CreditNoteForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=300)
    lines = forms.TypedMultipleChoiceField(
        label=_("Lines to credit"),
        coerce=int,
        required=False,
        help_text=_("Choose none to credit every line not yet credited."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, line_choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["lines"].choices = line_choices  # type: ignore[attr-defined]


class CostTransferForm(forms.Form):
    personal_number = forms.CharField(label=_("Patient's personal identity number"), max_length=13)
    from_principal = forms.ModelChoiceField(
        label=_("From principal (present cost bearer)"), queryset=Principal.objects.all()
    )
    to_principal = forms.ModelChoiceField(
        label=_("To principal (new cost bearer)"), queryset=Principal.objects.all()
    )
    valid_from = forms.DateField(
        label=_("From date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    reason = forms.CharField(label=_("Reason (care transition)"), max_length=300)

    def clean_personal_number(self) -> Patient:
        try:
            number = personal_number_parse(self.cleaned_data["personal_number"])
        except DomainError as error:
            raise forms.ValidationError(str(error.message)) from error
        patient = Patient.objects.filter(personal_number=number.digits).first()
        if patient is None:
            raise forms.ValidationError(_("No patient with this number has devices."))
        return patient


class SieExportForm(forms.Form):
    start = forms.DateField(label=_("From date"), widget=forms.DateInput(attrs={"type": "date"}))
    end = forms.DateField(label=_("To date"), widget=forms.DateInput(attrs={"type": "date"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end date is before the start date."))
            elif start.year != end.year:
                self.add_error("end", _("The period must lie within one fiscal year."))
        return data
