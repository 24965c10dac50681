"""Durations and the CDSi date arithmetic: months first, then days; 31 Feb rolls to 1 Mar."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler.durations import Duration, add, add_months, parse_duration, subtract
from scheduler.errors import InvalidDuration, ScheduleError

D = dt.date


@pytest.mark.parametrize(
    ("text", "months", "days"),
    [
        ("6w", 0, 42),
        ("10w", 0, 70),
        ("9m", 9, 0),
        ("1y 6m", 18, 0),
        ("5y6m", 66, 0),
        ("15d", 0, 15),
        ("0d", 0, 0),
        ("-4d", 0, -4),
        ("1y", 12, 0),
        ("5y 4w", 60, 28),
        (" 2w 3d ", 0, 17),
    ],
)
def test_parse(text: str, months: int, days: int) -> None:
    assert parse_duration(text) == Duration(months, days)


@pytest.mark.parametrize("text", ["", "6", "6x", "w6", "1m 1y", "--4d", "6 weeks", "1.5m"])
def test_parse_rejects_malformed_text(text: str) -> None:
    with pytest.raises(InvalidDuration, match="malformed duration"):
        parse_duration(text)


def test_invalid_duration_is_a_schedule_error() -> None:
    assert issubclass(InvalidDuration, ScheduleError)
    assert issubclass(ScheduleError, ValueError)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("6w", "6w"),
        ("1y 6m", "1y 6m"),
        ("0d", "0d"),
        ("-4d", "-4d"),
        ("5y 4w", "5y 4w"),
        ("10d", "1w 3d"),
    ],
)
def test_str_round_trips(text: str, shown: str) -> None:
    assert str(parse_duration(text)) == shown
    assert parse_duration(shown) == parse_duration(text)


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (D(2025, 1, 31), "1m", D(2025, 3, 1)),  # 31 Feb does not exist: 1st of next month
        (D(2024, 1, 31), "1m", D(2024, 3, 1)),  # 31 Feb in a leap year: still rolls
        (D(2024, 1, 30), "1m", D(2024, 3, 1)),  # 30 Feb does not exist either
        (D(2024, 1, 29), "1m", D(2024, 2, 29)),  # leap day exists in 2024
        (D(2025, 1, 29), "1m", D(2025, 3, 1)),  # ... but not in 2025
        (D(2024, 2, 29), "1y", D(2025, 3, 1)),  # a leap-day birthday in a common year
        (D(2024, 2, 29), "4y", D(2028, 2, 29)),
        (D(2024, 2, 29), "1y 6m", D(2025, 8, 29)),  # years and months move together
        (D(2025, 3, 31), "6m", D(2025, 10, 1)),  # 31 Sep rolls to 1 Oct
        (D(2025, 8, 31), "6m", D(2026, 3, 1)),  # 31 Feb 2026
        (D(2025, 12, 31), "2m", D(2026, 3, 1)),
        (D(2025, 1, 1), "6w", D(2025, 2, 12)),
        (D(2024, 2, 1), "4w", D(2024, 2, 29)),  # weeks are days: leap day counted
        (D(2025, 2, 1), "4w", D(2025, 3, 1)),
        (D(2025, 1, 31), "1m 1d", D(2025, 3, 2)),  # months first, then days
        (D(2025, 1, 1), "0d", D(2025, 1, 1)),
        (D(2025, 1, 1), "15d", D(2025, 1, 16)),
        (D(2023, 12, 31), "1y 2m", D(2025, 3, 1)),
    ],
)
def test_add(start: dt.date, duration: str, expected: dt.date) -> None:
    assert add(start, duration) == expected
    assert parse_duration(duration).add_to(start) == expected
    assert parse_duration(duration).add_to_ordinal(start.toordinal()) == expected.toordinal()


@pytest.mark.parametrize(
    ("start", "duration", "expected"),
    [
        (D(2025, 3, 5), "4d", D(2025, 3, 1)),
        (D(2025, 3, 31), "1m", D(2025, 3, 1)),  # 31 Feb rolls forward too
        (D(2024, 3, 1), "1d", D(2024, 2, 29)),
        (D(2025, 6, 15), "1y 6m", D(2023, 12, 15)),
    ],
)
def test_subtract(start: dt.date, duration: str, expected: dt.date) -> None:
    assert subtract(start, duration) == expected
    assert parse_duration(duration).subtract_from(start) == expected


def test_grace_is_subtracted_as_a_negative_duration() -> None:
    assert add(D(2025, 2, 12), "-4d") == D(2025, 2, 8)


def test_add_months_across_years() -> None:
    start = D(2025, 11, 30).toordinal()
    assert dt.date.fromordinal(add_months(start, 3)) == D(2026, 3, 1)  # 30 Feb rolls
    assert dt.date.fromordinal(add_months(start, -12)) == D(2024, 11, 30)
    assert dt.date.fromordinal(add_months(start, 14)) == D(2027, 1, 30)
