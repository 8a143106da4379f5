"""The whole life of a blood pressure monitor, through the screens in a real browser:
a nurse prescribes it (and is first refused, with the reason), the device centre
allocates, dispatches and delivers it, the patient returns it with a post-agent code,
and it is reconditioned back into stock. Each screen is saved as a screenshot."""

import datetime
import re
from collections.abc import Callable

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from browser_tests.helpers import login, shot
from devices.models import Device
from orders.models import Order
from orders.tests.helpers import BP, register


def press(page: Page, selector: str) -> None:
    """Submit the form of ``selector``'s button and wait for the page that answers."""
    with page.expect_navigation():
        page.locator(selector).click()


def _stock() -> None:
    """Two monitors in the centre's stock; BP-0001 is the older and goes out first."""
    register(BP, "BP-0002", datetime.date(2024, 2, 1))
    register(BP, "BP-0001", datetime.date(2023, 9, 1))


def test_a_refused_prescription_explains_why(page: Page, live_server: LiveServer) -> None:
    # Peter is a physiotherapist: the medication dispenser's guidance does not let him
    # prescribe it. The form tells him so as soon as it opens, in plain Swedish.
    login(page, live_server, "peter.nord")
    page.goto(f"{live_server.url}/forskriv/DH-1007/")
    panel = page.locator("#eligibility")
    expect(panel.locator('[data-code="profession_not_permitted"]')).to_be_visible()
    expect(panel).to_contain_text("Förskrivningen kan inte skickas ännu")
    expect(panel).to_contain_text("fysioterapeut")
    page.get_by_label("Personnummer eller samordningsnummer").fill("19121212-1213")
    page.get_by_label("Personnummer eller samordningsnummer").blur()
    expect(panel).to_contain_text("kontrollsiffra")
    shot(page, "04-prescription-refused")
    page.get_by_role("button", name="Skicka förskrivningen").click()
    expect(page.locator("#form-errors")).to_be_visible()
    assert Order.objects.count() == 0


def test_prescribe_deliver_return_and_recondition(
    page: Page, new_page: Callable[..., Page], live_server: LiveServer
) -> None:
    _stock()
    # 1. The nurse finds the monitor in the catalogue and prescribes it.
    login(page, live_server, "anna.lind")
    page.goto(f"{live_server.url}/katalog/DH-1001/")
    page.get_by_role("link", name="Förskriv eller beställ").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digital blodtrycksmätare")
    page.get_by_label("Personnummer eller samordningsnummer").fill("19121212-1212")
    page.get_by_label("Förnamn").fill("Tolvan")
    page.get_by_label("Efternamn").fill("Tolvansson")
    page.get_by_label("Adress").fill("Storgatan 1")
    page.get_by_label("Postnummer").fill("41301")
    page.get_by_label("Ort").fill("Göteborg")
    page.locator('input[name="criteria"][value="b420.2"]').check()
    page.get_by_label("Turbil till patientens hem").check()
    expect(page.locator('#eligibility [data-eligible="true"]')).to_be_visible()
    shot(page, "03-prescription-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Skicka förskrivningen").click()
    expect(page.locator(".messages")).to_contain_text("är skickad till Hjälpmedelscentralen")
    order = Order.objects.get()
    expect(page).to_have_url(f"{live_server.url}/bestallningar/{order.pk}/")
    shot(page, "05-prescription-confirmed")
    page.goto(f"{live_server.url}/bestallningar/")
    expect(page.locator("tbody")).to_contain_text("19121212-1212")
    shot(page, "06-my-units-orders")

    # 2. The device centre accepts, allocates the oldest monitor, dispatches, delivers.
    hmc = new_page()  # the centre's own browser: its own login
    login(hmc, live_server, "lars.hmc")
    hmc.goto(f"{live_server.url}/hmc/")
    row = hmc.locator("tr", has_text="19121212-1212")
    expect(row).to_be_visible()
    shot(hmc, "07-work-queue")
    press(hmc, f'form[action="/hmc/bestallning/{order.pk}/acceptera/"] button')
    hmc.locator(
        f'form[action="/hmc/bestallning/{order.pk}/tilldela/"] input[name="serial_number"]'
    ).fill("")
    press(hmc, f'form[action="/hmc/bestallning/{order.pk}/tilldela/"] button')
    order.refresh_from_db()
    assert order.status == "allocated"
    assert order.device is not None and order.device.serial_number == "BP-0001"
    hmc.goto(f"{live_server.url}/hmc/bestallning/{order.pk}/foljesedel/")
    expect(hmc.locator("body")).to_contain_text("Storgatan 1")
    shot(hmc, "08-delivery-note")
    hmc.goto(f"{live_server.url}/hmc/")
    press(hmc, f'form[action="/hmc/bestallning/{order.pk}/skicka/"] button')
    press(hmc, f'form[action="/hmc/bestallning/{order.pk}/leverera/"] button')
    order.refresh_from_db()
    assert order.status == "delivered"

    # 3. The nurse gives the patient a post-agent return code.
    page.goto(f"{live_server.url}/patienter/")
    page.get_by_label("Personnummer eller samordningsnummer").fill("191212121212")
    page.get_by_role("button", name="Sök").click()
    expect(page.locator("main")).to_contain_text("BP-0001")
    shot(page, "09-patient-devices")
    page.get_by_role("button", name="Ge en returkod för postombud").click()
    code = page.locator("#return-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{8}", code)
    shot(page, "10-return-code")

    # 4. The parcel reaches the centre: received by its code, then reconditioned.
    hmc.goto(f"{live_server.url}/hmc/returer/")
    expect(hmc.locator("main")).to_contain_text("BP-0001")
    hmc.locator("#id_return_code").fill(code)
    press(hmc, 'form[action="/hmc/returer/returkod/"] button')
    device = Device.objects.get(serial_number="BP-0001")
    assert device.status == "awaiting_reconditioning"
    hmc.goto(f"{live_server.url}/hmc/verkstad/")
    shot(hmc, "11-workshop")
    press(hmc, f'form[action="/hmc/hjalpmedel/{device.pk}/rekonditionering/starta/"] button')
    press(hmc, f'form[action="/hmc/hjalpmedel/{device.pk}/rekonditionering/klar/"] button')
    device.refresh_from_db()
    assert device.status == "in_stock"
    hmc.goto(f"{live_server.url}/hmc/hjalpmedel/{device.pk}/")
    expect(hmc.locator("main")).to_contain_text("Rekonditionerat, tillbaka i lager")
    shot(hmc, "12-device-history")
    hmc.goto(f"{live_server.url}/hmc/lager/")
    shot(hmc, "13-stock")

    # 5. The security officer follows up the log and prints the patient's extract.
    login(page, live_server, "siv.logg")
    page.goto(f"{live_server.url}/logg/")
    expect(page.locator("tbody")).to_contain_text("anna.lind")
    shot(page, "14-access-log")
    page.get_by_label("Patient (personnummer)").last.fill("19121212-1212")
    page.get_by_role("button", name="Ta fram utdraget").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Loggutdrag")
    expect(page.locator("tbody")).to_contain_text("Anna Lind")
    shot(page, "15-patient-log-extract")
