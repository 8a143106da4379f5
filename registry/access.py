"""Who a user is in the business, and the rules for acting in a unit.

One module for the API and the screens alike: a view never decides access itself.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from core.actors import ActingUser
from core.errors import NotPermitted
from registry.choices import Profession, UnitType
from registry.models import Membership, Person, Unit

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
    return list(
        Membership.objects.filter(person=person)
        .filter(Membership.active_on_q(day))
        .values_list("unit_id", flat=True)
    )


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
    membership = (
        Membership.objects.select_related("unit")
        .filter(person=person, unit__unit_type=UnitType.DEVICE_CENTRE)
        .first()
    )
    return membership.unit if membership else None
