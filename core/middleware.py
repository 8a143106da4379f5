"""Site-wide login requirement that leaves the REST API to its own authentication."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired
from django.http import HttpRequest, HttpResponseBase
from django.utils import translation


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
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response
