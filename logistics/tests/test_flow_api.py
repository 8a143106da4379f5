"""The device flow through HTTP: each step's state, event, and 403/404/409 answers."""

import datetime
import json

import pytest
from django.utils import timezone

from devices.actions import device_move_to_local_stock
from devices.models import Device, DeviceEvent
from logistics.actions import delivery_confirm, delivery_dispatch, device_allocate
from logistics.models import Loan
from orders.actions import OrderInput, PatientInput, order_accept, order_submit
from orders.models import Order
from orders.tests.helpers import BP, DISPENSER, prescription, unit_of

pytestmark = pytest.mark.django_db


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def last_event(**filters):
    return DeviceEvent.objects.filter(**filters).order_by("-id").first()


def submitted(client, user, product=BP, **overrides):
    response = post(client, "/api/v1/orders", prescription(user, product, **overrides))
    assert response.status_code == 201, response.json()
    return response.json()["id"]


def step(client, order_id, verb, body=None, status=200):
    response = post(client, f"/api/v1/orders/{order_id}/{verb}", body)
    assert response.status_code == status, response.json()
    return response.json()


def test_the_whole_flow_with_a_post_agent_return(anna_client, anna, lars_client, lars, bp_stock):
    order_id = submitted(anna_client, anna)

    assert step(lars_client, order_id, "accept")["status"] == "accepted"
    assert last_event(order_id=order_id).kind == "order_accepted"

    allocated = step(lars_client, order_id, "allocate")
    assert allocated["status"] == "allocated"
    assert allocated["device_serial"] == "BP-OLD"  # the oldest device goes first
    device = Device.objects.get(serial_number="BP-OLD")
    assert device.status == "reserved"
    event = last_event(order_id=order_id)
    assert (event.kind, event.device, event.from_status, event.to_status, event.actor) == (
        "allocated",
        device,
        "in_stock",
        "reserved",
        lars,
    )

    assert step(lars_client, order_id, "dispatch")["status"] == "dispatched"
    device.refresh_from_db()
    assert (device.status, device.location) == ("in_transit", "in_transit")

    delivered = step(
        lars_client, order_id, "deliver", {"delivered_on": timezone.localdate().isoformat()}
    )
    assert delivered["status"] == "delivered"
    assert delivered["delivery_working_days"] == 0
    device.refresh_from_db()
    assert (device.status, device.location) == ("on_loan", "patient")
    loan = Loan.objects.get(order_id=order_id)
    assert loan.cost_bearer.code == "14"
    assert last_event(order_id=order_id).loan == loan

    # The nurse gives the patient a one-time code for the post agent.
    pickup = post(anna_client, f"/api/v1/loans/{loan.pk}/pickup", {"method": "post_agent"})
    assert pickup.status_code == 200, pickup.json()
    code = pickup.json()["return_code"]
    assert len(code) == 8
    assert pickup.json()["loan"]["rent_stops_on"] is not None
    loan.refresh_from_db()
    assert code not in loan.return_code_hash  # only a hash is stored
    assert last_event(device=device).kind == "return_code_issued"

    # The parcel arrives at the centre; the code identifies the loan, once.
    received = post(lars_client, "/api/v1/returns", {"return_code": code.lower()})
    assert received.status_code == 200, received.json()
    assert received.json()["ended_on"] == timezone.localdate().isoformat()
    again = post(lars_client, "/api/v1/returns", {"return_code": code})
    assert again.status_code == 404
    assert again.json()["code"] == "return_code_unknown"
    device.refresh_from_db()
    assert device.status == "awaiting_reconditioning"

    started = post(lars_client, f"/api/v1/devices/{device.pk}/reconditioning/start")
    assert started.json()["status"] == "in_reconditioning"
    done = post(lars_client, f"/api/v1/devices/{device.pk}/reconditioning/done")
    assert done.json()["status"] == "in_stock"
    assert done.json()["location"] == "centre"

    history = lars_client.get(f"/api/v1/devices/{device.pk}/events").json()
    assert [e["kind"] for e in history] == [
        "registered",
        "allocated",
        "dispatched",
        "delivered",
        "return_code_issued",
        "received",
        "reconditioning_started",
        "reconditioned",
    ]


