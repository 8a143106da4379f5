"""Permission-scoped reads of orders and patients: the UI and the API use these."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Model, QuerySet
from django.utils.translation import gettext as _

from catalog.models import GuidanceVersion, Product
from core.actors import ActingUser
from core.errors import NotFound
from orders.choices import OPEN_ORDER_STATUSES
from orders.models import Order, Patient
from orders.personal_numbers import personal_number_parse
from registry import access_cache
from registry.access import is_device_centre, patient_data_check, unit_ids_of
from registry.models import Person, Principal, Unit


def patient_name_for(user: ActingUser, patient: Patient | None) -> str | None:
    """The patient's name as this user may see it: never for a protected identity,
    except to the device centre, which needs it to deliver."""
    if patient is None:
        return None
    if patient.protected_identity and not is_device_centre(user):
        return None
    return f"{patient.first_name} {patient.last_name}".strip() or None


def patient_address_for(user: ActingUser, patient: Patient | None) -> str | None:
    """The patient's address, under the same rule as the name."""
    if patient is None or (patient.protected_identity and not is_device_centre(user)):
        return None
    parts = [patient.street_address, f"{patient.postal_code} {patient.city}".strip()]
    return ", ".join(p for p in parts if p) or None


# The related rows an order is shown with (the API's answer, the screens' rows).
ORDER_RELATED = (
    "product",
    "unit",
    "unit__principal",
    "patient",
    "device",
    "prescriber",
    "guidance",
    "cost_bearer",
)


# The rows an order step reads with the order itself; the rest of ``ORDER_RELATED`` is
# reference data (product, guidance, unit, prescriber, cost bearer) that changes a few
# times a year, kept per process under the access generation (``order_references``).
ORDER_OWN_RELATED = ("patient", "device")


def order_references(order: Order, *, current: int | None) -> None:
    """Give ``order`` its product, guidance, unit with principal, prescriber and cost
    bearer from the process's cache, read under generation ``current`` (read before the
    order, decision 0010). Django spends more of an order step's time building a join
    of these nine tables than PostgreSQL spends running it."""
    order.product = access_cache.row(Product, order.product_id, current=current)
    order.guidance = access_cache.row(GuidanceVersion, order.guidance_id, current=current)
    order.unit = access_cache.row(Unit, order.unit_id, current=current, related=("principal",))
    order.prescriber = access_cache.row(Person, order.prescriber_id, current=current)
    order.cost_bearer = access_cache.row(Principal, order.cost_bearer_id, current=current)


def orders_with_references(orders: Iterable[Order]) -> list[Order]:
    """``orders``, read with ``ORDER_OWN_RELATED`` only, each given its reference rows as
    ``order_references`` gives them, under one read of the generation, and each distinct
    row built once for the lot: a page of 50 orders joined to the nine tables of
    ``ORDER_RELATED`` spent half its query's CPU building the page's few products, units
    and prescribers fifty times over (docs/performance.md)."""
    current = access_cache.current_generation()
    built: dict[tuple[type[Model], int | None], Any] = {}

    def one(model: type[Model], pk: int | None, related: tuple[str, ...] = ()) -> Any:
        if pk is None:
            return None
        found = built.get((model, pk))
        if found is None:
            found = built[(model, pk)] = access_cache.row(
                model, pk, current=current, related=related
            )
        return found

    listed = list(orders)
    for order in listed:
        order.product = one(Product, order.product_id)
        order.guidance = one(GuidanceVersion, order.guidance_id)
        order.unit = one(Unit, order.unit_id, ("principal",))
        order.prescriber = one(Person, order.prescriber_id)
        order.cost_bearer = one(Principal, order.cost_bearer_id)
    return listed


def order_not_found() -> NotFound:
    return NotFound("order_not_found", _("No order with that number is visible to you."))


def orders_visible_to(user: ActingUser) -> QuerySet[Order]:
    """Device-centre staff see every order; prescribers and unit managers the orders of
    the units they work in; roles without patient data (coordinator, finance officer,
    analyst) are refused (403)."""
    patient_data_check(user)
    qs = Order.objects.select_related(*ORDER_RELATED)
    if is_device_centre(user):
        return qs
    return qs.filter(unit_id__in=unit_ids_of(user))


