"""What every page needs to know about the user: their roles, for the menu."""

from __future__ import annotations

from django.http import HttpRequest

from registry.access import Role, contact_principal_ids, roles_of


def roles(request: HttpRequest) -> dict[str, object]:
    if not request.user.is_authenticated:
        return {"roles": frozenset()}
    held = roles_of(request.user)
    care = bool(held & {Role.PRESCRIBER, Role.UNIT_MANAGER})
    centre = bool(held & {Role.DEVICE_CENTRE, Role.ADMINISTRATOR})
    finance = bool(held & {Role.FINANCE_OFFICER, Role.ADMINISTRATOR})
    # A principal's contact person sees their own principal's invoices (one query).
    contact = not finance and bool(contact_principal_ids(request.user))
    return {
        "roles": held,
        "is_care_staff": care,
        "is_centre": centre,
        "is_log_reviewer": bool(
            held & {Role.SECURITY_OFFICER, Role.ADMINISTRATOR, Role.UNIT_MANAGER}
        ),
        "is_finance": finance,
        "is_contact": contact,
        "is_economy_reader": finance or contact or Role.COORDINATOR in held,
    }
