"""Due lists for health workers: which children to expect on which session day. Pure.

A child is listed on the first session day, within the period, on or after the day
their next visit can happen, with that visit's vaccines. Left-outs have had no dose
recorded at all; drop-outs started a series (say Penta-1) and are overdue for the rest.
Only doses the family or a health worker reported count here: the reminder pipeline's
assumptions ("assumed" doses) are for planning messages, not for a health worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler import forecast
from scheduler.model import Area, Schedule
from scheduler.results import GIVEN, OVERDUE


@dataclass(frozen=True)
class Person:
    """A registered child as the due list sees them."""

    child_id: int
    name: str
    birth_date: dt.date
    doses: tuple[tuple[str, dt.date], ...]  # reported doses only
    phone: str
    pincode: str | None
    district: str | None
    state: str | None
    caregiver_id: int = 0
    slot: str = "morning"
    schedule: str = "uip"


@dataclass(frozen=True)
class DueEntry:
    """One line of a due list."""

    session_day: dt.date
    person: Person
    codes: tuple[str, ...]
    overdue: bool
    left_out: bool
    drop_out: bool


def session_days_between(
    start: dt.date,
    end: dt.date,
    ri_weekdays: frozenset[int],
    holidays: frozenset[dt.date],
) -> list[dt.date]:
    """The RI session days from ``start`` to ``end`` (every working day when the state has
    no RI weekdays configured): Sundays and holidays never."""
    days = []
    day = start
    while day <= end:
        working = day.weekday() != 6 and day not in holidays
        if working and (not ri_weekdays or day.weekday() in ri_weekdays):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def due_entries(
    people: Iterable[Person],
    days_by_state: dict[str | None, list[dt.date]],
    schedule: Schedule,
) -> list[DueEntry]:
    """Each person due on one of their state's session days, sorted by day and name."""
    entries = []
    for person in people:
        days = days_by_state.get(person.state) or []
        if not days or person.birth_date > days[-1]:
            continue
        area = Area(district=person.district, state=person.state)
        result = forecast(person.birth_date, person.doses, days[0], area, schedule)
        visit = result.next_visit
        if visit is None:
            continue
        day = next((d for d in days if d >= visit.date), None)
        if day is None or (visit.latest and day > visit.latest):
            continue
        on_the_day = forecast(person.birth_date, person.doses, day, area, schedule)
        statuses = {d.code: d.status for d in on_the_day.doses}
        entries.append(
            DueEntry(
                session_day=day,
                person=person,
                codes=visit.codes,
                overdue=any(statuses.get(code) == OVERDUE for code in visit.codes),
                left_out=not person.doses and any(s == OVERDUE for s in statuses.values()),
                drop_out=_dropped_out(schedule, statuses),
            )
        )
    return sorted(entries, key=lambda e: (e.session_day, e.person.name, e.person.child_id))


def _dropped_out(schedule: Schedule, statuses: dict[str, str]) -> bool:
    """A series started (a dose given) with a later dose of it overdue."""
    started = {
        schedule.series_of(code).name for code, status in statuses.items() if status == GIVEN
    }
    return any(
        status == OVERDUE and schedule.series_of(code).name in started
        for code, status in statuses.items()
    )
