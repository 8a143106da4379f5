"""How the screens answer a refused request: the domain error's Swedish message, shown
where the user is, and nothing changed.

Actions raise ``DomainError``; a view need not catch it. A refused form post goes back
to the page it came from with the message on top (or, for htmx, the message alone in
place of the target); a page the user may not see answers 403 or 404 with the reason.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlparse

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import DomainError, NotFound, NotPermitted


def back_url(request: HttpRequest, default: str = "/") -> str:
    """Where a refused form post returns: the page it came from, if it is ours."""
    referer = request.headers.get("Referer", "")
    if referer and url_has_allowed_host_and_scheme(
        referer, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        parsed = urlparse(referer)
        return parsed.path + (f"?{parsed.query}" if parsed.query else "")
    return default


class DomainErrorMiddleware:
    """Turns a ``DomainError`` raised by a screen into the answer a user understands.
    The REST API maps the same errors to coded JSON itself (``api/api.py``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exc: Exception) -> HttpResponse | None:
        if not isinstance(exc, DomainError) or request.path_info.startswith("/api/"):
            return None
        # A refused request showed and changed nothing: the access log skips it.
        request.domain_error = exc  # type: ignore[attr-defined]
        if isinstance(exc, NotFound | NotPermitted) and request.method in ("GET", "HEAD"):
            status = 404 if isinstance(exc, NotFound) else 403
            return render(request, "refused.html", {"error": exc, "status": status}, status=status)
        if request.headers.get("HX-Request"):
            return render(request, "_refusal.html", {"error": exc}, status=200)
        messages.error(request, str(exc.message))
        return HttpResponseRedirect(back_url(request))
