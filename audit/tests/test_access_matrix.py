"""The access rules as a matrix: every role × every patient-data page and endpoint,
on the screens and the API, for a patient of a region unit (P) and of a municipal unit
(Q), with and without a protected identity.

Expected answers: ``SEES`` (200 and the patient is in it), ``HIDDEN`` (a list, 200,
without the patient), 403 (the role never sees patient data here) or 404 (the role may
see patients, but not this one).
"""

import pytest
from django.contrib.auth.models import User
from django.test import Client

from orders.tests.helpers import DISPENSER, delivered, submit

pytestmark = pytest.mark.django_db

SEES, HIDDEN = "sees", "hidden"
P_NUMBER, Q_NUMBER = "19121212-1212", "19800101-0001"

# The personas (conftest.py, bootstrap/demo_data.py) and the role each stands for.
ROLES = {
    "prescriber_region": "anna.lind",  # nurse, Närhälsan Majorna (region) – P's unit
    "prescriber_municipality": "sara.holm",  # nurse, Hemsjukvård Centrum (Göteborg) – Q's unit
    "unit_manager": "ulla.chef",  # manager of Hemsjukvård Centrum (Göteborg)
    "prescriber_other_municipality": "peter.nord",  # Borås: neither P's nor Q's
    "device_centre": "lars.hmc",
    "coordinator": "karin.samverkan",
    "finance_officer": "olof.ekonomi",
    "analyst": "alva.analys",
    "security_officer": "siv.logg",
    "administrator": "admin",
}

# Who sees patient P (region unit) and patient Q (municipal unit) on the patient pages.
PATIENT_PAGE = {
    "prescriber_region": (SEES, 404),
    "prescriber_municipality": (404, SEES),
    "unit_manager": (404, SEES),
    "prescriber_other_municipality": (404, 404),
    "device_centre": (SEES, SEES),
    "coordinator": (403, 403),
    "finance_officer": (403, 403),
    "analyst": (403, 403),
    "security_officer": (403, 403),
    "administrator": (SEES, SEES),
}
CENTRE_ONLY = {role: (403, 403) for role in ROLES} | {
    "device_centre": (SEES, SEES),
    "administrator": (SEES, SEES),
}
# The queue holds Q (not yet delivered); the returns hold P (pickup ordered).
WORK_QUEUE = CENTRE_ONLY | {"device_centre": (HIDDEN, SEES), "administrator": (HIDDEN, SEES)}
RETURNS = CENTRE_ONLY | {"device_centre": (SEES, HIDDEN), "administrator": (SEES, HIDDEN)}
LOG_REVIEW = {role: (403, 403) for role in ROLES} | {
    # Only accesses made for the unit they manage: sara's reading of Q, not anna's of P.
    "unit_manager": (HIDDEN, SEES),
    "security_officer": (SEES, SEES),
    "administrator": (SEES, SEES),
}
# Aggregates without patient data: every role sees the page, no patient is on it.
FOLLOWUP = {role: (HIDDEN, HIDDEN) for role in ROLES}
IMPORT = CENTRE_ONLY | {"device_centre": (HIDDEN, HIDDEN), "administrator": (HIDDEN, HIDDEN)}
# Money pages hold no patient: finance officers (and administrators) see them.
FINANCE = {role: (403, 403) for role in ROLES} | {
    "finance_officer": (HIDDEN, HIDDEN),
    "administrator": (HIDDEN, HIDDEN),
}
ECONOMY = FINANCE | {"coordinator": (HIDDEN, HIDDEN)}
LOG_EXTRACT = {role: (403, 403) for role in ROLES} | {
    "security_officer": (SEES, SEES),
    "administrator": (SEES, SEES),
}


def as_list(expected):
    """The same rule on a list: a 404 there is the patient missing from the list."""
    return {role: tuple(HIDDEN if e == 404 else e for e in pair) for role, pair in expected.items()}


# Pages that answer about one patient without printing their number: a 200 is "sees".
NO_NUMBER_SHOWN = {"api order events", "api log extract"}

# (name, URL template, expectations, whether a protected name could appear there)
PAGES = [
    ("api order list", "/api/v1/orders", as_list(PATIENT_PAGE), True),
    ("api order", "/api/v1/orders/{order}", PATIENT_PAGE, True),
    ("api order events", "/api/v1/orders/{order}/events", PATIENT_PAGE, False),
    ("api loan list", "/api/v1/loans", as_list(PATIENT_PAGE), False),
    ("api loan", "/api/v1/loans/{loan}", PATIENT_PAGE, False),
    ("api access log", "/api/v1/access-log", LOG_REVIEW, False),
    ("api log extract", "/api/v1/access-log/patients/{patient}", LOG_EXTRACT, False),
    ("ui order list", "/bestallningar/", as_list(PATIENT_PAGE), True),
    ("ui order list csv", "/bestallningar/?format=csv", as_list(PATIENT_PAGE), True),
    ("ui order", "/bestallningar/{order}/", PATIENT_PAGE, True),
    ("ui patient", "/patienter/{patient}/", PATIENT_PAGE, True),
    ("ui work queue", "/hmc/", WORK_QUEUE, True),
    ("ui centre order", "/hmc/bestallning/{order}/", CENTRE_ONLY, True),
    ("ui returns", "/hmc/returer/", RETURNS, True),
    ("ui access log", "/logg/", LOG_REVIEW, False),
    ("ui log extract", "/logg/patient/{patient}/", LOG_EXTRACT, False),
    ("ui follow-up", "/uppfoljning/?start=2023-01-01", FOLLOWUP, True),
    ("ui follow-up report", "/uppfoljning/rapport/?start=2023-01-01", FOLLOWUP, True),
    ("ui follow-up csv", "/uppfoljning/ordering-units.csv?start=2023-01-01", FOLLOWUP, True),
    ("api follow-up", "/api/v1/followup/summary?from=2023-01-01", FOLLOWUP, False),
    ("ui history import", "/hmc/import/", IMPORT, False),
    ("ui rent runs", "/fakturering/", FINANCE, False),
    ("api invoices", "/api/v1/billing/invoices", FINANCE, False),
    ("ui joint investment", "/investering/oversikt/", FINANCE, False),
    ("ui joint economy", "/samverkansekonomi/", ECONOMY, False),
    ("api joint economy", "/api/v1/economy/ledger", ECONOMY, False),
]


