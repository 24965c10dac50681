"""Schedule engine: which vaccine doses are given, due, overdue, upcoming or missed.

    from scheduler import Area, forecast
    result = forecast(birth_date, [("penta-1", given_on)], as_of=today, area=Area("GORAKHPUR"))
    result.next_visit          # Visit(date, codes, latest) or None
    result.dose("penta-2")     # DoseForecast(code, status, earliest, due, overdue, latest, given)

Schedules are data files in ``scheduler/schedules`` read by :mod:`scheduler.loader`;
the engine itself (:mod:`scheduler.engine`) does no I/O.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from scheduler.durations import Duration, add, parse_duration, subtract
from scheduler.engine import History, compute
from scheduler.errors import (
    BirthDateInFuture,
    DoseAfterAsOf,
    DoseBeforeBirth,
    InvalidDuration,
    InvalidHistory,
    InvalidSchedule,
    ScheduleError,
    UnknownDoseCode,
)
from scheduler.loader import CHILDREN_SCHEDULES, load_schedule, schedule_names
from scheduler.model import Area, Dose, Schedule, Series, parse_schedule
from scheduler.results import (
    DUE,
    GIVEN,
    MISSED,
    NOT_APPLICABLE,
    OVERDUE,
    PENDING,
    STATUSES,
    UPCOMING,
    DoseForecast,
    Forecast,
    InvalidDose,
    Visit,
)

__all__ = [
    "CHILDREN_SCHEDULES",
    "DUE",
    "GIVEN",
    "MISSED",
    "NOT_APPLICABLE",
    "OVERDUE",
    "PENDING",
    "STATUSES",
    "UPCOMING",
    "Area",
    "BirthDateInFuture",
    "Dose",
    "DoseAfterAsOf",
    "DoseBeforeBirth",
    "DoseForecast",
    "Duration",
    "Forecast",
    "History",
    "InvalidDose",
    "InvalidDuration",
    "InvalidHistory",
    "InvalidSchedule",
    "Schedule",
    "ScheduleError",
    "Series",
    "UnknownDoseCode",
    "Visit",
    "add",
    "forecast",
    "load_schedule",
    "parse_duration",
    "parse_schedule",
    "schedule_names",
    "subtract",
]


def forecast(
    birth_date: dt.date,
    history: History,
    as_of: dt.date,
    area: Area | None = None,
    schedule: Schedule | None = None,
) -> Forecast:
    """Forecast every dose for a person born on ``birth_date`` as of ``as_of``.

    ``history`` is (code, date) pairs or a mapping code -> date; ``schedule``
    defaults to the children's UIP schedule (``load_schedule("uip")``).
    """
    if schedule is None:
        schedule = load_schedule("uip")
    if schedule.equivalents:
        history = with_equivalents(history, schedule.equivalents)
    return compute(schedule, birth_date, history, as_of, area)


def with_equivalents(history: History, equivalents: Mapping[str, tuple[str, ...]]) -> History:
    """The history as this schedule reads it: a dose of another schedule (a family that
    changed schedule) stands for the doses its ``equivalents`` name, on its date (none:
    it counts for nothing here), unless those are recorded themselves."""
    pairs = list(history.items()) if isinstance(history, Mapping) else list(history)
    try:
        if not any(code in equivalents for code, _ in pairs):
            return history
    except (TypeError, ValueError):
        return history  # not (code, date) pairs: the engine says what is wrong
    own = [(code, given) for code, given in pairs if code not in equivalents]
    recorded = {code for code, _ in own}
    for code, given in pairs:
        for part in equivalents.get(code, ()):
            if part not in recorded:
                own.append((part, given))
                recorded.add(part)
    return own
