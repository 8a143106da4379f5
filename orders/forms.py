"""The prescription form: parses what the prescriber typed into an ``OrderInput``.

The form only checks shapes (a date is a date); every business rule is checked by
``order_eligibility`` / ``order_submit``, so the screens and the API refuse alike.
"""

from __future__ import annotations

from typing import cast

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from logistics.choices import SupportSubject
from orders.actions import OrderInput, PatientInput
from orders.choices import DeliveryMethod, OrderKind
from registry.models import Unit


class PrescriptionForm(forms.Form):
    unit = forms.ModelChoiceField(
        queryset=Unit.objects.none(), label=_("Acting for unit"), empty_label=None
    )
    kind = forms.ChoiceField(
        choices=OrderKind.choices, initial=OrderKind.PRESCRIPTION, widget=forms.RadioSelect
    )
    personal_number = forms.CharField(
        label=_("Personal identity or coordination number"),
        required=False,
        max_length=20,
        help_text=_("12 digits, e.g. 19121212-1212"),
    )
    protected_identity = forms.BooleanField(label=_("Protected identity"), required=False)
    first_name = forms.CharField(label=_("First name"), required=False, max_length=100)
    last_name = forms.CharField(label=_("Last name"), required=False, max_length=100)
    street_address = forms.CharField(label=_("Address"), required=False, max_length=200)
    postal_code = forms.CharField(label=_("Postal code"), required=False, max_length=6)
    city = forms.CharField(label=_("City"), required=False, max_length=100)
    criteria = forms.MultipleChoiceField(
        label=_("Criteria"), required=False, widget=forms.CheckboxSelectMultiple
    )
    several_principals = forms.BooleanField(
        label=_("The patient's care involves several principals"), required=False
    )
    consultation_with = forms.CharField(
        label=_("Consultation with"), required=False, max_length=200
    )
    consultation_on = forms.DateField(
        label=_("Consultation date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    delivery_method = forms.ChoiceField(
        label=_("Delivery"),
        choices=DeliveryMethod.choices,
        initial=DeliveryMethod.TOUR_VAN_UNIT,
        widget=forms.RadioSelect,
    )
    pickup_point = forms.CharField(label=_("Pickup point"), required=False, max_length=200)
    local_device_serial = forms.CharField(
        label=_("Serial number from the local stock"), required=False, max_length=64
    )
    urgent = forms.BooleanField(label=_("Urgent (within 24 hours, for a fee)"), required=False)
    note = forms.CharField(
        label=_("Note to the device centre"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: object,
        units: list[Unit],
        criteria: list[tuple[str, str]],
        **kwargs: object,
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        unit_field = cast(forms.ModelChoiceField, self.fields["unit"])
        unit_field.queryset = Unit.objects.filter(pk__in=[u.pk for u in units]).select_related(
            "principal"
        )
        cast(forms.MultipleChoiceField, self.fields["criteria"]).choices = criteria

    def order_input(self, product: Product) -> OrderInput:
        data = self.cleaned_data
        kind = data["kind"]
        patient = None
        if kind == OrderKind.PRESCRIPTION or data["personal_number"].strip():
            patient = (
                PatientInput(
                    personal_number=data["personal_number"],
                    protected_identity=data["protected_identity"],
                    first_name=data["first_name"].strip(),
                    last_name=data["last_name"].strip(),
                    street_address=data["street_address"].strip(),
                    postal_code=data["postal_code"].strip(),
                    city=data["city"].strip(),
                )
                if data["personal_number"].strip()
                else None
            )
        return OrderInput(
            product=product,
            unit=data["unit"],
            kind=kind,
            patient=patient,
            criteria=list(data["criteria"]),
            several_principals=data["several_principals"],
            consultation_with=data["consultation_with"],
            consultation_on=data["consultation_on"],
            delivery_method=data["delivery_method"],
            pickup_point=data["pickup_point"],
            urgent=data["urgent"],
            note=data["note"],
            local_device_serial=data["local_device_serial"].strip(),
        )


class PatientSearchForm(forms.Form):
    personal_number = forms.CharField(
        label=_("Personal identity or coordination number"),
        max_length=20,
        help_text=_("12 digits, e.g. 19121212-1212"),
    )


class FaultReportForm(forms.Form):
    fault = forms.CharField(
        label=_("Describe the fault"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class SupportCaseForm(forms.Form):
    subject = forms.ChoiceField(label=_("Subject"), choices=SupportSubject.choices)
    description = forms.CharField(
        label=_("Describe the problem"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
