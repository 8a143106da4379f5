"""Screens and API per role: the finance officer sees all, a contact person only their
own principal, everyone else 403. Query-count guards on the overview."""

from __future__ import annotations

import csv
import datetime
import io
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from investment import selectors
from investment.actions import investment_payment_record, investment_request_submit
from investment.demo import demo_investment_load
from investment.models import InvestmentInvoice, InvestmentPayment, InvestmentRequest

D = datetime.date


class FixedDay:
    """Stands in for ``django.utils.timezone`` in the actions: today is a 2022 day."""

    def __init__(self, day: datetime.date) -> None:
        self.day = day

    def localdate(self) -> datetime.date:
        return self.day


@pytest.fixture
def in_august_2022(monkeypatch):
    monkeypatch.setattr("investment.actions.timezone", FixedDay(D(2022, 8, 15)))


# --- Screens -----------------------------------------------------------------------------


def test_overview_for_finance_officer(run, olof_client):
    response = olof_client.get("/investering/oversikt/")
    assert response.status_code == 200
    text = response.content.decode()
    assert "34\u00a0157\u00a0170,00" in text
    assert "34\u00a0897\u00a0180,00" in text
    assert "Skövde" in text and "Ale<" not in text


def test_index_sends_each_role_to_its_page(run, olof_client, mats_client, anna_client):
    assert olof_client.get("/investering/").status_code == 200
    response = mats_client.get("/investering/")
    assert response.status_code == 302
    assert response["Location"] == "/investering/huvudman/1496/"
    assert anna_client.get("/investering/").status_code == 403


@pytest.mark.parametrize(
    "url",
    ["/investering/oversikt/", "/investering/begaran/", "/investering/oversikt.csv"],
)
def test_finance_pages_refuse_others(run, mats_client, anna_client, lars_client, url):
    for client in (mats_client, anna_client, lars_client):
        assert client.get(url).status_code == 403


def test_overview_query_count_is_bounded(run, olof, olof_client, django_assert_max_num_queries):
    demo_investment_load()
    with django_assert_max_num_queries(25):
        response = olof_client.get("/investering/oversikt/")
    assert response.status_code == 200
    with CaptureQueriesContext(connection) as captured:
        selectors.investment_overview(today=D(2023, 1, 15))
    assert len(captured) <= 8


def test_overview_filter_late(run, olof_client):
    demo_investment_load()
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("investment.views.timezone", FixedDay(D(2023, 1, 15)))
        text = olof_client.get("/investering/oversikt/?status=late").content.decode()
    assert 'id="principal-1438"' in text  # Dals-Ed has paid nothing
    assert 'id="principal-1496"' not in text  # Skövde is postponed, not late
    assert 'id="principal-1480"' not in text  # Göteborg has paid


def test_contact_sees_own_principal_with_form_closed(run, mats_client):
    response = mats_client.get("/investering/huvudman/1496/")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'id="form-closed"' in text
    assert "GI-2022-" in text
    assert 'name="amount"' not in text  # no payment form for a contact person


def test_contact_may_not_see_another_principal(run, mats_client):
    assert mats_client.get("/investering/huvudman/1480/").status_code == 403
    assert mats_client.get("/investering/huvudman/9999/").status_code == 404


def test_contact_sends_the_form_in_august_2022(run, mats_client, skovde, in_august_2022):
    response = mats_client.post(
        "/investering/huvudman/1496/begaran/",
        {"postpone": "on", "requested_due_on": "2023-03-31"},
    )
    assert response.status_code == 302
    request = InvestmentRequest.objects.get(principal=skovde)
    assert request.requested_due_on == D(2023, 3, 31)
    assert request.submitted_on == D(2022, 8, 15)


def test_the_form_is_refused_today(run, mats_client, skovde):
    response = mats_client.post(
        "/investering/huvudman/1496/begaran/",
        {"postpone": "on", "requested_due_on": "2023-03-31"},
        HTTP_REFERER="http://testserver/investering/huvudman/1496/",
    )
    assert response.status_code == 302
    assert not InvestmentRequest.objects.exists()
    page = mats_client.get(response["Location"]).content.decode()
    assert "31" in page and 'role="alert"' in page


