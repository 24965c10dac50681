"""The dates of a pregnancy (scheduler/pregnancy.py, each rule with its source there):
the expected delivery, the month of pregnancy as a date, which child is its baby, when to
ask whether the baby is born, and the 36-week reminder of a Td dose still missing."""

import datetime as dt

import pytest

from flows import texts
from flows.parsing import InputError
from flows.pregnancy import lmp_from_month, parse_lmp
from flows.turn import Profile, State, Turn
from scheduler import load_schedule
from scheduler.pregnancy import (
    birth_check_days,
    delivered,
    due_date,
    late_call_day,
    td_history,
)

LMP = dt.date(2025, 1, 1)


def test_the_expected_date_is_280_days_after_the_last_period() -> None:  # Naegele's rule
    assert due_date(LMP) == dt.date(2025, 10, 8)


def test_the_month_of_pregnancy_is_taken_at_its_middle() -> None:  # convention
    today = dt.date(2025, 3, 1)
    assert lmp_from_month(1, today) == today - dt.timedelta(days=15)
    assert lmp_from_month(3, today) == dt.date(2024, 12, 15)
    assert (today - lmp_from_month(9, today)).days == 259  # 37 weeks: near term


def test_a_child_born_from_20_weeks_on_is_this_pregnancys_baby() -> None:  # WHO, ICD-11
    assert delivered(LMP, [dt.date(2025, 10, 1)])
    assert not delivered(LMP, [dt.date(2023, 5, 1)])  # an older sibling
    assert not delivered(LMP, [])


def test_the_birth_is_asked_about_on_the_expected_date_and_weekly_four_times_more() -> None:
    days = birth_check_days(LMP, dt.date(2025, 1, 20))
    assert [day for _, day in days] == [
        dt.date(2025, 10, 8) + dt.timedelta(weeks=n) for n in range(5)
    ]
    assert [kind for kind, _ in birth_check_days(LMP, dt.date(2025, 10, 20))] == [
        "birth-check-3",
        "birth-check-4",
        "birth-check-5",
    ]


def test_a_td_dose_still_missing_at_36_weeks_is_reminded_then() -> None:  # chart, footnote *
    week_36 = LMP + dt.timedelta(weeks=36)
    latest = LMP + dt.timedelta(weeks=42)
    assert late_call_day(LMP, dt.date(2025, 2, 1), latest, dt.date(2025, 3, 1)) == week_36
    assert late_call_day(LMP, dt.date(2025, 2, 1), latest, week_36 + dt.timedelta(days=1)) is None
    assert late_call_day(LMP, week_36 + dt.timedelta(days=3), latest, LMP) is None  # due after


def test_two_earlier_td_doses_are_recorded_before_this_pregnancy() -> None:
    assert td_history(LMP, "no") == ()
    doses = td_history(LMP, "yes")
    assert [code for code, _ in doses] == ["td-p1", "td-p2"]
    assert all(LMP - dt.timedelta(days=365 * 3) < day < LMP for _, day in doses)


def test_a_last_period_in_the_future_or_too_long_ago_is_asked_again() -> None:
    turn = Turn(Profile(), State(), dt.date(2025, 3, 1), load_schedule("uip"))
    assert parse_lmp("15/2/2025", turn) == dt.date(2025, 2, 15)
    for text, reply in (("15/3/2025", texts.LMP_INVALID), ("1/1/2024", texts.LMP_TOO_OLD)):
        with pytest.raises(InputError) as raised:
            parse_lmp(text, turn)
        assert raised.value.reply.msgid == reply
