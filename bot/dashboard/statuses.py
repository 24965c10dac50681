"""Children by status, and on-time coverage per vaccine, from the schedule engine.

Each child registered on the UIP schedule is forecast on their reported doses (as the
due lists read them: never the reminder pipeline's assumed doses) and counted once:

- left-out: no dose reported, and a dose overdue;
- drop-out: a series started (a dose given) with a later dose of it overdue;
- overdue: any other child with a dose overdue;
- due: a dose can be given now, none overdue;
- on time: nothing due or overdue.

A dose counts towards coverage once it was given, or once it is overdue or missed; it
was given on time when it counts (not past its maximum age) and was given before the day
it becomes overdue by the child's age (``_on_time_until``). That day is not the engine's
overdue date of a given dose: after a late dose the engine moves the next doses of the
series on (4 weeks after it, for the reminders), and a dose given late by age then
looked on time.

Left-outs per week (``Tally.left_out_weeks``): a child becomes a left-out on the later of
the day they were registered and the first day a dose of theirs is overdue when nothing
is given (``first_overdue``), unless a dose reported for them was given before that day;
each such child is counted in that day's ISO week, for the last ``WEEKS`` weeks (also
when a dose has been reported since: they were a left-out then).

A forecast costs ~50 µs, so a large district takes seconds: tallies are kept in Redis
per district and day. A page computes what is missing within DASHBOARD_STATUS_BUDGET
seconds and leaves the rest (and anything older than DASHBOARD_STATUS_MAX_AGE) to a
worker job, showing the districts still being counted.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from bot.services import Services, current_services
from bot.storage.clients import queue
from bot.storage.people import CAREGIVER, CHILD, people_in
from scheduler import Area, Schedule, ScheduleError, forecast
from scheduler.duelist import Person
from scheduler.results import GIVEN, MISSED, OVERDUE
from scheduler.standing import CATEGORIES as CATEGORIES  # the overview counts these
from scheduler.standing import category

log = logging.getLogger(__name__)

KEY = "tika:dashboard:statuses:{day}"
LOCK = "tika:dashboard:counting:{day}:{district}"
LOCK_SECONDS = 600
WEEKS = 12  # left-outs per week: this many ISO weeks, the current one last
INDIA = dt.timezone(dt.timedelta(minutes=330))


@dataclass
class Tally:
    """Children per status, per dose code [counted, given, given on time], and children
    who became left-outs per ISO week ("2025-W09")."""

    statuses: Counter[str] = field(default_factory=Counter)
    coverage: dict[str, list[int]] = field(default_factory=dict)
    left_out_weeks: Counter[str] = field(default_factory=Counter)

    @property
    def children(self) -> int:
        return sum(self.statuses.values())

    def add(self, other: Tally) -> None:
        self.statuses.update(other.statuses)
        self.left_out_weeks.update(other.left_out_weeks)
        for code, numbers in other.coverage.items():
            mine = self.coverage.setdefault(code, [0, 0, 0])
            for i, n in enumerate(numbers):
                mine[i] += n

    def to_json(self) -> dict:
        return {
            "statuses": dict(self.statuses),
            "coverage": self.coverage,
            "left_out_weeks": dict(self.left_out_weeks),
        }

    @classmethod
    def from_json(cls, data: dict) -> Tally:
        return cls(
            Counter(data["statuses"]),
            {k: list(v) for k, v in data["coverage"].items()},
            Counter(data.get("left_out_weeks", {})),
        )


def iso_week(day: dt.date) -> str:
    """The ISO week of ``day``, as "2025-W09"."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def recent_weeks(today: dt.date, weeks: int = WEEKS) -> list[dt.date]:
    """The Mondays of the last ``weeks`` ISO weeks, the current one last."""
    monday = today - dt.timedelta(days=today.weekday())
    return [monday - dt.timedelta(weeks=weeks - 1 - i) for i in range(weeks)]


def _on_time_until(schedule: Schedule, code: str, birth_date: dt.date) -> dt.date:
    """The day a dose becomes late by the child's age: its overdue age, else its due age
    plus the schedule's ``overdue_after``. Unlike the overdue date the engine gives a
    dose whose series started late, it does not move with the doses given before."""
    dose = schedule.dose(code)
    due = dose.due_age.add_to(birth_date)
    if dose.overdue_age is not None and dose.overdue_age.add_to(birth_date) > due:
        return dose.overdue_age.add_to(birth_date)
    return schedule.overdue_after.add_to(due)


def first_overdue(schedule: Schedule, birth_date: dt.date, area: Area) -> dt.date | None:
    """The first day a dose of a child born on ``birth_date`` is overdue if nothing is
    given (the forecast on their day of birth, when no window has closed yet)."""
    try:
        result = forecast(birth_date, (), birth_date, area, schedule)
    except ScheduleError:
        return None
    return min((d.overdue for d in result.doses if d.overdue is not None), default=None)


def classify(
    person: Person, schedule: Schedule, today: dt.date
) -> tuple[str, list[tuple[str, bool, bool]]] | None:
    """A child's status, and (code, given, on time) for each dose that counts towards
    coverage; None when their records cannot be forecast (a date after today)."""
    area = Area(district=person.district, state=person.state)
    try:
        result = forecast(person.birth_date, person.doses, today, area, schedule)
    except ScheduleError:
        return None
    statuses = {d.code: d.status for d in result.doses}
    doses = []
    for d in result.doses:
        if d.status == GIVEN:
            on_time = d.valid is not False and (
                d.due is None or d.given < _on_time_until(schedule, d.code, person.birth_date)
            )
            doses.append((d.code, True, on_time))
        elif d.status in (OVERDUE, MISSED):
            doses.append((d.code, False, False))
    return category(schedule, statuses, bool(person.doses)), doses


