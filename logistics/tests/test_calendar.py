import datetime

import pytest

from logistics.calendar import add_working_days, is_working_day, working_days_between

D = datetime.date


def test_order_before_christmas_is_due_after_epiphany():
    # Friday 2024-12-20 + 7: 23, 27, 30 Dec, 2, 3, 7, 8 Jan
    # (24, 25, 26, 31 Dec, 1 and 6 Jan are off).
    assert add_working_days(D(2024, 12, 20), 7) == D(2025, 1, 8)
    assert add_working_days(D(2024, 12, 20), 7).weekday() == 2


def test_easter_is_not_working_days():
    # Maundy Thursday 2024-03-28 + 1: Good Friday, Easter weekend and Easter Monday are off.
    assert add_working_days(D(2024, 3, 28), 1) == D(2024, 4, 2)
    assert not is_working_day(D(2024, 3, 29))
    assert not is_working_day(D(2024, 4, 1))


def test_midsummer_eve_is_not_a_working_day():
    assert not is_working_day(D(2024, 6, 21))  # Midsummer Eve, a Friday
    assert add_working_days(D(2024, 6, 20), 1) == D(2024, 6, 24)
    assert working_days_between(D(2024, 6, 19), D(2024, 6, 25)) == 3  # 20, 24, 25


def test_christmas_and_new_years_eve_are_not_working_days():
    assert not is_working_day(D(2025, 12, 24))
    assert not is_working_day(D(2025, 12, 31))
    assert is_working_day(D(2025, 12, 30))


def test_weekend_order_counts_from_monday():
    assert add_working_days(D(2024, 9, 7), 1) == D(2024, 9, 9)  # Saturday → Monday
    assert working_days_between(D(2024, 9, 7), D(2024, 9, 9)) == 1


@pytest.mark.parametrize(
    ("start", "count"),
    [
        (D(2023, 9, 1), 7),
        (D(2024, 12, 20), 7),
        (D(2024, 3, 27), 17),
        (D(2023, 12, 22), 10),
        (D(2024, 6, 19), 0),
        (D(2022, 12, 30), 250),
    ],
)
def test_between_is_the_inverse_of_add(start, count):
    end = add_working_days(start, count)
    assert working_days_between(start, end) == count


def test_between_counts_only_working_days_after_start():
    assert working_days_between(D(2024, 5, 6), D(2024, 5, 6)) == 0
    # Mon 6 May to Fri 10 May 2024: Ascension Day Thursday 9 May is off → 7, 8, 10.
    assert working_days_between(D(2024, 5, 6), D(2024, 5, 10)) == 3
    assert working_days_between(D(2024, 5, 10), D(2024, 5, 6)) == -3


def test_add_rejects_negative_counts():
    with pytest.raises(ValueError):
        add_working_days(D(2024, 1, 1), -1)
