"""The parameters of the demo-history simulation: the period, the seed, the units that
order, how many orders each product gets per month, how long deliveries, loans, returns
and reconditionings take, how stock is bought, how often devices fail and support is
called, and the names patients and prescribers are drawn from. They are calibrated
against the follow-up report of June 2024; ``docs/demo-history.md`` explains each one
and why it has its value. Plain constants only: nothing here touches the database.
"""

from __future__ import annotations

import datetime
from typing import NamedTuple

from logistics.choices import ReturnMethod, SupportSubject
from orders.choices import DeliveryMethod, OrderKind
from registry.choices import PrincipalKind, UnitType

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
