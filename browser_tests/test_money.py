"""The money screens in a real browser.

The finance officer makes a rent run for a month with deliveries, reviews and issues it,
opens an invoice and its PDF, credits it, and downloads the SIE file; then opens the joint
investment's overview and the joint economy's forecast. Skövde's finance contact sees
Skövde's invoices and investment page only, and is refused the runs.

``demo_money_load()`` runs before ``small_history()``: with no deliveries yet it skips the
demo history's rent runs, so the months of the small history are still unbilled here.
"""

import re

from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import Locator, Page, expect
from pytest_django.live_server_helper import LiveServer

from billing.actions import cost_transfer_record, rent_run_create, rent_run_issue
from billing.models import Invoice
from bootstrap.demo_money import demo_money_load
from browser_tests.helpers import login, shot
from followup.tests.helpers import D, small_history
from logistics.models import Loan
from registry.models import Principal

INVOICE_NUMBER = re.compile(r"^\d{4}-\d{5}$")  # YYYY-NNNNN, shared with credit notes
REGION = "Västra Götalandsregionen"


def _menu(page: Page) -> Locator:
    return page.get_by_role("navigation", name="Huvudmeny")


def _money_and_history() -> None:
    """The demo money first (its rent runs find nothing to bill and are skipped), then
    three BP monitors delivered in March, April and May 2024 to the region's patients."""
    demo_money_load()
    small_history(User.objects.get(username="anna.lind"))


