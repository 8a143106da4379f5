"""Prescribing through the API: what is recorded, and every reason to refuse."""

import datetime
import json

import pytest
from django.utils import timezone

from core.models import DomainEvent
from devices.models import DeviceEvent
from logistics.calendar import add_working_days
from orders.models import Order, Patient
from orders.tests.helpers import BP, DISPENSER, prescription, unit_of
from registry.actions import agreement_leave
from registry.choices import Profession
from registry.models import AgreementSignature, Membership, Person, Unit

pytestmark = pytest.mark.django_db


def post(client, url, body=None, **headers):
    return client.post(url, json.dumps(body or {}), content_type="application/json", **headers)


def test_nurse_prescribes_a_blood_pressure_monitor(anna_client, anna):
    response = post(anna_client, "/api/v1/orders", prescription(anna))
    assert response.status_code == 201, response.json()
    body = response.json()
    today = timezone.localdate()
    assert body["status"] == "submitted"
    assert body["product"] == BP
    assert body["guidance_version"] == 1
    assert body["principal"] == "14"
    assert body["cost_bearer"] == "14"
    assert body["criteria"] == ["b420.2"]
    assert body["due_date"] == add_working_days(today, 7).isoformat()
    assert body["patient"] == "19121212-1212"
    assert body["patient_name"] == "Tolvan Tolvansson"
    order = Order.objects.get(pk=body["id"])
    assert order.prescriber.user == anna
    event = DeviceEvent.objects.get(order=order)
    assert (event.kind, event.to_status, event.actor) == ("order_submitted", "submitted", anna)
    assert event.acting_unit == unit_of(anna)


def test_same_idempotency_key_creates_one_order(anna_client, anna):
    first = post(anna_client, "/api/v1/orders", prescription(anna), HTTP_IDEMPOTENCY_KEY="k-1")
    second = post(anna_client, "/api/v1/orders", prescription(anna), HTTP_IDEMPOTENCY_KEY="k-1")
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Order.objects.count() == 1
    assert DeviceEvent.objects.filter(kind="order_submitted").count() == 1
    third = post(anna_client, "/api/v1/orders", prescription(anna), HTTP_IDEMPOTENCY_KEY="k-2")
    assert third.status_code == 201
    assert Order.objects.count() == 2


def refused(client, body, status, code):
    before = (Order.objects.count(), DeviceEvent.objects.count(), Patient.objects.count())
    response = post(client, "/api/v1/orders", body)
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert response.json()["message"]
    assert (Order.objects.count(), DeviceEvent.objects.count(), Patient.objects.count()) == before
    return response.json()


def test_refused_when_the_principal_has_not_signed(admin_user):
    ale_unit = Unit.objects.get(name="Hemsjukvård Ale")
    user = admin_user.__class__.objects.create_user("nurse.ale", password="x" * 16)
    person = Person.objects.create(
        user=user,
        principal=ale_unit.principal,
        first_name="Nils",
        last_name="Ale",
        profession=Profession.NURSE,
    )
    Membership.objects.create(person=person, unit=ale_unit, valid_from=datetime.date(2023, 1, 1))
    from conftest import client_for

    client = client_for(user)
    body = prescription(user, DISPENSER)
    result = refused(client, body, 403, "principal_not_signed")
    assert "Ale" in result["message"]


def test_refused_when_the_area_agreement_is_not_in_force(sara_client, sara, admin_user):
    signature = AgreementSignature.objects.get(
        agreement__code="supply-health-care", principal__name="Göteborg"
    )
    agreement_leave(
        signature=signature, valid_until=datetime.date(2024, 1, 1), acting_user=admin_user
    )
    refused(sara_client, prescription(sara, DISPENSER), 403, "agreement_not_in_force")


def test_refused_when_the_product_is_not_launched(anna_client, anna):
    refused(
        anna_client, prescription(anna, "DH-2004", criteria=["b144.2"]), 409, "product_not_launched"
    )


def test_refused_when_the_profession_may_not_prescribe(peter_client, peter):
    result = refused(peter_client, prescription(peter, DISPENSER), 403, "profession_not_permitted")
    assert "fysioterapeut" in result["message"]


def test_refused_without_a_criterion(anna_client, anna):
    refused(anna_client, prescription(anna, criteria=[]), 400, "criterion_missing")
    refused(anna_client, prescription(anna, criteria=["b144.2"]), 400, "criterion_unknown")


def test_refused_when_consultation_is_required_and_missing(sara_client, sara):
    body = prescription(sara, DISPENSER, several_principals=True)
    result = refused(sara_client, body, 400, "consultation_missing")
    assert result["field"] == "consultation_with"
    ok = post(
        sara_client,
        "/api/v1/orders",
        {**body, "consultation_with": "Dr Berg, vårdcentralen", "consultation_on": "2024-06-01"},
    )
    assert ok.status_code == 201
    assert ok.json()["consultation_with"] == "Dr Berg, vårdcentralen"


def test_refused_with_an_invalid_personal_number(anna_client, anna):
    result = refused(
        anna_client,
        prescription(anna, personal_number="19121212-1213"),
        400,
        "invalid_personal_number_checksum",
    )
    assert result["field"] == "personal_number"


def test_refused_for_a_unit_the_prescriber_does_not_work_in(anna_client, anna, sara):
    refused(anna_client, prescription(anna, unit=unit_of(sara).pk), 403, "not_member_of_unit")


