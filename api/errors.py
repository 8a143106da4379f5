"""The API's error shape: every error is JSON ``{code, message, field}`` with a status."""

from __future__ import annotations

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class ValidationErrorOut(ErrorOut):
    errors: list[dict[str, object]] = []
