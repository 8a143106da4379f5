"""Helpers for the browser tests: log in through the real form, save a screenshot."""

from __future__ import annotations

import re
from pathlib import Path

from playwright.sync_api import Page, expect
from pytest_django.live_server_helper import LiveServer

# The password of every demo login (bootstrap/demo_data.py, README).
DEMO_PASSWORD = "Demo-hjalpmedel-2024"  # noqa: S105 - public demo password

# Committed screenshots, linked from the README.
SCREENSHOT_DIR = Path(__file__).resolve().parent.parent / "docs" / "screenshots"

LOGIN_PATH = "/logga-in/"
_ON_LOGIN_PAGE = re.compile(re.escape(LOGIN_PATH))


def submit_login(page: Page, live_server: LiveServer, username: str, password: str) -> None:
    """Open the login page and submit the form; does not check the outcome."""
    page.goto(f"{live_server.url}{LOGIN_PATH}")
    page.locator('input[name="username"]').fill(username)
    page.locator('input[name="password"]').fill(password)
    page.locator('form:has(input[name="password"]) button[type="submit"]').click()
    page.wait_for_load_state()


def login(
    page: Page, live_server: LiveServer, username: str, password: str = DEMO_PASSWORD
) -> None:
    """Log in through the login form at /logga-in/ and wait until the site lets us in
    (LOGIN_REDIRECT_URL: the start page); fails with the form's error if it does not."""
    submit_login(page, live_server, username, password)
    error = page.locator(".login .error")
    if error.count():
        raise AssertionError(f"login as {username!r} failed: {error.inner_text().strip()}")
    expect(page).not_to_have_url(_ON_LOGIN_PAGE)


def shot(page: Page, name: str) -> Path:
    """Save a full-page PNG of the page as docs/screenshots/<name>.png; returns the path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / (name if name.endswith(".png") else f"{name}.png")
    # Web fonts and the last htmx swap settled, no blinking caret: stable pictures.
    page.wait_for_load_state("networkidle")
    page.evaluate("document.fonts.ready.then(() => true)")
    page.screenshot(path=str(path), full_page=True, animations="disabled", caret="hide")
    return path