def test_malformed_body_is_a_coded_400(anna_client):
    response = post(anna_client, "/api/v1/orders", {"product": BP})
    assert response.status_code == 400
    assert response.json()["code"] == "invalid_input"
    assert response.json()["field"] == "unit"


def test_eligibility_check_lists_every_refusal_and_saves_nothing(peter_client, peter):
    body = prescription(peter, DISPENSER, criteria=[])
    response = post(peter_client, "/api/v1/orders/check", body)
    assert response.status_code == 200
    codes = [r["code"] for r in response.json()["refusals"]]
    assert codes == ["profession_not_permitted", "criterion_missing"]
    assert response.json()["eligible"] is False
    assert Order.objects.count() == 0


def test_urgent_order_is_due_next_working_day_with_a_fee(anna_client, anna, settings):
    body = post(anna_client, "/api/v1/orders", prescription(anna, urgent=True)).json()
    assert body["urgent"] is True
    assert body["urgent_fee"] == str(settings.URGENT_DELIVERY_FEE)
    assert body["due_date"] == add_working_days(timezone.localdate(), 1).isoformat()


def test_protected_identity_name_hidden_from_the_unit_shown_to_the_centre(
    anna_client, anna, lars_client
):
    body = post(anna_client, "/api/v1/orders", prescription(anna, protected_identity=True)).json()
    assert body["protected_identity"] is True
    assert body["patient_name"] is None
    centre_view = lars_client.get(f"/api/v1/orders/{body['id']}").json()
    assert centre_view["patient_name"] == "Tolvan Tolvansson"


def test_basic_equipment_order_without_patient(sara_client, sara):
    body = {
        "product": BP,
        "unit": unit_of(sara).pk,
        "kind": "basic_equipment",
        "criteria": ["b420.2"],
        "delivery_method": "tour_van_unit",
    }
    response = post(sara_client, "/api/v1/orders", body)
    assert response.status_code == 201, response.json()
    assert response.json()["patient"] is None


def test_orders_are_visible_to_their_unit_and_the_centre_only(
    anna_client, anna, sara_client, lars_client
):
    order_id = post(anna_client, "/api/v1/orders", prescription(anna)).json()["id"]
    assert anna_client.get(f"/api/v1/orders/{order_id}").status_code == 200
    assert lars_client.get(f"/api/v1/orders/{order_id}").status_code == 200
    other = sara_client.get(f"/api/v1/orders/{order_id}")
    assert other.status_code == 404
    assert other.json()["code"] == "order_not_found"
    assert sara_client.get("/api/v1/orders").json()["count"] == 0


def test_order_list_query_count_is_bounded(anna_client, anna, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert anna_client.get("/api/v1/orders").status_code == 200
        return len(captured)

    post(anna_client, "/api/v1/orders", prescription(anna), HTTP_IDEMPOTENCY_KEY="q0")
    queries_for_list()  # the first reads the reference rows into the process's cache
    one = queries_for_list()
    for i in range(1, 5):
        post(anna_client, "/api/v1/orders", prescription(anna), HTTP_IDEMPOTENCY_KEY=f"q{i}")
    # The same number of queries for five orders as for one: nothing is fetched per row
    # (the access log writes its rows in one insert).
    assert queries_for_list() == one
    # Fixed cost: session, user, roles, the page and its count, and the access log (4).
    with django_assert_max_num_queries(14):
        response = anna_client.get("/api/v1/orders")
    assert response.json()["count"] == 5


def test_order_list_shows_reference_rows_as_they_are_now(anna_client, anna):
    # The list takes each order's product and unit with its principal from the process's
    # cache (decision 0010): changes by bulk update show at the next request.
    from catalog.models import Product
    from registry.models import Principal, Unit

    created = post(anna_client, "/api/v1/orders", prescription(anna)).json()
    first = anna_client.get("/api/v1/orders").json()["items"][0]
    assert (first["id"], first["product"]) == (created["id"], BP)
    order = Order.objects.get(pk=created["id"])
    other = Principal.objects.exclude(pk=order.unit.principal_id).order_by("pk")[0]
    Product.objects.filter(pk=order.product_id).update(article_number="BP-RENAMED")
    Unit.objects.filter(pk=order.unit_id).update(principal=other)
    now = anna_client.get("/api/v1/orders").json()["items"][0]
    assert (now["product"], now["principal"]) == ("BP-RENAMED", other.code)


def test_guidance_version_in_force_is_recorded_and_kept(sara_client, sara, karin):
    from catalog.actions import CodeSpec, RuleSpec, guidance_version_create
    from catalog.models import Product

    first = post(sara_client, "/api/v1/orders", prescription(sara, DISPENSER)).json()
    guidance_version_create(
        product=Product.objects.get(article_number=DISPENSER),
        valid_from=timezone.localdate() + datetime.timedelta(days=3),
        handbook="health_care",
        cost_bearer="prescribing_principal",
        rules=[RuleSpec("prescribe", "nurse", "municipal_primary_care")],
        codes=[CodeSpec("criterion", "b144.3")],
        acting_user=karin,
    )
    assert Order.objects.get(pk=first["id"]).guidance.version == 1
    assert DomainEvent.objects.filter(kind="guidance.version_created").exists()
