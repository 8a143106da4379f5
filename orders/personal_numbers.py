"""Swedish personal identity numbers (personnummer) and coordination numbers
(samordningsnummer), written with 12 digits: YYYYMMDD-NNNN or YYYYMMDDNNNN.

The last digit is a Luhn check digit over the ten digits YYMMDDNNN. A coordination
number is a personal identity number whose day of birth has 60 added (day 61–91).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from core.errors import InvalidInput

_FORMAT = re.compile(r"^(\d{8})-?(\d{4})$")


@dataclass(frozen=True)
class PersonalNumber:
    """A validated identity number, stored as 12 digits without a dash."""

    digits: str
    birth_date: datetime.date
    is_coordination_number: bool

    def __str__(self) -> str:
        return f"{self.digits[:8]}-{self.digits[8:]}"


def luhn_check_digit(nine_digits: str) -> int:
    total = 0
    for index, char in enumerate(nine_digits):
        product = int(char) * (2 if index % 2 == 0 else 1)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def personal_number_parse(text: str, *, today: datetime.date | None = None) -> PersonalNumber:
    """Validate and normalise; raise InvalidInput with a Swedish message that says what is wrong."""
    raw = (text or "").strip().replace(" ", "")
    match = _FORMAT.match(raw)
    if not match:
        raise InvalidInput(
            "invalid_personal_number_format",
            _("Write the personal identity number with 12 digits: YYYYMMDD-NNNN."),
            field="personal_number",
        )
    date_part, serial = match.groups()
    digits = date_part + serial
    year, month, day = int(date_part[:4]), int(date_part[4:6]), int(date_part[6:8])
    coordination = day > 60
    if coordination:
        day -= 60
    try:
        birth = datetime.date(year, month, day)
    except ValueError:
        raise InvalidInput(
            "invalid_personal_number_date",
            _(
                "The personal identity number does not contain a valid date of birth "
                "(a coordination number has 60 added to the day)."
            ),
            field="personal_number",
        ) from None
    if birth > (today or datetime.date.today()) or year < 1870:  # noqa: DTZ011
        raise InvalidInput(
            "invalid_personal_number_date",
            _("The date of birth in the personal identity number is not possible."),
            field="personal_number",
        )
    if luhn_check_digit(digits[2:11]) != int(digits[11]):
        raise InvalidInput(
            "invalid_personal_number_checksum",
            _("The check digit of the personal identity number is wrong; check for typing errors."),
            field="personal_number",
        )
    return PersonalNumber(digits=digits, birth_date=birth, is_coordination_number=coordination)
