"""Which reminders a visit gets, and when they may go out. Pure: no I/O, no clock.

A child's next visit (from the schedule engine) gets a chain of reminders:
``advance`` some days before, ``due`` on the day, ``overdue-1..n`` after it while its
doses can still be given, and a ``next`` marker after the chain, when the following
visit is planned. Reminders go out in the caregiver's slot of the day, India time.

Where the state's routine-immunisation session days are known, the visit is kept at the
first session on or after its day: ``advance`` goes out the day before that session (in
the caregiver's slot), and ``due`` on the session's morning.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from scheduler.results import Visit

INDIA = ZoneInfo("Asia/Kolkata")

# The caregiver's choice of when to hear from us: start and end hour, India time.
SLOTS: dict[str, tuple[int, int]] = {
    "morning": (10, 12),
    "afternoon": (14, 16),
    "evening": (18, 20),
}
DEFAULT_SLOT = "morning"
#: The same-day reminder of a session goes out on its morning, whatever the caregiver's slot.
SESSION_SLOT = "morning"
NEXT = "next"  # not a message: the moment to plan the visit after this one


@dataclass(frozen=True)
class ReminderPolicy:
    """When reminders go out, relative to the visit (all configurable)."""

    advance_days: int = 2
    overdue_after_days: int = 7
    overdue_every_days: int = 14
    overdue_times: int = 3


@dataclass(frozen=True)
class PlannedReminder:
    """One reminder to store: the visit it is about, its kind, and the day it goes out."""

    visit_date: dt.date
    kind: str
    send_on: dt.date
    codes: tuple[str, ...]
    slot: str | None = None  # its own sending slot (a session's morning); None: the caregiver's


def plan_visit(
    visit: Visit | None,
    today: dt.date,
    policy: ReminderPolicy,
    session: dt.date | None = None,
) -> list[PlannedReminder]:
    """The reminders of ``visit`` from ``today`` on (none for no visit). ``session`` is
    the RI session day on or after the visit's day, where the state's are known.

    Nothing is dropped for being late: a visit already due (a child registered late)
    gets its ``due`` reminder today. Overdue reminders stop at the visit's last day.
    """
    if visit is None:
        return []
    day, last = visit.date, visit.latest or dt.date.max
    chain: list[tuple[str, dt.date, str | None]] = []
    if session is not None and max(day, today) <= session <= last:
        if session - dt.timedelta(days=1) >= today:
            chain.append(("advance", session - dt.timedelta(days=1), None))
        chain.append(("due", session, SESSION_SLOT))
    else:
        session = None
        advance = day - dt.timedelta(days=policy.advance_days)
        if advance >= today:
            chain.append(("advance", advance, None))
        chain.append(("due", max(day, today), None))
    for n in range(policy.overdue_times):
        send_on = day + dt.timedelta(days=policy.overdue_after_days + n * policy.overdue_every_days)
        if send_on > last:
            break
        if session is None or send_on > session:
            chain.append((f"overdue-{n + 1}", send_on, None))
    # Plan the next visit once the last reminder has had its time to be answered, or the
    # day after the visit's doses can no longer be given.
    after = chain[-1][1] + dt.timedelta(days=policy.overdue_every_days)
    if visit.latest is not None:
        after = min(after, max(visit.latest, day) + dt.timedelta(days=1))
    chain.append((NEXT, after, None))
    return [PlannedReminder(day, kind, send_on, visit.codes, slot) for kind, send_on, slot in chain]


def window(day: dt.date, slot: str) -> tuple[dt.datetime, dt.datetime]:
    """The sending window of ``slot`` on ``day``, as UTC instants."""
    start, end = SLOTS.get(slot, SLOTS[DEFAULT_SLOT])
    opens = dt.datetime.combine(day, dt.time(start), INDIA)
    closes = dt.datetime.combine(day, dt.time(end), INDIA)
    return opens.astimezone(dt.UTC), closes.astimezone(dt.UTC)


def next_window(now: dt.datetime, slot: str) -> tuple[dt.datetime, dt.datetime]:
    """The window ``now`` is in, or the next one to open."""
    today = now.astimezone(INDIA).date()
    opens, closes = window(today, slot)
    if now < closes:
        return opens, closes
    return window(today + dt.timedelta(days=1), slot)
