"""Where a child stands today, as programme staff name it. Pure.

- left-out: no dose reported, and a dose overdue;
- drop-out: a series started (a dose given) with a later dose of it overdue;
- overdue: any other child with a dose overdue;
- due: a dose can be given now, none overdue;
- on time: nothing due or overdue.

(The definitions of MoHFW's IMI operational guidelines: a left-out child missed every
dose; a drop-out started the schedule and missed later doses.)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from scheduler import Area, Schedule, ScheduleError, forecast
from scheduler.results import DUE, GIVEN, OVERDUE

CATEGORIES = ("on_time", "due", "overdue", "left_out", "drop_out")


def dropped_out(schedule: Schedule, statuses: Mapping[str, str]) -> bool:
    """A series started (a dose given) with a later dose of it overdue."""
    started = {
        schedule.series_of(code).name for code, status in statuses.items() if status == GIVEN
    }
    return any(
        status == OVERDUE and schedule.series_of(code).name in started
        for code, status in statuses.items()
    )


def category(schedule: Schedule, statuses: Mapping[str, str], any_reported: bool) -> str:
    """A child's category from each dose's status, and whether any dose was reported."""
    values = set(statuses.values())
    if OVERDUE in values:
        if not any_reported:
            return "left_out"
        return "drop_out" if dropped_out(schedule, statuses) else "overdue"
    return "due" if DUE in values else "on_time"


@dataclass(frozen=True)
class Standing:
    """A child's category today and the doses due or overdue today."""

    category: str
    pending: frozenset[str]


def standing(
    birth_date: dt.date,
    doses: tuple[tuple[str, dt.date], ...],
    today: dt.date,
    area: Area,
    schedule: Schedule,
) -> Standing | None:
    """Where a child with these reported doses stands today (None: records that cannot
    be forecast, such as a dose dated after today)."""
    try:
        result = forecast(birth_date, doses, today, area, schedule)
    except ScheduleError:
        return None
    statuses = {d.code: d.status for d in result.doses}
    pending = frozenset(code for code, status in statuses.items() if status in (DUE, OVERDUE))
    return Standing(category(schedule, statuses, bool(doses)), pending)
