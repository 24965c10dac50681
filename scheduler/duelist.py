"""Due lists for health workers: which children to expect on which session day. Pure.

A child is listed on the first session day, within the period, on or after the day
their next visit can happen, with the vaccines that can be given that day. A dose
recorded during the period (DONE after its first day) counts from the day after it: each
session day sees the doses given before it, so a child vaccinated at a session stays on
that session's list. Left-outs have had no dose recorded at all;
drop-outs started a series (say Penta-1) and are overdue for the rest.
Only doses the family or a health worker reported count here: the reminder pipeline's
assumptions ("assumed" doses) are for planning messages, not for a health worker.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from scheduler import forecast, load_schedule
from scheduler.model import Area, Schedule
from scheduler.results import OVERDUE
from scheduler.standing import dropped_out


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
    site: str | None = None  # where the family's session is held (SITE)
    mother: str = ""  # the name on the family's pregnancy record, if any
    asha: str = ""  # the name of the health worker who registered the family
    asha_phone: str = ""  # and her number ("" when nobody registered it for them)


@dataclass(frozen=True)
class DueEntry:
    """One line of a due list."""

    session_day: dt.date
    person: Person
    codes: tuple[str, ...]
    overdue: bool
    left_out: bool
    drop_out: bool
    iu: tuple[tuple[str, int], ...] = ()  # strengths of doses that have one (vitamin A)
    last_visit: dt.date | None = None  # the latest reported dose
    days_overdue: int = 0  # since the earliest due date of the overdue doses listed


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
    """Each person due on one of their state's session days, sorted by day and name; each
    on their own schedule (``schedule`` is the deployment's, as the service loaded it)."""
    entries = []
    for person in people:
        days = [d for d in days_by_state.get(person.state) or [] if d >= person.birth_date]
        rules = schedule if person.schedule == schedule.id else load_schedule(person.schedule)
        if days and (entry := _entry(person, days, rules)) is not None:
            entries.append(entry)
    return sorted(entries, key=lambda e: (e.session_day, e.person.name, e.person.child_id))


def _session_day(person: Person, days: list[dt.date], area: Area, schedule: Schedule):
    """The first of ``days`` on which something can be given, with the forecast of that
    day from the doses given before it (None, None: no such day)."""
    if all(when < days[0] for _code, when in person.doses):
        visit = forecast(person.birth_date, person.doses, days[0], area, schedule).next_visit
        day = next((d for d in days if visit and d >= visit.date), None)
        if day is None or (visit.latest and day > visit.latest):
            return None, None
        return day, forecast(person.birth_date, person.doses, day, area, schedule)
    for day in days:  # doses recorded during the period: each day sees those given before it
        known = tuple(dose for dose in person.doses if dose[1] < day)
        result = forecast(person.birth_date, known, day, area, schedule)
        visit = result.next_visit
        if visit is None:
            return None, None
        if visit.date == day:
            return day, result
    return None, None


def _entry(person: Person, days: list[dt.date], schedule: Schedule) -> DueEntry | None:
    area = Area(district=person.district, state=person.state)
    day, on_the_day = _session_day(person, days, area, schedule)
    if day is None or not (codes := on_the_day.can_give(day)):
        return None
    statuses = {d.code: d.status for d in on_the_day.doses}
    given = [dose for dose in person.doses if dose[1] < day]
    late = [d.due for d in on_the_day.doses if d.code in codes and d.status == OVERDUE and d.due]
    return DueEntry(
        session_day=day,
        person=person,
        codes=codes,
        overdue=any(statuses.get(code) == OVERDUE for code in codes),
        left_out=not given and any(s == OVERDUE for s in statuses.values()),
        drop_out=dropped_out(schedule, statuses),
        iu=tuple((code, iu) for code in codes if (iu := on_the_day.dose_iu(code)) is not None),
        last_visit=max((when for _code, when in person.doses), default=None),
        days_overdue=(day - min(late)).days if late else 0,
    )
