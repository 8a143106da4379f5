"""The patient-data access log: every access writes exactly one row with the right
fields, refused requests write none, and rows cannot be changed or deleted."""

import json

import pytest
from django.db import connection, transaction
from django.urls import reverse

from audit.models import AccessLogEntry
from core.models import AppendOnlyError
from orders.tests.helpers import delivered, prescription, submit, unit_of

pytestmark = pytest.mark.django_db


def rows():
    return list(AccessLogEntry.objects.order_by("id"))


def test_reading_an_order_through_the_api_writes_one_row(anna_client, anna):
    order = submit(anna)
    assert anna_client.get(f"/api/v1/orders/{order.pk}").status_code == 200
    [row] = rows()
    assert (row.user, row.username, row.user_name) == (anna, "anna.lind", "Anna Lind")
    assert (row.patient, row.action, row.resource, row.object_id) == (
        order.patient,
        "read",
        "order",
        str(order.pk),
    )
    assert (row.acting_unit, row.channel, row.path) == (
        unit_of(anna),
        "api",
        f"/api/v1/orders/{order.pk}",
    )
    assert row.outside_care_units is False
    assert row.occurred_at is not None


def test_creating_through_the_api_is_one_create_row_not_a_create_and_a_read(anna_client, anna):
    response = anna_client.post(
        "/api/v1/orders", json.dumps(prescription(anna)), content_type="application/json"
    )
    assert response.status_code == 201
    [row] = rows()
    assert (row.action, row.resource, row.object_id) == (
        "create",
        "order",
        str(response.json()["id"]),
    )


def test_a_step_by_the_centre_is_a_change_flagged_as_outside_the_patients_units(
    lars_client, lars, anna, bp_stock
):
    order = submit(anna)
    assert lars_client.post(f"/api/v1/orders/{order.pk}/accept").status_code == 200
    [row] = rows()
    assert (row.user, row.action, row.channel) == (lars, "alter", "api")
    assert row.acting_unit.name == "Hjälpmedelscentralen Mölndal"
    # The centre works for every unit but is none of the patient's: its accesses are
    # the ones a log follow-up looks at.
    assert row.outside_care_units is True


def test_a_list_writes_one_row_per_order_shown(anna_client, anna):
    first = submit(anna)
    second = submit(anna, personal_number="19800101-0001")
    assert anna_client.get("/api/v1/orders").status_code == 200
    assert sorted((r.patient_id, r.object_id) for r in rows()) == sorted(
        [(first.patient_id, str(first.pk)), (second.patient_id, str(second.pk))]
    )


def test_screens_log_too(anna_client, anna, lars, bp_stock):
    loan = delivered(submit(anna), lars)
    assert rows() == []  # nothing written by the set-up: the actions were called directly
    anna_client.get(reverse("orders:patient_detail", args=[loan.patient_id]))
    [row] = rows()
    assert (row.action, row.resource, row.channel, row.patient_id) == (
        "read",
        "patient",
        "ui",
        loan.patient_id,
    )


def test_refused_requests_write_nothing(sara_client, anna, karin, client):
    order = submit(anna)
    assert sara_client.get(f"/api/v1/orders/{order.pk}").status_code == 404
    client.force_login(karin)
    assert client.get(f"/api/v1/orders/{order.pk}").status_code == 403
    assert sara_client.post(reverse("orders:order_cancel", args=[order.pk])).status_code == 302
    assert rows() == []


def test_rows_cannot_be_changed_or_deleted_through_the_application(anna_client, anna):
    order = submit(anna)
    anna_client.get(f"/api/v1/orders/{order.pk}")
    [row] = rows()
    row.action = "print"
    with pytest.raises(AppendOnlyError):
        row.save()
    with pytest.raises(AppendOnlyError):
        row.delete()
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.filter(pk=row.pk).update(action="print")
    with pytest.raises(AppendOnlyError):
        AccessLogEntry.objects.all().delete()
    assert AccessLogEntry.objects.get().action == "read"


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the trigger exists on PostgreSQL")
def test_postgresql_refuses_raw_updates_and_deletes(anna_client, anna):
    order = submit(anna)
    anna_client.get(f"/api/v1/orders/{order.pk}")
    for sql in (
        "UPDATE audit_accesslogentry SET action = 'print'",
        "DELETE FROM audit_accesslogentry",
    ):
        with (
            pytest.raises(Exception, match="append-only"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql)
    assert AccessLogEntry.objects.get().action == "read"


def test_the_admin_cannot_edit_or_delete_log_rows(admin_client, anna, anna_client):
    order = submit(anna)
    anna_client.get(f"/api/v1/orders/{order.pk}")
    row = AccessLogEntry.objects.get()
    change = reverse("admin:audit_accesslogentry_change", args=[row.pk])
    assert admin_client.post(change, {"action": "print"}).status_code in (302, 403)
    delete = reverse("admin:audit_accesslogentry_delete", args=[row.pk])
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert AccessLogEntry.objects.get().action == "read"


def test_protected_identity_is_never_shown_to_the_unit(anna_client, anna, lars_client):
    order = submit(anna, protected=True)
    body = anna_client.get(f"/api/v1/orders/{order.pk}").json()
    assert body["patient_name"] is None and body["protected_identity"] is True
    page = anna_client.get(reverse("orders:order_detail", args=[order.pk])).content.decode()
    assert "Tolvan" not in page and "Storgatan" not in page
    assert lars_client.get(f"/api/v1/orders/{order.pk}").json()["patient_name"] == (
        "Tolvan Tolvansson"
    )


def test_a_step_on_the_centre_screens_is_one_change_row(lars_client, lars, anna, bp_stock):
    order = submit(anna)
    response = lars_client.post(reverse("logistics:order_accept", args=[order.pk]))
    assert response.status_code == 302
    [row] = rows()
    assert (row.user, row.action, row.resource, row.object_id, row.channel) == (
        lars,
        "alter",
        "order",
        str(order.pk),
        "ui",
    )


def test_the_admin_logs_the_patients_it_shows(admin_client, admin_user, anna):
    order = submit(anna)
    assert admin_client.get(reverse("admin:orders_patient_changelist")).status_code == 200
    assert (
        admin_client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200
    )
    logged = {(r.resource, r.channel, r.patient_id) for r in rows()}
    assert logged == {
        ("patient", "admin", order.patient_id),
        ("order", "admin", order.patient_id),
    }
    assert all(r.user == admin_user for r in rows())
