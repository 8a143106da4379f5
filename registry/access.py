"""Who a user is in the business, and the rules for acting in a unit.

One module for the API and the screens alike: a view never decides access itself.
"""

from __future__ import annotations

import datetime
from enum import StrEnum

from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import ActingUser
from core.errors import NotPermitted
from registry.choices import MembershipRole, Profession, UnitType
from registry.models import ContactPerson, Membership, Person, Unit

# ``acting_user=None`` is the system itself (a management command, an import): trusted.
# Views and the API always pass the request's user, never None.
User = ActingUser


def person_for(user: User) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    cached: Person | None = getattr(user, "_person_cache", None)
    if cached is None:
        cached = Person.objects.select_related("principal").filter(user_id=user.pk).first()
        setattr(user, "_person_cache", cached)  # noqa: B010 - per-request cache on the user
    return cached


def _memberships_on(user: User, day: datetime.date) -> list[tuple[int, str]]:
    """(unit id, role) of the user's memberships active on ``day``. Read once per request
    and day: the request's user object carries the answer, as it carries the person
    (several access checks of one request ask the same question)."""
    person = person_for(user)
    if person is None:
        return []
    cache: dict[datetime.date, list[tuple[int, str]]] | None = getattr(
        user, "_memberships_cache", None
    )
    if cache is None or cache.get(datetime.date.min) != [(person.pk, "")]:
        # Keyed to the person too: a user linked to another person starts afresh.
        cache = {datetime.date.min: [(person.pk, "")]}
        setattr(user, "_memberships_cache", cache)  # noqa: B010 - per-request cache
    if day not in cache:
        cache[day] = list(
            Membership.objects.filter(person=person)
            .filter(Membership.active_on_q(day))
            .values_list("unit_id", "role")
        )
    return cache[day]


class Role(StrEnum):
    """The roles of the access rules. A user can hold several (a nurse who manages her
    unit is prescriber and unit manager). Derived from the person's profession, their
    unit memberships and the user's administrator flag: nothing to keep in step."""

    PRESCRIBER = "prescriber"
    UNIT_MANAGER = "unit_manager"
    DEVICE_CENTRE = "device_centre"
    COORDINATOR = "coordinator"
    FINANCE_OFFICER = "finance_officer"
    ANALYST = "analyst"
    SECURITY_OFFICER = "security_officer"
    ADMINISTRATOR = "administrator"


# Professions that prescribe to patients or order for a unit (care staff).
PRESCRIBING_PROFESSIONS = frozenset(
    {
        Profession.DOCTOR,
        Profession.NURSE,
        Profession.OCCUPATIONAL_THERAPIST,
        Profession.PHYSIOTHERAPIST,
        Profession.ASSISTANT_NURSE,
        Profession.CARE_MANAGER,
    }
)
PROFESSION_ROLES = {
    Profession.DEVICE_CENTRE_STAFF: Role.DEVICE_CENTRE,
    Profession.COORDINATOR: Role.COORDINATOR,
    Profession.FINANCE_OFFICER: Role.FINANCE_OFFICER,
    Profession.ANALYST: Role.ANALYST,
    Profession.SECURITY_OFFICER: Role.SECURITY_OFFICER,
}
# Roles that may see identifiable patient data at all (within their scope).
PATIENT_DATA_ROLES = frozenset(
    {Role.PRESCRIBER, Role.UNIT_MANAGER, Role.DEVICE_CENTRE, Role.ADMINISTRATOR}
)


def roles_of(user: User) -> frozenset[Role]:
    """Every role the user holds today."""
    if user is None or not user.is_authenticated:
        return frozenset()
    roles: set[Role] = set()
    if getattr(user, "is_superuser", False):
        roles.add(Role.ADMINISTRATOR)
    person = person_for(user)
    if person is not None:
        if person.profession in PROFESSION_ROLES:
            roles.add(PROFESSION_ROLES[Profession(person.profession)])
        membership_roles = [role for _unit, role in _memberships_on(user, timezone.localdate())]
        if person.profession in PRESCRIBING_PROFESSIONS and membership_roles:
            roles.add(Role.PRESCRIBER)
        if MembershipRole.MANAGER in membership_roles:
            roles.add(Role.UNIT_MANAGER)
    return frozenset(roles)


