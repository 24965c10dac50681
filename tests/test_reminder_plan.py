"""Planning reminders: the pure chain of a visit, sending windows, and plans kept in step
with what caregivers say (registration, DONE, STOP, START, TIME, DELETE)."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.storage.models.core import Reminder
from scheduler import Visit
from scheduler.reminders import ReminderPolicy, next_window, plan_visit, window

D = dt.date
POLICY = ReminderPolicy()
SIX_WEEKS = Visit(D(2025, 2, 12), ("opv-1", "penta-1"), D(2025, 12, 31))


def chain(visit, today):
    return [(r.kind, r.send_on) for r in plan_visit(visit, today, POLICY)]


def test_a_visit_gets_advance_due_three_overdue_and_then_the_next_visit():
    assert chain(SIX_WEEKS, D(2025, 1, 20)) == [
        ("advance", D(2025, 2, 10)),
        ("due", D(2025, 2, 12)),
        ("overdue-1", D(2025, 2, 19)),
        ("overdue-2", D(2025, 3, 5)),
        ("overdue-3", D(2025, 3, 19)),
        ("next", D(2025, 4, 2)),
    ]


def test_a_late_registrant_is_reminded_from_today():
    # The engine gives a visit already due the date of the day it is asked.
    late = Visit(D(2025, 6, 1), ("opv-1", "dpt-1"), D(2031, 12, 31))
    assert chain(late, D(2025, 6, 1))[:2] == [("due", D(2025, 6, 1)), ("overdue-1", D(2025, 6, 8))]


def test_no_advance_reminder_in_the_past_and_nothing_after_the_last_day():
    birth = Visit(D(2025, 1, 10), ("bcg", "opv-0"), D(2025, 1, 24))
    assert chain(birth, D(2025, 1, 10)) == [
        ("due", D(2025, 1, 10)),
        ("overdue-1", D(2025, 1, 17)),
        ("next", D(2025, 1, 25)),
    ]


def test_a_visit_with_no_last_day_keeps_all_its_overdue_reminders():
    # An adult's COVID-19 second dose can be given however late.
    second = Visit(D(2022, 3, 26), ("covishield-2",), None)
    assert [kind for kind, _ in chain(second, D(2022, 2, 1))] == [
        "advance",
        "due",
        "overdue-1",
        "overdue-2",
        "overdue-3",
        "next",
    ]


def test_the_policy_is_configurable():
    policy = ReminderPolicy(
        advance_days=3, overdue_after_days=5, overdue_every_days=10, overdue_times=1
    )
    kinds = [(r.kind, r.send_on) for r in plan_visit(SIX_WEEKS, D(2025, 1, 1), policy)]
    assert kinds == [
        ("advance", D(2025, 2, 9)),
        ("due", D(2025, 2, 12)),
        ("overdue-1", D(2025, 2, 17)),
        ("next", D(2025, 2, 27)),
    ]


def session_chain(visit, today, session):
    return [(r.kind, r.send_on, r.slot) for r in plan_visit(visit, today, POLICY, session)]


def test_a_visit_is_reminded_the_day_before_its_session_and_on_its_morning():
    monday = Visit(D(2025, 2, 10), ("opv-1", "penta-1"), D(2025, 12, 31))
    wednesday = D(2025, 2, 12)  # the first RI session on or after the visit's day
    assert session_chain(monday, D(2025, 1, 20), wednesday) == [
        ("advance", D(2025, 2, 11), None),  # in the caregiver's slot
        ("due", wednesday, "morning"),
        ("overdue-1", D(2025, 2, 17), None),
        ("overdue-2", D(2025, 3, 3), None),
        ("overdue-3", D(2025, 3, 17), None),
        ("next", D(2025, 3, 31), None),
    ]
    # Told on the day before the session: no advance reminder, the same-day one only.
    assert session_chain(monday, D(2025, 2, 12), wednesday)[0] == ("due", wednesday, "morning")
    # A session after the visit's last day is no use: the visit's own day again.
    short = Visit(D(2025, 2, 10), ("opv-0",), D(2025, 2, 11))
    assert session_chain(short, D(2025, 2, 1), wednesday)[:2] == [
        ("advance", D(2025, 2, 8), None),
        ("due", D(2025, 2, 10), None),
    ]


def test_sending_windows_are_india_time():
    opens, closes = window(D(2025, 2, 10), "morning")
    assert (opens.isoformat(), closes.isoformat()) == (
        "2025-02-10T04:30:00+00:00",
        "2025-02-10T06:30:00+00:00",
    )
    evening = window(D(2025, 2, 10), "evening")[0]
    assert evening.isoformat() == "2025-02-10T12:30:00+00:00"
    # After today's window has closed, the next is tomorrow's; never at night.
    late = dt.datetime(2025, 2, 10, 15, 0, tzinfo=dt.UTC)  # 20:30 IST
    assert next_window(late, "evening")[0].isoformat() == "2025-02-11T12:30:00+00:00"


pytestmark = pytest.mark.both_databases


def reminders(session):
    session.rollback()
    rows = session.scalars(select(Reminder).order_by(Reminder.child_id, Reminder.send_on))
    return [(r.kind, r.visit_date, r.send_on, r.status) for r in rows]


def open_reminders(session):
    return [row for row in reminders(session) if row[3] == "planned"]


def test_registration_plans_the_next_visit_and_done_replans(phone, session, frozen_clock):
    with frozen_clock("2025-02-01T18:00"):
        phone.send("REG Asha 1/1/2025 226001")
        # BCG can still be given: told today, so the chain starts tomorrow's... with overdue.
        assert [r[:3] for r in open_reminders(session)] == [
            ("overdue-1", D(2025, 2, 1), D(2025, 2, 8)),
            ("overdue-2", D(2025, 2, 1), D(2025, 2, 22)),
            ("overdue-3", D(2025, 2, 1), D(2025, 3, 8)),
            ("next", D(2025, 2, 1), D(2025, 3, 22)),
        ]
        phone.send("DONE 1/1")
    planned = open_reminders(session)
    # Lucknow holds RI sessions on Wednesdays and Saturdays: 12 February is one.
    assert [(kind, send_on) for kind, _, send_on, _ in planned] == [
        ("advance", D(2025, 2, 11)),
        ("due", D(2025, 2, 12)),
        ("overdue-1", D(2025, 2, 19)),
        ("overdue-2", D(2025, 3, 5)),
        ("overdue-3", D(2025, 3, 19)),
        ("next", D(2025, 4, 2)),
    ]
    assert {row[3] for row in reminders(session) if row[1] == D(2025, 2, 1)} == {"cancelled"}


def test_stop_cancels_and_start_replans(phone, session, frozen_clock):
    with frozen_clock("2025-01-20T10:00"):
        phone.send("REG Asha 1/1/2025 226001")
        phone.send("DONE 1/1")
        assert len(open_reminders(session)) == 6
        phone.send("STOP")
        assert open_reminders(session) == []
        phone.send("START")
        assert len(open_reminders(session)) == 6


def test_time_moves_reminders_to_the_chosen_slot(phone, session, frozen_clock):
    with frozen_clock("2025-01-20T10:00"):
        phone.send("REG Asha 1/1/2025 226001")
        phone.send("DONE 1/1")
        assert phone.send("TIME") == [
            "When should reminders come? Send 1 for morning (10-12), 2 for afternoon (2-4), "
            "3 for evening (6-8)."
        ]
        assert phone.send("3") == ["Reminders will come in the evening, 6 to 8 pm."]
        session.rollback()
        advance = session.scalar(
            select(Reminder).where(Reminder.kind == "advance", Reminder.status != "cancelled")
        )
        assert advance.due_at == dt.datetime(2025, 2, 11, 12, 30, tzinfo=dt.UTC)  # 18:00 IST
        # The session's own reminder goes out on its morning, whatever the slot.
        due = session.scalar(
            select(Reminder).where(Reminder.kind == "due", Reminder.status != "cancelled")
        )
        assert due.due_at == dt.datetime(2025, 2, 12, 4, 30, tzinfo=dt.UTC)  # 10:00 IST
        assert phone.send("समय सुबह") == ["Reminders will come in the morning, 10 am to 12 noon."]
        session.rollback()
        advance = session.scalar(
            select(Reminder).where(Reminder.kind == "advance", Reminder.status != "cancelled")
        )
        assert advance.due_at == dt.datetime(2025, 2, 11, 4, 30, tzinfo=dt.UTC)


def test_delete_removes_every_reminder(phone, session, frozen_clock):
    with frozen_clock("2025-01-20T10:00"):
        phone.send("REG Asha 1/1/2025 226001")
        phone.send("DELETE")
        phone.send("1")
    assert reminders(session) == []
