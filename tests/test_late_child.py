"""A child registered late: one question on what its MCP card shows, recorded as doses
given on time, so that the first reminder is for the next visit, not for BCG."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.storage.models.core import Caregiver, Reminder

pytestmark = pytest.mark.both_databases

ASK_HISTORY = (
    "Which is the last visit on the MCP card? Send 1 birth, 2 six weeks, 3 ten weeks, "
    "4 fourteen weeks, 5 nine months, 6 sixteen months, 0 none or don't know."
)


def registered(session) -> Caregiver:
    session.rollback()
    return session.scalar(select(Caregiver))


def test_a_seven_month_old_with_the_14_week_visit_on_its_card_is_reminded_at_9_months(
    phone, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("hi")
        phone.send("2")
        phone.send("Ravi")
        assert phone.send("20/8/2024") == [ASK_HISTORY]
        assert phone.send("5") == ["Please send one number from 0 to 4, as on the MCP card."]
        phone.send("2 3 4")  # the 6, 10 and 14-week visits: the last counts
        phone.send("226001")
        replies = phone.send("1")
    assert replies[1] == (
        "Ravi: next vaccines fIPV-3, PCV booster, MR-1 +1 at the session on Wednesday 21 May."
    )
    [child] = registered(session).children
    given = {d.code: d.given_on for d in child.doses}
    # Each dose of the card's visits, dated the day it was due: on time.
    assert given["bcg"] == dt.date(2024, 8, 20)
    assert given["penta-3"] == dt.date(2024, 11, 26)  # 14 weeks
    assert "mr-1" not in given and len(given) == 16
    planned = session.scalars(
        select(Reminder).where(Reminder.child_id == child.id).order_by(Reminder.send_on)
    ).all()
    first = planned[0]
    assert first.visit_date == dt.date(2025, 5, 20)  # nine months
    assert "mr-1" in first.codes.split() and "bcg" not in first.codes.split()


def test_a_child_under_six_weeks_is_not_asked_and_dont_know_records_nothing(
    phone, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("hi")
        phone.send("2")
        phone.send("Asha")
        assert phone.send("1/3/2025")[0].startswith("What is your 6-digit PIN code?")
        phone.send("226001")
        phone.send("1")
        phone.send("ADD")
        phone.send("Mohan")
        assert phone.send("1/1/2025") == [ASK_HISTORY]
        assert phone.send("pata nahi")[0].startswith("Please check: Mohan")  # PIN known
        phone.send("1")
    children = registered(session).children
    assert [(c.name, c.doses) for c in children] == [("Asha", []), ("Mohan", [])]