@pytest.fixture
def world(anna, sara, lars, bp_stock):
    """P: prescribed by the region unit, delivered, pickup ordered (so it is in the
    centre's returns). Q: prescribed by the municipal unit, still in the work queue."""
    from logistics.actions import pickup_request

    p_order = submit(anna, personal_number=P_NUMBER)
    p_loan = delivered(p_order, lars)
    pickup_request(loan=p_loan, acting_user=anna)
    q_order = submit(sara, product=DISPENSER, personal_number=Q_NUMBER)
    # Accesses to log: P read by anna, Q read by sara (so the log pages have rows).
    for user, order in ((anna, p_order), (sara, q_order)):
        client = Client()
        client.force_login(user)
        assert client.get(f"/api/v1/orders/{order.pk}").status_code == 200
    return {
        "P": {"order": p_order.pk, "loan": p_loan.pk, "patient": p_order.patient_id},
        "Q": {"order": q_order.pk, "loan": p_loan.pk, "patient": q_order.patient_id},
    }


def answer(response, number, shows_number=True):
    if response.status_code in (403, 404):
        return response.status_code
    assert response.status_code == 200, response.status_code
    if not shows_number:
        return SEES
    body = response.content.decode("utf-8-sig")
    return SEES if number.replace("-", "") in body.replace("-", "") else HIDDEN


@pytest.mark.parametrize("role", list(ROLES))
@pytest.mark.parametrize(("name", "url", "expected", "_names"), PAGES, ids=[p[0] for p in PAGES])
def test_access_matrix(world, role, name, url, expected, _names):
    client = Client()
    client.force_login(User.objects.get(username=ROLES[role]))
    for which, number, want in (
        ("P", P_NUMBER, expected[role][0]),
        ("Q", Q_NUMBER, expected[role][1]),
    ):
        if which == "Q" and "loan" in name:
            continue  # Q has no loan yet
        response = client.get(url.format(**world[which]))
        got = answer(response, number, shows_number=name not in NO_NUMBER_SHOWN)
        assert got == want, (name, role, which)


PROTECTED_NAME_PAGES = [p for p in PAGES if p[3]]
SEES_PROTECTED_NAME = {"device_centre", "administrator"}


@pytest.mark.parametrize(
    "role", ["prescriber_region", "unit_manager", "device_centre", "administrator"]
)
@pytest.mark.parametrize(
    "url", [p[1] for p in PROTECTED_NAME_PAGES], ids=[p[0] for p in PROTECTED_NAME_PAGES]
)
def test_a_protected_name_and_address_never_reach_anyone_but_the_centre(
    anna, ulla, lars, bp_stock, role, url
):
    anna_order = submit(anna, personal_number=P_NUMBER, protected=True)
    ulla_order = submit(ulla, product=DISPENSER, personal_number=Q_NUMBER, protected=True)
    client = Client()
    client.force_login(User.objects.get(username=ROLES[role]))
    for order in (anna_order, ulla_order):
        response = client.get(url.format(order=order.pk, patient=order.patient_id))
        body = response.content.decode("utf-8-sig")
        if role not in SEES_PROTECTED_NAME:
            assert "Tolvansson" not in body and "Storgatan" not in body, (url, role)


@pytest.mark.parametrize("role", ["device_centre", "administrator"])
def test_the_centre_sees_a_protected_name_and_address_to_deliver(anna, role):
    order = submit(anna, personal_number=P_NUMBER, protected=True)
    client = Client()
    client.force_login(User.objects.get(username=ROLES[role]))
    assert client.get(f"/api/v1/orders/{order.pk}").json()["patient_name"] == "Tolvan Tolvansson"
    note = client.get(f"/hmc/bestallning/{order.pk}/").content.decode()
    assert "Tolvansson" in note and "Storgatan 1" in note


@pytest.mark.parametrize("role", list(ROLES))
def test_every_role_gets_the_aggregated_counts_without_patient_data(world, role):
    client = Client()
    client.force_login(User.objects.get(username=ROLES[role]))
    response = client.get("/api/v1/orders/counts")
    assert response.status_code == 200
    body = response.content.decode()
    assert "19121212" not in body and "19800101" not in body and "Tolvan" not in body
    counts = {(r["product"], r["principal"], r["status"]): r["orders"] for r in response.json()}
    # P: a region unit's blood pressure monitor, delivered; Q: Göteborg's dispenser.
    assert counts == {("DH-1001", "14", "delivered"): 1, ("DH-1007", "1480", "submitted"): 1}
