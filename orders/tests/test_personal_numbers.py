import datetime

import pytest

from core.errors import InvalidInput
from orders.personal_numbers import luhn_check_digit, personal_number_parse


def with_check(first11: str) -> str:
    return first11 + str(luhn_check_digit(first11[2:11]))


def test_skatteverket_test_number():
    # 19121212-1212 is the Swedish Tax Agency's well-known example.
    number = personal_number_parse("19121212-1212")
    assert number.digits == "191212121212"
    assert number.birth_date == datetime.date(1912, 12, 12)
    assert not number.is_coordination_number
    assert str(number) == "19121212-1212"


def test_without_dash_and_with_spaces():
    assert personal_number_parse(" 191212121212 ").digits == "191212121212"


def test_coordination_number_has_day_plus_sixty():
    digits = with_check("19701063238")  # born 1970-10-03, day 63
    number = personal_number_parse(digits)
    assert number.is_coordination_number
    assert number.birth_date == datetime.date(1970, 10, 3)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("121212-1212", "invalid_personal_number_format"),
        ("19121212-121", "invalid_personal_number_format"),
        ("1912121a-1212", "invalid_personal_number_format"),
        ("", "invalid_personal_number_format"),
        ("19121212-1213", "invalid_personal_number_checksum"),
        ("19121232-1212", "invalid_personal_number_date"),
        ("19120230-1234", "invalid_personal_number_date"),
        ("19121292-1212", "invalid_personal_number_date"),  # coordination day 32
        ("29991212-1212", "invalid_personal_number_date"),  # in the future
    ],
)
def test_invalid_numbers_are_refused_with_a_code(text, code):
    with pytest.raises(InvalidInput) as exc:
        personal_number_parse(text, today=datetime.date(2024, 6, 1))
    assert exc.value.code == code
    assert exc.value.field == "personal_number"


def test_message_is_swedish():
    from django.utils import translation

    with translation.override("sv"), pytest.raises(InvalidInput) as exc:
        personal_number_parse("19121212-1213")
    assert "kontrollsiffra" in str(exc.value.message)
