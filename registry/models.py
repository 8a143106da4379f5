"""The registry: who the parties are, what they have signed, their units and their people."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from registry.choices import (
    CARE_SETTING_PRINCIPAL_KIND,
    UNIT_TYPE_CARE_SETTING,
    AgreementKind,
    Area,
    CareSetting,
    ContactRole,
    MembershipRole,
    PrincipalKind,
    Profession,
    UnitType,
)

principal_code_validator = RegexValidator(
    r"^\d{2}(\d{2})?$",
    _("The official code is two digits for a region or four digits for a municipality."),
    code="invalid_principal_code",
)
organisation_number_validator = RegexValidator(
    r"^\d{6}-\d{4}$",
    _("An organisation number is written NNNNNN-NNNN."),
    code="invalid_organisation_number",
)


def _active_on(prefix: str, on: datetime.date) -> Q:
    """Rows whose half-open validity [valid_from, valid_until) contains ``on``."""
    return Q(**{f"{prefix}valid_from__lte": on}) & (
        Q(**{f"{prefix}valid_until__isnull": True}) | Q(**{f"{prefix}valid_until__gt": on})
    )


class MunicipalAssociation(models.Model):
    """A kommunalförbund: a federation of neighbouring municipalities that coordinates
    them in the collaboration (Fyrbodal, Skaraborg, Sjuhärad, Göteborgsregionen)."""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("municipal association")
        verbose_name_plural = _("municipal associations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Principal(models.Model):
    """A huvudman: the region or a municipality. The legal party that signs agreements,
    employs prescribers and pays rent and the joint investment."""

    code = models.CharField(
        _("official code"), max_length=4, unique=True, validators=[principal_code_validator]
    )
    name = models.CharField(_("name"), max_length=100, unique=True)
    kind = models.CharField(_("kind"), max_length=16, choices=PrincipalKind.choices)
    association = models.ForeignKey(
        MunicipalAssociation,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="principals",
        verbose_name=_("municipal association"),
    )
    population = models.PositiveIntegerField(_("population"))
    population_date = models.DateField(_("population reference date"))
    organisation_number = models.CharField(
        _("organisation number"),
        max_length=11,
        blank=True,
        validators=[organisation_number_validator],
    )

    class Meta:
        verbose_name = _("principal")
        verbose_name_plural = _("principals")
        ordering = ["kind", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind=PrincipalKind.MUNICIPALITY) | Q(association__isnull=True),
                name="principal_region_has_no_association",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_region(self) -> bool:
        return self.kind == PrincipalKind.REGION


class Agreement(models.Model):
    """An agreement between the principals about assistive devices: the collaboration on
    digital devices, a supply agreement for an area, or a supplement to one of them."""

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=16, choices=AgreementKind.choices)
    area = models.CharField(
        _("area"),
        max_length=16,
        choices=Area.choices,
        blank=True,
        help_text=_("The area whose orders the agreement covers; empty for the collaboration."),
    )
    supplements = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="supplemented_by",
        verbose_name=_("supplements"),
    )
    in_force_from = models.DateField(_("in force from"))
    in_force_until = models.DateField(_("in force until"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        ordering = ["in_force_from", "name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(in_force_until__isnull=True)
                | Q(in_force_until__gt=models.F("in_force_from")),
                name="agreement_period_ordered",
            ),
            models.CheckConstraint(
                condition=Q(kind=AgreementKind.SUPPLEMENT) | Q(supplements__isnull=True),
                name="agreement_only_supplement_supplements",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def is_in_force(self, on: datetime.date) -> bool:
        return self.in_force_from <= on and (
            self.in_force_until is None or on < self.in_force_until
        )


class AgreementSignature(models.Model):
    """That a principal is a party to an agreement for a period: from the day it joins
    (``valid_from``) until the day it leaves (``valid_until``, exclusive; empty while it
    stays). A principal that leaves and rejoins has two signatures."""

    agreement = models.ForeignKey(
        Agreement, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("agreement")
    )
    principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="signatures", verbose_name=_("principal")
    )
    signed_on = models.DateField(_("signed on"))
    valid_from = models.DateField(_("party from"))
    valid_until = models.DateField(_("party until"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("signature")
        verbose_name_plural = _("signatures")
        ordering = ["agreement", "principal__name", "valid_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "principal", "valid_from"], name="signature_unique_start"
            ),
            # At most one open-ended signature per principal and agreement.
            models.UniqueConstraint(
                fields=["agreement", "principal"],
                condition=Q(valid_until__isnull=True),
                name="signature_one_open_per_party",
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="signature_period_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.principal} – {self.agreement}"

    def clean(self) -> None:
        if self.valid_until and self.valid_from and self.valid_until <= self.valid_from:
            raise ValidationError({"valid_until": _("The end date must be after the start date.")})
        if self.agreement_id and self.principal_id and self.valid_from:
            others = AgreementSignature.objects.filter(
                agreement_id=self.agreement_id, principal_id=self.principal_id
            ).exclude(pk=self.pk)
            end = self.valid_until or datetime.date.max
            overlapping = others.filter(valid_from__lt=end).filter(
                Q(valid_until__isnull=True) | Q(valid_until__gt=self.valid_from)
            )
            if overlapping.exists():
                raise ValidationError(
                    _("The principal is already a party to this agreement during that period.")
                )

    @classmethod
    def active_on_q(cls, on: datetime.date, prefix: str = "") -> Q:
        return _active_on(prefix, on)


class TourRoute(models.Model):
    """A tour-van route (turbil): the device centre's regular round that delivers to and
    collects from the units on it on fixed weekdays."""

    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=100)
    weekdays = models.CharField(
        _("weekdays"),
        max_length=7,
        help_text=_("Weekday numbers 1 (Monday) to 5 (Friday) the van drives, e.g. 14."),
        validators=[RegexValidator(r"^[1-5]{1,5}$", _("Give weekday numbers 1 to 5."))],
    )

    class Meta:
        verbose_name = _("tour-van route")
        verbose_name_plural = _("tour-van routes")
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Unit(models.Model):
    """A verksamhet/enhet: a care unit of a principal. It prescribes or orders devices,
    receives deliveries at its address, and is the cost centre its rent is billed to."""

    principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="units", verbose_name=_("principal")
    )
    name = models.CharField(_("name"), max_length=200)
    unit_type = models.CharField(_("unit type"), max_length=32, choices=UnitType.choices)
    hsa_id = models.CharField(_("HSA id"), max_length=64, blank=True)
    cost_centre = models.CharField(_("cost centre"), max_length=32, blank=True)
    street_address = models.CharField(_("delivery address"), max_length=200)
    postal_code = models.CharField(
        _("postal code"),
        max_length=6,
        validators=[RegexValidator(r"^\d{3} ?\d{2}$", _("A postal code is five digits."))],
    )
    city = models.CharField(_("city"), max_length=100)
    tour_route = models.ForeignKey(
        TourRoute,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="units",
        verbose_name=_("tour-van route"),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["principal__name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["principal", "name"], name="unit_unique_name"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.principal})"

    @property
    def care_setting(self) -> CareSetting:
        return UNIT_TYPE_CARE_SETTING[UnitType(self.unit_type)]

    def clean(self) -> None:
        if not self.principal_id or not self.unit_type:
            return
        required_kind = CARE_SETTING_PRINCIPAL_KIND[self.care_setting]
        if required_kind is not None and self.principal.kind != required_kind:
            raise ValidationError(
                {
                    "unit_type": _(
                        "A unit of type %(type)s must belong to a %(kind)s, not to %(principal)s."
                    )
                    % {
                        "type": UnitType(self.unit_type).label,
                        "kind": PrincipalKind(required_kind).label.lower(),
                        "principal": self.principal.name,
                    }
                }
            )


class Person(models.Model):
    """Someone who works for a principal: prescriber, orderer, device-centre staff,
    coordinator, finance officer or contact person. May or may not have a login."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="person",
        verbose_name=_("login"),
    )
    principal = models.ForeignKey(
        Principal, on_delete=models.PROTECT, related_name="people", verbose_name=_("employer")
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    profession = models.CharField(_("profession"), max_length=32, choices=Profession.choices)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=32, blank=True)
    hsa_id = models.CharField(_("HSA id"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return f"{self.first_name} {self.last_name}"

    @property
    def full_name(self) -> str:
        return str(self)


class Membership(models.Model):
    """That a person works in a unit for a period, as staff or as its manager. A person
    acts for one of their units when they prescribe or order."""

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("unit")
    )
    role = models.CharField(
        _("role"), max_length=16, choices=MembershipRole.choices, default=MembershipRole.STAFF
    )
    valid_from = models.DateField(_("from"))
    valid_until = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["person", "unit"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "unit", "valid_from"], name="membership_unique_start"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gt=models.F("valid_from")),
                name="membership_period_ordered",
            ),
        ]
        indexes = [
            # "Which units does this person work in today?" on every request that acts.
            models.Index(fields=["person", "valid_from"], name="membership_person_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"

    @classmethod
    def active_on_q(cls, on: datetime.date, prefix: str = "") -> Q:
        return _active_on(prefix, on)


class ContactPerson(models.Model):
    """A principal's contact person in a role: who receives information, surveys,
    invoices or procurement questions meant for that organisation."""

    principal = models.ForeignKey(
        Principal, on_delete=models.CASCADE, related_name="contacts", verbose_name=_("principal")
    )
    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="contact_roles", verbose_name=_("person")
    )
    role = models.CharField(_("role"), max_length=16, choices=ContactRole.choices)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["principal__name", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["principal", "role", "person"], name="contact_unique_role"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} ({self.get_role_display()}, {self.principal})"


class AccessGeneration(models.Model):
    """One row whose ``value`` database triggers replace with a random number whenever a
    row changes that decides who a request acts as and what they may do: users, API
    tokens, people, principals, units, memberships. ``registry/access_cache.py`` keeps a
    token's user with their person and memberships in each server process and serves it
    only while this value is the one it was read under, so a revoked token, a
    deactivated user or an ended membership counts from the next request in every
    process. The order steps keep their reference rows the same way (products,
    guidance with its rules and codes, agreements and signatures: decision 0010). The
    triggers (migrations ``registry/0004``, ``registry/0005``, ``api/0002``,
    ``catalog/0004``) see every write, bulk updates and raw SQL included; a random value
    never comes back after a rolled-back change, as a counter would."""

    value = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("access generation")
        verbose_name_plural = _("access generations")
        default_permissions = ()

    def __str__(self) -> str:
        return str(self.value)
