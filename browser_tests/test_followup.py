"""The follow-up in a real browser: an analyst chooses a period, reads the key figures
and charts, opens a chart's table, downloads it, and opens the printable report and its
PDF. The dashboard, the report and the PDF's first pages are saved as screenshots."""

import datetime
import random

import pypdfium2
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from browser_tests.helpers import SCREENSHOT_DIR, login, shot
from devices.actions import reconditioning_done, reconditioning_start
from followup.tests.helpers import D, deliver, order_on
from logistics.actions import pickup_request, return_receive
from logistics.calendar import add_working_days
from orders.models import Order
from orders.personal_numbers import luhn_check_digit
from orders.tests.helpers import BP, register


def _patient(n: int) -> str:
    body = f"5001{n % 28 + 1:02d}{n % 1000:03d}"
    return f"19{body[:6]}-{body[6:]}{luhn_check_digit(body)}"


def _history(prescriber: User) -> None:
    """About forty blood pressure monitors delivered from September 2023 to May 2024,
    a few late, some returned and reconditioned. Seeded, so the pictures are stable."""
    rng = random.Random(7)  # noqa: S311 - test data, not security
    for i in range(60):
        register(BP, f"BP-B{i:03d}", D(2023, 8, 1))
    n = 0
    month = D(2023, 9, 4)
    loans = []
    while month < D(2024, 6, 1):
        for _ in range(rng.randint(2, 6)):
            ordered = month + datetime.timedelta(days=rng.randint(0, 20))
            delivered = add_working_days(ordered, rng.choice([2, 3, 4, 4, 5, 6, 9]))
            if delivered > D(2024, 6, 7):
                continue
            loans.append(deliver(order_on(prescriber, ordered, _patient(n)), ordered, delivered))
            n += 1
        month = (month + datetime.timedelta(days=32)).replace(day=4)
        for loan in [loan for loan in loans if loan.ended_on is None][:1]:
            back = loan.started_on + datetime.timedelta(days=40)
            if back < month:
                pickup_request(loan=loan, requested_on=back, acting_user=prescriber)
                return_receive(
                    loan=loan, received_on=back + datetime.timedelta(days=3), acting_user=None
                )
                reconditioning_start(
                    device=loan.device, acting_user=None, on=back + datetime.timedelta(days=4)
                )
                reconditioning_done(
                    device=loan.device, acting_user=None, on=back + datetime.timedelta(days=5)
                )
                loan.refresh_from_db()


def test_the_follow_up_dashboard_report_and_pdf(page: Page, live_server: LiveServer) -> None:

    _history(User.objects.get(username="anna.lind"))
    delivered = Order.objects.filter(status="delivered").count()

    login(page, live_server, "alva.analys")
    page.get_by_role("link", name="Uppföljning").click()
    page.get_by_label("Från", exact=True).fill("2023-09-01")
    page.get_by_label("Till", exact=True).fill("2024-06-10")
    page.get_by_label("Hos patient per", exact=True).fill("2024-06-10")
    with page.expect_navigation():
        page.get_by_role("button", name="Visa").click()

    figures = page.locator("dl.figures")
    expect(figures.locator("div").first).to_contain_text(f"Utlevererade{delivered}")
    charts = page.locator("figure.chart svg[role=img]")
    assert charts.count() >= 10
    expect(charts.first).to_be_visible()
    # Each chart has its table behind a disclosure, readable without the picture.
    section = page.locator("#delivered-per-month")
    section.get_by_text("Tabell").click()
    expect(section.locator("table")).to_be_visible()
    expect(section.locator("tbody tr")).to_have_count(10)  # September to June
    shot(page, "17-followup-dashboard")

    with page.expect_download() as download:
        section.get_by_role("link", name="CSV").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    assert text.splitlines()[0].startswith("Månad;Förskrivna till patient")
    assert text.splitlines()[-1].endswith(f";{delivered}")  # the cumulative total

    page.get_by_role("link", name="Utskriftsvänlig rapport").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "Uppföljning av samarbetet kring digitala hjälpmedel"
    )
    expect(page.get_by_role("heading", name="Försörjning")).to_be_visible()
    expect(page.get_by_role("heading", name="Resultat")).to_be_visible()
    expect(page.locator("body")).to_contain_text(f"Av totalt {delivered} utlevererade hjälpmedel")
    shot(page, "18-followup-report")

    pdf_link = page.get_by_role("link", name="Rapport som PDF")
    response = page.request.get(pdf_link.get_attribute("href") or "")
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    document = pypdfium2.PdfDocument(response.body())
    assert len(document) >= 3  # Supply, Results, key figures start on their own pages
    first = document[0].get_textpage().get_text_range()
    assert "Försörjning" in first and str(delivered) in first
    for index in (0, 1):
        image = document[index].render(scale=1.4).to_pil()
        image.save(SCREENSHOT_DIR / f"{19 + index}-followup-report-pdf-page-{index + 1}.png")
