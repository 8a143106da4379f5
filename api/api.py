"""The REST API root at /api/v1/: each app contributes a router from its own ``api.py``.

Errors are mapped here once: domain errors keep their code and status, malformed input
answers 400 ``invalid_input`` with the field errors, and an anonymous caller gets 401.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import django_auth

from api.auth import TokenAuth
from audit.api import router as audit_router
from billing.api import router as billing_router
from catalog.api import router as catalog_router
from core.errors import DomainError
from devices.api import router as devices_router
from economy.api import router as economy_router
from followup.api import router as followup_router
from investment.api import router as investment_router
from logistics.api import router as logistics_router
from orders.api import router as orders_router
from registry.api import router as registry_router

api = NinjaAPI(
    title="Digitala hjälpmedel – API",
    version="1",
    description=(
        "The REST API of the shared assistive-device business: registry, assortment and "
        "guidance. Errors are JSON objects with a machine-readable `code`."
    ),
    # Token first: a script with a bearer token has no CSRF cookie to show.
    auth=[TokenAuth(), django_auth],
    urls_namespace="api",
)


@api.exception_handler(DomainError)
def domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    return api.create_response(request, exc.as_dict(), status=exc.status)


@api.exception_handler(ValidationError)
def validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    loc = [
        str(part)
        for part in first.get("loc", [])
        if part not in ("query", "body", "path", "payload")
    ]
    return api.create_response(
        request,
        {
            "code": "invalid_input",
            "message": _("The request has invalid or missing values."),
            "field": ".".join(loc) or None,
            "errors": [
                {"loc": list(e.get("loc", [])), "msg": str(e.get("msg", ""))} for e in exc.errors
            ],
        },
        status=400,
    )


@api.exception_handler(AuthenticationError)
def authentication_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return api.create_response(
        request,
        {"code": "not_authenticated", "message": _("Log in to use the API."), "field": None},
        status=401,
    )


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    message = str(exc)
    code = "csrf_failed" if "CSRF" in message else f"http_{exc.status_code}"
    if code == "csrf_failed":
        message = _("The request lacks a valid CSRF token; send it, or use an API token.")
    return api.create_response(
        request, {"code": code, "message": message, "field": None}, status=exc.status_code
    )


@api.exception_handler(Http404)
def not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return api.create_response(
        request, {"code": "not_found", "message": _("Not found."), "field": None}, status=404
    )


api.add_router("/registry/", registry_router)
api.add_router("/catalog/", catalog_router)
# The supply chain's routers name their own resources (/orders, /devices, /loans, …).
api.add_router("/", orders_router)
api.add_router("/", devices_router)
api.add_router("/", logistics_router)
api.add_router("/", audit_router)
api.add_router("/", followup_router)
api.add_router("/", billing_router)
api.add_router("/", investment_router)
api.add_router("/", economy_router)
