"""Scheduler alerts: one failing campaign, child or reminder is written down, counted and
shown to officers, and the sweep goes on with the rest.

A :class:`Guard` runs one piece of a sweep; if it raises, the error is logged with the
subject's id, recorded (in a transaction of its own, so that it survives the failed
one) and swallowed. :func:`recent` is what the dashboard shows.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import or_, select

from bot.storage.clients import Clients
from bot.storage.db import conflict_insert
from bot.storage.models.alerts import SchedulerAlert
from bot.storage.privacy import mask_phone
from scheduler import clock

log = logging.getLogger(__name__)
ALERT = SchedulerAlert.__table__
_PHONE = re.compile(r"\+?\d(?: ?\d){9,}")  # ten digits or more, maybe spaced: a phone
T = TypeVar("T")


@dataclass(frozen=True)
class Alert:
    """An alert as the dashboard shows it."""

    source: str
    subject: str
    district: str | None
    error: str
    count: int
    first_seen: dt.datetime
    last_seen: dt.datetime


def describe(error: BaseException) -> str:
    """An error in one line, any phone number in it masked, short enough to store."""
    text = (
        f"{type(error).__name__}: {error}".splitlines()[0] if str(error) else type(error).__name__
    )
    return _PHONE.sub(lambda m: mask_phone(m.group().replace(" ", "")), text)[:300]


def record(
    services: Clients, source: str, subject: object, error: BaseException, district=None
) -> None:
    """Write down (or count again) that ``subject`` of ``source`` failed with ``error``."""
    now = clock.now()
    values = {
        "source": source,
        "subject": str(subject)[:64],
        "district": district,
        "error": describe(error),
        "count": 1,
        "first_seen": now,
        "last_seen": now,
    }
    statement = conflict_insert(services.db.engine.dialect.name, ALERT).values(values)
    statement = statement.on_conflict_do_update(
        index_elements=["source", "subject", "error"],
        set_={"count": ALERT.c.count + 1, "last_seen": now, "district": district},
    )
    with services.db.writing() as conn:
        conn.execute(statement)


class Guard:
    """Runs the pieces of one sweep: a piece that fails is logged with its subject's id,
    recorded as an alert and counted (``failures``), and the sweep goes on."""

    def __init__(self, services: Clients) -> None:
        self.services = services
        self.failures = 0

    def run(
        self, source: str, subject: object, work: Callable[[], T], district: str | None = None
    ) -> T | None:
        """``work()``, or None when it failed (and was written down)."""
        try:
            return work()
        except Exception as error:
            log.exception("%s %s failed; the sweep goes on", source, subject)
            self.failed(source, subject, error, district)
            return None

    def failed(
        self, source: str, subject: object, error: BaseException, district: str | None = None
    ) -> None:
        """Count and record a failure caught elsewhere (outside any write transaction)."""
        self.failures += 1
        try:
            record(self.services, source, subject, error, district)
        except Exception:  # the alert cannot be stored either: the log line must do
            log.exception("could not record the alert about %s %s", source, subject)


def recent(
    services: Clients, since: dt.datetime, districts: Iterable[str] | None = None
) -> list[Alert]:
    """Alerts seen since ``since``, newest first: all of them, or (``districts``) those of
    these districts and those of no district."""
    query = select(ALERT).where(ALERT.c.last_seen >= since).order_by(ALERT.c.last_seen.desc())
    if districts is not None:
        query = query.where(
            or_(ALERT.c.district.is_(None), ALERT.c.district.in_(sorted(districts)))
        )
    with services.db.reading() as conn:
        rows = conn.execute(query.limit(50)).all()
    return [
        Alert(r.source, r.subject, r.district, r.error, r.count, r.first_seen, r.last_seen)
        for r in rows
    ]
