"""Which reminders a visit gets, and when they may go out. Pure: no I/O, no clock.

A child's next visit (from the schedule engine) gets a chain of reminders:
``advance`` some days before, ``due`` on the day, ``overdue-1..n`` after it while its
doses can still be given, and a ``next`` marker after the chain, when the following
visit is planned. Reminders go out in the caregiver's slot of the day, India time.
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


def plan_visit(
    visit: Visit | None, today: dt.date, policy: ReminderPolicy
) -> list[PlannedReminder]:
    """The reminders of ``visit`` from ``today`` on (none for no visit).

    Nothing is dropped for being late: a visit already due (a child registered late)
    gets its ``due`` reminder today. Overdue reminders stop at the visit's last day.
    """
    if visit is None:
        return []
    day, last = visit.date, visit.latest or dt.date.max
    chain = []
    advance = day - dt.timedelta(days=policy.advance_days)
    if advance >= today:
        chain.append(("advance", advance))
    chain.append(("due", max(day, today)))
    for n in range(policy.overdue_times):
        send_on = day + dt.timedelta(days=policy.overdue_after_days + n * policy.overdue_every_days)
        if send_on > last:
            break
        chain.append((f"overdue-{n + 1}", send_on))
    # Plan the next visit once the last reminder has had its time to be answered, or the
    # day after the visit's doses can no longer be given.
    after = chain[-1][1] + dt.timedelta(days=policy.overdue_every_days)
    if visit.latest is not None:
        after = min(after, max(visit.latest, day) + dt.timedelta(days=1))
    chain.append((NEXT, after))
    return [PlannedReminder(day, kind, send_on, visit.codes) for kind, send_on in chain]


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
