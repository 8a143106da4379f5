"""Collects a request's patient-data accesses and writes them when it succeeds."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from audit.actions import access_log_flush, request_begin, request_end


class AccessLogMiddleware:
    """Wraps every request: views and API endpoints record accesses as they show data;
    this writes them once the response is known. A refused request (4xx/5xx) showed no
    patient data, so nothing is logged for it."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        token = request_begin(request)
        try:
            response = self.get_response(request)
        finally:
            accesses = request_end(token)
        refused = getattr(request, "domain_error", None) is not None
        if accesses is not None and response.status_code < 400 and not refused:
            access_log_flush(accesses)
        return response
