"""The finance screens and the API: the finance officer does everything, Skövde's
finance contact reads Skövde's issued invoices only, anyone else is refused."""

import pytest
from django.urls import reverse

from billing.actions import cost_transfer_record, rent_run_create, rent_run_issue
from billing.models import Invoice, InvoiceRun
from billing.sie_reader import sie_read
from billing.tests.helpers import OTHER, D, loan_for, patient_of, personal_number, region, skovde
from core.models import DomainEvent


@pytest.fixture
def issued(anna, olof):
    """April 2024 issued: one invoice to the region and one to Skövde (a transfer)."""
    loan = loan_for(anna, D(2024, 3, 1))
    loan_for(anna, D(2024, 3, 5), number=OTHER)
    cost_transfer_record(
        patient=patient_of(loan),
        from_principal=region(),
        to_principal=skovde(),
        valid_from=D(2024, 4, 16),
        reason="Vårdövergång",
        acting_user=olof,
    )
    run = rent_run_create(month=D(2024, 4, 1), acting_user=olof)
    return rent_run_issue(run=run, acting_user=olof, on=D(2024, 5, 2))


def test_finance_officer_makes_reviews_and_issues_a_run(anna, olof_client):
    loan_for(anna, D(2024, 3, 1))
    page = olof_client.get(reverse("billing:runs"))
    assert page.status_code == 200
    assert 'type="month"' in page.content.decode()
    bad = olof_client.post(reverse("billing:runs"), {"month": "2099-01"})
    assert bad.status_code == 400
    assert 'class="error" role="alert"' in bad.content.decode()  # next to the month field
    assert not InvoiceRun.objects.exists()
    made = olof_client.post(reverse("billing:runs"), {"month": "2024-03"})
    run = InvoiceRun.objects.get()
    assert made.status_code == 302 and made["Location"] == reverse(
        "billing:run_detail", args=[run.pk]
    )
    review = olof_client.get(made["Location"])
    assert review.status_code == 200 and "Västra Götalandsregionen" in review.content.decode()
    olof_client.post(reverse("billing:run_issue", args=[run.pk]))
    run.refresh_from_db()
    assert run.status == "issued"
    again = olof_client.post(reverse("billing:run_issue", args=[run.pk]))
    assert again.status_code == 302  # refused: the message on the page, nothing changed
    assert Invoice.objects.get(run=run).sequence == 1


