"""The plan of the demo history: everything that is to happen from 2023-09-01 to
2024-06-10, drawn from ``random.Random(seed)`` and the parameters as plain data before
anything is written. ``demo_history_plan`` draws who works where, which unit orders what
on which day and for which patient, when each device is dispatched, delivered, returned
and reconditioned, which stock is bought when, which loans get a fault and when support
cases are opened. Every random choice is made in a fixed order, so the same seed (and the
same municipalities) gives the same plan in any interpreter.
"""

from __future__ import annotations

import datetime
import random
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from bootstrap.history_simulation.parameters import (
    BASIC,
    BIRTH_YEARS,
    BP_PREGNANCY,
    CATCHMENT_SHARE,
    CRITERIA,
    DISPENSER,
    END,
    FAST_TRACK_PRODUCTS,
    FAST_TRACK_SHARE,
    FAULTS,
    FEMALE_SHARE,
    FIRST_NAMES,
    LAST_NAMES,
    LATE_DAYS,
    LATE_SHARE,
    LOANS,
    LOCAL_STOCK_BATCH,
    MONTHLY_ORDERS,
    MONTHS,
    MUNICIPAL_NURSES,
    MUNICIPAL_UNITS,
    MUNICIPAL_WEIGHT_POWER,
    MUNICIPALITY,
    NO_FAULT_RATE,
    ON_TIME_DAYS,
    OXIMETER,
    OXIMETER_DAYS,
    OXIMETER_LATE_DAYS,
    OXIMETER_LATE_SHARE,
    PICKUP_DAYS,
    PICKUP_POINTS,
    POST_AGENT_DAYS,
    PREGNANCY_UNITS,
    PRESC,
    PRESCRIPTION_DELIVERY,
    PRESCRIPTION_SHARE,
    PROTECTED_SHARE,
    PURCHASE_BATCH,
    PURCHASE_LEAD_DAYS,
    RECONDITIONING_TIME,
    RECONDITIONING_WAIT,
    REGION_DISPENSER_UNITS,
    REGION_UNITS,
    REPAIR_RATE,
    REPAIR_START,
    REPAIR_TIME,
    RETURN_METHODS,
    SAME_PATIENT_SHARE,
    SCALE,
    SEVERAL_PRINCIPALS_SHARE,
    START,
    STREAM_FROM,
    STREETS,
    SUPPORT_CASES_PER_MONTH,
    SUPPORT_CLOSE,
    SUPPORT_SUBJECTS,
    TRAINING_LAG,
    TRAINING_TO_DELIVERY,
    D,
)
from logistics.calendar import add_working_days, is_working_day
from logistics.choices import ReturnMethod, SupportSubject, WorkOrderOutcome
from orders.choices import DeliveryMethod
from orders.personal_numbers import luhn_check_digit
from registry.choices import Profession


class Municipality(NamedTuple):
    code: str
    name: str
    association: str
    population: int


@dataclass(frozen=True)
class PlannedPerson:
    unit: str
    first_name: str
    last_name: str
    profession: str


@dataclass(frozen=True)
class PlannedPatient:
    personal_number: str
    first_name: str
    last_name: str
    street_address: str
    postal_code: str
    city: str
    home_municipality: str
    protected: bool


@dataclass
class PlannedOrder:
    """One order and everything that is to happen to it: every date is a business date,
    and a date after ``END`` is simply not played (the order stays open, the loan on)."""

    number: int
    ordered_on: datetime.date
    product: str
    unit: str
    kind: str
    prescriber: int = 0  # index into Plan.people
    patient: int | None = None  # index into Plan.patients
    criteria: list[str] = field(default_factory=list)
    consultation_on: datetime.date | None = None
    delivery_method: str = DeliveryMethod.TOUR_VAN_UNIT.value
    pickup_point: str = ""
    local_serial: str = ""
    dispatched_on: datetime.date | None = None
    delivered_on: datetime.date | None = None
    return_method: str = ""
    requested_on: datetime.date | None = None  # pickup order or post-agent code
    received_on: datetime.date | None = None
    recon_started_on: datetime.date | None = None
    recon_done_on: datetime.date | None = None


