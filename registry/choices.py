"""Named choices of the registry, each with a Swedish label (via translation) and a meaning."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class PrincipalKind(models.TextChoices):
    REGION = "region", _("Region")
    MUNICIPALITY = "municipality", _("Municipality")


class Area(models.TextChoices):
    """The two areas of the business; each has its own handbook and supply agreement."""

    HEALTH_CARE = "health_care", _("Health care")
    SOCIAL_SERVICES = "social_services", _("Social services")


class AgreementKind(models.TextChoices):
    COLLABORATION = "collaboration", _("Collaboration agreement")
    SUPPLY = "supply", _("Supply agreement")
    SUPPLEMENT = "supplement", _("Supplementary agreement")


AGREEMENT_KIND_MEANINGS = {
    AgreementKind.COLLABORATION: _(
        "The agreement to share one assortment of digital assistive devices and its joint economy."
    ),
    AgreementKind.SUPPLY: _(
        "The agreement under which the device centre supplies an area's devices to a principal."
    ),
    AgreementKind.SUPPLEMENT: _("An addition to another agreement, in force from its own date."),
}


class CareSetting(models.TextChoices):
    """Where care is given: the level at which guidance says who may prescribe or order.

    A unit's type decides its care setting; the care setting decides which kind of
    principal the unit must belong to.
    """

    HOSPITAL = "hospital", _("Hospital")
    REGIONAL_PRIMARY_CARE = "regional_primary_care", _("Regional primary care")
    MUNICIPAL_PRIMARY_CARE = "municipal_primary_care", _("Municipal primary care")
    SOCIAL_SERVICES = "social_services", _("Municipal social services")
    NONE = "none", _("No care (support function)")


CARE_SETTING_PRINCIPAL_KIND = {
    CareSetting.HOSPITAL: PrincipalKind.REGION,
    CareSetting.REGIONAL_PRIMARY_CARE: PrincipalKind.REGION,
    CareSetting.MUNICIPAL_PRIMARY_CARE: PrincipalKind.MUNICIPALITY,
    CareSetting.SOCIAL_SERVICES: PrincipalKind.MUNICIPALITY,
    CareSetting.NONE: None,
}


class UnitType(models.TextChoices):
    HOSPITAL_WARD = "hospital_ward", _("Hospital ward")
    HOSPITAL_CLINIC = "hospital_clinic", _("Hospital outpatient clinic")
    PRIMARY_CARE_CENTRE = "primary_care_centre", _("Primary care centre")
    HOME_HEALTH_CARE = "home_health_care", _("Home health care")
    NURSING_HOME = "nursing_home", _("Residential care home")
    MUNICIPAL_HOME_CARE = "municipal_home_care", _("Municipal home care")
    NEEDS_ASSESSMENT = "needs_assessment", _("Needs assessment (care management)")
    DEVICE_CENTRE = "device_centre", _("Assistive device centre")
    ADMINISTRATION = "administration", _("Administration")


UNIT_TYPE_CARE_SETTING = {
    UnitType.HOSPITAL_WARD: CareSetting.HOSPITAL,
    UnitType.HOSPITAL_CLINIC: CareSetting.HOSPITAL,
    UnitType.PRIMARY_CARE_CENTRE: CareSetting.REGIONAL_PRIMARY_CARE,
    UnitType.HOME_HEALTH_CARE: CareSetting.MUNICIPAL_PRIMARY_CARE,
    UnitType.NURSING_HOME: CareSetting.MUNICIPAL_PRIMARY_CARE,
    UnitType.MUNICIPAL_HOME_CARE: CareSetting.SOCIAL_SERVICES,
    UnitType.NEEDS_ASSESSMENT: CareSetting.SOCIAL_SERVICES,
    UnitType.DEVICE_CENTRE: CareSetting.NONE,
    UnitType.ADMINISTRATION: CareSetting.NONE,
}


class Profession(models.TextChoices):
    DOCTOR = "doctor", _("Doctor")
    NURSE = "nurse", _("Nurse")
    OCCUPATIONAL_THERAPIST = "occupational_therapist", _("Occupational therapist")
    PHYSIOTHERAPIST = "physiotherapist", _("Physiotherapist")
    ASSISTANT_NURSE = "assistant_nurse", _("Assistant nurse")
    CARE_MANAGER = "care_manager", _("Care manager")
    DEVICE_CENTRE_STAFF = "device_centre_staff", _("Device-centre staff")
    COORDINATOR = "coordinator", _("Coordinator")
    FINANCE_OFFICER = "finance_officer", _("Finance officer")
    ANALYST = "analyst", _("Follow-up analyst")
    SECURITY_OFFICER = "security_officer", _("Information security officer")
    ADMINISTRATOR = "administrator", _("Administrator")
    # A principal's administrative official (e.g. its finance contact): no role of its
    # own here; what it may see follows from its contact roles.
    OFFICIAL = "official", _("Administrative official")


class MembershipRole(models.TextChoices):
    STAFF = "staff", _("Staff")
    MANAGER = "manager", _("Unit manager")


class ContactRole(models.TextChoices):
    MAIN = "main", _("Main contact")
    PROCUREMENT = "procurement", _("Procurement")
    FINANCE = "finance", _("Finance")
    INFORMATION = "information", _("Information")


CONTACT_ROLE_MEANINGS = {
    ContactRole.MAIN: _("Holds the principal's contacts together and answers needs surveys."),
    ContactRole.PROCUREMENT: _("Takes part in joint procurements and reports ceiling volumes."),
    ContactRole.FINANCE: _("Receives invoices and answers questions about payments."),
    ContactRole.INFORMATION: _("Receives notices and the newsletter and passes them on."),
}