def order_list(
    *,
    user: ActingUser,
    status: str = "",
    unit: int | None = None,
    product: str = "",
    open_only: bool = False,
    ordered_from: datetime.date | None = None,
    ordered_to: datetime.date | None = None,
) -> QuerySet[Order]:
    qs = orders_visible_to(user)
    if status:
        qs = qs.filter(status=status)
    if open_only:
        qs = qs.filter(status__in=OPEN_ORDER_STATUSES)
    if unit is not None:
        qs = qs.filter(unit_id=unit)
    if product:
        qs = qs.filter(product__article_number=product)
    if ordered_from:
        qs = qs.filter(ordered_on__gte=ordered_from)
    if ordered_to:
        qs = qs.filter(ordered_on__lte=ordered_to)
    return qs.order_by("-ordered_on", "-id")


def order_get(*, user: ActingUser, pk: int) -> Order:
    order = orders_visible_to(user).filter(pk=pk).first()
    if order is None:
        raise order_not_found()
    return order


def order_shown(*, user: ActingUser, order: Order) -> Order:
    """An order an action has just written (with ``ORDER_RELATED`` in hand), to answer
    with instead of reading it again: the same refusals as ``order_get`` (403 without
    patient data, 404 outside the user's units), decided on the object."""
    patient_data_check(user)
    if not is_device_centre(user) and order.unit_id not in unit_ids_of(user):
        raise order_not_found()
    return order


def order_for_step(*, user: ActingUser, pk: int) -> Order:
    """The order the user is about to move a step, refused as ``order_get`` refuses (403
    without patient data, then 404 outside the user's units) before the action's own
    refusals. The device centre sees every order, so for it nothing is read here: it gets
    the bare number, and the action reads the order once, under its lock (``order_locked``,
    404 if there is no such order). Anyone else has the order read here, without its
    related rows, so an order outside their units is 404 before any 403 of the action."""
    patient_data_check(user)
    if is_device_centre(user):
        return Order(pk=pk)
    order = Order.objects.filter(pk=pk, unit_id__in=unit_ids_of(user)).first()
    if order is None:
        raise order_not_found()
    return order


def patient_get_by_number(*, user: ActingUser, personal_number: str) -> Patient | None:
    """The patient, if the user may see them: the device centre always, others only a
    patient with an order from one of their units."""
    patient_data_check(user)
    number = personal_number_parse(personal_number)
    patient = Patient.objects.filter(personal_number=number.digits).first()
    if patient is None or is_device_centre(user):
        return patient
    if Order.objects.filter(patient=patient, unit_id__in=unit_ids_of(user)).exists():
        return patient
    return None


@dataclass(frozen=True)
class OrderCount:
    product: str
    product_name: str
    principal: str
    principal_name: str
    principal_kind: str
    status: str
    orders: int


def order_counts(
    *, ordered_from: datetime.date | None = None, ordered_to: datetime.date | None = None
) -> list[OrderCount]:
    """Orders counted per product, principal and status: aggregated figures with no
    patient in them, for everyone who may not see patient data (the analyst first).
    The follow-up (issue 5) builds its statistics on the events; this is the live count."""
    qs = Order.objects.all()
    if ordered_from:
        qs = qs.filter(ordered_on__gte=ordered_from)
    if ordered_to:
        qs = qs.filter(ordered_on__lte=ordered_to)
    rows = (
        qs.values(
            "product__article_number",
            "product__name",
            "principal__code",
            "principal__name",
            "principal__kind",
            "status",
        )
        .annotate(n=Count("id"))
        .order_by("product__article_number", "principal__code", "status")
    )
    return [
        OrderCount(
            product=r["product__article_number"],
            product_name=r["product__name"],
            principal=r["principal__code"],
            principal_name=r["principal__name"],
            principal_kind=r["principal__kind"],
            status=r["status"],
            orders=r["n"],
        )
        for r in rows
    ]
