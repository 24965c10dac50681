"""The birth date on the keypad in steps: a child's age in months and the day of its birth
give back the date it was born, whatever the month lengths and the year's turn."""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from flows.voice_dates import MAX_AGE_MONTHS, born_from_age, months_back, number


def completed_months(born: dt.date, today: dt.date) -> int:
    """How old a mother says her child is, in months: whole months since the birth day."""
    months = (today.year - born.year) * 12 + today.month - born.month
    return months - (today.day < born.day)


@pytest.mark.parametrize(
    "today, months, day, born",
    [
        (dt.date(2025, 3, 20), 0, 14, dt.date(2025, 3, 14)),  # this month, the day has come
        (dt.date(2025, 3, 20), 0, 25, dt.date(2025, 2, 25)),  # not yet: last month
        (dt.date(2026, 1, 5), 0, 28, dt.date(2025, 12, 28)),  # across the new year
        (dt.date(2026, 1, 5), 13, 5, dt.date(2024, 12, 5)),
        (dt.date(2025, 3, 1), 1, 31, dt.date(2025, 1, 31)),  # one month: February had no 31st
        (dt.date(2025, 3, 20), 71, 20, dt.date(2019, 4, 20)),  # the oldest child Tika takes
    ],
)
def test_an_age_in_months_and_a_day_give_the_birth_date(today, months, day, born) -> None:
    assert born_from_age(today, months, day) == born
    assert completed_months(born, today) == months


def test_a_day_the_month_does_not_have_gives_no_date() -> None:
    # 0 months old on 10 March, born on the 30th: that was in February, which had no 30th.
    assert born_from_age(dt.date(2025, 3, 10), 0, 30) is None


@given(
    today=st.dates(dt.date(2020, 1, 1), dt.date(2040, 12, 31)),
    age_days=st.integers(0, 6 * 365),
)
def test_every_child_under_six_is_found_from_its_age_and_birth_day(today, age_days) -> None:
    born = today - dt.timedelta(days=age_days)
    months = completed_months(born, today)
    if months <= MAX_AGE_MONTHS:
        assert born_from_age(today, months, born.day) == born


def test_months_back_and_one_or_two_keys() -> None:
    assert months_back(dt.date(2026, 2, 14), 3) == (2025, 11)
    assert months_back(dt.date(2026, 2, 14), 0) == (2026, 2)
    assert [number(keys) for keys in ("03", "3", "12", "123", "", "1#", "*")] == [
        3,
        3,
        12,
        None,
        None,
        None,
        None,
    ]