def test_finance_officer_records_payment_on_screen(run, olof_client, skovde):
    response = olof_client.post(
        "/investering/huvudman/1496/betalning/",
        {"paid_on": "2022-12-01", "amount": "570 160,00", "reference": "OCR 1"},
    )
    assert response.status_code == 302
    payment = InvestmentPayment.objects.get(principal=skovde)
    assert payment.amount == Decimal("570160.00")
    page = olof_client.get("/investering/huvudman/1496/").content.decode()
    assert "OCR 1" in page


def test_contact_cannot_record_payment(run, mats_client):
    response = mats_client.post(
        "/investering/huvudman/1496/betalning/", {"paid_on": "2022-12-01", "amount": "1"}
    )
    assert response.status_code in (302, 403)
    assert not InvestmentPayment.objects.exists()


def test_finance_officer_reviews_on_screen(run, mats, olof_client, skovde):
    request = investment_request_submit(
        acting_user=mats,
        principal=skovde,
        postpone=True,
        requested_due_on=D(2023, 3, 31),
        today=D(2022, 8, 1),
    )
    assert "Skövde" in olof_client.get("/investering/begaran/").content.decode()
    response = olof_client.post(
        f"/investering/begaran/{request.pk}/granska/", {"decision": "approve"}
    )
    assert response.status_code == 302
    assert selectors.principal_due_on(skovde) == D(2023, 3, 31)


def test_issue_on_screen(db, olof_client, mats_client):
    assert mats_client.post("/investering/utfarda/").status_code in (302, 403)
    assert selectors.investment_run_get() is None
    assert olof_client.post("/investering/utfarda/").status_code == 302
    assert InvestmentInvoice.objects.count() == 48


def test_csv_export(run, olof_client):
    response = olof_client.get("/investering/oversikt.csv")
    assert response.status_code == 200
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert len(rows) == 1 + 48 + 1
    skovde = next(r for r in rows if r[0] == "1496")
    assert skovde[3] == "570160,00"
    assert rows[-1][3] == "34157170,00"


