"""An older child registered by keypad (issue 27, item 4, by voice): after the birth date,
one question on the last visit its MCP card shows, and the doses of that visit and the
ones before it count as given on time, so that the first reminder is for the next visit
and not for BCG. Signed webhooks on the real app, every reply parsed as TwiML."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.storage.models.core import Reminder
from tests import test_voice_ivr
from tests.test_voice_ivr import caregiver

pytestmark = pytest.mark.both_databases

line = test_voice_ivr.line  # a caller on the fake line, each <Gather> followed


def register_born_in_august(line, card_keys: list[str]) -> list:
    """Register a child born 20 August 2024, at 7 months, pressing each of ``card_keys``
    at the card question; the TwiML of each answer."""
    menu = line.call()
    this_year = line.press(menu, "1")  # हिंदी
    age = line.press(this_year, "2")  # not born this year
    day = line.press(age, "07")  # 7 months
    read_back = line.press(day, "20")
    assert read_back.lines[0].startswith("आपने बीस अगस्त दो हज़ार चौबीस बताया।")
    answer = line.press(read_back, "1")
    assert answer.lines[0].startswith("बच्चे का एमसीपी कार्ड देखिए।")
    assert answer.digits == 1
    answers = []
    for keys in card_keys:
        answer = line.press(answer, keys)
        answers.append(answer)
    return answers


def test_a_card_showing_the_14_week_visit_makes_the_first_reminder_the_9_month_one(
    line, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        not_yet, ask_pin = register_born_in_august(line, ["5", "4"])  # 9 months; 14 weeks
        assert not_yet.lines[0] == "आपका बच्चा अभी उस टीके की उम्र तक नहीं पहुँचा है।"
        assert not_yet.lines[1].startswith("बच्चे का एमसीपी कार्ड देखिए।")  # asked again
        assert ask_pin.digits == 6
        pin_back = line.press(ask_pin, "226001")
        registered = line.press(pin_back, "1")
        assert registered.lines[1].startswith("शिशु के अगले टीके")
        assert "बीसीजी" not in registered.lines[1]
    [child] = caregiver(session).children
    codes = {dose.code for dose in child.doses}
    assert {"bcg", "opv-3", "penta-3", "fipv-2", "pcv-2"} <= codes
    assert all(dose.given_on <= dt.date(2024, 11, 26) for dose in child.doses)  # 14 weeks
    planned = session.scalars(select(Reminder).where(Reminder.status == "planned")).all()
    first = min(planned, key=lambda reminder: reminder.visit_date)
    assert first.visit_date == dt.date(2025, 5, 20)  # 9 months
    assert {"mr-1", "pcv-b"} <= set(first.codes.split())
    assert "bcg" not in first.codes.split()


def test_eight_means_the_card_shows_nothing_and_the_missed_doses_are_due_now(
    line, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        [ask_pin] = register_born_in_august(line, ["8"])
        registered = line.press(line.press(ask_pin, "226001"), "1")
        assert "बीसीजी" in registered.lines[1]  # can be given now
    [child] = caregiver(session).children
    assert child.doses == []


def test_a_child_under_six_weeks_is_not_asked_about_the_card(line, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        month = line.press(line.press(line.call(), "1"), "1")
        read_back = line.press(line.press(month, "03"), "10")  # 10 March: 10 days old
        assert line.press(read_back, "1").digits == 6  # straight to the PIN code
