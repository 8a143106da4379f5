"""The working screens on a tablet: nothing wider than the screen, and every form field
has a label a screen reader can read."""

import datetime

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from browser_tests.helpers import login, shot
from orders.tests.helpers import BP, delivered, register, submit

# Every visible form control without a label (a <label>, aria-label or aria-labelledby).
UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.offsetParent !== null)
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label')
               && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id)"""
OVERFLOW = "() => document.documentElement.scrollWidth - window.innerWidth"


def check(page: Page, url: str) -> None:
    page.goto(url)
    assert page.evaluate(UNLABELLED) == [], url
    assert page.evaluate(OVERFLOW) <= 0, url


@pytest.mark.parametrize(
    ("username", "paths"),
    [
        (
            "anna.lind",
            [
                "/",
                "/katalog/",
                "/forskriv/DH-1001/",
                "/bestallningar/",
                "/patienter/",
                "/patienter/{patient}/",
                "/bestallningar/{order}/",
                "/lokalt-lager/",
            ],
        ),
        (
            "lars.hmc",
            [
                "/hmc/",
                "/hmc/bestallning/{order}/",
                "/hmc/returer/",
                "/hmc/verkstad/",
                "/hmc/lager/",
                "/hmc/utbildningar/",
                "/hmc/hjalpmedel/",
            ],
        ),
        ("siv.logg", ["/logg/"]),
        ("alva.analys", ["/uppfoljning/", "/uppfoljning/rapport/"]),
        (
            "olof.ekonomi",
            [
                "/fakturering/",
                "/fakturering/fakturor/",
                "/fakturering/sie/",
                "/investering/oversikt/",
                "/samverkansekonomi/",
                "/samverkansekonomi/prognos/",
            ],
        ),
    ],
    ids=["prescriber", "device-centre", "security-officer", "analyst", "finance-officer"],
)
def test_screens_fit_a_tablet_and_label_every_field(
    tablet_page: Page, live_server: LiveServer, username: str, paths: list[str]
) -> None:
    from django.contrib.auth.models import User

    anna, lars = User.objects.get(username="anna.lind"), User.objects.get(username="lars.hmc")
    register(BP, "BP-T1", datetime.date(2023, 9, 1))
    order = submit(anna)
    delivered(order, lars)
    submit(anna, personal_number="19800101-0001")  # one still in the work queue
    login(tablet_page, live_server, username)
    for path in paths:
        check(tablet_page, live_server.url + path.format(order=order.pk, patient=order.patient_id))
    if username == "lars.hmc":
        tablet_page.goto(live_server.url + "/hmc/")
        shot(tablet_page, "16-work-queue-tablet")
