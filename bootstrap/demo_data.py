"""Demo data: a handful of units, people and logins that show every role at work.

Everything here is invented for demonstration (names, addresses, HSA ids) and is loaded
only by ``make demo`` / ``manage.py load_demo_data``, never in production. It needs the
reference data first. Loading twice changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import transaction

from catalog.choices import ProductStatus
from catalog.models import Product
from devices.actions import device_register
from devices.models import Device
from registry.choices import ContactRole, MembershipRole, Profession, UnitType
from registry.models import ContactPerson, Membership, Person, Principal, TourRoute, Unit

DEMO_PASSWORD = "Demo-hjalpmedel-2024"  # noqa: S105 - printed for the demo on purpose
DEMO_SINCE = datetime.date(2023, 1, 1)

ROUTES = [
    ("GBG-1", "Göteborg centrum", "135"),
    ("SKA-1", "Skaraborg", "24"),
    ("SJU-1", "Sjuhärad", "3"),
]

# (principal code, name, type, street, postal code, city, route, cost centre)
UNITS = [
    (
        "14",
        "Sahlgrenska Universitetssjukhuset, avdelning 33 kardiologi",
        UnitType.HOSPITAL_WARD,
        "Blå stråket 5",
        "413 45",
        "Göteborg",
        "GBG-1",
        "SU-4433",
    ),
    (
        "14",
        "Närhälsan Majorna vårdcentral",
        UnitType.PRIMARY_CARE_CENTRE,
        "Karl Johansgatan 25",
        "414 59",
        "Göteborg",
        "GBG-1",
        "NH-1121",
    ),
    (
        "14",
        "Skaraborgs sjukhus Skövde, medicinmottagningen",
        UnitType.HOSPITAL_CLINIC,
        "Lövängsvägen 1",
        "541 85",
        "Skövde",
        "SKA-1",
        "SKAS-2210",
    ),
    (
        "14",
        "Hjälpmedelscentralen Mölndal",
        UnitType.DEVICE_CENTRE,
        "Bergfotsgatan 4",
        "431 35",
        "Mölndal",
        None,
        "HMC-100",
    ),
    (
        "14",
        "Samverkansfunktionen för hjälpmedelsfrågor",
        UnitType.ADMINISTRATION,
        "Regionens hus",
        "405 44",
        "Göteborg",
        None,
        "SAM-100",
    ),
    (
        "14",
        "Försörjningsförvaltningen, ekonomi",
        UnitType.ADMINISTRATION,
        "Regionens hus",
        "405 44",
        "Göteborg",
        None,
        "FF-900",
    ),
    (
        "1480",
        "Hemsjukvård Centrum",
        UnitType.HOME_HEALTH_CARE,
        "Första Långgatan 20",
        "413 27",
        "Göteborg",
        "GBG-1",
        "GBG-HSV-01",
    ),
    (
        "1480",
        "Hemtjänst Majorna-Linné",
        UnitType.MUNICIPAL_HOME_CARE,
        "Mariaplan 3",
        "414 71",
        "Göteborg",
        "GBG-1",
        "GBG-HT-07",
    ),
    (
        "1480",
        "Biståndsenheten Centrum",
        UnitType.NEEDS_ASSESSMENT,
        "Köpmansgatan 20",
        "411 13",
        "Göteborg",
        None,
        "GBG-BIS-01",
    ),
    (
        "1490",
        "Hemsjukvård Borås norr",
        UnitType.HOME_HEALTH_CARE,
        "Allégatan 70",
        "503 37",
        "Borås",
        "SJU-1",
        "BOR-HSV-02",
    ),
    (
        "1496",
        "Särskilt boende Ryd",
        UnitType.NURSING_HOME,
        "Rydsvägen 12",
        "541 52",
        "Skövde",
        "SKA-1",
        "SKO-SABO-05",
    ),
    (
        "1440",
        "Hemsjukvård Ale",
        UnitType.HOME_HEALTH_CARE,
        "Ale torg 7",
        "449 80",
        "Nödinge",
        "GBG-1",
        "ALE-HSV-01",
    ),
]


@dataclass(frozen=True)
class DemoLogin:
    username: str
    first_name: str
    last_name: str
    profession: str
    principal_code: str
    unit_name: str
    role: str = MembershipRole.STAFF
    staff: bool = False
    superuser: bool = False

    @property
    def description(self) -> str:
        return f"{Profession(self.profession).label}, {self.unit_name or self.principal_code}"


LOGINS = [
    DemoLogin("anna.lind", "Anna", "Lind", Profession.NURSE, "14", "Närhälsan Majorna vårdcentral"),
    DemoLogin(
        "erik.berg",
        "Erik",
        "Berg",
        Profession.DOCTOR,
        "14",
        "Sahlgrenska Universitetssjukhuset, avdelning 33 kardiologi",
    ),
    DemoLogin("sara.holm", "Sara", "Holm", Profession.NURSE, "1480", "Hemsjukvård Centrum"),
    DemoLogin(
        "ulla.chef",
        "Ulla",
        "Svensson",
        Profession.NURSE,
        "1480",
        "Hemsjukvård Centrum",
        role=MembershipRole.MANAGER,
    ),
    DemoLogin(
        "peter.nord",
        "Peter",
        "Nordin",
        Profession.PHYSIOTHERAPIST,
        "1490",
        "Hemsjukvård Borås norr",
    ),
    DemoLogin(
        "maria.ek", "Maria", "Ek", Profession.CARE_MANAGER, "1480", "Biståndsenheten Centrum"
    ),
    DemoLogin(
        "lars.hmc",
        "Lars",
        "Persson",
        Profession.DEVICE_CENTRE_STAFF,
        "14",
        "Hjälpmedelscentralen Mölndal",
    ),
    DemoLogin(
        "karin.samverkan",
        "Karin",
        "Johansson",
        Profession.COORDINATOR,
        "14",
        "Samverkansfunktionen för hjälpmedelsfrågor",
        staff=True,
    ),
    DemoLogin(
        "olof.ekonomi",
        "Olof",
        "Andersson",
        Profession.FINANCE_OFFICER,
        "14",
        "Försörjningsförvaltningen, ekonomi",
    ),
    DemoLogin(
        "alva.analys",
        "Alva",
        "Lindqvist",
        Profession.ANALYST,
        "14",
        "Samverkansfunktionen för hjälpmedelsfrågor",
    ),
    DemoLogin(
        "siv.logg",
        "Siv",
        "Bergström",
        Profession.SECURITY_OFFICER,
        "14",
        "Försörjningsförvaltningen, ekonomi",
    ),
    DemoLogin(
        "admin",
        "Ada",
        "Admin",
        Profession.ADMINISTRATOR,
        "14",
        "Samverkansfunktionen för hjälpmedelsfrågor",
        staff=True,
        superuser=True,
    ),
    # Skövde's finance contact: sees Skövde's own invoices and requests, nothing else.
    DemoLogin("mats.olsson", "Mats", "Olsson", Profession.OFFICIAL, "1496", ""),
]

# (principal code, role, first name, last name, email) of contact persons; one with the
# email of a login above is that login's person (Mats Olsson, Skövde's finance contact).
CONTACTS = [
    ("14", ContactRole.MAIN, "Helena", "Virtanen", "helena.virtanen@example.se"),
    ("14", ContactRole.FINANCE, "Olof", "Andersson", "olof.andersson@example.se"),
    ("1480", ContactRole.MAIN, "Johan", "Lundqvist", "johan.lundqvist@example.se"),
    ("1480", ContactRole.PROCUREMENT, "Fatima", "Hassan", "fatima.hassan@example.se"),
    ("1480", ContactRole.INFORMATION, "Eva", "Strand", "eva.strand@example.se"),
    ("1490", ContactRole.MAIN, "Nils", "Karlsson", "nils.karlsson@example.se"),
    ("1496", ContactRole.MAIN, "Lena", "Björk", "lena.bjork@example.se"),
    ("1496", ContactRole.FINANCE, "Mats", "Olsson", "mats.olsson@example.se"),
]

# The coordinator keeps the assortment and the registry in the admin.
COORDINATOR_APPS = ("catalog", "registry")


def _email(first: str, last: str) -> str:
    return (
        f"{first}.{last}@example.se".lower().replace("å", "a").replace("ä", "a").replace("ö", "o")
    )


@transaction.atomic
def demo_data_load() -> Counter[str]:
    counts: Counter[str] = Counter()
    principals = {p.code: p for p in Principal.objects.all()}
    if "14" not in principals:
        raise RuntimeError("Load the reference data first (manage.py load_reference_data).")
    routes = {}
    for code, name, weekdays in ROUTES:
        routes[code], created = TourRoute.objects.get_or_create(
            code=code, defaults={"name": name, "weekdays": weekdays}
        )
        counts["route_created"] += created
    units = {}
    for code, name, unit_type, street, postal, city, route, cost_centre in UNITS:
        unit, created = Unit.objects.get_or_create(
            principal=principals[code],
            name=name,
            defaults={
                "unit_type": unit_type,
                "street_address": street,
                "postal_code": postal,
                "city": city,
                "tour_route": routes.get(route) if route else None,
                "cost_centre": cost_centre,
            },
        )
        if created:
            unit.full_clean()
        units[name] = unit
        counts["unit_created"] += created
    user_model = get_user_model()
    coordinator_perms = Permission.objects.filter(content_type__app_label__in=COORDINATOR_APPS)
    for login in LOGINS:
        user = user_model.objects.filter(username=login.username).first()
        if user is None:
            user = user_model.objects.create_user(
                username=login.username,
                password=DEMO_PASSWORD,
                first_name=login.first_name,
                last_name=login.last_name,
                email=_email(login.first_name, login.last_name),
                is_staff=login.staff,
                is_superuser=login.superuser,
            )
            if login.staff and not login.superuser:
                user.user_permissions.set(coordinator_perms)
            counts["user_created"] += 1
        person, created = Person.objects.get_or_create(
            user=user,
            defaults={
                "principal": principals[login.principal_code],
                "first_name": login.first_name,
                "last_name": login.last_name,
                "profession": login.profession,
                "email": user.email,
            },
        )
        counts["person_created"] += created
        if not login.unit_name:
            continue  # a principal's contact person, not working in a unit of ours
        _membership, created = Membership.objects.get_or_create(
            person=person,
            unit=units[login.unit_name],
            valid_from=DEMO_SINCE,
            defaults={"role": login.role},
        )
        counts["membership_created"] += created
    for code, role, first, last, email in CONTACTS:
        contact = Person.objects.filter(email=email).first()
        if contact is None:
            contact = Person.objects.create(
                principal=principals[code],
                first_name=first,
                last_name=last,
                profession=Profession.COORDINATOR,
                email=email,
            )
        _contact, created = ContactPerson.objects.get_or_create(
            principal=principals[code], person=contact, role=role
        )
        counts["contact_created"] += created
    return counts


DEMO_STOCK_PER_PRODUCT = 5


def demo_stock_load() -> Counter[str]:
    """A few devices of each launched product in the centre's stock, through the same
    action as the stock import (so each has its "registered" event)."""
    counts: Counter[str] = Counter()
    for product in Product.objects.filter(status=ProductStatus.LAUNCHED).order_by("article_number"):
        for n in range(1, DEMO_STOCK_PER_PRODUCT + 1):
            serial = f"DEMO-{product.article_number}-{n:03d}"
            if Device.objects.filter(product=product, serial_number=serial).exists():
                continue
            device_register(
                product=product,
                serial_number=serial,
                acquired_on=datetime.date(2023, 8, n),
                acting_user=None,
            )
            counts["device_created"] += 1
    return counts
