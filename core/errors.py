"""Domain errors: each carries a machine-readable code and a message for the user.

Actions raise these; the API maps them to JSON ``{code, message, field}`` with the HTTP
status given here, and the screens show the message next to the field it names.
"""

from __future__ import annotations

from django.utils.functional import Promise


class DomainError(Exception):
    """A request the business rules refuse. Nothing has been changed when it is raised."""

    status = 400

    def __init__(self, code: str, message: str | Promise, *, field: str | None = None) -> None:
        super().__init__(str(message))
        self.code = code
        self.message = message
        self.field = field

    def as_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": str(self.message), "field": self.field}


class InvalidInput(DomainError):
    """The input is malformed or incomplete (HTTP 400)."""

    status = 400


class NotPermitted(DomainError):
    """The acting person may not do this (HTTP 403)."""

    status = 403


class NotFound(DomainError):
    """The object does not exist or is not visible to the acting person (HTTP 404)."""

    status = 404


class Conflict(DomainError):
    """The object is not in a state that allows this (HTTP 409)."""

    status = 409
