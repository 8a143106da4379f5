"""Prescribing and ordering: submit (with every eligibility rule), accept, cancel."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalog.choices import CostBearer, CriteriaRule, GuidanceAction, ProductStatus
from catalog.models import GuidanceVersion, Product
from catalog.selectors import guidance_in_force, prescribing_right_check
from core.actors import ActingUser, actor_of
from core.db import row_update
from core.errors import Conflict, InvalidInput, NotPermitted
from devices.actions import device_locked, device_transition
from devices.choices import DeviceStatus, EventKind, Location
from devices.events import device_event_record
from devices.models import Device
from logistics.calendar import add_working_days
from orders.choices import (
    CANCELLABLE_ORDER_STATUSES,
    DeliveryMethod,
    OrderKind,
    OrderStatus,
)
from orders.models import Order, Patient
from orders.personal_numbers import personal_number_parse
from orders.selectors import ORDER_OWN_RELATED, order_not_found, order_references
from registry import access_cache
from registry.access import (
    acting_unit_check,
    device_centre_check,
    device_centre_unit,
    person_acting_check,
    unit_or_centre_check,
)
from registry.choices import PrincipalKind
from registry.models import Person, Principal, Unit
from registry.selectors import (
    AREA_SUPPLY_AGREEMENTS,
    COLLABORATION_AGREEMENT,
    signatures_active,
)

CENTS = Decimal("0.01")


@dataclass
class PatientInput:
    personal_number: str
    protected_identity: bool = False
    first_name: str = ""
    last_name: str = ""
    street_address: str = ""
    postal_code: str = ""
    city: str = ""
    # The municipality the patient lives in (folkbokföringskommun), when known: the
    # follow-up's devices per 1 000 inhabitants and cost transfers use it.
    home_municipality: Principal | None = None


@dataclass
class OrderInput:
    """What a prescriber fills in. Everything is checked by ``order_submit``."""

    product: Product
    unit: Unit
    kind: str = OrderKind.PRESCRIPTION
    patient: PatientInput | None = None
    criteria: list[str] = field(default_factory=list)
    several_principals: bool = False
    consultation_with: str = ""
    consultation_on: datetime.date | None = None
    delivery_method: str = DeliveryMethod.TOUR_VAN_UNIT
    pickup_point: str = ""
    urgent: bool = False
    note: str = ""
    local_device_serial: str = ""
    idempotency_key: str = ""
    external_id: str = ""
    ordered_on: datetime.date | None = None
    # Only for scripts (historical import, simulation), which act as no user: the
    # prescriber the order is recorded for, held to the same membership rule.
    prescriber: Person | None = None


@dataclass(frozen=True)
class Refusal:
    code: str
    message: str
    field: str | None = None
    status: int = 400


def _agreement_refusal(
    principal: Principal, area: str, on: datetime.date, *, current: int | None
) -> Refusal | None:
    area_agreement = AREA_SUPPLY_AGREEMENTS[area]
    codes = (COLLABORATION_AGREEMENT, area_agreement)
    # Both agreements' signatures in one query, kept per process under ``current``.
    signed: dict[str, object] = access_cache.cached_under(
        current,
        f"signatures:{principal.pk}:{','.join(codes)}:{on.isoformat()}",
        lambda: signatures_active(principal=principal, agreement_codes=codes, on=on),
    )
    if COLLABORATION_AGREEMENT not in signed:
        return Refusal(
            "principal_not_signed",
            _("%(principal)s has not signed the collaboration agreement on digital devices.")
            % {"principal": principal.name},
            status=403,
        )
    if area_agreement not in signed:
        return Refusal(
            "agreement_not_in_force",
            _("%(principal)s has no supply agreement for this area in force on %(date)s.")
            % {"principal": principal.name, "date": on.isoformat()},
            status=403,
        )
    return None


def order_eligibility(
    *, person: Person, data: OrderInput, on: datetime.date
) -> tuple[GuidanceVersion | None, list[Refusal]]:
    """Every reason the order would be refused, in the order a prescriber fixes them.

    Used by ``order_submit`` and by the prescription form as the user fills it in.
    """
    refusals: list[Refusal] = []
    product, unit = data.product, data.unit
    # Signatures and guidance are reference data, kept per process (decision 0010).
    current = access_cache.current_generation()
    agreement = _agreement_refusal(unit.principal, product.area, on, current=current)
    if agreement:
        refusals.append(agreement)
    if product.status != ProductStatus.LAUNCHED:
        refusals.append(
            Refusal(
                "product_not_launched",
                _("%(product)s is not launched and cannot be ordered (status: %(status)s).")
                % {"product": product.name, "status": ProductStatus(product.status).label},
                field="product",
                status=409,
            )
        )
    guidance: GuidanceVersion | None = access_cache.cached_under(
        current,
        f"guidance-in-force:{product.pk}:{on.isoformat()}",
        lambda: guidance_in_force(product=product, on=on),
    )
    if guidance is None:
        refusals.append(
            Refusal(
                "no_guidance",
                _("%(product)s has no guidance in force.") % {"product": product.name},
                field="product",
                status=409,
            )
        )
        return None, refusals
    action = (
        GuidanceAction.PRESCRIBE if data.kind == OrderKind.PRESCRIPTION else GuidanceAction.ORDER
    )
    check = prescribing_right_check(
        guidance=guidance,
        profession=person.profession,
        care_setting=unit.care_setting,
        action=action,
    )
    if not check.allowed:
        refusals.append(Refusal(check.code, check.message, status=403))
    known = {c.reference: c for c in guidance.codes.all() if c.kind == "criterion"}
    stated = [c.strip() for c in data.criteria if c.strip()]
    unknown = [c for c in stated if c not in known]
    if not stated:
        refusals.append(
            Refusal(
                "criterion_missing",
                _("State at least one of the guidance's criteria."),
                field="criteria",
            )
        )
    elif unknown:
        refusals.append(
            Refusal(
                "criterion_unknown",
                _("%(codes)s is not a criterion of this guidance.") % {"codes": ", ".join(unknown)},
                field="criteria",
            )
        )
    elif guidance.criteria_rule == CriteriaRule.ALL and set(stated) != set(known):
        refusals.append(
            Refusal(
                "criteria_incomplete",
                _("This guidance requires all of its criteria."),
                field="criteria",
            )
        )
    if (
        guidance.consultation_required
        and data.several_principals
        and (not data.consultation_with.strip() or data.consultation_on is None)
    ):
        refusals.append(
            Refusal(
                "consultation_missing",
                _(
                    "The patient's care involves several principals: record with whom and "
                    "when consultation took place before prescribing."
                ),
                field="consultation_with",
            )
        )
    return guidance, refusals


def _raise(refusal: Refusal) -> None:
    error_class = {403: NotPermitted, 409: Conflict}.get(refusal.status, InvalidInput)
    raise error_class(refusal.code, refusal.message, field=refusal.field)


def _cost_bearer(guidance: GuidanceVersion, unit: Unit) -> Principal:
    if guidance.cost_bearer == CostBearer.REGION:
        region: Principal = access_cache.cached(
            "principal:region", lambda: Principal.objects.get(kind=PrincipalKind.REGION)
        )
        return region
    # The prescriber's principal, the ordering unit's principal and (until patients carry
    # a home municipality) the municipality all resolve to the unit's principal.
    return unit.principal


def _patient_upsert(data: PatientInput) -> Patient:
    number = personal_number_parse(data.personal_number)
    patient, created = Patient.objects.get_or_create(
        personal_number=number.digits,
        defaults={
            "is_coordination_number": number.is_coordination_number,
            "protected_identity": data.protected_identity,
            "first_name": data.first_name,
            "last_name": data.last_name,
            "street_address": data.street_address,
            "postal_code": data.postal_code,
            "city": data.city,
            "home_municipality": data.home_municipality,
        },
    )
    if (
        not created
        and data.home_municipality is not None
        and patient.home_municipality_id != data.home_municipality.pk
    ):
        # The latest order knows where the patient lives now.
        patient.home_municipality = data.home_municipality
        patient.save(update_fields=["home_municipality"])
    if not created and data.protected_identity and not patient.protected_identity:
        # Protection is only ever added here; lifting it is a separate, deliberate step.
        patient.protected_identity = True
        patient.save(update_fields=["protected_identity"])
    return patient


def order_submit(*, data: OrderInput, acting_user: ActingUser) -> tuple[Order, bool]:
    """Submit a prescription or order. Returns (order, created): a repeated submission
    with the same idempotency key returns the first order and creates nothing."""
    user = actor_of(acting_user)
    if data.idempotency_key and user is not None:
        existing = Order.objects.filter(
            created_by=user, idempotency_key=data.idempotency_key
        ).first()
        if existing is not None:
            return existing, False
    try:
        return _order_submit(data=data, acting_user=acting_user), True
    except IntegrityError:
        # The same key submitted at the same moment by a second request: the first won.
        if data.idempotency_key and user is not None:
            existing = Order.objects.filter(
                created_by=user, idempotency_key=data.idempotency_key
            ).first()
            if existing is not None:
                return existing, False
        raise


@transaction.atomic
def _order_submit(*, data: OrderInput, acting_user: ActingUser) -> Order:
    today = timezone.localdate()
    ordered_on = data.ordered_on or today
    if actor_of(acting_user) is None and data.prescriber is not None:
        person = person_acting_check(data.prescriber, data.unit, ordered_on)
    else:
        person = acting_unit_check(acting_user, data.unit, ordered_on)
    if data.kind not in OrderKind.values:
        raise InvalidInput("invalid_kind", _("Unknown kind of order."), field="kind")
    if data.delivery_method not in DeliveryMethod.values:
        raise InvalidInput(
            "invalid_delivery_method", _("Unknown delivery method."), field="delivery_method"
        )
    if data.kind == OrderKind.PRESCRIPTION and data.patient is None:
        raise InvalidInput(
            "patient_missing",
            _("A prescription needs the patient's personal identity number."),
            field="personal_number",
        )
    if data.delivery_method == DeliveryMethod.PICKUP_POINT and not data.pickup_point.strip():
        raise InvalidInput(
            "pickup_point_missing", _("Name the pickup point."), field="pickup_point"
        )
    if data.delivery_method == DeliveryMethod.TOUR_VAN_HOME and data.kind != OrderKind.PRESCRIPTION:
        raise InvalidInput(
            "home_delivery_needs_patient",
            _("Home delivery is for prescriptions to a patient."),
            field="delivery_method",
        )
    # Validate the identity number before anything else is looked at: a typo is the
    # commonest error and the clearest to fix.
    patient = _patient_upsert(data.patient) if data.patient is not None else None
    guidance, refusals = order_eligibility(person=person, data=data, on=ordered_on)
    if refusals:
        _raise(refusals[0])
    if guidance is None:  # order_eligibility refuses when no guidance is in force
        raise Conflict("no_guidance", _("The product has no guidance in force."))
    product = data.product
    local_device: Device | None = None
    if data.local_device_serial or data.delivery_method == DeliveryMethod.LOCAL_STOCK:
        local_device = (
            Device.objects.select_for_update()
            .filter(
                product=product,
                serial_number=data.local_device_serial.strip(),
                location=Location.LOCAL_STOCK,
                unit=data.unit,
                status=DeviceStatus.IN_STOCK,
            )
            .first()
        )
        if local_device is None:
            raise Conflict(
                "local_device_unavailable",
                _(
                    "No device of this product with that serial number is in your unit's "
                    "local stock."
                ),
                field="local_device_serial",
            )
    due = add_working_days(ordered_on, 1 if data.urgent else product.agreed_delivery_days)
    # In the field's own precision, as a read of the saved order gives it: the API
    # answers from this object.
    fee = Decimal(settings.URGENT_DELIVERY_FEE if data.urgent else 0).quantize(CENTS)
    order = Order.objects.create(
        kind=data.kind,
        product=product,
        guidance=guidance,
        patient=patient,
        unit=data.unit,
        principal=data.unit.principal,
        prescriber=person,
        cost_bearer=_cost_bearer(guidance, data.unit),
        criteria=[c.strip() for c in data.criteria if c.strip()],
        several_principals=data.several_principals,
        consultation_with=data.consultation_with.strip(),
        consultation_on=data.consultation_on,
        delivery_method=DeliveryMethod.LOCAL_STOCK if local_device else data.delivery_method,
        pickup_point=data.pickup_point.strip(),
        urgent=data.urgent,
        urgent_fee=fee,
        note=data.note,
        ordered_on=ordered_on,
        due_date=due,
        created_by=actor_of(acting_user),
        idempotency_key=data.idempotency_key,
        external_id=data.external_id,
    )
    device_event_record(
        kind=EventKind.ORDER_SUBMITTED,
        order=order,
        to_status=OrderStatus.SUBMITTED,
        acting_user=acting_user,
        acting_unit=data.unit,
        on=ordered_on,
        data={"product": product.article_number, "guidance_version": guidance.version},
    )
    if local_device is not None:
        _deliver_from_local_stock(order, local_device, acting_user, ordered_on)
    return order


def _deliver_from_local_stock(
    order: Order, device: Device, acting_user: ActingUser, on: datetime.date
) -> None:
    """The prescriber hands a device from the unit's own shelf to the patient: the order
    is accepted, allocated and delivered at once, each step an event."""
    from logistics.actions import loan_start  # logistics depends on orders, not the reverse

    for old, new, kind in (
        (OrderStatus.SUBMITTED, OrderStatus.ACCEPTED, EventKind.ORDER_ACCEPTED),
        (OrderStatus.ACCEPTED, OrderStatus.ALLOCATED, EventKind.ALLOCATED),
    ):
        device_event_record(
            kind=kind,
            order=order,
            device=device if new == OrderStatus.ALLOCATED else None,
            from_status=old,
            to_status=new,
            acting_user=acting_user,
            acting_unit=order.unit,
            on=on,
        )
    old_device = device_transition(
        device,
        allowed_from=(DeviceStatus.IN_STOCK,),
        to_status=DeviceStatus.ON_LOAN,
        location=Location.PATIENT if order.patient_id else Location.UNIT,
        unit=order.unit,
        code="not_in_stock",
    )
    order.status = OrderStatus.ALLOCATED  # as the events above record
    loan_start(
        order=order,
        device=device,
        device_was=old_device,
        on=on,
        working_days=0,
        acting_user=acting_user,
        acting_unit=order.unit,
        data={"local_stock": True},
    )


def order_locked(order: Order) -> Order:
    """Re-read the order under a row lock (two requests cannot both move it), with the
    related rows the action and its answer use: the API answers from this object instead
    of reading the order again. Only the order's row is locked (``of``): the product,
    unit, patient… are read, not locked, since no order step changes them; locking the
    product too made every step of every order for that product, in the whole region,
    wait for the others. 404 for a number that names no order: the API passes the
    device centre's steps a bare number (``order_for_step``). The reference rows come
    from the process's cache under the access generation, read first (decision 0010)."""
    current = access_cache.current_generation()
    try:
        locked = (
            Order.objects.select_for_update(of=("self",))
            .select_related(*ORDER_OWN_RELATED)
            .get(pk=order.pk)
        )
    except Order.DoesNotExist:
        raise order_not_found() from None
    order_references(locked, current=current)
    return locked