def count_district(
    conn: Connection, schedule: Schedule, district: str | None, today: dt.date
) -> Tally:
    """The tally of one district's children (``None``: children with no district)."""
    where = CAREGIVER.c.district == district if district else CAREGIVER.c.district.is_(None)
    tally = Tally()
    seen: dict[tuple, tuple | None] = {}  # the same birth date and doses: the same answer
    overdue_from: dict[tuple, dt.date | None] = {}
    registered = _registered(conn, where)
    weeks = {iso_week(monday) for monday in recent_weeks(today)}
    for person in people_in(conn, where):
        key = (person.birth_date, person.doses, person.state)
        if key not in seen:
            seen[key] = classify(person, schedule, today)
        if (found := seen[key]) is None:
            continue
        born = (person.birth_date, person.state)
        if born not in overdue_from:
            area = Area(district=person.district, state=person.state)
            overdue_from[born] = first_overdue(schedule, person.birth_date, area)
        became = _became_left_out(person, overdue_from[born], registered.get(person.child_id))
        if became is not None and became <= today and iso_week(became) in weeks:
            tally.left_out_weeks[iso_week(became)] += 1
        category, doses = found
        tally.statuses[category] += 1
        for code, given, on_time in doses:
            numbers = tally.coverage.setdefault(code, [0, 0, 0])
            numbers[0] += 1
            numbers[1] += given
            numbers[2] += on_time
    return tally


def _registered(conn: Connection, where) -> dict[int, dt.date]:
    """The India day each child of these caregivers was registered."""
    rows = conn.execute(
        select(CHILD.c.id, CHILD.c.created_at).select_from(CHILD.join(CAREGIVER)).where(where)
    )
    found = {}
    for child_id, created_at in rows:
        if created_at.tzinfo is None:  # SQLite gives back naive UTC
            created_at = created_at.replace(tzinfo=dt.UTC)
        found[child_id] = created_at.astimezone(INDIA).date()
    return found


def _became_left_out(
    person: Person, overdue_from: dt.date | None, registered: dt.date | None
) -> dt.date | None:
    """The day this child became a left-out (see the module docstring), or None."""
    if overdue_from is None or registered is None:
        return None
    became = max(overdue_from, registered)
    if any(given < became for _, given in person.doses):
        return None
    return became


@dataclass
class Counted:
    """Tallies of the districts asked for, and those still being counted."""

    by_district: dict[str | None, Tally]
    pending: list[str | None]

    @property
    def total(self) -> Tally:
        total = Tally()
        for tally in self.by_district.values():
            total.add(tally)
        return total


def _field(district: str | None) -> str:
    return district or ""


def tallies(services: Services, districts: list[str | None], today: dt.date) -> Counted:
    """Each district's tally: cached, computed now within the budget, or left to a job."""
    config, redis = services.config, services.redis
    key = KEY.format(day=today.isoformat())
    cached = redis.hmget(key, [_field(d) for d in districts]) if districts else []
    deadline = time.monotonic() + config["DASHBOARD_STATUS_BUDGET"]
    counted: dict[str | None, Tally] = {}
    later: list[str | None] = []
    pending: list[str | None] = []
    for district, raw in zip(districts, cached, strict=True):
        if raw is not None:
            entry = json.loads(raw)
            counted[district] = Tally.from_json(entry["tally"])
            if time.time() - entry["at"] > config["DASHBOARD_STATUS_MAX_AGE"]:
                later.append(district)
        elif time.monotonic() < deadline:
            counted[district] = _count_and_store(services, district, today)
        else:
            later.append(district)
            pending.append(district)
    if later:
        _enqueue(services, later, today)
    return Counted(counted, pending)


def _count_and_store(services: Services, district: str | None, today: dt.date) -> Tally:
    with services.db.reading() as conn:
        tally = count_district(conn, services.schedule, district, today)
    key = KEY.format(day=today.isoformat())
    entry = json.dumps({"at": time.time(), "tally": tally.to_json()})
    pipe = services.redis.pipeline()
    pipe.hset(key, _field(district), entry)
    pipe.expire(key, 2 * 24 * 3600)
    pipe.execute()
    return tally


def _enqueue(services: Services, districts: list[str | None], today: dt.date) -> None:
    """Queue a job to count these districts, unless one is counting them already."""
    day = today.isoformat()
    mine = [
        _field(d)
        for d in districts
        if services.redis.set(LOCK.format(day=day, district=_field(d)), 1, nx=True, ex=LOCK_SECONDS)
    ]
    if mine:
        queue(services).enqueue(
            "bot.dashboard.statuses.count_job", day, mine, result_ttl=600, failure_ttl=24 * 3600
        )


def count_job(day: str, districts: list[str]) -> int:
    """RQ job: count these districts' children for the dashboard; returns how many."""
    services = current_services()
    today = dt.date.fromisoformat(day)
    children = 0
    for district in districts:
        try:
            children += _count_and_store(services, district or None, today).children
        finally:
            services.redis.delete(LOCK.format(day=day, district=district))
    log.info("dashboard: counted %d children in %d districts", children, len(districts))
    return children
