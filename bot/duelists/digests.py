"""The weekly SMS digest for health workers: how many children are due at each session
day of the week in their area ("5 children due on Wednesday"); for a health worker who
registered families with REG and the mother's number, the children of those families who
are due this week by name instead ("Priya (..4321) Penta-2"), in one SMS of at most two
segments, the rest counted (:func:`flows.asha.families_digest`).

Each week's digests are a broadcast of kind "digest" whose recipients each have their
own text, so they are sent (once) by the broadcast machinery. A health worker's
``last_digest_week`` is set in the same transaction that queues theirs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter

from rq import Queue
from sqlalchemy import Select, exists, insert, or_, select, update

from bot.channels.bulk import BROADCAST, RECIPIENT, enqueue_ranges
from bot.duelists.lists import AreaFilter, due_list, due_list_where
from bot.services import Services
from bot.storage.models.campaigns import HealthWorker
from bot.storage.models.core import Caregiver
from flows.asha import FamilyChild, families_digest
from flows.digest_texts import DIGEST, DIGEST_DAY, DIGEST_NONE
from locales import DEFAULT_LANGUAGE, Text, format_date, render, render_sms
from scheduler import clock
from scheduler.calendars import parse_weekdays
from scheduler.reminders import INDIA

log = logging.getLogger(__name__)

CAREGIVER, WORKER = Caregiver.__table__, HealthWorker.__table__


def week_of(day: dt.date) -> dt.date:
    """The Monday of ``day``'s week."""
    return day - dt.timedelta(days=day.weekday())


def digest_text(area: str, counts: dict[dt.date, int], lang: str) -> str:
    """One health worker's digest, in ``lang``."""
    if not counts:
        return render_sms(Text(DIGEST_NONE, area=area), lang)
    # Each day short ("Wed 12: 5"), so that most weeks fit one 30-character DLT variable;
    # the days that do not are counted ("+2").
    days = [
        render(Text(DIGEST_DAY, day=format_date(day, lang, "EEE d"), count=count), lang)
        for day, count in sorted(counts.items())
    ]
    return render_sms(Text(DIGEST, area=area, days=days), lang)


def due_now(services: Services, now: dt.datetime) -> bool:
    """Whether the weekly digest's time has come (DIGEST_DAY from DIGEST_HOUR, India time)."""
    local = now.astimezone(INDIA)
    [weekday] = parse_weekdays(services.config["DIGEST_DAY"])
    return local.weekday() == weekday and local.hour >= services.config["DIGEST_HOUR"]


def _waiting_workers(week: dt.date) -> Select:
    """Active health workers still without ``week``'s digest, and their language.

    The caregivers' table is only looked into, one worker at a time: as a join, SQLite
    may read every caregiver registered to find the few who are health workers, and the
    sweep asks this every minute of digest day.
    """
    theirs = CAREGIVER.c.id == WORKER.c.caregiver_id
    return select(
        WORKER.c.id,
        WORKER.c.caregiver_id,
        WORKER.c.district,
        WORKER.c.pincodes,
        select(CAREGIVER.c.language).where(theirs).scalar_subquery(),
    ).where(
        WORKER.c.active.is_(True),
        or_(WORKER.c.last_digest_week.is_(None), WORKER.c.last_digest_week < week),
        exists().where(
            theirs, CAREGIVER.c.opted_out.is_(False), CAREGIVER.c.unreachable.is_(False)
        ),
    )


def send_weekly(services: Services, now: dt.datetime, queue: Queue) -> int:
    """Queue this week's digest for every active health worker who has not had it yet."""
    today = now.astimezone(INDIA).date()
    week = week_of(today)
    with services.db.reading() as conn:
        workers = conn.execute(_waiting_workers(week)).all()
        bodies = {}
        for worker_id, caregiver_id, district, pincodes, language in workers:
            lang = language or DEFAULT_LANGUAGE
            week_days = (today, today + dt.timedelta(days=6))
            rules, ri_days = services.schedule, services.config["RI_DAYS"]
            mine = CAREGIVER.c.registered_by_id == caregiver_id  # the families she registered
            families = due_list_where(conn, mine, *week_days, rules, ri_days)
            if families:
                children = [
                    FamilyChild(entry.person.name, entry.person.phone, entry.codes)
                    for entry in families
                ]
                bodies[worker_id] = (caregiver_id, lang, families_digest(children, lang))
                continue
            pins = frozenset(pincodes.split())
            label = district.title() if district else "PIN " + ", ".join(sorted(pins))
            area = AreaFilter(district=district, pincodes=pins, label=label)
            entries = due_list(conn, area, *week_days, rules, ri_days)
            counts = Counter(entry.session_day for entry in entries)
            bodies[worker_id] = (caregiver_id, lang, digest_text(label, counts, lang))
    if not bodies:
        return 0
    with services.db.writing() as conn:
        broadcast_id = conn.execute(
            insert(BROADCAST)
            .values(
                name=f"Weekly due-list digest, week of {week.isoformat()}",
                kind="digest",
                texts={},
                audience={},
                status="sending",
                recipients=len(bodies),
                created_by="digest",
                created_at=clock.now(),
                send_at=now,
                enqueued_at=now,
            )
            .returning(BROADCAST.c.id)
        ).scalar_one()
        conn.execute(
            insert(RECIPIENT),
            [
                {
                    "broadcast_id": broadcast_id,
                    "caregiver_id": caregiver_id,
                    "language": lang,
                    "body": body,
                    "status": "queued",
                }
                for caregiver_id, lang, body in bodies.values()
            ],
        )
        conn.execute(
            update(WORKER).where(WORKER.c.id.in_(list(bodies))).values(last_digest_week=week)
        )
    log.info("weekly digest: %d health workers", len(bodies))
    enqueue_ranges(services, broadcast_id, queue, now)
    return len(bodies)
