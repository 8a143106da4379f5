"""A seeded simulation of the demo history, 2023-09-01 to 2024-06-10.

The follow-up report of June 2024 (seed 000, "Försörjning") describes nine months of
deliveries, returns, reconditionings, repairs and support cases. This module builds a
history that comes out close to those figures, in two steps:

1. ``demo_history_plan`` draws a *plan* from ``random.Random(seed)`` and the parameters
   below: which unit orders what on which day, for which patient, how long the delivery
   takes, whether and when the device comes back, which loans get a fault and which day
   a support case is opened. The plan is plain data; the same seed gives the same plan.
2. ``demo_history_load`` plays the plan day by day through the real actions
   (``order_submit``, ``device_allocate``, ``delivery_confirm``, ``return_receive``,
   ``reconditioning_done`` …) with past business dates, so every rule applies and the
   same ``DeviceEvent`` rows are written as for real work. Which device an order gets is
   decided by the allocation itself (oldest in stock first), so reconditioned devices go
   out again.

The parameters are module constants; ``docs/demo-history.md`` explains them and compares
the figures produced with the seed's. Everything is invented demo data.
"""

from __future__ import annotations

import datetime
import random
import statistics
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db import transaction
from django.db.models import F

from catalog.models import Product
from devices.actions import device_register, reconditioning_done, reconditioning_start
from devices.choices import EventKind
from devices.models import DeviceEvent
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
from logistics.calendar import add_working_days, is_working_day
from logistics.choices import ReturnMethod, SupportSubject, WorkOrderOutcome, WorkOrderStatus
from logistics.models import Loan, SupportCase, Training, WorkOrder
from orders.actions import OrderInput, PatientInput, order_accept, order_submit
from orders.choices import DeliveryMethod, OrderKind
from orders.models import Order
from orders.personal_numbers import luhn_check_digit
from registry.choices import PrincipalKind, Profession, UnitType
from registry.models import Membership, Person, Principal, TourRoute, Unit

D = datetime.date
START = D(2023, 9, 1)
END = D(2024, 6, 10)  # the follow-up's "per 10 juni 2024"
DEFAULT_SEED = 115  # of seeds 1-200, the history closest to the report (docs)
SIM_PREFIX = "SIM-"  # external_id of every simulated order: the history is loaded once
MEMBERS_FROM = D(2023, 8, 1)  # simulated prescribers work in their units from then
MONTHS = [D(2023, m, 1) for m in range(9, 13)] + [D(2024, m, 1) for m in range(1, 7)]

BP, BP_PREGNANCY, SCALE, OXIMETER, DISPENSER = "DH-1001", "DH-1002", "DH-1003", "DH-1004", "DH-1007"
REGION, MUNICIPALITY = PrincipalKind.REGION.value, PrincipalKind.MUNICIPALITY.value

# --- Who orders -----------------------------------------------------------------------


class RegionUnit(NamedTuple):
    key: str
    name: str  # an existing region unit whose name starts with this is reused
    unit_type: str
    street: str
    postal_code: str
    city: str
    route: str
    catchment: str  # where most of its patients live: a municipal association or code
    doctors: int
    nurses: int
    weight: float  # share of the region's prescriptions of BP monitors and scales
    local_stock: bool  # runs the self-monitoring "fast track" from its own shelf


