"""The prescriber's screens through HTTP: what they show, what they change, what they
refuse (in Swedish, changing nothing), and the access-log rows they write."""

import pytest
from django.urls import reverse

from audit.models import AccessLogEntry
from devices.models import DeviceEvent
from logistics.models import Loan, SupportCase, WorkOrder
from orders.models import Order
from orders.personal_numbers import luhn_check_digit
from orders.tests.helpers import BP, DISPENSER, delivered, submit, unit_of

pytestmark = pytest.mark.django_db

PRESCRIBE_BP = reverse("orders:prescribe", args=[BP])


def form_body(user, **overrides):
    body = {
        "unit": unit_of(user).pk,
        "kind": "prescription",
        "personal_number": "19121212-1212",
        "first_name": "Tolvan",
        "last_name": "Tolvansson",
        "criteria": ["b420.2"],
        "delivery_method": "tour_van_home",
    }
    body.update(overrides)
    return body


def test_the_product_page_leads_to_the_prescription_form(anna_client):
    page = anna_client.get(reverse("catalog:product_detail", args=[BP])).content.decode()
    assert PRESCRIBE_BP in page
    form = anna_client.get(PRESCRIBE_BP).content.decode()
    assert "b420.2" in form  # the guidance's criteria are the form's checkboxes
    assert "Skicka förskrivningen" in form


def test_the_check_explains_a_refusal_while_the_form_is_filled_in(anna_client, anna):
    url = reverse("orders:prescribe_check", args=[BP])
    refused = anna_client.post(url, form_body(anna, criteria=[])).content.decode()
    assert 'data-eligible="false"' in refused
    assert 'data-code="criterion_missing"' in refused
    assert "Ange minst ett av anvisningens kriterier" in refused
    bad_number = anna_client.post(url, form_body(anna, personal_number="19121212-1213"))
    assert 'data-code="invalid_personal_number_checksum"' in bad_number.content.decode()
    assert "kontrollsiffra" in bad_number.content.decode()
    ok = anna_client.post(url, form_body(anna)).content.decode()
    assert 'data-eligible="true"' in ok
    assert Order.objects.count() == 0  # the check saves nothing


def test_a_profession_without_the_right_is_told_so_before_sending(peter_client, peter):
    # A physiotherapist may not prescribe the medication dispenser (nurses and doctors may).
    url = reverse("orders:prescribe_check", args=[DISPENSER])
    body = form_body(peter, criteria=["b144.2"])
    page = peter_client.post(url, body).content.decode()
    assert 'data-code="profession_not_permitted"' in page


def test_prescribing_creates_the_order_its_event_and_one_log_row(anna_client, anna):
    response = anna_client.post(PRESCRIBE_BP, form_body(anna))
    order = Order.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:order_detail", args=[order.pk])
    assert (order.status, order.unit, order.prescriber.user) == ("submitted", unit_of(anna), anna)
    assert DeviceEvent.objects.filter(order=order, kind="order_submitted").count() == 1
    row = AccessLogEntry.objects.get()
    assert (row.user, row.patient, row.action, row.resource, row.object_id, row.channel) == (
        anna,
        order.patient,
        "create",
        "order",
        str(order.pk),
        "ui",
    )
    assert row.acting_unit == unit_of(anna) and not row.outside_care_units
    page = anna_client.get(response["Location"]).content.decode()
    assert "skickad till Hjälpmedelscentralen" in page


def test_a_refused_submission_keeps_the_form_and_changes_nothing(anna_client, anna):
    response = anna_client.post(PRESCRIBE_BP, form_body(anna, criteria=[]))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ange minst ett av anvisningens kriterier" in page
    assert 'value="Tolvan"' in page  # what was typed is kept
    assert Order.objects.count() == 0
    assert AccessLogEntry.objects.count() == 0


def test_my_units_orders_show_lateness_and_hide_other_units(anna_client, anna, sara_client):
    order = submit(anna)
    page = anna_client.get(reverse("orders:order_list")).content.decode()
    assert reverse("orders:order_detail", args=[order.pk]) in page
    assert "19121212-1212" in page
    assert reverse("orders:order_detail", args=[order.pk]) not in (
        sara_client.get(reverse("orders:order_list")).content.decode()
    )
    assert sara_client.get(reverse("orders:order_detail", args=[order.pk])).status_code == 404


