"""Children by status, and on-time coverage per vaccine, from the schedule engine.

Each child registered on the UIP schedule is forecast on their reported doses (as the
due lists read them: never the reminder pipeline's assumed doses) and counted once:

- left-out: no dose reported, and a dose overdue;
- drop-out: a series started (a dose given) with a later dose of it overdue;
- overdue: any other child with a dose overdue;
- due: a dose can be given now, none overdue;
- on time: nothing due or overdue.

A dose counts towards coverage once it was given, or once it is overdue or missed; it
was given on time when given before the day it would have become overdue.

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

from sqlalchemy import Connection

from bot.services import Services, current_services
from bot.storage.clients import queue
from bot.storage.people import CAREGIVER, people_in
from scheduler import Area, Schedule, ScheduleError, forecast
from scheduler.duelist import Person, _dropped_out
from scheduler.results import DUE, GIVEN, MISSED, OVERDUE

log = logging.getLogger(__name__)

CATEGORIES = ("on_time", "due", "overdue", "left_out", "drop_out")
KEY = "tika:dashboard:statuses:{day}"
LOCK = "tika:dashboard:counting:{day}:{district}"
LOCK_SECONDS = 600


@dataclass
class Tally:
    """Children per status, and per dose code [counted, given, given on time]."""

    statuses: Counter[str] = field(default_factory=Counter)
    coverage: dict[str, list[int]] = field(default_factory=dict)

    @property
    def children(self) -> int:
        return sum(self.statuses.values())

    def add(self, other: Tally) -> None:
        self.statuses.update(other.statuses)
        for code, numbers in other.coverage.items():
            mine = self.coverage.setdefault(code, [0, 0, 0])
            for i, n in enumerate(numbers):
                mine[i] += n

    def to_json(self) -> dict:
        return {"statuses": dict(self.statuses), "coverage": self.coverage}

    @classmethod
    def from_json(cls, data: dict) -> Tally:
        return cls(Counter(data["statuses"]), {k: list(v) for k, v in data["coverage"].items()})


def _on_time_until(schedule: Schedule, code: str, birth_date: dt.date, due: dt.date) -> dt.date:
    """The day a dose due on ``due`` becomes overdue (the engine's rule)."""
    overdue_age = schedule.dose(code).overdue_age
    if overdue_age is not None and overdue_age.add_to(birth_date) > due:
        return overdue_age.add_to(birth_date)
    return schedule.overdue_after.add_to(due)


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
            on_time = d.due is None or d.given < _on_time_until(
                schedule, d.code, person.birth_date, d.due
            )
            doses.append((d.code, True, on_time))
        elif d.status in (OVERDUE, MISSED):
            doses.append((d.code, False, False))
    values = statuses.values()
    if OVERDUE in values:
        if not person.doses:
            category = "left_out"
        elif _dropped_out(schedule, statuses):
            category = "drop_out"
        else:
            category = "overdue"
    else:
        category = "due" if DUE in values else "on_time"
    return category, doses


def count_district(
    conn: Connection, schedule: Schedule, district: str | None, today: dt.date
) -> Tally:
    """The tally of one district's children (``None``: children with no district)."""
    where = CAREGIVER.c.district == district if district else CAREGIVER.c.district.is_(None)
    tally = Tally()
    seen: dict[tuple, tuple | None] = {}  # the same birth date and doses: the same answer
    for person in people_in(conn, where):
        key = (person.birth_date, person.doses, person.state)
        if key not in seen:
            seen[key] = classify(person, schedule, today)
        if (found := seen[key]) is None:
            continue
        category, doses = found
        tally.statuses[category] += 1
        for code, given, on_time in doses:
            numbers = tally.coverage.setdefault(code, [0, 0, 0])
            numbers[0] += 1
            numbers[1] += given
            numbers[2] += on_time
    return tally


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
