"""The log follow-up's filter form."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from audit.selectors import SAMPLE_MAX, LogFilter


class LogFilterForm(forms.Form):
    username = forms.CharField(label=_("User (username)"), required=False, max_length=150)
    personal_number = forms.CharField(
        label=_("Patient (personal identity number)"), required=False, max_length=20
    )
    unit = forms.IntegerField(label=_("Acting for unit"), required=False, widget=forms.Select)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    flagged_only = forms.BooleanField(
        label=_("Only accesses outside the patient's units"), required=False
    )

    def __init__(self, *args: object, units: list[tuple[int, str]], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["unit"].widget.choices = [("", _("All units")), *units]

    def log_filter(self) -> LogFilter:
        data = self.cleaned_data
        return LogFilter(
            username=data["username"] or "",
            personal_number=data["personal_number"] or "",
            unit=data["unit"],
            date_from=data["date_from"],
            date_to=data["date_to"],
            flagged_only=data["flagged_only"],
        )


class SampleForm(forms.Form):
    size = forms.IntegerField(label=_("Sample size"), min_value=1, max_value=SAMPLE_MAX, initial=20)
    seed = forms.IntegerField(label=_("Seed"), required=False)


class PatientExtractForm(forms.Form):
    personal_number = forms.CharField(label=_("Patient (personal identity number)"), max_length=20)