def test_the_order_list_shows_reference_rows_as_they_are_now(anna_client, anna):
    # The page takes each order's product and unit from the process's cache (decision
    # 0010): a rename, even by a bulk update, shows at the next request.
    from catalog.models import Product
    from registry.models import Unit

    order = submit(anna)
    first = anna_client.get(reverse("orders:order_list")).content.decode()
    assert order.product.name in first and order.unit.name in first
    Product.objects.filter(pk=order.product_id).update(name="Blodtrycksmätare Ny")
    Unit.objects.filter(pk=order.unit_id).update(name="Avdelning Omdöpt")
    page = anna_client.get(reverse("orders:order_list")).content.decode()
    assert "Blodtrycksmätare Ny" in page and "Avdelning Omdöpt" in page
    assert order.product.name not in page


def test_the_order_list_reads_as_many_rows_for_many_orders_as_for_one(
    anna_client, anna, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    submit(anna)
    anna_client.get(reverse("orders:order_list"))  # the reference rows cached
    with CaptureQueriesContext(connection) as one:
        anna_client.get(reverse("orders:order_list"))
    more = [
        submit(anna, personal_number=f"19400101-00{n}{luhn_check_digit(f'40010100{n}')}")
        for n in range(6)
    ]
    with django_assert_max_num_queries(len(one.captured_queries)):
        page = anna_client.get(reverse("orders:order_list")).content.decode()
    for order in more:
        assert f'href="{reverse("orders:order_detail", args=[order.pk])}"' in page


def test_roles_without_patient_data_are_refused_the_order_list(client, karin):
    client.force_login(karin)
    response = client.get(reverse("orders:order_list"))
    assert response.status_code == 403
    assert "Din roll ger inte tillgång till patientuppgifter" in response.content.decode()


def test_csv_export_never_contains_a_protected_name_and_is_logged_as_export(anna_client, anna):
    submit(anna, personal_number="19121212-1212", protected=True)
    response = anna_client.get(reverse("orders:order_list") + "?format=csv")
    body = response.content.decode("utf-8-sig")
    assert "191212121212" in body.replace("-", "")
    assert "Tolvan" not in body
    assert AccessLogEntry.objects.get().action == "export"


def test_patient_search_finds_only_patients_of_my_units(
    anna_client, anna, sara_client, lars, bp_stock
):
    order = submit(anna)
    delivered(order, lars)
    found = anna_client.post(reverse("orders:patient_search"), {"personal_number": "191212121212"})
    assert found.status_code == 302
    page = anna_client.get(found["Location"]).content.decode()
    assert "BP-OLD" in page
    refused = sara_client.post(
        reverse("orders:patient_search"), {"personal_number": "191212121212"}
    )
    assert refused.status_code == 200
    assert "Ingen patient med det numret" in refused.content.decode()
    assert sara_client.get(found["Location"]).status_code == 404


def test_pickup_return_code_and_cancelling_a_wrong_pickup_myself(anna_client, anna, lars, bp_stock):
    loan = delivered(submit(anna), lars)
    code_page = anna_client.post(
        reverse("orders:loan_pickup", args=[loan.pk]), {"method": "post_agent"}
    ).content.decode()
    loan.refresh_from_db()
    assert loan.return_method == "post_agent" and loan.return_code_hash
    assert 'id="return-code"' in code_page
    cancelled = anna_client.post(reverse("orders:loan_pickup_cancel", args=[loan.pk]))
    assert cancelled.status_code == 302
    loan.refresh_from_db()
    assert loan.pickup_requested_on is None and loan.return_code_hash == ""
    assert DeviceEvent.objects.filter(loan=loan, kind="pickup_cancelled").count() == 1
    again = anna_client.post(reverse("orders:loan_pickup_cancel", args=[loan.pk]), follow=True)
    assert "Det finns ingen öppen hämtorder att makulera" in again.content.decode()


def test_fault_report_and_support_case_from_a_loan(anna_client, anna, lars, bp_stock):
    loan = delivered(submit(anna), lars)
    anna_client.post(reverse("orders:loan_fault", args=[loan.pk]), {"fault": "Visar fel tryck"})
    assert WorkOrder.objects.get().device == loan.device
    anna_client.post(
        reverse("orders:support_case", args=[loan.pk]),
        {"subject": "app", "description": "Appen hittar inte mätaren"},
    )
    assert SupportCase.objects.get().device == loan.device
    empty = anna_client.post(reverse("orders:loan_fault", args=[loan.pk]), {"fault": ""})
    assert empty.status_code == 200 and WorkOrder.objects.count() == 1


def test_cancel_a_submitted_order_from_its_page(anna_client, anna):
    order = submit(anna)
    anna_client.post(reverse("orders:order_cancel", args=[order.pk]), {"reason": "Fel produkt"})
    order.refresh_from_db()
    assert order.status == "cancelled"
    assert Loan.objects.count() == 0
