"""A nurse logs in, finds the blood pressure monitors in the catalogue and opens one."""

import re

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

from browser_tests.helpers import DEMO_PASSWORD, LOGIN_PATH, login, shot, submit_login


def test_nurse_logs_in_and_searches_the_catalogue(page: Page, live_server: LiveServer) -> None:
    # An anonymous visitor is sent to the login form.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}?next=/")
    expect(page.get_by_role("heading", name="Logga in")).to_be_visible()
    expect(page.get_by_label("Användarnamn")).to_be_visible()
    shot(page, "01-login")

    login(page, live_server, "anna.lind")
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Välkommen, Anna Lind")
    expect(page.get_by_text("Närhälsan Majorna vårdcentral")).to_be_visible()

    page.get_by_role("navigation").get_by_role("link", name="Katalog").click()
    expect(page).to_have_url(f"{live_server.url}/katalog/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Katalog")
    rows = page.locator("#product-results tbody tr")
    expect(rows).to_have_count(15)

    # Typing narrows the table without a page load (htmx swaps #product-results).
    page.evaluate("window.__not_reloaded = true")
    with page.expect_response(re.compile(r"/katalog/\?.*q=blod")) as response:
        page.get_by_label("Sök på namn, artikelnummer eller ISO-kod").press_sequentially("blod")
    assert response.value.ok
    expect(rows).to_have_count(2)
    expect(rows.nth(0).locator("td").first).to_have_text("Digital blodtrycksmätare")
    expect(rows.nth(1).locator("td").first).to_have_text("Digital blodtrycksmätare för gravida")
    expect(page.locator("#product-results")).to_contain_text("2 produkter")
    expect(page).to_have_url(re.compile(r"/katalog/\?.*q=blod"))  # hx-push-url
    assert page.evaluate("window.__not_reloaded") is True
    shot(page, "02-catalogue")

    page.get_by_role("link", name="Digital blodtrycksmätare", exact=True).click()
    expect(page).to_have_url(f"{live_server.url}/katalog/DH-1001/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Digital blodtrycksmätare")
    expect(page.get_by_role("heading", name="Anvisning", exact=True)).to_be_visible()
    expect(page.locator("dl.facts")).to_contain_text("DH-1001")


def test_wrong_password_shows_the_swedish_error(tablet_page: Page, live_server: LiveServer) -> None:
    page = tablet_page  # the same form on a tablet held upright
    submit_login(page, live_server, "anna.lind", DEMO_PASSWORD + "-fel")
    expect(page).to_have_url(f"{live_server.url}{LOGIN_PATH}")
    expect(page.get_by_role("alert")).to_contain_text("Ange ett korrekt användarnamn och lösenord.")
    # Still anonymous: the start page sends us back to the form.
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(re.escape(LOGIN_PATH)))
