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


# The user's side of ``Person.user``: holds the person when it was read with the user.
_PERSON_OF_USER = Person._meta.get_field("user").remote_field


def person_for(user: User) -> Person | None:
    if user is None or not user.is_authenticated:
        return None
    cached: Person | None = getattr(user, "_person_cache", None)
    if cached is None:
        if _PERSON_OF_USER.is_cached(user):
            # Read with the user, principal included (the API's token authentication
            # joins them): no query of its own.
            value = _PERSON_OF_USER.get_cached_value(user)
            cached = value if isinstance(value, Person) else None
        else:
            cached = Person.objects.select_related("principal").filter(user_id=user.pk).first()
        setattr(user, "_person_cache", cached)  # noqa: B010 - per-request cache on the user
    return cached


def _memberships_of(user: User) -> list[Membership]:
    """Every membership of the user's person, past, present and future, with its unit, in
    the model's order: read once per request. The request's user object carries them, as
    it carries the person: the access checks of one request (the units of the day, the
    device-centre unit an action and the access log both ask for) are answered from this
    one read instead of one query each."""
    person = person_for(user)
    if person is None:
        return []
    cached: tuple[int, list[Membership]] | None = getattr(user, "_memberships_cache", None)
    if cached is None or cached[0] != person.pk:
        # Keyed to the person: a user linked to another person starts afresh.
        cached = (person.pk, list(Membership.objects.select_related("unit").filter(person=person)))
        setattr(user, "_memberships_cache", cached)  # noqa: B010 - per-request cache
    return cached[1]


def access_read(user: User) -> None:
    """Read the user's person and memberships onto the user object now, so that it carries
    them (registry/access_cache.py keeps a token's user so)."""
    _memberships_of(user)


def _active_on(membership: Membership, day: datetime.date) -> bool:
    """``Membership.active_on_q`` in Python: the half-open period [from, until) holds ``day``."""
    return membership.valid_from <= day and (
        membership.valid_until is None or day < membership.valid_until
    )


def _memberships_on(user: User, day: datetime.date) -> list[tuple[int, str]]:
    """(unit id, role) of the user's memberships active on ``day``, in the model's order."""
    return [(m.unit_id, m.role) for m in _memberships_of(user) if _active_on(m, day)]


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
    """The device centre the user works in (the first of the model's order, on any date):
    the unit recorded as acting for the centre's steps and their access-log rows."""
    for membership in _memberships_of(user):
        if membership.unit.unit_type == UnitType.DEVICE_CENTRE:
            return membership.unit
    return None


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
