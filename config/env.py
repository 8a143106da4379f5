"""Strict parsing of environment variables for the settings module.

A misspelt or malformed value stops the process at start-up with a message that names
the variable, instead of silently falling back to a default.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ImproperlyConfigured

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off"}


class Env:
    """Reads typed values from a mapping (``os.environ`` by default)."""

    def __init__(self, source: Mapping[str, str] | None = None) -> None:
        self.source = os.environ if source is None else source

    def _raw(self, name: str) -> str | None:
        value = self.source.get(name)
        if value is None or value.strip() == "":
            return None
        return value.strip()

    def get_str(self, name: str, default: str) -> str:
        value = self._raw(name)
        return default if value is None else value

    def optional_str(self, name: str) -> str | None:
        return self._raw(name)

    def get_bool(self, name: str, default: bool) -> bool:
        value = self._raw(name)
        if value is None:
            return default
        lowered = value.lower()
        if lowered in _TRUE:
            return True
        if lowered in _FALSE:
            return False
        raise ImproperlyConfigured(
            f"{name}={value!r} is not a boolean; use one of {sorted(_TRUE | _FALSE)}."
        )

    def get_int(self, name: str, default: int, *, minimum: int | None = None) -> int:
        value = self._raw(name)
        if value is None:
            return default
        try:
            parsed = int(value)
        except ValueError:
            raise ImproperlyConfigured(f"{name}={value!r} is not a whole number.") from None
        if minimum is not None and parsed < minimum:
            raise ImproperlyConfigured(f"{name}={parsed} is below the minimum {minimum}.")
        return parsed

    def get_decimal(self, name: str, default: str) -> Decimal:
        value = self._raw(name) or default
        try:
            parsed = Decimal(value)
        except InvalidOperation:
            raise ImproperlyConfigured(f"{name}={value!r} is not a decimal number.") from None
        if not parsed.is_finite() or parsed < 0:
            raise ImproperlyConfigured(f"{name}={value!r} must be a non-negative amount.")
        return parsed.quantize(Decimal("0.01"))

    def get_list(self, name: str, default: list[str]) -> list[str]:
        value = self._raw(name)
        if value is None:
            return list(default)
        items = [item.strip() for item in value.split(",")]
        if any(item == "" for item in items):
            raise ImproperlyConfigured(f"{name}={value!r} has an empty item in its list.")
        return items

    def get_choice(self, name: str, default: str, choices: set[str]) -> str:
        value = self.get_str(name, default)
        if value not in choices:
            raise ImproperlyConfigured(f"{name}={value!r} must be one of {sorted(choices)}.")
        return value