def may_see_patient_data(user: User) -> bool:
    """Whether the user may see identifiable patient data at all. Coordinators, finance
    officers and analysts never do: they work with aggregated figures."""
    if user is None or getattr(user, "is_superuser", False):
        return True  # the system itself, or an administrator (every access is logged)
    person = person_for(user)
    if person is None:
        return False
    if person.profession == Profession.DEVICE_CENTRE_STAFF:
        return True
    # Prescribers and unit managers: care staff who work in a unit today.
    return person.profession in PRESCRIBING_PROFESSIONS and bool(unit_ids_of(user))


def patient_data_check(user: User) -> None:
    """Refuse (403) a user whose roles give no access to patient data at all."""
    if not may_see_patient_data(user):
        raise NotPermitted(
            "no_patient_access",
            _("Your role does not give access to patient data."),
        )


def managed_unit_ids(user: User, on: datetime.date | None = None) -> list[int]:
    """The units the user manages today (whose access log they follow up)."""
    person = person_for(user)
    if person is None:
        return []
    day = on or timezone.localdate()
    return [unit for unit, role in _memberships_on(user, day) if role == MembershipRole.MANAGER]


def is_device_centre(user: User) -> bool:
    """Device-centre staff (and administrators) handle every order and device."""
    if user is None or getattr(user, "is_superuser", False):
        return True
    person = person_for(user)
    return person is not None and person.profession == Profession.DEVICE_CENTRE_STAFF


def unit_ids_of(user: User, on: datetime.date | None = None) -> list[int]:
    """The units the user works in today: whose orders and patients they see."""
    person = person_for(user)
    if person is None:
        return []
    day = on or timezone.localdate()
    return [unit for unit, _role in _memberships_on(user, day)]


def acting_unit_check(user: User, unit: Unit, on: datetime.date | None = None) -> Person:
    """The person acting for ``unit``; refuse unless they work there that day."""
    person = person_for(user)
    if person is None or unit.pk not in unit_ids_of(user, on):
        raise NotPermitted(
            "not_member_of_unit",
            _("You can only act for a unit you work in."),
            field="unit",
        )
    return person


def person_acting_check(person: Person, unit: Unit, on: datetime.date) -> Person:
    """For scripts recording work done by ``person`` (historical import): refuse unless
    they worked in ``unit`` that day, the same rule as for a signed-in user."""
    works_there = (
        Membership.objects.filter(person=person, unit=unit)
        .filter(Membership.active_on_q(on))
        .exists()
    )
    if not works_there:
        raise NotPermitted(
            "not_member_of_unit",
            _("%(person)s did not work in %(unit)s on %(date)s.")
            % {"person": person, "unit": unit.name, "date": on.isoformat()},
            field="unit",
        )
    return person


def unit_or_centre_check(user: User, unit_id: int) -> None:
    """Refuse unless the user works in the unit or is device-centre staff: the rule for
    acting on a unit's orders, loans, faults and support cases."""
    if not is_device_centre(user) and unit_id not in unit_ids_of(user):
        raise NotPermitted(
            "not_member_of_unit",
            _("You can only act for a unit you work in."),
            field="unit",
        )


def device_centre_check(user: User) -> None:
    if not is_device_centre(user):
        raise NotPermitted("device_centre_only", _("Only the device centre's staff may do this."))


def device_centre_unit(user: User) -> Unit | None:
    person = person_for(user)
    if person is None:
        return None
    cached: tuple[int, Unit | None] | None = getattr(user, "_centre_unit_cache", None)
    if cached is None or cached[0] != person.pk:
        # Once per request (an action and the access log both ask), like the person.
        membership = (
            Membership.objects.select_related("unit")
            .filter(person=person, unit__unit_type=UnitType.DEVICE_CENTRE)
            .first()
        )
        cached = (person.pk, membership.unit if membership else None)
        setattr(user, "_centre_unit_cache", cached)  # noqa: B010 - per-request cache
    return cached[1]


def is_finance_officer(user: User) -> bool:
    """Finance officers (and administrators) handle every principal's money."""
    return bool(roles_of(user) & {Role.FINANCE_OFFICER, Role.ADMINISTRATOR})


def finance_check(user: User) -> None:
    if not is_finance_officer(user):
        raise NotPermitted("finance_only", _("Only finance officers may do this."))


def contact_principal_ids(user: User, role: str | None = None) -> list[int]:
    """The principals the user is a contact person for (in ``role``, or any role): whose
    own invoices and requests they may see."""
    person = person_for(user)
    if person is None:
        return []
    contacts = ContactPerson.objects.filter(person=person)
    if role:
        contacts = contacts.filter(role=role)
    return sorted(set(contacts.values_list("principal_id", flat=True)))