# The eight regional units the seed lists as having ordered ("Jämlikhet").
REGION_UNITS = [
    RegionUnit("emc", "Egenmonitoreringscenter", UnitType.HOSPITAL_CLINIC, "Medicinaregatan 3",
               "413 90", "Göteborg", "GBG-1", "", 2, 5, 0.30, True),
    RegionUnit("su", "Sahlgrenska Universitetssjukhuset", UnitType.HOSPITAL_WARD,
               "Blå stråket 5", "413 45", "Göteborg", "GBG-1", "Göteborgsregionen", 1, 3, 0.15,
               True),
    RegionUnit("angered", "Angereds närsjukhus", UnitType.HOSPITAL_CLINIC, "Angereds torg 11",
               "424 22", "Angered", "GBG-1", "1480", 1, 3, 0.12, True),
    RegionUnit("skas", "Skaraborgs sjukhus", UnitType.HOSPITAL_CLINIC, "Lövängsvägen 1",
               "541 85", "Skövde", "SKA-1", "Skaraborg", 1, 2, 0.12, False),
    RegionUnit("sas", "Södra Älvsborgs sjukhus", UnitType.HOSPITAL_CLINIC,
               "Brämhultsvägen 53", "501 82", "Borås", "SJU-1", "Sjuhärad", 1, 2, 0.11, False),
    RegionUnit("sjobo", "Närhälsan Sjöbo vårdcentral", UnitType.PRIMARY_CARE_CENTRE,
               "Sjöbo torg 2", "506 40", "Borås", "SJU-1", "1490", 1, 2, 0.07, False),
    RegionUnit("tjorn", "Närhälsan Tjörn vårdcentral", UnitType.PRIMARY_CARE_CENTRE,
               "Kyrkvägen 1", "471 31", "Skärhamn", "GBG-1", "1419", 1, 2, 0.06, False),
    RegionUnit("agard", "Närhälsan Ågårdsskogen vårdcentral", UnitType.PRIMARY_CARE_CENTRE,
               "Ågårdsvägen 2", "461 62", "Trollhättan", "", "1488", 1, 2, 0.07, False),
]  # fmt: skip
# A regional unit's patients live in its catchment with this probability, otherwise
# anywhere in the region (weighted by population): municipalities that never ordered
# themselves still have residents with devices.
CATCHMENT_SHARE = 0.85
# Medication dispensers prescribed by the region come from primary care and Angered.
REGION_DISPENSER_UNITS = {"sjobo": 0.3, "tjorn": 0.2, "agard": 0.3, "angered": 0.2}
# The pregnancy BP monitor is prescribed by maternity care at the hospitals.
PREGNANCY_UNITS = {"su": 0.4, "sas": 0.3, "skas": 0.3}

# The twenty municipalities that ordered: all signed the collaboration and health-care
# supply agreements (Ale and Alingsås did not sign). One home-health-care unit each;
# a demo unit of the municipality in municipal primary care is reused.
# code -> (postal code, city, tour-van route) for a unit that has to be created.
MUNICIPAL_UNITS = {
    "1480": ("413 27", "Göteborg", "GBG-1"), "1490": ("503 37", "Borås", "SJU-1"),
    "1496": ("541 52", "Skövde", "SKA-1"), "1481": ("431 30", "Mölndal", "GBG-1"),
    "1482": ("442 31", "Kungälv", "GBG-1"), "1402": ("433 38", "Partille", "GBG-1"),
    "1441": ("443 30", "Lerum", "GBG-1"), "1401": ("435 30", "Mölnlycke", "GBG-1"),
    "1488": ("461 30", "Trollhättan", ""), "1485": ("451 30", "Uddevalla", ""),
    "1487": ("462 30", "Vänersborg", ""), "1494": ("531 30", "Lidköping", "SKA-1"),
    "1499": ("521 30", "Falköping", "SKA-1"), "1493": ("542 30", "Mariestad", "SKA-1"),
    "1491": ("523 30", "Ulricehamn", "SJU-1"), "1463": ("511 30", "Kinna", "SJU-1"),
    "1415": ("444 30", "Stenungsund", "GBG-1"), "1419": ("471 30", "Skärhamn", "GBG-1"),
    "1495": ("532 30", "Skara", "SKA-1"), "1470": ("534 30", "Vara", "SKA-1"),
}  # fmt: skip
MUNICIPAL_CARE_TYPES = (UnitType.HOME_HEALTH_CARE, UnitType.NURSING_HOME)
MUNICIPAL_NURSES = 2
# Municipal orders are spread by population to this power: big towns order more, but
# not in proportion (every home-care organisation needs a first few devices).
MUNICIPAL_WEIGHT_POWER = 0.5

# --- What is ordered, when ------------------------------------------------------------