def test_invoice_page_downloads_and_credit_note(issued, olof_client):
    invoice = Invoice.objects.get(run=issued, principal=region())
    page = olof_client.get(reverse("billing:invoice_detail", args=[invoice.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert invoice.number in body and "232100-0131" in body
    csv = olof_client.get(reverse("billing:invoice_csv", args=[invoice.pk]))
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff") and ";" in text and "22,50" in text
    xlsx = olof_client.get(reverse("billing:invoice_xlsx", args=[invoice.pk]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    pdf = olof_client.get(reverse("billing:invoice_pdf", args=[invoice.pk]))
    assert pdf.status_code in (200, 503)
    if pdf.status_code == 200:
        assert pdf.content.startswith(b"%PDF")
    refused = olof_client.post(
        reverse("billing:credit_note_create", args=[invoice.pk]), {"reason": ""}
    )
    assert refused.status_code == 400
    assert not Invoice.objects.filter(kind="credit_note").exists()
    line = invoice.lines.all()[0]
    made = olof_client.post(
        reverse("billing:credit_note_create", args=[invoice.pk]),
        {"reason": "Fel period", "lines": [line.pk]},
    )
    note = Invoice.objects.get(kind="credit_note")
    assert made.status_code == 302 and note.total == -line.amount


def test_contact_person_sees_only_own_principals_issued_invoices(issued, mats_client):
    own = Invoice.objects.get(run=issued, principal=skovde())
    other = Invoice.objects.get(run=issued, principal=region())
    listing = mats_client.get(reverse("billing:invoice_list"))
    assert listing.status_code == 200
    assert own.number in listing.content.decode()
    assert other.number not in listing.content.decode()
    page = mats_client.get(reverse("billing:invoice_detail", args=[own.pk]))
    assert page.status_code == 200 and "Issue a credit note" not in page.content.decode()
    assert "kreditera" not in page.content.decode()
    assert mats_client.get(reverse("billing:invoice_csv", args=[own.pk])).status_code == 200
    assert mats_client.get(reverse("billing:invoice_detail", args=[other.pk])).status_code == 404
    for name in ("runs", "transfers", "accounts", "sie_export"):
        assert mats_client.get(reverse(f"billing:{name}")).status_code == 403
    assert mats_client.post(
        reverse("billing:credit_note_create", args=[own.pk]), {"reason": "x"}
    ).status_code in (302, 403)
    assert not Invoice.objects.filter(kind="credit_note").exists()
    api = mats_client.get("/api/v1/billing/invoices")
    assert [i["number"] for i in api.json()["items"]] == [own.number]
    assert mats_client.get(f"/api/v1/billing/invoices/{other.pk}").status_code == 404
    assert mats_client.get("/api/v1/billing/runs").status_code == 403


def test_others_are_refused(issued, anna_client, lars_client):
    invoice = Invoice.objects.filter(run=issued)[0]
    for client in (anna_client, lars_client):
        assert client.get(reverse("billing:invoice_list")).status_code == 403
        assert client.get(reverse("billing:runs")).status_code == 403
        assert client.get(reverse("billing:invoice_detail", args=[invoice.pk])).status_code == 403
        response = client.get("/api/v1/billing/invoices")
        assert response.status_code == 403 and response.json()["code"] == "invoices_not_visible"
        assert (
            client.post(
                "/api/v1/billing/runs", {"month": "2024-05-01"}, content_type="application/json"
            ).json()["code"]
            == "finance_only"
        )


def test_invoice_list_query_count(issued, anna, olof, olof_client, django_assert_max_num_queries):
    for i in range(6):
        loan_for(anna, D(2024, 5, 2), number=personal_number(i + 20))
    rent_run_issue(run=rent_run_create(month=D(2024, 5, 1), acting_user=olof), acting_user=olof)
    with django_assert_max_num_queries(12):
        assert olof_client.get(reverse("billing:invoice_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert olof_client.get("/api/v1/billing/invoices").status_code == 200
    with django_assert_max_num_queries(14):
        assert olof_client.get(reverse("billing:runs")).status_code == 200


def test_api_runs_invoices_credit_notes(anna, olof_client):
    loan_for(anna, D(2024, 3, 1))
    bad = olof_client.post(
        "/api/v1/billing/runs", {"month": "mars"}, content_type="application/json"
    )
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_input"
    future = olof_client.post(
        "/api/v1/billing/runs", {"month": "2099-01-01"}, content_type="application/json"
    )
    assert future.status_code == 400
    assert future.json() == {
        "code": "month_not_ended",
        "message": future.json()["message"],
        "field": "month",
    }
    assert not InvoiceRun.objects.exists()
    made = olof_client.post(
        "/api/v1/billing/runs", {"month": "2024-03-01"}, content_type="application/json"
    )
    assert made.status_code == 201
    run = made.json()
    assert (run["status"], run["invoice_count"], run["total"]) == ("draft", 1, "45.00")
    twice = olof_client.post(
        "/api/v1/billing/runs", {"month": "2024-03-01"}, content_type="application/json"
    )
    assert twice.status_code == 409 and twice.json()["code"] == "draft_run_exists"
    issued = olof_client.post(f"/api/v1/billing/runs/{run['id']}/issue")
    assert issued.status_code == 200 and issued.json()["status"] == "issued"
    assert olof_client.post(f"/api/v1/billing/runs/{run['id']}/issue").status_code == 409
    assert olof_client.delete(f"/api/v1/billing/runs/{run['id']}").status_code == 409
    [invoice] = olof_client.get(f"/api/v1/billing/invoices?run={run['id']}").json()["items"]
    detail = olof_client.get(f"/api/v1/billing/invoices/{invoice['id']}").json()
    assert detail["lines"][0]["amount"] == "45.00" and "patient" not in detail["lines"][0]
    no_reason = olof_client.post(
        f"/api/v1/billing/invoices/{invoice['id']}/credit-notes",
        {"reason": " "},
        content_type="application/json",
    )
    assert no_reason.status_code == 400 and no_reason.json()["field"] == "reason"
    note = olof_client.post(
        f"/api/v1/billing/invoices/{invoice['id']}/credit-notes",
        {"reason": "Fel", "lines": [detail["lines"][0]["id"]]},
        content_type="application/json",
    )
    assert note.status_code == 201
    assert (note.json()["kind"], note.json()["total"], note.json()["credited_invoice"]) == (
        "credit_note",
        "-45.00",
        invoice["number"],
    )


def test_api_transfers_and_sie(issued, olof_client):
    listed = olof_client.get("/api/v1/billing/transfers").json()["items"]
    assert [(t["from_principal"], t["to_principal"]) for t in listed] == [("14", "1496")]
    bad = olof_client.post(
        "/api/v1/billing/transfers",
        {
            "personal_number": OTHER,
            "from_principal": "14",
            "to_principal": "9999",
            "valid_from": "2024-06-01",
            "reason": "x",
        },
        content_type="application/json",
    )
    assert bad.status_code == 404 and bad.json()["field"] == "to_principal"
    made = olof_client.post(
        "/api/v1/billing/transfers",
        {
            "personal_number": OTHER,
            "from_principal": "14",
            "to_principal": "1496",
            "valid_from": "2024-06-01",
            "reason": "Flytt",
        },
        content_type="application/json",
    )
    assert made.status_code == 201
    assert DomainEvent.objects.filter(kind="cost_transfer_recorded").count() == 2
    spans = olof_client.get("/api/v1/billing/sie?start=2023-12-01&end=2024-05-31")
    assert spans.status_code == 400 and spans.json()["code"] == "period_spans_years"
    sie = olof_client.get("/api/v1/billing/sie?start=2024-05-01&end=2024-05-31")
    assert sie.status_code == 200
    parsed = sie_read(sie.content)
    assert len(parsed.verifications) == 2
    screen = olof_client.get(
        reverse("billing:sie_export"), {"start": "2024-05-01", "end": "2024-05-31"}
    )
    assert screen.status_code == 200 and screen.content == sie.content
    refused = olof_client.get(
        reverse("billing:sie_export"), {"start": "2024-05-31", "end": "2024-05-01"}
    )
    assert refused.status_code == 400


def test_transfer_screen_and_account_mapping(anna, olof_client):
    loan = loan_for(anna, D(2024, 3, 1))
    assert olof_client.get(reverse("billing:transfers")).status_code == 200
    bad = olof_client.post(
        reverse("billing:transfers"),
        {
            "personal_number": "19121212-1212",
            "from_principal": region().pk,
            "to_principal": region().pk,
            "valid_from": "2024-04-16",
            "reason": "Flytt",
        },
    )
    assert bad.status_code == 400 and not patient_of(loan).cost_transfers.exists()
    made = olof_client.post(
        reverse("billing:transfers"),
        {
            "personal_number": "19121212-1212",
            "from_principal": region().pk,
            "to_principal": skovde().pk,
            "valid_from": "2024-04-16",
            "reason": "Flytt",
        },
    )
    assert made.status_code == 302 and patient_of(loan).cost_transfers.count() == 1
    accounts = olof_client.get(reverse("billing:accounts"))
    assert accounts.status_code == 200 and "1510" in accounts.content.decode()