def test_steps_in_the_wrong_order_answer_409(anna_client, anna, lars_client, bp_stock):
    order_id = submitted(anna_client, anna)
    assert step(lars_client, order_id, "dispatch", status=409)["code"] == "order_not_allocated"
    assert step(lars_client, order_id, "allocate", status=409)["code"] == "order_not_accepted"
    step(lars_client, order_id, "accept")
    assert step(lars_client, order_id, "accept", status=409)["code"] == "order_not_submitted"
    assert step(lars_client, order_id, "deliver", status=409)["code"] == "order_not_dispatched"
    assert Order.objects.get(pk=order_id).status == "accepted"


def test_only_the_device_centre_moves_orders(anna_client, anna):
    order_id = submitted(anna_client, anna)
    assert step(anna_client, order_id, "accept", status=403)["code"] == "device_centre_only"
    assert Order.objects.get(pk=order_id).status == "submitted"


def test_other_units_cannot_see_or_move_an_order(anna_client, anna, sara_client):
    order_id = submitted(anna_client, anna)
    assert step(sara_client, order_id, "cancel", status=404)["code"] == "order_not_found"


def test_anonymous_and_token_auth(client, anna, anna_client):
    from api.models import ApiToken

    assert client.get("/api/v1/orders").status_code == 401
    _token, key = ApiToken.issue(user=anna, name="test")
    response = client.get("/api/v1/orders", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200
    assert client.get("/api/v1/orders", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401


def test_token_client_can_write_without_csrf_but_a_session_cannot(anna, anna_client):
    from django.test import Client

    from api.models import ApiToken

    _token, key = ApiToken.issue(user=anna, name="script")
    strict = Client(enforce_csrf_checks=True)
    body = json.dumps(prescription(anna))
    with_token = strict.post(
        "/api/v1/orders", body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {key}"
    )
    assert with_token.status_code == 201, with_token.content
    strict.force_login(anna)
    without_csrf = strict.post("/api/v1/orders", body, content_type="application/json")
    assert without_csrf.status_code == 403
    assert without_csrf.json()["code"] == "csrf_failed"
    assert Order.objects.count() == 1


def test_allocate_a_scanned_serial_or_refuse(anna_client, anna, lars_client, bp_stock):
    order_id = submitted(anna_client, anna)
    step(lars_client, order_id, "accept")
    refused = step(lars_client, order_id, "allocate", {"serial_number": "NOPE"}, status=409)
    assert refused["code"] == "device_unavailable"
    assert (
        step(lars_client, order_id, "allocate", {"serial_number": "BP-NEW"})["device_serial"]
        == "BP-NEW"
    )


def test_out_of_stock_is_409_and_order_stays_accepted(anna_client, anna, lars_client):
    order_id = submitted(anna_client, anna)
    step(lars_client, order_id, "accept")
    assert step(lars_client, order_id, "allocate", status=409)["code"] == "out_of_stock"
    assert Order.objects.get(pk=order_id).status == "accepted"


def test_cancel_releases_the_device_but_not_after_dispatch(
    anna_client, anna, lars_client, bp_stock
):
    order_id = submitted(anna_client, anna)
    step(lars_client, order_id, "accept")
    step(lars_client, order_id, "allocate")
    cancelled = step(anna_client, order_id, "cancel", {"reason": "Fel patient"})
    assert cancelled["status"] == "cancelled"
    assert Device.objects.get(serial_number="BP-OLD").status == "in_stock"
    kinds = list(DeviceEvent.objects.filter(order_id=order_id).values_list("kind", flat=True))
    assert kinds[-2:] == ["deallocated", "order_cancelled"]

    second = submitted(anna_client, anna)
    for verb in ("accept", "allocate", "dispatch"):
        step(lars_client, second, verb)
    assert step(anna_client, second, "cancel", status=409)["code"] == "order_not_cancellable"


def test_training_gates_the_first_delivery_to_a_unit(
    sara_client, sara, lars_client, dispenser_stock
):
    order_id = submitted(sara_client, sara, DISPENSER)
    accepted = step(lars_client, order_id, "accept")
    assert accepted["waits_for_training"] is True
    step(lars_client, order_id, "allocate")
    assert step(lars_client, order_id, "dispatch", status=409)["code"] == "training_required"
    training = post(
        lars_client,
        "/api/v1/trainings",
        {
            "unit": unit_of(sara).pk,
            "product": DISPENSER,
            "trained_on": timezone.localdate().isoformat(),
        },
    )
    assert training.status_code == 201, training.json()
    assert last_event(order_id=order_id).kind == "training_recorded"
    assert step(lars_client, order_id, "dispatch")["status"] == "dispatched"
    # The unit's next order does not wait.
    second = submitted(sara_client, sara, DISPENSER)
    assert step(lars_client, second, "accept")["waits_for_training"] is False


def test_prescribing_from_the_units_local_stock(anna_client, anna, lars, bp_stock):
    device = device_move_to_local_stock(
        device=Device.objects.get(serial_number="BP-MID"), unit=unit_of(anna), acting_user=lars
    )
    body = post(
        anna_client, "/api/v1/orders", prescription(anna, local_device_serial="BP-MID")
    ).json()
    assert body["status"] == "delivered"
    assert body["delivery_method"] == "local_stock"
    assert body["delivery_working_days"] == 0
    device.refresh_from_db()
    assert device.status == "on_loan"
    kinds = list(DeviceEvent.objects.filter(order_id=body["id"]).values_list("kind", flat=True))
    assert kinds == ["order_submitted", "order_accepted", "allocated", "delivered"]
    missing = post(anna_client, "/api/v1/orders", prescription(anna, local_device_serial="BP-NEW"))
    assert missing.status_code == 409
    assert missing.json()["code"] == "local_device_unavailable"


def _delivered_loan(user, lars, serial_stock):
    order, _created = order_submit(
        data=OrderInput(
            product=serial_stock[0].product,
            unit=unit_of(user),
            patient=PatientInput("19121212-1212"),
            criteria=["b420.2"],
        ),
        acting_user=user,
    )
    order_accept(order=order, acting_user=lars)
    device_allocate(order=order, acting_user=lars)
    delivery_dispatch(order=order, acting_user=lars)
    return delivery_confirm(order=order, acting_user=lars)


def test_unit_cancels_a_wrongly_registered_pickup_itself(anna_client, anna, lars, bp_stock):
    loan = _delivered_loan(anna, lars, bp_stock)
    response = post(anna_client, f"/api/v1/loans/{loan.pk}/pickup", {"method": "pickup"})
    assert response.json()["return_code"] == ""
    assert response.json()["loan"]["pickup_due_on"] is not None
    cancel = post(anna_client, f"/api/v1/loans/{loan.pk}/pickup/cancel")
    assert cancel.status_code == 200, cancel.json()
    assert cancel.json()["pickup_requested_on"] is None
    assert cancel.json()["rent_stops_on"] is None
    loan.device.refresh_from_db()
    assert loan.device.status == "on_loan"
    assert last_event(loan=loan).kind == "pickup_cancelled"
    again = post(anna_client, f"/api/v1/loans/{loan.pk}/pickup/cancel")
    assert again.status_code == 409


def test_delivery_time_is_counted_in_working_days_across_midsummer(anna, lars, bp_stock):
    order, _created = order_submit(
        data=OrderInput(
            product=bp_stock[0].product,
            unit=unit_of(anna),
            patient=PatientInput("19121212-1212"),
            criteria=["b420.2"],
            ordered_on=datetime.date(2024, 6, 19),
        ),
        acting_user=anna,
    )
    # 20, 24, 25, 26, 27, 28 June and 1 July (21 June is Midsummer Eve).
    assert order.due_date == datetime.date(2024, 7, 1)
    order_accept(order=order, acting_user=lars)
    device_allocate(order=order, acting_user=lars)
    delivery_dispatch(order=order, acting_user=lars)
    delivery_confirm(order=order, delivered_on=datetime.date(2024, 6, 25), acting_user=lars)
    order.refresh_from_db()
    assert order.delivery_working_days == 3  # 20, 24, 25 (Midsummer Eve and weekend off)


def test_maintenance_and_support_cases(anna_client, anna, lars_client, lars, bp_stock):
    loan = _delivered_loan(anna, lars, bp_stock)
    report = post(
        anna_client,
        "/api/v1/work-orders",
        {"device": loan.device_id, "fault": "Visar fel tryck", "unit": unit_of(anna).pk},
    )
    assert report.status_code == 201, report.json()
    work = report.json()
    assert work["status"] == "reported"
    assert post(anna_client, f"/api/v1/work-orders/{work['id']}/start").status_code == 403
    assert (
        post(lars_client, f"/api/v1/work-orders/{work['id']}/start").json()["status"] == "started"
    )
    bad = post(lars_client, f"/api/v1/work-orders/{work['id']}/finish", {"outcome": "magic"})
    assert bad.status_code == 400
    done = post(lars_client, f"/api/v1/work-orders/{work['id']}/finish", {"outcome": "repaired"})
    assert (done.json()["status"], done.json()["outcome"]) == ("done", "repaired")
    kinds = list(DeviceEvent.objects.filter(device=loan.device).values_list("kind", flat=True))
    assert kinds[-3:] == ["repair_reported", "repair_started", "repair_done"]

    case = post(
        anna_client,
        "/api/v1/support-cases",
        {"subject": "app", "description": "Appen hittar inte mätaren", "product": BP},
    )
    assert case.status_code == 201, case.json()
    closed = post(
        lars_client,
        f"/api/v1/support-cases/{case.json()['id']}/close",
        {"resolution": "Ny parkoppling"},
    )
    assert closed.json()["closed_at"] is not None
    assert post(lars_client, f"/api/v1/support-cases/{case.json()['id']}/close").status_code == 409


def test_lost_found_and_scrapped(lars_client, bp_stock):
    device = bp_stock[0]
    assert post(lars_client, f"/api/v1/devices/{device.pk}/lost").json()["status"] == "lost"
    assert post(lars_client, f"/api/v1/devices/{device.pk}/lost").status_code == 409
    assert (
        post(lars_client, f"/api/v1/devices/{device.pk}/found").json()["status"]
        == "awaiting_reconditioning"
    )
    scrapped = post(lars_client, f"/api/v1/devices/{device.pk}/scrap", {"reason": "Sprucken"})
    assert scrapped.json()["status"] == "scrapped"
    assert post(lars_client, f"/api/v1/devices/{device.pk}/found").status_code == 409


def test_register_device_and_duplicate_serial(lars_client, anna_client):
    body = {
        "product": BP,
        "serial_number": "BP-X1",
        "acquired_on": "2024-05-01",
        "gtin": "07312345678901",
    }
    created = post(lars_client, "/api/v1/devices", body)
    assert created.status_code == 201, created.json()
    duplicate = post(lars_client, "/api/v1/devices", body)
    assert duplicate.status_code == 409
    assert duplicate.json()["code"] == "serial_exists"
    assert (
        post(anna_client, "/api/v1/devices", {**body, "serial_number": "BP-X2"}).status_code == 403
    )


def test_list_endpoints_have_bounded_query_counts(
    lars_client, anna, lars, bp_stock, django_assert_max_num_queries
):
    _delivered_loan(anna, lars, bp_stock)
    for url in (
        "/api/v1/devices",
        "/api/v1/loans",
        "/api/v1/events",
        "/api/v1/orders",
        "/api/v1/work-orders",
        "/api/v1/support-cases",
    ):
        # Fixed cost: session and user (2), role check (1), the access log's look-ups and
        # its one bulk insert (4); what must not happen is a query per row.
        with django_assert_max_num_queries(12):
            assert lars_client.get(url).status_code == 200, url


def test_a_step_on_an_order_that_does_not_exist_is_404(lars_client, anna_client):
    # The device centre's steps read the order only under the action's lock: a number
    # that names no order is still 404, and so is another unit's order for a nurse,
    # before the action's own 403.
    for verb in ("accept", "allocate", "dispatch", "deliver", "cancel"):
        assert step(lars_client, 999_999, verb, status=404)["code"] == "order_not_found"
    assert step(anna_client, 999_999, "accept", status=404)["code"] == "order_not_found"


def test_a_step_on_another_units_order_is_404_before_403(anna_client, anna, sara_client):
    order_id = submitted(anna_client, anna)
    for verb in ("accept", "allocate", "dispatch", "deliver"):
        assert step(sara_client, order_id, verb, status=404)["code"] == "order_not_found"
    assert Order.objects.get(pk=order_id).status == "submitted"


def _new_personal_number(n: int) -> str:
    from orders.personal_numbers import luhn_check_digit

    nine = f"400101{n:03d}"
    return f"19400101-{n:03d}{luhn_check_digit(nine)}"


# The five POSTs of one order as the HTTP benchmark sends them (bench/http.py,
# ``order_steps``: bearer tokens, a new patient): the queries each costs, pinned; the
# same on PostgreSQL outside a test (BEGIN and COMMIT there for the savepoint pair here).
# Each step reads its order once, under the action's lock, and answers from that object;
# the user's token, person and memberships come from the process's cache after one check
# of the access generation (registry/access_cache.py; the warm-up GET read them), the
# access log's row in one insert.
STEP_QUERIES = {
    # access generation (the token), then again for the product and unit (kept per
    # process, decision 0010), the action's transaction (2), patient (read, then created
    # in a savepoint: 4), access generation for the signatures and guidance (kept), order,
    # event; the access log: the patient's units, its row.
    "prescribe": 13,
    # access generation, transaction (2), access generation (the order's reference
    # rows), order (locked, with patient and device), its update, event; access log (2).
    "accept": 9,
    # access generation, transaction (2), access generation, order (locked), device
    # (locked), device and order updates, event; the access log (2).
    "allocate": 11,
    # access generation, transaction (2), access generation, order, device, 2 updates,
    # event; access log (2).
    "dispatch": 11,
    # access generation, transaction (2), access generation, order, device, 2 updates,
    # loan, event; log (2).
    "deliver": 12,
}


class _Queries:
    """The SQL a block runs (an execute wrapper: unlike the debug cursor's log, which
    keeps the last 9 000 queries of the connection, it cannot come out empty)."""

    def __init__(self) -> None:
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def test_each_order_step_reads_its_order_once_and_has_a_fixed_query_count(
    client, anna, lars, bp_stock
):
    from django.db import connection

    from api.models import ApiToken
    from audit.models import AccessLogEntry

    nurse = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=anna, name='t')[1]}"}
    centre = {"HTTP_AUTHORIZATION": f"Bearer {ApiToken.issue(user=lars, name='t')[1]}"}
    for auth in (nurse, centre):  # the token's first use records it (once a minute)
        assert client.get("/api/v1/orders/counts", **auth).status_code == 200
    steps = [
        ("prescribe", "/api/v1/orders", nurse, 201, "submitted"),
        ("accept", "/api/v1/orders/{id}/accept", centre, 200, "accepted"),
        ("allocate", "/api/v1/orders/{id}/allocate", centre, 200, "allocated"),
        ("dispatch", "/api/v1/orders/{id}/dispatch", centre, 200, "dispatched"),
        ("deliver", "/api/v1/orders/{id}/deliver", centre, 200, "delivered"),
    ]
    # A first order fills this process's cache of reference rows (decision 0010); the
    # counts are those of the next one.
    order_id = None
    body = prescription(anna, personal_number=_new_personal_number(2))
    for _name, path, auth, expected, _status in steps:
        response = post(client, path.format(id=order_id), {} if order_id else body, **auth)
        assert response.status_code == expected, response.json()
        order_id = order_id or response.json()["id"]
    counts, order_reads = {}, {}
    order_id = None
    body = prescription(anna, personal_number=_new_personal_number(1))
    logged = AccessLogEntry.objects.count()
    for name, path, auth, expected, status in steps:
        queries = _Queries()
        with connection.execute_wrapper(queries):
            response = post(client, path.format(id=order_id), {} if order_id else body, **auth)
        assert response.status_code == expected, response.json()
        answer = response.json()
        assert answer["status"] == status
        order_id = order_id or answer["id"]
        # The answer is the order as it now is in the database.
        assert answer == client.get(f"/api/v1/orders/{order_id}", **auth).json()
        counts[name] = len(queries.sql)
        order_reads[name] = sum(
            1
            for sql in queries.sql
            if sql.startswith("SELECT")
            and 'FROM "orders_order"' in sql
            and "DISTINCT" not in sql  # the access log's look-up of the patient's units
        )
    assert counts == STEP_QUERIES
    assert order_id is not None
    assert order_reads == {"prescribe": 0, "accept": 1, "allocate": 1, "dispatch": 1, "deliver": 1}
    # One access-log row per step and one per GET; one event per step.
    assert AccessLogEntry.objects.count() == logged + 2 * len(steps)
    assert [e.kind for e in DeviceEvent.objects.filter(order_id=order_id).order_by("id")] == [
        "order_submitted",
        "order_accepted",
        "allocated",
        "dispatched",
        "delivered",
    ]