# Orders submitted per month (Sep 2023 … Jun 2024; June only up to the 10th) for each
# product and principal type. The region launched BP monitors and scales in September
# 2023; municipalities order basic equipment from October (the supplementary supply
# agreement of 2023-10-01); the pregnancy monitor came in November; the medication
# dispenser only from 2024-02-26 (its guidance). Calibrated so that 2 135 devices are
# delivered by 2024-06-10: BP >1 300, scales just under 400, dispensers 369, oximeters ~50.
MONTHLY_ORDERS: dict[tuple[str, str], list[int]] = {
    (BP, REGION): [57, 99, 120, 99, 130, 137, 143, 148, 145, 50],
    (BP, MUNICIPALITY): [0, 10, 16, 15, 21, 23, 25, 27, 29, 8],
    (BP_PREGNANCY, REGION): [0, 0, 4, 6, 8, 9, 10, 10, 11, 4],
    (SCALE, REGION): [19, 29, 35, 29, 39, 39, 41, 41, 42, 15],
    (SCALE, MUNICIPALITY): [0, 4, 6, 7, 9, 9, 10, 11, 12, 4],
    (OXIMETER, REGION): [2, 3, 3, 4, 5, 6, 6, 6, 7, 2],
    (OXIMETER, MUNICIPALITY): [0, 0, 1, 1, 1, 2, 2, 2, 2, 1],
    (DISPENSER, REGION): [0, 0, 0, 0, 0, 4, 20, 24, 28, 11],
    (DISPENSER, MUNICIPALITY): [0, 0, 0, 0, 0, 13, 76, 93, 104, 38],
}
# The first day each stream can order (launch, agreement or guidance).
STREAM_FROM = {
    (BP, MUNICIPALITY): D(2023, 10, 1),
    (SCALE, MUNICIPALITY): D(2023, 10, 1),
    (OXIMETER, MUNICIPALITY): D(2023, 10, 1),
    (BP_PREGNANCY, REGION): D(2023, 11, 1),
    (DISPENSER, REGION): D(2024, 2, 26),
    (DISPENSER, MUNICIPALITY): D(2024, 2, 26),
}
# Share of a stream's orders that are prescriptions to a patient; the rest is basic
# equipment for the unit. Municipalities may only order BP monitors, scales and
# oximeters as basic equipment; the pregnancy monitor and the dispenser are prescribed.
PRESCRIPTION_SHARE = {
    (BP, REGION): 0.81,
    (SCALE, REGION): 0.77,
    (OXIMETER, REGION): 0.72,
    (BP_PREGNANCY, REGION): 1.0,
    (DISPENSER, REGION): 1.0,
    (DISPENSER, MUNICIPALITY): 1.0,
}
# A scale or oximeter prescription is for a patient who already has a BP monitor from
# the same unit (heart failure: pressure and weight) with this probability.
SAME_PATIENT_SHARE = 0.5
CRITERIA = {
    BP: ["b420.2"],
    BP_PREGNANCY: ["b420.1"],
    SCALE: ["b530.2"],
    OXIMETER: ["b440.2", "b410.2"],
    DISPENSER: ["b144.2", "b117.2", "b164.2"],
}
# A dispenser patient also cared for by the other principal: consultation is recorded.
SEVERAL_PRINCIPALS_SHARE = 0.3
# How prescriptions travel (the seed: the tour van is the commonest, pickup points work
# well for those who tried them). Basic equipment goes by tour van to the unit.
PRESCRIPTION_DELIVERY = {
    DeliveryMethod.TOUR_VAN_HOME.value: 0.55,
    DeliveryMethod.TOUR_VAN_UNIT.value: 0.35,
    DeliveryMethod.PICKUP_POINT.value: 0.10,
}
PICKUP_POINTS = ["Apoteket Hjärtat", "ICA Maxi", "Coop Forum", "Servicepunkten"]
# The self-monitoring fast track ("snabbspåret"): a share of BP monitor and scale
# prescriptions at the units with local stock is handed out from the unit's own shelf
# the same day. The follow-up does not count these in delivery times.
FAST_TRACK_SHARE = 0.31
FAST_TRACK_PRODUCTS = (BP, SCALE)
LOCAL_STOCK_BATCH = 10  # devices placed on a unit's shelf at a time

# --- How long deliveries take ---------------------------------------------------------

# Working days from order to delivery for a delivery within the agreed 7 days: weights
# for 1..7. With the late tail this gives the seed's median 4 and mean 4.6.
ON_TIME_DAYS = [2, 10, 30, 36, 14, 5, 3]
# The late tail: weights for 8..16 working days (most only a day or two late).
LATE_DAYS = [45, 25, 12, 7, 4, 3, 2, 1, 1]
# Share of late deliveries per month of order. Autumn 2023 was slow: the BP monitor's
# integration with the app Vård och Hälsa, and a second BP monitor for pregnant women.
LATE_SHARE = [0.27, 0.19, 0.10, 0.10, 0.07, 0.07, 0.07, 0.07, 0.07, 0.07]
# The oximeter is ordered from the supplier (17 working days agreed).
OXIMETER_DAYS = (6, 16)
OXIMETER_LATE_SHARE = 0.05
OXIMETER_LATE_DAYS = (18, 24)
# The dispenser's first delivery to a unit waits for the unit's training, held this many
# working days after its first order; every order accepted before it waits too and is
# delivered TRAINING_TO_DELIVERY working days after the training (not hurried: seed).
TRAINING_LAG = (8, 14)
TRAINING_TO_DELIVERY = (1, 2)

