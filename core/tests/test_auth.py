"""Authentication hardening: login lockout, the password rule and the session idle timeout.

The lockout is driven through the real login page; the idle timeout by moving the
session's last-activity stamp back in time instead of waiting.
"""

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.password_validation import (
    password_validators_help_texts,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone

from api.models import ApiToken
from conftest import client_for
from core.middleware import SESSION_LAST_ACTIVITY_KEY, SESSION_STARTED_KEY
from core.passwords import CharacterClassValidator, character_classes

pytestmark = pytest.mark.django_db

LOGIN = "/logga-in/"
PASSWORD = "Demo-hjalpmedel-2024"  # noqa: S105 - the demo personas' password
# django-axes ships no type information; through the app registry mypy needs none.
AccessAttempt = apps.get_model("axes", "AccessAttempt")


def _login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _fail(client, username, times, **extra):
    """Fail ``times`` logins; return the last answer."""
    response = None
    for _ in range(times):
        response = _login(client, username, "fel-losenord-123", **extra)
    return response


def _is_logged_in(client):
    return SESSION_KEY in client.session


# --- Lockout ---------------------------------------------------------------------------


def test_failures_below_the_limit_show_the_login_form_again(anna):
    client = Client()
    response = _fail(client, anna.username, settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200
    assert "registration/login.html" in [t.name for t in response.templates]
    assert not _is_logged_in(client)


def test_login_is_locked_at_the_failure_limit_with_a_swedish_page(anna):
    client = Client()
    response = _fail(client, anna.username, settings.AXES_FAILURE_LIMIT)
    assert response.status_code == 429
    assert "registration/locked_out.html" in [t.name for t in response.templates]
    body = response.content.decode()
    assert '<html lang="sv">' in body
    assert "För många misslyckade inloggningsförsök" in body
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    assert f"Försök igen om {minutes} minuter" in body
    assert anna.username in body


def test_right_password_is_refused_while_locked(anna):
    client = Client()
    _fail(client, anna.username, settings.AXES_FAILURE_LIMIT)
    response = _login(client, anna.username, PASSWORD)
    assert response.status_code == 429
    assert not _is_logged_in(client)
    # Still anonymous: the start page sends the user to the login page.
    assert client.get("/").status_code == 302


def test_lock_ends_after_the_cool_off(anna):
    client = Client()
    _fail(client, anna.username, settings.AXES_FAILURE_LIMIT)
    later = timezone.now() - settings.AXES_COOLOFF_TIME - datetime.timedelta(seconds=1)
    AccessAttempt.objects.filter(username=anna.username).update(attempt_time=later)
    response = _login(client, anna.username, PASSWORD)
    assert response.status_code == 302
    assert _is_logged_in(client)


def test_lock_is_on_username_and_address_together(anna, erik):
    _fail(Client(), anna.username, settings.AXES_FAILURE_LIMIT)
    # The same user from another address, and another user from the same address, log in.
    from_elsewhere = Client(REMOTE_ADDR="10.20.30.40")
    assert _login(from_elsewhere, anna.username, PASSWORD).status_code == 302
    colleague = Client()
    assert _login(colleague, erik.username, PASSWORD).status_code == 302


def test_successful_login_resets_the_count(anna):
    client = Client()
    _fail(client, anna.username, settings.AXES_FAILURE_LIMIT - 1)
    assert _login(client, anna.username, PASSWORD).status_code == 302
    client.post("/logga-ut/")
    # Without the reset, the first of these failures would reach the limit.
    response = _fail(client, anna.username, settings.AXES_FAILURE_LIMIT - 1)
    assert response.status_code == 200
    assert _login(client, anna.username, PASSWORD).status_code == 302


def test_api_token_works_while_the_login_is_locked(anna):
    _fail(Client(), anna.username, settings.AXES_FAILURE_LIMIT)
    _token, key = ApiToken.issue(user=anna, name="script")
    response = Client().get("/api/v1/catalog/products", HTTP_AUTHORIZATION=f"Bearer {key}")
    assert response.status_code == 200


def test_a_wrong_api_token_is_not_a_login_failure(anna):
    client = Client()
    for _ in range(settings.AXES_FAILURE_LIMIT + 1):
        response = client.get("/api/v1/catalog/products", HTTP_AUTHORIZATION="Bearer hmt_wrong")
        assert response.status_code == 401
    assert not AccessAttempt.objects.exists()
    assert _login(client, anna.username, PASSWORD).status_code == 302


# --- Password rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "classes"),
    [
        ("sommarsommarsommar", 1),
        ("sommarsommar2024", 2),
        ("SOMMAR-SOMMAR", 2),
        ("Sommarsommar2024", 3),
        ("sommar-sommar-2024", 3),
        ("Åkerö-väg 12", 4),
    ],
)
def test_character_classes_are_counted(password, classes):
    assert character_classes(password) == classes


@pytest.mark.parametrize("password", ["Demo-hjalpmedel-2024", "Sommarsommar2024", "båt-och-bil-77"])
def test_passwords_with_three_kinds_pass_every_validator(anna, password):
    validate_password(password, user=anna)


@pytest.mark.parametrize("password", ["sommarsommarsommar", "sommarsommar2024", "BÅTBÅT-BILBIL"])
def test_passwords_with_fewer_kinds_are_refused(anna, password):
    with pytest.raises(ValidationError) as refused:
        validate_password(password, user=anna)
    codes = [error.code for error in refused.value.error_list]
    assert codes == ["password_too_few_character_classes"]
    assert "minst tre av de fyra" in refused.value.messages[0]


def test_the_rule_is_in_the_help_text():
    validator = CharacterClassValidator()
    assert validator.get_help_text() in password_validators_help_texts()


# --- Idle timeout ----------------------------------------------------------------------


def _set_session(client, **values):
    session = client.session
    for key, value in values.items():
        session[key] = value
    session.save()


def _ago(seconds):
    return int(timezone.now().timestamp()) - seconds


@pytest.fixture
def active_anna(anna):
    """Anna logged in through the login page, which starts the session's clocks."""
    client = Client()
    assert _login(client, anna.username, PASSWORD).status_code == 302
    assert client.session[SESSION_LAST_ACTIVITY_KEY] >= _ago(5)
    assert client.session[SESSION_STARTED_KEY] >= _ago(5)
    return client


def test_idle_session_is_logged_out_with_a_swedish_message(active_anna):
    _set_session(
        active_anna, **{SESSION_LAST_ACTIVITY_KEY: _ago(settings.SESSION_IDLE_TIMEOUT + 1)}
    )
    response = active_anna.get("/katalog/")
    assert response.status_code == 302
    assert response["Location"] == "/logga-in/?next=/katalog/"
    assert not _is_logged_in(active_anna)
    page = active_anna.get(response["Location"]).content.decode()
    minutes = settings.SESSION_IDLE_TIMEOUT // 60
    assert f"Du har loggats ut efter {minutes} minuter utan aktivitet." in page


def test_activity_within_the_timeout_keeps_the_session(active_anna):
    _set_session(
        active_anna, **{SESSION_LAST_ACTIVITY_KEY: _ago(settings.SESSION_IDLE_TIMEOUT - 5)}
    )
    assert active_anna.get("/").status_code == 200
    assert _is_logged_in(active_anna)
    # The request counted as activity: the stamp moved up to now.
    assert active_anna.session[SESSION_LAST_ACTIVITY_KEY] >= _ago(5)


def test_idle_api_session_gets_401_json(active_anna):
    _set_session(
        active_anna, **{SESSION_LAST_ACTIVITY_KEY: _ago(settings.SESSION_IDLE_TIMEOUT + 1)}
    )
    response = active_anna.get("/api/v1/catalog/products")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    assert not _is_logged_in(active_anna)


def test_session_ends_at_its_absolute_age_despite_activity(active_anna):
    _set_session(
        active_anna,
        **{
            SESSION_STARTED_KEY: _ago(settings.SESSION_COOKIE_AGE + 1),
            SESSION_LAST_ACTIVITY_KEY: _ago(10),
        },
    )
    response = active_anna.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/logga-in/")
    assert not _is_logged_in(active_anna)


def test_session_without_clocks_counts_from_the_last_login(anna):
    """A session logged in some other way (force_login, or from before the middleware)."""
    client = client_for(anna)
    assert client.get("/").status_code == 200
    assert SESSION_LAST_ACTIVITY_KEY not in client.session  # no write on the first request
    anna.last_login = timezone.now() - datetime.timedelta(seconds=settings.SESSION_IDLE_TIMEOUT + 1)
    anna.save(update_fields=["last_login"])
    response = client.get("/")
    assert response.status_code == 302
    assert not _is_logged_in(client)