@dataclass(frozen=True)
class PlannedRepair:
    order: int
    reported_on: datetime.date
    started_on: datetime.date
    done_on: datetime.date
    outcome: str
    fault: str


@dataclass(frozen=True)
class PlannedSupport:
    number: int
    order: int  # the delivery the case is about (its product and unit)
    opened_on: datetime.date
    closed_on: datetime.date
    subject: str


@dataclass(frozen=True)
class PlannedPurchase:
    product: str
    acquired_on: datetime.date
    serials: tuple[str, ...]
    unit: str = ""  # a unit's local stock, else the centre's


@dataclass
class Plan:
    """The whole history as data, before anything is written. Units are referred to by
    key (a regional unit's key or a municipality's code), people and patients by index."""

    seed: int
    people: list[PlannedPerson] = field(default_factory=list)
    patients: list[PlannedPatient] = field(default_factory=list)
    orders: list[PlannedOrder] = field(default_factory=list)
    trainings: dict[str, datetime.date] = field(default_factory=dict)  # unit -> day
    purchases: list[PlannedPurchase] = field(default_factory=list)
    repairs: list[PlannedRepair] = field(default_factory=list)
    support: list[PlannedSupport] = field(default_factory=list)


def _working_days(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    days = [first + datetime.timedelta(days=i) for i in range((last - first).days + 1)]
    return [d for d in days if is_working_day(d)]


def _on_or_after(day: datetime.date) -> datetime.date:
    return day if is_working_day(day) else add_working_days(day, 1)


def _pick(rng: random.Random, weights: dict[str, float]) -> str:
    keys = sorted(weights)
    return rng.choices(keys, [weights[k] for k in keys])[0]


def _apportion(total: int, shares: dict[str, float]) -> list[str]:
    """``total`` items split by ``shares`` with the largest remainders rounded up."""
    exact = {k: total * v / sum(shares.values()) for k, v in sorted(shares.items())}
    counts = {k: int(v) for k, v in exact.items()}
    for k in sorted(exact, key=lambda k: counts[k] - exact[k])[: total - sum(counts.values())]:
        counts[k] += 1
    return [k for k in sorted(counts) for _i in range(counts[k])]


class _Planner:
    """Draws the plan. Every random choice is made in a fixed order (orders by date, keys
    sorted), so the seed alone decides the plan."""

    def __init__(self, seed: int, municipalities: Sequence[Municipality]) -> None:
        self.rng = random.Random(seed)  # noqa: S311 - a reproducible demo, not secrets
        self.plan = Plan(seed=seed)
        self.municipalities = sorted(municipalities)
        self.by_code = {m.code: m for m in self.municipalities}
        self.staff: dict[str, list[int]] = defaultdict(list)
        self.numbers: set[str] = set()
        self.unit_patients: dict[str, list[int]] = defaultdict(list)

    def build(self) -> Plan:
        self._people()
        self._orders()
        self._purchases()
        self._repairs()
        self._support()
        return self.plan

    def _people(self) -> None:
        units = [(u.key, u.doctors, u.nurses) for u in REGION_UNITS]
        units += [(code, 0, MUNICIPAL_NURSES) for code in sorted(MUNICIPAL_UNITS)]
        for key, doctors, nurses in units:
            for profession in [Profession.DOCTOR] * doctors + [Profession.NURSE] * nurses:
                sex = self.rng.choice("fm")
                self.staff[key].append(len(self.plan.people))
                self.plan.people.append(
                    PlannedPerson(
                        unit=key,
                        first_name=self.rng.choice(FIRST_NAMES[sex]),
                        last_name=self.rng.choice(LAST_NAMES),
                        profession=profession.value,
                    )
                )

    def _unit_weights(self, product: str, kind: str) -> dict[str, float]:
        if kind == MUNICIPALITY:
            return {
                code: self.by_code[code].population ** MUNICIPAL_WEIGHT_POWER
                for code in MUNICIPAL_UNITS
            }
        if product == DISPENSER:
            return REGION_DISPENSER_UNITS
        if product == BP_PREGNANCY:
            return PREGNANCY_UNITS
        return {u.key: u.weight for u in REGION_UNITS}

    def _orders(self) -> None:
        drafts = []
        for (product, principal_kind), counts in sorted(MONTHLY_ORDERS.items()):
            share = PRESCRIPTION_SHARE.get((product, principal_kind), 0.0)
            weights = self._unit_weights(product, principal_kind)
            for month, count in zip(MONTHS, counts, strict=True):
                nxt = (month + datetime.timedelta(days=32)).replace(day=1)
                first = max(month, STREAM_FROM.get((product, principal_kind), START))
                days = _working_days(first, min(nxt - datetime.timedelta(days=1), END))
                kinds = [PRESC] * round(count * share) + [BASIC] * (count - round(count * share))
                self.rng.shuffle(kinds)
                for kind in kinds:
                    unit = _pick(self.rng, weights)
                    drafts.append((self.rng.choice(days), product, unit, kind))
        drafts.sort()
        for number, (day, product, unit, kind) in enumerate(drafts, start=1):
            order = PlannedOrder(number, ordered_on=day, product=product, unit=unit, kind=kind)
            self._fill(order)
            self.plan.orders.append(order)

    def _fill(self, order: PlannedOrder) -> None:
        rng = self.rng
        people = self.staff[order.unit]
        if order.kind == BASIC:  # only nurses order basic equipment
            people = [p for p in people if self.plan.people[p].profession == Profession.NURSE]
        order.prescriber = rng.choice(people)
        criteria = CRITERIA[order.product]
        order.criteria = sorted(rng.sample(criteria, rng.randint(1, min(2, len(criteria)))))
        if order.kind == PRESC:
            order.patient = self._patient(order)
            order.delivery_method = _pick(rng, PRESCRIPTION_DELIVERY)
            if order.delivery_method == DeliveryMethod.PICKUP_POINT:
                order.pickup_point = rng.choice(PICKUP_POINTS)
            if order.product == DISPENSER and rng.random() < SEVERAL_PRINCIPALS_SHARE:
                order.consultation_on = order.ordered_on - datetime.timedelta(rng.randint(1, 14))
        self._deliver(order)
        self._loan(order)

    def _patient(self, order: PlannedOrder) -> int:
        rng = self.rng
        earlier = self.unit_patients[order.unit]
        if order.product in (SCALE, OXIMETER) and earlier and rng.random() < SAME_PATIENT_SHARE:
            return rng.choice(earlier)
        female = order.product == BP_PREGNANCY or rng.random() < FEMALE_SHARE
        low, high = BIRTH_YEARS[order.product]
        while True:
            birth = D(rng.randint(low, high), 1, 1) + datetime.timedelta(rng.randint(0, 364))
            serial = rng.randrange(0, 1000, 2) + (0 if female else 1)  # odd: male
            nine = f"{birth:%y%m%d}{serial:03d}"
            number = f"{birth:%Y%m%d}{serial:03d}{luhn_check_digit(nine)}"
            if number not in self.numbers:
                break
        self.numbers.add(number)
        home = self._home(order.unit)
        protected = rng.random() < PROTECTED_SHARE
        municipality = self.by_code[home]
        postal = MUNICIPAL_UNITS.get(home, ("", municipality.name, ""))[0]
        patient = PlannedPatient(
            personal_number=number,
            first_name="" if protected else rng.choice(FIRST_NAMES["f" if female else "m"]),
            last_name="" if protected else rng.choice(LAST_NAMES),
            street_address="" if protected else f"{rng.choice(STREETS)} {rng.randint(1, 60)}",
            postal_code="" if protected else postal or f"{rng.randint(400, 549)} 10",
            city="" if protected else municipality.name,
            home_municipality=home,
            protected=protected,
        )
        self.plan.patients.append(patient)
        self.unit_patients[order.unit].append(len(self.plan.patients) - 1)
        return len(self.plan.patients) - 1

    def _home(self, unit: str) -> str:
        if unit in MUNICIPAL_UNITS:
            return unit
        catchment = next(u.catchment for u in REGION_UNITS if u.key == unit)
        pool = self.municipalities
        if catchment and self.rng.random() < CATCHMENT_SHARE:
            pool = [m for m in pool if catchment in (m.code, m.association)]
        return self.rng.choices(pool, [m.population for m in pool])[0].code

    def _deliver(self, order: PlannedOrder) -> None:
        rng = self.rng
        if (
            order.kind == PRESC
            and order.product in FAST_TRACK_PRODUCTS
            and any(u.key == order.unit and u.local_stock for u in REGION_UNITS)
            and rng.random() < FAST_TRACK_SHARE
        ):
            order.delivery_method = DeliveryMethod.LOCAL_STOCK.value
            order.delivered_on = order.ordered_on
            return
        if order.product == OXIMETER:
            late = rng.random() < OXIMETER_LATE_SHARE
            days = rng.randint(*(OXIMETER_LATE_DAYS if late else OXIMETER_DAYS))
        else:
            month = MONTHS.index(order.ordered_on.replace(day=1))
            if rng.random() < LATE_SHARE[month]:
                days = rng.choices(range(8, 8 + len(LATE_DAYS)), LATE_DAYS)[0]
            else:
                days = rng.choices(range(1, 8), ON_TIME_DAYS)[0]
        delivered = add_working_days(order.ordered_on, days)
        earliest_dispatch = order.ordered_on
        if order.product == DISPENSER:
            trained = self.plan.trainings.get(order.unit)
            if trained is None:
                trained = add_working_days(order.ordered_on, rng.randint(*TRAINING_LAG))
                self.plan.trainings[order.unit] = trained
            if order.ordered_on < trained:  # accepted before the training: it waits
                earliest_dispatch = trained
                after = add_working_days(trained, rng.randint(*TRAINING_TO_DELIVERY))
                delivered = max(delivered, after)
        order.delivered_on = delivered
        before = _working_days(earliest_dispatch, delivered - datetime.timedelta(days=1))
        order.dispatched_on = before[-1] if before else earliest_dispatch

    def _loan(self, order: PlannedOrder) -> None:
        rng = self.rng
        probability, (low, high, mode) = LOANS[(order.product, order.kind)]
        ends = rng.random() < probability
        length = round(rng.triangular(low, high, mode))
        if not ends or order.delivered_on is None:
            return
        order.return_method = _pick(rng, RETURN_METHODS)
        asked = _on_or_after(order.delivered_on + datetime.timedelta(days=length))
        if order.return_method == ReturnMethod.HANDED_IN:
            order.received_on = asked
        else:
            order.requested_on = asked
            span = PICKUP_DAYS if order.return_method == ReturnMethod.PICKUP else POST_AGENT_DAYS
            order.received_on = add_working_days(asked, rng.randint(*span))
        order.recon_started_on = add_working_days(
            order.received_on, rng.randint(*RECONDITIONING_WAIT)
        )
        order.recon_done_on = add_working_days(
            order.recon_started_on, rng.randint(*RECONDITIONING_TIME)
        )

    def _purchases(self) -> None:
        """Enough stock for every allocation: local shelves ahead of the fast track, and
        centre batches registered a week before the stock would run out."""
        shelf: dict[tuple[str, str], int] = Counter()
        change: dict[str, dict[datetime.date, int]] = defaultdict(Counter)
        for order in self.plan.orders:
            if order.delivery_method == DeliveryMethod.LOCAL_STOCK:
                n = shelf[(order.unit, order.product)]
                shelf[(order.unit, order.product)] += 1
                prefix = f"SIM-{order.product[3:]}-{order.unit.upper()}-"
                order.local_serial = f"{prefix}{n + 1:04d}"
                if n % LOCAL_STOCK_BATCH == 0:  # the shelf is empty: fill it a week before
                    numbers = range(n + 1, n + 1 + LOCAL_STOCK_BATCH)
                    self.plan.purchases.append(
                        PlannedPurchase(
                            product=order.product,
                            acquired_on=order.ordered_on - datetime.timedelta(days=7),
                            serials=tuple(f"{prefix}{i:04d}" for i in numbers),
                            unit=order.unit,
                        )
                    )
            elif order.dispatched_on and order.dispatched_on <= END:
                change[order.product][order.dispatched_on] -= 1
            if order.recon_done_on and order.recon_done_on <= END:
                change[order.product][order.recon_done_on] += 1
        for product in sorted(change):
            stock, bought = 0, 0
            for day in sorted(change[product]):
                stock += change[product][day]
                while stock < 0:
                    batch = PURCHASE_BATCH[product]
                    self.plan.purchases.append(
                        PlannedPurchase(
                            product=product,
                            acquired_on=day - datetime.timedelta(days=PURCHASE_LEAD_DAYS),
                            serials=tuple(
                                f"SIM-{product[3:]}-{bought + i:05d}" for i in range(1, batch + 1)
                            ),
                        )
                    )
                    stock += batch
                    bought += batch

    def _repairs(self) -> None:
        by_product: dict[str, list[tuple[PlannedOrder, list[datetime.date]]]] = defaultdict(list)
        delivered: Counter[str] = Counter()
        for order in self.plan.orders:
            if order.delivered_on is None or order.delivered_on > END:
                continue
            delivered[order.product] += 1
            last = min(order.requested_on or order.received_on or END, END)
            window = _working_days(add_working_days(order.delivered_on, 5), last)[:-12]
            if window:
                by_product[order.product].append((order, window))
        for product in sorted(set(REPAIR_RATE) | set(NO_FAULT_RATE)):
            repaired = int(REPAIR_RATE.get(product, 0) * delivered[product] + 0.5)
            no_fault = int(NO_FAULT_RATE.get(product, 0) * delivered[product] + 0.5)
            chosen = self.rng.sample(by_product[product], repaired + no_fault)
            for i, (order, window) in enumerate(chosen):
                reported = self.rng.choice(window)
                started = add_working_days(reported, self.rng.randint(*REPAIR_START))
                outcome = WorkOrderOutcome.REPAIRED if i < repaired else WorkOrderOutcome.NO_FAULT
                self.plan.repairs.append(
                    PlannedRepair(
                        order=order.number,
                        reported_on=reported,
                        started_on=started,
                        done_on=add_working_days(started, self.rng.randint(*REPAIR_TIME)),
                        outcome=outcome.value,
                        fault=self.rng.choice(FAULTS[product]),
                    )
                )

    def _support(self) -> None:
        total = round(SUPPORT_CASES_PER_MONTH * ((END - START).days + 1) / 30.44)
        delivered = [(o, o.delivered_on) for o in self.plan.orders if o.delivered_on]
        delivered = [(o, day) for o, day in delivered if day < END]
        with_app = [(o, day) for o, day in delivered if o.product != DISPENSER]
        subjects = _apportion(total, SUPPORT_SUBJECTS)
        self.rng.shuffle(subjects)
        for number, subject in enumerate(subjects, start=1):
            about_app = subject in (SupportSubject.APP, SupportSubject.CONNECTIVITY)
            order, day = self.rng.choice(with_app if about_app else delivered)
            # Within four weeks of the delivery: questions come when the device is new.
            opened = self.rng.choice(_working_days(day, END)[1:21])
            closed = add_working_days(opened, self.rng.randint(*SUPPORT_CLOSE))
            self.plan.support.append(PlannedSupport(number, order.number, opened, closed, subject))


def demo_history_plan(*, seed: int, municipalities: Sequence[Municipality]) -> Plan:
    """The history to play, drawn from the seed: the same seed gives the same plan."""
    return _Planner(seed, municipalities).build()