# --- Loans, returns, reconditioning ---------------------------------------------------

# (product, kind) -> probability that the loan ends at all, and its length in days
# (triangular: low, high, mode). BP monitors are often lent for a period of
# measurements; the pregnancy monitor until the birth; dispensers end when the patient
# moves to a care home or dies. Returns after 2024-06-10 are not played.
PRESC, BASIC = OrderKind.PRESCRIPTION.value, OrderKind.BASIC_EQUIPMENT.value
LOANS = {
    (BP, PRESC): (0.44, (21, 240, 60)),
    (BP, BASIC): (0.50, (30, 240, 90)),
    (BP_PREGNANCY, PRESC): (0.95, (30, 200, 90)),
    (SCALE, PRESC): (0.33, (30, 240, 90)),
    (SCALE, BASIC): (0.50, (30, 240, 90)),
    (OXIMETER, PRESC): (0.40, (14, 150, 45)),
    (OXIMETER, BASIC): (0.40, (30, 200, 90)),
    (DISPENSER, PRESC): (0.25, (10, 100, 40)),
}
# How devices come back: tour-van pickup, post agent with a code, or handed in.
RETURN_METHODS = {
    ReturnMethod.PICKUP.value: 0.55,
    ReturnMethod.POST_AGENT.value: 0.25,
    ReturnMethod.HANDED_IN.value: 0.20,
}
PICKUP_DAYS = (1, 7)  # working days from pickup order to receipt (pickup within 7)
POST_AGENT_DAYS = (2, 8)
RECONDITIONING_WAIT = (0, 2)  # working days from receipt to start
RECONDITIONING_TIME = (1, 3)  # working days from start to back in stock

# --- Stock ----------------------------------------------------------------------------

# New devices are bought in batches, registered this many days before the stock would
# run out (the allocation takes reconditioned devices first: they are older).
PURCHASE_BATCH = {BP: 50, BP_PREGNANCY: 10, SCALE: 25, OXIMETER: 10, DISPENSER: 25}
PURCHASE_LEAD_DAYS = 7

# --- Maintenance and support ----------------------------------------------------------

# Corrective maintenance per delivered device (the seed: 25 of 1 597, "most of them the
# two BP monitors", some scales); a few more reports find no fault.
REPAIR_RATE = {BP: 0.013, BP_PREGNANCY: 0.07, SCALE: 0.013}
NO_FAULT_RATE = {BP: 0.002, SCALE: 0.003}
FAULTS = {
    BP: ["Manschetten håller inte trycket.", "Mätaren visar felkod E2.", "Startar inte."],
    BP_PREGNANCY: ["Mätaren visar felkod E2.", "Manschetten läcker.", "Displayen är svart."],
    SCALE: ["Vågen visar orimliga värden.", "Displayen tänds inte."],
}
REPAIR_START = (1, 3)  # working days from report to start (start within 3)
REPAIR_TIME = (1, 6)  # working days from start to done (done within 10)
# Support cases: "ett 20-tal", a majority about the app Vård och Hälsa.
SUPPORT_CASES_PER_MONTH = 2.15
SUPPORT_SUBJECTS = {
    SupportSubject.APP.value: 0.55,
    SupportSubject.CONNECTIVITY.value: 0.15,
    SupportSubject.USAGE.value: 0.15,
    SupportSubject.DEVICE.value: 0.15,
}
SUPPORT_TEXTS = {
    SupportSubject.APP.value: "Mätvärdena syns inte i appen Vård och Hälsa.",
    SupportSubject.CONNECTIVITY.value: "Mätaren parkopplas inte med patientens telefon.",
    SupportSubject.USAGE.value: "Frågor om hur mätningen ska göras.",
    SupportSubject.DEVICE.value: "Hjälpmedlet beter sig konstigt; behöver det bytas?",
}
SUPPORT_CLOSE = (0, 4)  # working days until the case is closed

# --- Patients -------------------------------------------------------------------------

