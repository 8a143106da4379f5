"""Our password rule, beside Django's validators (length, common passwords, …).

Registered in ``AUTH_PASSWORD_VALIDATORS``; it runs wherever Django validates a new
password: the admin, ``changepassword``, ``createsuperuser`` and the password forms.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


def character_classes(password: str) -> int:
    """How many of the four kinds of character the password uses: lower-case letters,
    upper-case letters, digits and anything else (punctuation, spaces, symbols)."""
    lower = any(c.islower() for c in password)
    upper = any(c.isupper() for c in password)
    digit = any(c.isdigit() for c in password)
    other = any(not (c.islower() or c.isupper() or c.isdigit()) for c in password)
    return sum((lower, upper, digit, other))


class CharacterClassValidator:
    """A password must mix at least three of the four kinds of character.

    Length is the stronger defence and is checked by Django's MinimumLengthValidator;
    this rule stops a long run of one kind ("sommarsommarsommar").
    """

    required = 3

    def validate(self, password: str, user: Any = None) -> None:
        if character_classes(password) < self.required:
            raise ValidationError(
                _(
                    "This password must contain at least three of these four kinds of "
                    "character: lower-case letters, upper-case letters, digits and other "
                    "characters."
                ),
                code="password_too_few_character_classes",
            )

    def get_help_text(self) -> str:
        return _(
            "Your password must contain at least three of: lower-case letters, upper-case "
            "letters, digits and other characters (such as - or !)."
        )
