"""Site-wide login requirement that leaves the REST API to its own authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponseBase
from django.shortcuts import resolve_url
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Redirect anonymous users of the screens to the login page.

    The API answers 401 with a JSON error itself, so a script never receives an HTML
    login page in place of the data it asked for.
    """

    api_prefix = "/api/"

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., HttpResponseBase],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        if request.path_info.startswith(self.api_prefix):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class SwedishFirstLocaleMiddleware:
    """Show Swedish unless the user chose another language with the language menu.

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show
    English to a Swedish nurse whose laptop happens to be set up in English. Here only
    an explicit choice (the language cookie) overrides the default.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
        request.LANGUAGE_CODE = language
        # Restored afterwards: the thread's next work (another request, a test, a
        # command run in the same process) must not inherit this user's choice.
        with translation.override(language):
            response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# Seconds since the epoch, in the session: when the user was last seen, and when the
# session was logged in.
SESSION_LAST_ACTIVITY_KEY = "core.last_activity"
SESSION_STARTED_KEY = "core.session_started"
# Activity is recorded at most once a minute: a session write on every request would be a
# database write per page and per keystroke of the catalogue's search-as-you-type.
ACTIVITY_WRITE_INTERVAL = 60


class SessionIdleTimeoutMiddleware:
    """Log out a user who has sent no request for ``SESSION_IDLE_TIMEOUT`` seconds.

    A screen is sent to the login page with a message saying why. An API call carries on
    as anonymous, so the API answers its usual 401 JSON, or serves a bearer token.

    Recording activity saves the session, and each save moves the session's stored expiry
    ``SESSION_COOKIE_AGE`` ahead; so the absolute limit, counted from the login, is
    checked here as well.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        was_logged_in = SESSION_KEY in request.session
        if was_logged_in and request.user.is_authenticated:
            expired = self._check(request)
            if expired is not None:
                return expired
        response = self.get_response(request)
        if not was_logged_in and SESSION_KEY in request.session:
            # This request logged the user in (the login page, the admin's): start the
            # clocks in the session write that the login makes anyway.
            now = int(timezone.now().timestamp())
            request.session[SESSION_LAST_ACTIVITY_KEY] = now
            request.session[SESSION_STARTED_KEY] = now
        return response

    def _check(self, request: HttpRequest) -> HttpResponseBase | None:
        session = request.session
        now = int(timezone.now().timestamp())
        last_activity: int | None = session.get(SESSION_LAST_ACTIVITY_KEY)
        started: int | None = session.get(SESSION_STARTED_KEY)
        if last_activity is None or started is None:
            # Logged in without passing here (a test's force_login, or a session from
            # before this middleware): the login is the last activity. Taking its time from
            # the user, instead of writing a stamp now, spares this request a session write.
            last_login = getattr(request.user, "last_login", None)
            last_activity = started = int(last_login.timestamp()) if last_login else now
        idle_timeout: int = settings.SESSION_IDLE_TIMEOUT
        if now - last_activity > idle_timeout:
            minutes = max(1, idle_timeout // 60)
            message = ngettext(
                "You were logged out after %(minutes)d minute without activity.",
                "You were logged out after %(minutes)d minutes without activity.",
                minutes,
            ) % {"minutes": minutes}
        elif now - started > settings.SESSION_COOKIE_AGE:
            message = _(
                "You were logged out because your login reached its longest allowed time. "
                "Log in again."
            )
        else:
            if now - last_activity >= ACTIVITY_WRITE_INTERVAL:
                session[SESSION_LAST_ACTIVITY_KEY] = now
                session[SESSION_STARTED_KEY] = started
            return None
        logout(request)
        if request.path_info.startswith(LoginRequiredMiddleware.api_prefix):
            return None
        messages.info(request, message)
        if request.path_info == resolve_url(settings.LOGIN_URL):
            return None  # the login page shows the message itself
        return redirect_to_login(request.get_full_path())