def test_finance_officer_runs_invoices_credits_and_exports(
    page: Page, live_server: LiveServer
) -> None:
    _money_and_history()
    login(page, live_server, "olof.ekonomi")

    # Rent runs: a draft for March 2024 (one BP monitor delivered 6 March).
    _menu(page).get_by_role("link", name="Fakturering", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hyreskörningar")
    page.get_by_label("Faktureringsmånad", exact=True).fill("2024-03")
    page.get_by_role("button", name="Gör utkastet").click()
    expect(page.locator("ul.messages")).to_contain_text(
        "Ett utkast till körning för 2024-03 är klart att granska."
    )
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_contain_text("Körning 2024-03")
    expect(heading).to_contain_text("Utkast")
    totals = page.get_by_role("table", name="Summor per huvudman")
    region_row = totals.get_by_role("row").filter(has_text=REGION)
    expect(region_row).to_have_count(1)
    expect(region_row.get_by_role("cell").first).to_have_text("–")  # not numbered yet

    page.get_by_role("button", name="Utfärda körningen").click()
    expect(page.locator("ul.messages")).to_contain_text("Körningen för 2024-03 är utfärdad.")
    expect(heading).to_contain_text("Utfärdad")
    expect(page.get_by_role("button", name="Utfärda körningen")).to_have_count(0)
    number = region_row.get_by_role("cell").first.inner_text().strip()
    assert INVOICE_NUMBER.match(number), number
    shot(page, "21-rent-run")

    # The invoice: head, lines, downloads.
    region_row.get_by_role("link", name=REGION).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Faktura {number}")
    body = page.locator("main")
    expect(body).to_contain_text("232100-0131")  # the seller's organisation number
    expect(body).to_contain_text("BP-H0")  # the device, by serial number, no patient
    expect(body).not_to_contain_text("19121212")
    shot(page, "22-invoice")

    pdf = page.request.get(
        page.get_by_role("link", name="PDF", exact=True).get_attribute("href") or ""
    )
    assert pdf.ok, pdf.status
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # A credit note for the whole invoice, with a reason.
    credit = page.locator("#credit-note")
    expect(credit.get_by_role("heading")).to_have_text("Utfärda en kreditfaktura")
    credit.get_by_label("Orsak", exact=True).fill("Fel faktureringsperiod")
    credit.get_by_role("button", name="Utfärda kreditfakturan").click()
    note_heading = page.get_by_role("heading", level=1)
    expect(note_heading).to_contain_text("Kreditfaktura")
    note_number = note_heading.inner_text().replace("Kreditfaktura", "").strip()
    assert INVOICE_NUMBER.match(note_number), note_number
    assert note_number != number
    expect(page.locator("ul.messages")).to_contain_text(f"Kreditfaktura {note_number} är utfärdad.")
    expect(page.locator("dl.facts")).to_contain_text(f"Krediterar faktura{number}")
    expect(page.locator("dl.facts")).to_contain_text("Fel faktureringsperiod")

    # The SIE export of this year's documents: the invoice and the credit note.
    today = timezone.localdate()
    page.get_by_role("link", name="SIE-export", exact=True).click()
    page.get_by_label("Från och med datum", exact=True).fill(f"{today.year}-01-01")
    page.get_by_label("Till och med datum", exact=True).fill(today.isoformat())
    with page.expect_download() as download:
        page.get_by_role("button", name="Ladda ner SIE-filen").click()
    assert download.value.suggested_filename.endswith(".se")
    sie = download.value.path().read_bytes().decode("cp437")
    assert sie.startswith("#FLAGGA")
    assert "#VER" in sie
    assert sie.count("#VER") == 2, sie

    # The joint investment's overview and the joint economy's forecast.
    _menu(page).get_by_role("link", name="Gemensam investering").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Gemensam investering")
    expect(page.locator("#total-amount")).to_have_text("34\u00a0157\u00a0170,00")
    shot(page, "23-joint-investment")

    _menu(page).get_by_role("link", name="Samverkansekonomi").click()
    page.get_by_role("link", name="Prognos", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Prognos för samverkansekonomin")
    expect(page.locator("dl.figures")).to_contain_text("Självförsörjande från")
    expect(page.locator("figure.chart svg").first).to_be_visible()
    shot(page, "24-joint-economy-forecast")


def test_contact_person_sees_only_own_principal(page: Page, live_server: LiveServer) -> None:
    _money_and_history()
    # April 2024 to both the region and Skövde: the patient of the device delivered on
    # 5 April moves to Skövde's care on 16 April.
    olof = User.objects.get(username="olof.ekonomi")
    region, skovde = Principal.objects.get(code="14"), Principal.objects.get(code="1496")
    loan = Loan.objects.get(started_on=D(2024, 4, 5))
    assert loan.patient is not None
    cost_transfer_record(
        patient=loan.patient,
        from_principal=region,
        to_principal=skovde,
        valid_from=D(2024, 4, 16),
        reason="Vårdövergång",
        acting_user=olof,
    )
    run = rent_run_issue(
        run=rent_run_create(month=D(2024, 4, 1), acting_user=olof),
        acting_user=olof,
        on=D(2024, 5, 2),
    )
    own = Invoice.objects.get(run=run, principal=skovde)
    other = Invoice.objects.get(run=run, principal=region)
    assert own.number and other.number

    login(page, live_server, "mats.olsson")
    nav = _menu(page)
    expect(nav.get_by_role("link", name="Fakturering", exact=True)).to_have_count(0)
    nav.get_by_role("link", name="Fakturor", exact=True).click()
    expect(page.locator("body")).to_contain_text(
        "Er organisations utfärdade fakturor och kreditfakturor."
    )
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(own.number)
    expect(rows.first).to_contain_text("Skövde")
    expect(page.locator("table")).not_to_contain_text(other.number)

    rows.first.get_by_role("link", name=own.number).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Faktura {own.number}")
    expect(page.get_by_role("heading", name="Utfärda en kreditfaktura")).to_have_count(0)
    expect(page.locator("form[action*=kreditera]")).to_have_count(0)

    other_page = page.goto(f"{live_server.url}/fakturering/fakturor/{other.pk}/")
    assert other_page is not None and other_page.status == 404
    for path in ("/fakturering/", "/fakturering/sie/", "/investering/oversikt/"):
        refused = page.goto(live_server.url + path)
        assert refused is not None and refused.status == 403, path
    elsewhere = page.goto(f"{live_server.url}/investering/huvudman/14/")
    assert elsewhere is not None and elsewhere.status in (403, 404)

    page.goto(live_server.url + "/")
    _menu(page).get_by_role("link", name="Gemensam investering").click()
    expect(page).to_have_url(re.compile(r"/investering/huvudman/1496/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Gemensam investering – Skövde")
    expect(page.locator("#due-on")).to_contain_text("2023-03-31")  # the approved postponement
    expect(page.get_by_role("link", name="Alla huvudmän")).to_have_count(0)