@transaction.atomic
def order_accept(
    *, order: Order, acting_user: ActingUser, on: datetime.date | None = None
) -> Order:
    """The device centre accepts the order. A training-gated product's first order from
    a unit without recorded training is marked as waiting for training."""
    device_centre_check(acting_user)
    from logistics.selectors import training_recorded

    order = order_locked(order)
    if order.status != OrderStatus.SUBMITTED:
        raise Conflict(
            "order_not_submitted",
            _("Only a submitted order can be accepted (this one is “%(status)s”).")
            % {"status": OrderStatus(order.status).label},
        )
    order.status = OrderStatus.ACCEPTED
    order.waits_for_training = order.product.training_required and not training_recorded(
        unit=order.unit, product=order.product
    )
    row_update(order, fields=("status", "waits_for_training"))
    device_event_record(
        kind=EventKind.ORDER_ACCEPTED,
        order=order,
        from_status=OrderStatus.SUBMITTED,
        to_status=OrderStatus.ACCEPTED,
        acting_user=acting_user,
        acting_unit=device_centre_unit(acting_user),
        on=on,
        data={"waits_for_training": order.waits_for_training},
    )
    return order


@transaction.atomic
def order_cancel(
    *, order: Order, reason: str, acting_user: ActingUser, on: datetime.date | None = None
) -> Order:
    """Withdraw an order before it is dispatched, by its unit or the device centre. A
    reserved device goes back to stock."""
    order = order_locked(order)
    unit_or_centre_check(acting_user, order.unit_id)
    if order.status not in CANCELLABLE_ORDER_STATUSES:
        raise Conflict(
            "order_not_cancellable",
            _("An order that is “%(status)s” can no longer be cancelled.")
            % {"status": OrderStatus(order.status).label},
        )
    old = order.status
    device = order.device
    if device is not None:
        device = device_locked(device)
        old_device = device_transition(
            device,
            allowed_from=(DeviceStatus.RESERVED,),
            to_status=DeviceStatus.IN_STOCK,
            location=Location.CENTRE,
            code="device_not_reserved",
        )
        device_event_record(
            kind=EventKind.DEALLOCATED,
            order=order,
            device=device,
            from_status=old_device,
            to_status=device.status,
            acting_user=acting_user,
            on=on,
        )
    order.status = OrderStatus.CANCELLED
    order.cancel_reason = reason.strip()[:200]
    order.device = None
    order.save(update_fields=["status", "cancel_reason", "device"])
    device_event_record(
        kind=EventKind.ORDER_CANCELLED,
        order=order,
        from_status=old,
        to_status=OrderStatus.CANCELLED,
        acting_user=acting_user,
        on=on,
        data={"reason": order.cancel_reason},
    )
    return order