BIRTH_YEARS = {
    BP: (1935, 1985),
    BP_PREGNANCY: (1984, 2002),
    SCALE: (1930, 1970),
    OXIMETER: (1935, 1975),
    DISPENSER: (1925, 1960),
}
FEMALE_SHARE = 0.5
PROTECTED_SHARE = 0.01  # skyddad identitet: no name or address
FIRST_NAMES = {
    "f": ["Anna", "Eva", "Maria", "Karin", "Kristina", "Lena", "Sara", "Ingrid", "Birgitta",
          "Elin", "Marie", "Margareta", "Johanna", "Ulla", "Linnéa", "Emma", "Aisha", "Fatima"],
    "m": ["Lars", "Mikael", "Anders", "Johan", "Erik", "Per", "Karl", "Peter", "Jan",
          "Thomas", "Daniel", "Bengt", "Mohammed", "Ali", "Göran", "Nils", "Oskar", "Ahmed"],
}  # fmt: skip
LAST_NAMES = [
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson",
    "Persson", "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson",
    "Bengtsson", "Lindberg", "Jakobsson", "Magnusson", "Lindström", "Axelsson", "Berg",
    "Hassan", "Ali", "Lundgren", "Mattsson", "Holm", "Sandberg", "Forsberg", "Ekström",
]  # fmt: skip
STREETS = ["Storgatan", "Kyrkogatan", "Skolgatan", "Björkvägen", "Ängsvägen", "Parkgatan"]


# --- The plan -------------------------------------------------------------------------


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


def municipalities_from_registry() -> list[Municipality]:
    return [
        Municipality(p.code, p.name, p.association.name if p.association else "", p.population)
        for p in Principal.objects.filter(kind=PrincipalKind.MUNICIPALITY)
        .select_related("association")
        .order_by("code")
    ]


# --- Playing the plan through the actions ---------------------------------------------

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


# --- The figures ----------------------------------------------------------------------


@dataclass
class HistoryFigures:
    """The follow-up's key figures over the events of a period, defined as in §4.7."""

    delivered: int
    delivered_by_product: dict[str, int]
    to_patients: int
    at_patients: int
    counted: int
    late: int
    median_days: float | None
    mean_days: float | None
    reconditionings: int
    corrective_maintenances: int
    support_cases: int
    municipalities_ordered: int
    regional_units_ordered: int

    @property
    def on_time_share(self) -> float | None:
        return (self.counted - self.late) / self.counted if self.counted else None


def demo_history_figures(
    *, start: datetime.date = START, end: datetime.date = END
) -> HistoryFigures:
    events = DeviceEvent.objects.filter(occurred_at__date__range=(start, end))
    delivered = events.filter(kind=EventKind.DELIVERED)
    by_product = Counter(delivered.values_list("order__product__article_number", flat=True))
    to_patients = delivered.filter(order__kind=OrderKind.PRESCRIPTION)
    returned = DeviceEvent.objects.filter(
        kind=EventKind.RECEIVED,
        loan__order__kind=OrderKind.PRESCRIPTION,
        occurred_at__date__lte=end,
    )
    all_to_patients = DeviceEvent.objects.filter(
        kind=EventKind.DELIVERED, order__kind=OrderKind.PRESCRIPTION, occurred_at__date__lte=end
    )
    # Deliveries by the centre (not from a local shelf) from the product's contract start;
    # a delivered order always has its delivery time.
    counted = [
        (days or 0, agreed)
        for days, agreed in delivered.exclude(order__delivery_method=DeliveryMethod.LOCAL_STOCK)
        .filter(occurred_at__date__gte=F("order__product__contract_start"))
        .values_list("order__delivery_working_days", "order__product__agreed_delivery_days")
    ]
    days = [d for d, _agreed in counted]
    ordered = Order.objects.filter(ordered_on__range=(start, end))
    return HistoryFigures(
        delivered=delivered.count(),
        delivered_by_product=dict(sorted(by_product.items())),
        to_patients=to_patients.count(),
        at_patients=all_to_patients.count() - returned.count(),
        counted=len(days),
        late=sum(1 for d, agreed in counted if d > agreed),
        median_days=statistics.median(days) if days else None,
        mean_days=statistics.fmean(days) if days else None,
        reconditionings=events.filter(kind=EventKind.RECONDITIONED).count(),
        corrective_maintenances=WorkOrder.objects.filter(
            status=WorkOrderStatus.DONE, done_at__date__range=(start, end)
        )
        .exclude(outcome=WorkOrderOutcome.NO_FAULT)
        .count(),
        support_cases=events.filter(kind=EventKind.SUPPORT_OPENED).count(),
        municipalities_ordered=ordered.filter(principal__kind=PrincipalKind.MUNICIPALITY)
        .values("principal")
        .distinct()
        .count(),
        regional_units_ordered=ordered.filter(principal__kind=PrincipalKind.REGION)
        .values("unit")
        .distinct()
        .count(),
    )
