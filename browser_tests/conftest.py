"""Browser-test fixtures: Playwright (sync API) driving Debian's Chromium, headless.

The browser is Debian's ``chromium`` package at /usr/bin/chromium, installed by
``scripts/ensure-chromium`` (run by ``make test`` and ``make pytest``); Playwright never
downloads a browser of its own here. Without it the browser tests are skipped with the
reason, except under CI=true, where they fail.

Fixtures (see ``test_login_catalogue.py`` for an example):

- ``browser`` (session) – the running Chromium (``playwright.sync_api.Browser``).
- ``new_page`` – a factory: ``new_page(viewport=TABLET)`` opens a page in a fresh browser
  context (own cookies, so own login), locale sv-SE, against the live server, with the
  reference and demo data loaded. Contexts are closed after the test.
- ``page`` – ``new_page()`` at the desktop size, 1280×900.
- ``tablet_page`` – ``new_page(TABLET)``, 820×1180 (an iPad Air held upright).

Each test gets pytest-django's ``live_server`` (so a real transaction and a flush of the
database afterwards) and the root conftest's ``reference_data``, which loads the data
again after the previous test's flush. ``login`` and ``shot`` are in ``helpers.py``.

A test fails if the page raised an uncaught JavaScript error; a failing test leaves a
screenshot and the page's HTML in ``test-artifacts/browser/``.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator
from pathlib import Path
from typing import NamedTuple

import pytest
from playwright.sync_api import Browser, BrowserContext, Error, Page, Playwright, sync_playwright
from pytest_django.fixtures import Settings
from pytest_django.live_server_helper import LiveServer

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",  # we run as root in containers, where Chromium's sandbox cannot start
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Playwright's default is 30 s; everything here is local, so fail sooner.
TIMEOUT_MS = 10_000

HERE = Path(__file__).resolve().parent
ARTIFACTS = HERE.parent / "test-artifacts" / "browser"


class Viewport(NamedTuple):
    width: int
    height: int


DESKTOP = Viewport(1280, 900)
TABLET = Viewport(820, 1180)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test in this folder ``browser``: ``pytest -m "not browser"`` skips them."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """Keep a screenshot and the HTML of each page of a failed test."""
    report = yield
    if report.when == "call" and report.failed:
        for index, page in enumerate(getattr(item, "_browser_pages", [])):
            _save_failure(page, f"{item.name}-{index}")
    return report


def _save_failure(page: Page, stem: str) -> None:
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in stem)
    try:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{safe}.png"), full_page=True)
        (ARTIFACTS / f"{safe}.html").write_text(page.content(), encoding="utf-8")
    except Error:
        pass  # the page may already be gone; the failure itself is what matters


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    if not CHROMIUM.exists():
        reason = (
            f"{CHROMIUM} is missing: the browser tests need Debian's chromium package "
            "(run scripts/ensure-chromium, or: sudo apt-get install chromium)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)
    # Playwright's sync API keeps an asyncio event loop running in this thread, so Django
    # takes every ORM call made here (fixtures loading data, the flush after each test)
    # for a call from async code and raises SynchronousOnlyOperation. Nothing here is
    # async: the calls are plain blocking ones, so Django's documented switch for this
    # case is safe. It is set only while Playwright runs.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            yield p
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture
def fast_password_hashing(settings: Settings) -> None:
    """Hash new passwords with a fast hasher during browser tests.

    After each test's flush the root conftest's ``reference_data`` creates the demo users
    again, and the default PBKDF2 (a million rounds) takes some 6 s for them. The login
    form still checks passwords the real way; PBKDF2 stays second, for the users created
    once per session before the first flush.
    """
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    ]


@pytest.fixture
def new_page(
    request: pytest.FixtureRequest,
    browser: Browser,
    live_server: LiveServer,
    fast_password_hashing: None,
    reference_data: None,
) -> Iterator[Callable[..., Page]]:
    contexts: list[BrowserContext] = []
    pages: list[Page] = []
    js_errors: list[str] = []

    def make(viewport: Viewport = DESKTOP) -> Page:
        context = browser.new_context(
            viewport={"width": viewport.width, "height": viewport.height},
            locale="sv-SE",
            timezone_id="Europe/Stockholm",
            base_url=live_server.url,
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: js_errors.append(f"{page.url}: {exc}"))
        pages.append(page)
        return page

    request.node._browser_pages = pages
    yield make
    for context in contexts:
        context.close()
    if js_errors:
        pytest.fail("uncaught JavaScript errors:\n" + "\n".join(js_errors))


@pytest.fixture
def page(new_page: Callable[..., Page]) -> Page:
    """A page at the desktop size (1280×900) in its own browser context."""
    return new_page(DESKTOP)


@pytest.fixture
def tablet_page(new_page: Callable[..., Page]) -> Page:
    """A page at a tablet size (820×1180) in its own browser context."""
    return new_page(TABLET)
