"""Playing the plan of the demo history into the database. ``demo_history_load`` draws the
plan for a seed (with the municipalities of the registry) and applies it day by day
through the real actions (``order_submit``, ``device_allocate``, ``delivery_confirm``,
``return_receive``, ``reconditioning_done`` …) with past business dates, so every rule
applies and the same ``DeviceEvent`` rows are written as for real work; which device an
order gets is decided by the allocation itself. It runs in one transaction and does
nothing when a simulated order (external id ``SIM-…``) already exists, so loading twice
changes nothing.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from typing import NamedTuple

from django.db import transaction

from bootstrap.history_simulation.parameters import (
    DEFAULT_SEED,
    DISPENSER,
    END,
    MEMBERS_FROM,
    MUNICIPAL_CARE_TYPES,
    MUNICIPAL_UNITS,
    MUNICIPALITY,
    REGION_UNITS,
    SIM_PREFIX,
    SUPPORT_TEXTS,
)
from bootstrap.history_simulation.plan import Municipality, Plan, demo_history_plan
from catalog.models import Product
from devices.actions import device_register, reconditioning_done, reconditioning_start
from logistics.actions import (
    delivery_confirm,
    delivery_dispatch,
    device_allocate,
    pickup_request,
    return_receive,
    supportcase_close,
    supportcase_open,
    training_record,
    workorder_finish,
    workorder_report,
    workorder_start,
)
from logistics.models import Loan, SupportCase, Training, WorkOrder
from orders.actions import OrderInput, PatientInput, order_accept, order_submit
from orders.models import Order
from registry.choices import PrincipalKind, UnitType
from registry.models import Membership, Person, Principal, TourRoute, Unit

# Within a day: stock and reconditioned devices first (they can go out the same day),
# the training before the orders it releases, orders before deliveries, returns last.
PHASES = (
    "register", "recon_done", "training", "submit", "dispatch", "deliver", "repair_report",
    "repair_start", "repair_finish", "pickup", "receive", "recon_start", "support_open",
    "support_close",
)  # fmt: skip


class Step(NamedTuple):
    day: datetime.date
    phase: int
    ref: int  # index into the plan's list for the phase


def plan_steps(plan: Plan) -> list[Step]:
    """Every action of the plan up to ``END``, in the order it is played."""
    steps: list[tuple[datetime.date | None, str, int]] = []
    steps += [(p.acquired_on, "register", i) for i, p in enumerate(plan.purchases)]
    trainings = sorted(plan.trainings.items())
    steps += [(day, "training", i) for i, (_unit, day) in enumerate(trainings)]
    for i, o in enumerate(plan.orders):
        steps += [
            (o.ordered_on, "submit", i),
            (None if o.local_serial else o.dispatched_on, "dispatch", i),
            (None if o.local_serial else o.delivered_on, "deliver", i),
            (o.requested_on, "pickup", i),
            (o.received_on, "receive", i),
            (o.recon_started_on, "recon_start", i),
            (o.recon_done_on, "recon_done", i),
        ]
    for i, r in enumerate(plan.repairs):
        steps += [
            (r.reported_on, "repair_report", i),
            (r.started_on, "repair_start", i),
            (r.done_on, "repair_finish", i),
        ]
    for i, s in enumerate(plan.support):
        steps += [(s.opened_on, "support_open", i), (s.closed_on, "support_close", i)]
    phase = {name: n for n, name in enumerate(PHASES)}
    return sorted(
        Step(day, phase[name], ref) for day, name, ref in steps if day is not None and day <= END
    )


ASCII = str.maketrans("åäöé", "aaoe")


class _Player:
    """Applies a plan through the real actions as the device centre (``acting_user=None``)
    and, for orders, in the name of the planned prescriber."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        self.counts: Counter[str] = Counter()
        self.principals = {p.code: p for p in Principal.objects.all()}
        self.products = {p.article_number: p for p in Product.objects.all()}
        if "14" not in self.principals or DISPENSER not in self.products:
            raise RuntimeError("Load the reference data first (manage.py load_reference_data).")
        self.units: dict[str, Unit] = {}
        self.people: list[Person] = []
        self.orders: dict[int, Order] = {}
        self.loans: dict[int, Loan] = {}
        self.work_orders: dict[int, WorkOrder] = {}
        self.cases: dict[int, int] = {}
        self.trainings = sorted(plan.trainings.items())

    def play(self) -> Counter[str]:
        self._units()
        self._people()
        for step in plan_steps(self.plan):
            getattr(self, f"_{PHASES[step.phase]}")(step.day, step.ref)
            self.counts[PHASES[step.phase]] += 1
        return self.counts

    def _units(self) -> None:
        routes = {r.code: r for r in TourRoute.objects.all()}
        existing: dict[str, list[Unit]] = defaultdict(list)
        for unit in Unit.objects.select_related("principal").order_by("name"):
            existing[unit.principal.code].append(unit)
        specs = [
            (u.key, "14", u.name, u.unit_type, u.street, u.postal_code, u.city, u.route)
            for u in REGION_UNITS
        ] + [
            (code, code, f"Hemsjukvård {self.principals[code].name}", UnitType.HOME_HEALTH_CARE,
             "Vårdgatan 1", postal, city, route)
            for code, (postal, city, route) in sorted(MUNICIPAL_UNITS.items())
        ]  # fmt: skip
        for key, code, name, unit_type, street, postal, city, route in specs:
            if code == "14":  # the seed's name, or a demo unit whose name starts with it
                found = [u for u in existing[code] if u.name.casefold().startswith(name.casefold())]
            else:  # a demo unit of the municipality in municipal primary care
                found = [u for u in existing[code] if u.unit_type in MUNICIPAL_CARE_TYPES]
            if found:
                self.units[key] = found[0]
                continue
            unit = Unit(
                principal=self.principals[code],
                name=name,
                unit_type=unit_type,
                street_address=street,
                postal_code=postal,
                city=city,
                tour_route=routes.get(route),
            )
            unit.full_clean()
            unit.save()
            self.units[key] = unit
            self.counts["unit_created"] += 1

    def _people(self) -> None:
        for n, p in enumerate(self.plan.people, start=1):
            unit = self.units[p.unit]
            person = Person.objects.create(
                principal=unit.principal,
                first_name=p.first_name,
                last_name=p.last_name,
                profession=p.profession,
                email=f"{p.first_name}.{p.last_name}.{n}@example.se".lower().translate(ASCII),
            )
            Membership.objects.create(person=person, unit=unit, valid_from=MEMBERS_FROM)
            self.people.append(person)
        self.counts["person_created"] += len(self.people)

    def _register(self, day: datetime.date, ref: int) -> None:
        purchase = self.plan.purchases[ref]
        for serial in purchase.serials:
            device_register(
                product=self.products[purchase.product],
                serial_number=serial,
                acquired_on=day,
                unit=self.units[purchase.unit] if purchase.unit else None,
                acting_user=None,
            )
        self.counts["device_registered"] += len(purchase.serials)

    def _training(self, day: datetime.date, ref: int) -> None:
        unit = self.units[self.trainings[ref][0]]
        if Training.objects.filter(unit=unit, product=self.products[DISPENSER]).exists():
            return  # trained already (someone tried the demo unit before): nothing waits
        training_record(
            unit=unit, product=self.products[DISPENSER], trained_on=day, acting_user=None
        )

    def _patient(self, ref: int | None) -> PatientInput | None:
        if ref is None:
            return None
        p = self.plan.patients[ref]
        return PatientInput(
            personal_number=p.personal_number,
            protected_identity=p.protected,
            first_name=p.first_name,
            last_name=p.last_name,
            street_address=p.street_address,
            postal_code=p.postal_code,
            city=p.city,
            home_municipality=self.principals[p.home_municipality],
        )

    def _submit(self, day: datetime.date, ref: int) -> None:
        o = self.plan.orders[ref]
        unit = self.units[o.unit]
        other = "vårdcentral" if unit.principal.kind == MUNICIPALITY else "hemsjukvård"
        order, _created = order_submit(
            data=OrderInput(
                product=self.products[o.product],
                unit=unit,
                kind=o.kind,
                patient=self._patient(o.patient),
                criteria=o.criteria,
                several_principals=o.consultation_on is not None,
                consultation_with=f"Patientens {other}" if o.consultation_on else "",
                consultation_on=o.consultation_on,
                delivery_method=o.delivery_method,
                pickup_point=o.pickup_point,
                local_device_serial=o.local_serial,
                external_id=f"{SIM_PREFIX}{o.number}",
                ordered_on=day,
                prescriber=self.people[o.prescriber],
            ),
            acting_user=None,
        )
        if not o.local_serial:
            order = order_accept(order=order, acting_user=None, on=day)
        self.orders[ref] = order

    def _dispatch(self, day: datetime.date, ref: int) -> None:
        order = device_allocate(order=self.orders[ref], acting_user=None, on=day)
        self.orders[ref] = delivery_dispatch(order=order, acting_user=None, on=day)

    def _deliver(self, day: datetime.date, ref: int) -> None:
        self.loans[ref] = delivery_confirm(
            order=self.orders[ref], delivered_on=day, acting_user=None
        )

    def _loan(self, ref: int) -> Loan:
        if ref not in self.loans:  # delivered from local stock inside order_submit
            self.loans[ref] = Loan.objects.select_related("device").get(order=self.orders[ref])
        return self.loans[ref]

    def _pickup(self, day: datetime.date, ref: int) -> None:
        method = self.plan.orders[ref].return_method
        self.loans[ref], _code = pickup_request(
            loan=self._loan(ref), method=method, requested_on=day, acting_user=None
        )

    def _receive(self, day: datetime.date, ref: int) -> None:
        self.loans[ref] = return_receive(loan=self._loan(ref), received_on=day, acting_user=None)

    def _recon_start(self, day: datetime.date, ref: int) -> None:
        reconditioning_start(device=self._loan(ref).device, acting_user=None, on=day)

    def _recon_done(self, day: datetime.date, ref: int) -> None:
        reconditioning_done(device=self._loan(ref).device, acting_user=None, on=day)

    def _repair_report(self, day: datetime.date, ref: int) -> None:
        repair = self.plan.repairs[ref]
        order_ref = repair.order - 1
        loan = self._loan(order_ref)
        self.work_orders[ref] = workorder_report(
            device=loan.device,
            fault=repair.fault,
            unit=self.orders[order_ref].unit,
            reported_on=day,
            acting_user=None,
        )

    def _repair_start(self, day: datetime.date, ref: int) -> None:
        self.work_orders[ref] = workorder_start(
            work_order=self.work_orders[ref], acting_user=None, on=day
        )

    def _repair_finish(self, day: datetime.date, ref: int) -> None:
        outcome = self.plan.repairs[ref].outcome
        workorder_finish(
            work_order=self.work_orders[ref], outcome=outcome, acting_user=None, on=day
        )

    def _support_open(self, day: datetime.date, ref: int) -> None:
        case = self.plan.support[ref]
        order = self.orders[case.order - 1]
        opened = supportcase_open(
            subject=case.subject,
            description=SUPPORT_TEXTS[case.subject],
            product=order.product,
            unit=order.unit,
            opened_on=day,
            external_id=f"{SIM_PREFIX}S{case.number}",
            acting_user=None,
        )
        self.cases[ref] = opened.pk

    def _support_close(self, day: datetime.date, ref: int) -> None:
        case = SupportCase.objects.get(pk=self.cases[ref])
        supportcase_close(case=case, resolution="Löst i telefon.", acting_user=None, on=day)


def municipalities_from_registry() -> list[Municipality]:
    """The municipalities of the reference data, as the plan draws patients' homes from."""
    return [
        Municipality(p.code, p.name, p.association.name if p.association else "", p.population)
        for p in Principal.objects.filter(kind=PrincipalKind.MUNICIPALITY)
        .select_related("association")
        .order_by("code")
    ]


def demo_history_loaded() -> bool:
    return Order.objects.filter(external_id__startswith=SIM_PREFIX).exists()


def demo_history_load(*, seed: int = DEFAULT_SEED) -> Counter[str]:
    """Play the simulated history into the database in one transaction; nothing if it is
    there already. Needs the reference and demo data. Returns what was done."""
    with transaction.atomic():
        if demo_history_loaded():
            return Counter()
        plan = demo_history_plan(seed=seed, municipalities=municipalities_from_registry())
        return _Player(plan).play()
