"""The follow-up's filter form: the dashboard's query string, checked by the same
parser as the API's parameters."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from catalog.models import Product
from core.errors import InvalidInput
from followup.filters import followup_filter_parse
from followup.selectors import FollowupFilter
from registry.choices import PrincipalKind
from registry.models import MunicipalAssociation, Principal, Unit

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
FIELD_OF = {"from": "start", "to": "end", "product": "products", "principal": "principal"}


class FollowupFilterForm(forms.Form):
    start = forms.DateField(label=_("From"), required=False, widget=DATE)
    end = forms.DateField(label=_("To"), required=False, widget=DATE)
    at = forms.DateField(
        label=_("At patients on"),
        required=False,
        widget=DATE,
        help_text=_("Default: the period's last day."),
    )
    products = forms.MultipleChoiceField(
        label=_("Products"), required=False, widget=forms.CheckboxSelectMultiple
    )
    principal_kind = forms.ChoiceField(label=_("Type of principal"), required=False)
    principal = forms.ChoiceField(label=_("Principal"), required=False)
    association = forms.ModelChoiceField(
        label=_("Municipal association"),
        queryset=MunicipalAssociation.objects.order_by("name"),
        required=False,
        empty_label=_("All"),
    )
    unit = forms.ModelChoiceField(
        label=_("Unit"),
        # Only units that have ordered something: the others have no figures.
        queryset=Unit.objects.filter(orders__isnull=False).distinct().order_by("name"),
        required=False,
        empty_label=_("All"),
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["products"].choices = [  # type: ignore[attr-defined]
            (p.article_number, p.name)
            for p in Product.objects.filter(contract_start__isnull=False).order_by("article_number")
        ]
        self.fields["principal_kind"].choices = [  # type: ignore[attr-defined]
            ("", _("All")),
            *PrincipalKind.choices,
        ]
        self.fields["principal"].choices = [("", _("All"))] + [  # type: ignore[attr-defined]
            (p.code, p.name) for p in Principal.objects.order_by("kind", "name")
        ]

    def followup_filter(self) -> FollowupFilter | None:
        """The filter, or None with the errors added to the form."""
        if not self.is_valid():
            return None
        data = self.cleaned_data
        try:
            return followup_filter_parse(
                start=data["start"],
                end=data["end"],
                at=data["at"],
                products=data["products"],
                principals=[data["principal"]] if data["principal"] else [],
                principal_kind=data["principal_kind"],
                units=[data["unit"].pk] if data["unit"] else [],
                associations=[data["association"].pk] if data["association"] else [],
            )
        except InvalidInput as exc:
            field = FIELD_OF.get(exc.field or "", exc.field)
            self.add_error(field if field in self.fields else None, str(exc.message))
            return None