def test_xlsx_export(run, olof_client):
    from openpyxl import load_workbook

    response = olof_client.get("/investering/oversikt.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row for row in sheet.iter_rows(values_only=True) if row and row[0] == "1496"]
    assert values[0][3] == 570160


def test_invoice_pdf(run, mats_client, olof_client, skovde):
    number = InvestmentInvoice.objects.get(principal=skovde).number
    response = mats_client.get(f"/investering/faktura/{number}.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    other = InvestmentInvoice.objects.get(principal__code="1480").number
    assert mats_client.get(f"/investering/faktura/{other}.pdf").status_code == 404
    assert olof_client.get(f"/investering/faktura/{other}.pdf").status_code == 200


def test_invoice_html_states_seller_buyer_and_vat(run, skovde):
    from investment.exports import invoice_html

    html = invoice_html(InvestmentInvoice.objects.get(principal=skovde))
    assert "232100-0131" in html
    assert "Skövde" in html
    assert "570\u00a0160,00" in html
    assert "2022-12-31" in html and "2022-07-01" in html


# --- API ---------------------------------------------------------------------------------


def test_api_overview_per_role(run, olof_client, mats_client, anna_client):
    response = olof_client.get("/api/v1/investment/overview")
    assert response.status_code == 200
    data = response.json()
    assert Decimal(data["totals"]["amount"]) == Decimal("34157170.00")
    assert Decimal(data["all_principals_total"]) == Decimal("34897180.00")
    assert len(data["rows"]) == 48
    for client in (mats_client, anna_client):
        refused = client.get("/api/v1/investment/overview")
        assert refused.status_code == 403
        assert refused.json()["code"] == "finance_only"


def test_api_overview_query_count(run, olof_client, django_assert_max_num_queries):
    demo_investment_load()
    with django_assert_max_num_queries(25):
        assert olof_client.get("/api/v1/investment/overview").status_code == 200


def test_api_principal_per_role(run, olof_client, mats_client, anna_client):
    response = mats_client.get("/api/v1/investment/principals/1496")
    assert response.status_code == 200
    data = response.json()
    assert Decimal(data["position"]["amount"]) == Decimal("570160.00")
    assert data["request_form_open"] is False
    assert data["request_form_closed_reason"]
    assert mats_client.get("/api/v1/investment/principals/1480").status_code == 403
    assert anna_client.get("/api/v1/investment/principals/1496").status_code == 403
    assert olof_client.get("/api/v1/investment/principals/1480").status_code == 200


def test_api_request_create_and_review(run, mats_client, olof_client, skovde, in_august_2022):
    payload = {"principal": "1496", "postpone": True, "requested_due_on": "2023-04-01"}
    refused = mats_client.post(
        "/api/v1/investment/requests", json.dumps(payload), content_type="application/json"
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "code": "due_date_too_late",
        "message": refused.json()["message"],
        "field": "requested_due_on",
    }
    payload["requested_due_on"] = "2023-03-31"
    created = mats_client.post(
        "/api/v1/investment/requests", json.dumps(payload), content_type="application/json"
    )
    assert created.status_code == 201
    request_id = created.json()["id"]
    assert mats_client.get("/api/v1/investment/requests").json()[0]["id"] == request_id
    forbidden = mats_client.post(
        f"/api/v1/investment/requests/{request_id}/review",
        json.dumps({"approve": True}),
        content_type="application/json",
    )
    assert forbidden.status_code == 403
    reviewed = olof_client.post(
        f"/api/v1/investment/requests/{request_id}/review",
        json.dumps({"approve": True}),
        content_type="application/json",
    )
    assert reviewed.status_code == 200
    assert reviewed.json()["status"] == "approved"
    assert selectors.principal_due_on(skovde) == D(2023, 3, 31)


def test_api_request_after_deadline_is_409(run, mats_client):
    payload = {"principal": "1496", "postpone": True, "requested_due_on": "2023-03-31"}
    response = mats_client.post(
        "/api/v1/investment/requests", json.dumps(payload), content_type="application/json"
    )
    assert response.status_code == 409
    assert response.json()["code"] == "request_form_closed"


def test_api_payments(run, olof_client, mats_client, olof, goteborg):
    investment_payment_record(
        acting_user=olof,
        principal=goteborg,
        paid_on=D(2022, 12, 1),
        amount=Decimal("1.00"),
        today=D(2022, 12, 1),
    )
    body = {"principal": "1496", "paid_on": "2022-12-01", "amount": "570160.00"}
    refused = mats_client.post(
        "/api/v1/investment/payments", json.dumps(body), content_type="application/json"
    )
    assert refused.status_code == 403
    created = olof_client.post(
        "/api/v1/investment/payments", json.dumps(body), content_type="application/json"
    )
    assert created.status_code == 201
    assert Decimal(created.json()["amount"]) == Decimal("570160.00")
    over = olof_client.post(
        "/api/v1/investment/payments",
        json.dumps({**body, "amount": "0.01"}),
        content_type="application/json",
    )
    assert over.status_code == 409
    assert over.json()["code"] == "overpayment"
    # A contact sees their own principal's payments only.
    own = mats_client.get("/api/v1/investment/payments").json()
    assert [p["principal"] for p in own] == ["1496"]
    assert len(olof_client.get("/api/v1/investment/payments").json()) == 2


def test_api_refuses_everyone_else(run, anna_client, lars_client):
    for client in (anna_client, lars_client):
        assert client.get("/api/v1/investment/requests").status_code == 403
        assert client.get("/api/v1/investment/payments").status_code == 403


# --- Demo loader ---------------------------------------------------------------------------


def test_demo_loader_is_idempotent_and_plausible(db):
    first = demo_investment_load()
    assert first["run_issued"] == 1
    counts = (
        InvestmentInvoice.objects.count(),
        InvestmentRequest.objects.count(),
        InvestmentPayment.objects.count(),
    )
    second = demo_investment_load()
    assert sum(second.values()) == 0
    assert counts == (
        InvestmentInvoice.objects.count(),
        InvestmentRequest.objects.count(),
        InvestmentPayment.objects.count(),
    )
    overview = selectors.investment_overview(today=D(2023, 6, 1))
    statuses = {p.principal.code: p.status for p in overview.rows}
    assert statuses["1496"] == "paid"  # paid 2023-03-28, within its postponement
    assert statuses["1438"] == "late"
    assert statuses["1498"] == "late"  # half paid
    assert statuses["1482"] == "paid"  # paid late, but paid
    assert overview.totals.late == 3
    assert overview.totals.postponed == 1
    assert selectors.principal_due_on(selectors.investment_signatories().get(code="1496")) == D(
        2023, 3, 31
    )
