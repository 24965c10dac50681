"""Community broadcasts: create, preview, schedule, send, cancel, and see how they went.

Starting a broadcast selects its recipients into the database in one statement and
queues jobs, each for a range of recipients; a job claims its range, sends through the
shared outbox (rate limit, retries, settling after a crash) and records each outcome.
The sweep starts scheduled broadcasts and queues again whatever no job finished.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from rq import Queue
from sqlalchemy import Connection, bindparam, func, insert, select, update

from bot.broadcasts.audience import (
    Audience,
    BroadcastError,
    language_names,
    printable,
)
from bot.channels import bulk
from bot.channels.dlt import load_registry, templates_file
from bot.services import Services
from bot.storage.models.campaigns import Broadcast, BroadcastRecipient
from bot.storage.models.core import Caregiver, Child, MessageLog, Reminder
from flows.sms_templates import ANNOUNCEMENTS
from locales import DEFAULT_LANGUAGE, LANGUAGES, N_, Text
from locales.segments import encoding, segment_count
from scheduler import clock
from scheduler.reminders import INDIA

log = logging.getLogger(__name__)

CAREGIVER, CHILD, REMINDER = Caregiver.__table__, Child.__table__, Reminder.__table__
BROADCAST, RECIPIENT, MESSAGE = (
    Broadcast.__table__,
    BroadcastRecipient.__table__,
    MessageLog.__table__,
)
MAX_TEXT_SEGMENTS = 3
MAX_NAME = 120  # characters


STATUS_NAMES = {
    "draft": N_("draft"),
    "scheduled": N_("scheduled"),
    "sending": N_("sending"),
    "done": N_("done"),
    "cancelled": N_("cancelled"),
}
NO_NAME = N_("A broadcast needs a name.")
NAME_TOO_LONG = N_("A broadcast's name has at most %(limit)s characters.")
MISSING_TEXT = N_("A text is needed in every language. Missing: %(languages)s")
NO_SUCH_LANGUAGE = N_("Not a language we send in: %(languages)s")
TOO_LONG = N_("The %(language)s text is %(segments)s SMS segments long; at most %(limit)s.")
ANNOUNCEMENT_KEYS = {entry.key for entry in ANNOUNCEMENTS}
NOT_A_TEMPLATE = N_(
    "The %(language)s text must fill an approved DLT announcement template, "
    "each blank at most 30 characters, e.g.: %(example)s"
)
CANNOT_SEND = N_("Broadcast %(id)s is %(status)s: only a draft or a scheduled one can be sent.")
ALREADY_OVER = N_("Broadcast %(id)s is already %(status)s.")


class NoBroadcast(LookupError):
    """There is no broadcast with this id."""

    def __init__(self, broadcast_id: int) -> None:
        self.broadcast_id = broadcast_id
        super().__init__(f"no broadcast {broadcast_id}")


# ---- creating, previewing, scheduling, cancelling ------------------------------------------


def create(
    services: Services, name: str, texts: dict[str, str], audience: Audience, created_by: str
) -> int:
    """A new broadcast (a draft); every shipped language needs its text."""
    name = printable(name, "name").strip()
    if not name:
        raise BroadcastError(NO_NAME)
    if len(name) > MAX_NAME:
        raise BroadcastError(NAME_TOO_LONG, limit=MAX_NAME)
    missing = [lang for lang in LANGUAGES if not (texts.get(lang) or "").strip()]
    if missing:
        raise BroadcastError(MISSING_TEXT, languages=language_names(missing))
    extra = set(texts) - set(LANGUAGES)
    if extra:
        raise BroadcastError(NO_SUCH_LANGUAGE, languages=", ".join(sorted(extra)))
    for lang, text in texts.items():
        segments = segment_count(printable(text, f"texts.{lang}"))
        if segments > MAX_TEXT_SEGMENTS:
            raise BroadcastError(
                TOO_LONG,
                language=language_names([lang]),
                segments=segments,
                limit=MAX_TEXT_SEGMENTS,
            )
    if services.config["DLT_ENTITY_ID"]:
        _fills_an_announcement(services, texts)
    with services.db.writing() as conn:
        audience.check(conn)
        return conn.execute(
            insert(BROADCAST)
            .values(
                name=name,
                kind="community",
                texts={k: v.strip() for k, v in texts.items()},
                audience=audience.to_dict(),
                status="draft",
                recipients=0,
                created_by=created_by,
                created_at=clock.now(),
            )
            .returning(BROADCAST.c.id)
        ).scalar_one()


def announcement_templates(services: Services, lang: str) -> list[str]:
    """The approved DLT announcement templates in ``lang``, as the portal registered them
    ({#var#} for each blank): what a broadcast's text must fill when DLT is on."""
    registry = load_registry(templates_file(services.config))
    return [
        t.content
        for t in registry.templates
        if t.lang == lang and t.key in ANNOUNCEMENT_KEYS and t.approved
    ]


def _fills_an_announcement(services: Services, texts: dict[str, str]) -> None:
    """With DLT on, each text must fill an approved announcement template (operators drop
    anything else): refused with the template to fill, as the portal registered it."""
    registry = load_registry(templates_file(services.config))
    for lang, text in texts.items():
        found = registry.match(text.strip(), lang)
        if found is None or not found.approved or found.template.key not in ANNOUNCEMENT_KEYS:
            example = next(iter(announcement_templates(services, lang)), "")
            raise BroadcastError(NOT_A_TEMPLATE, language=language_names([lang]), example=example)


def _status(status: str) -> Text | str:
    return Text(STATUS_NAMES[status]) if status in STATUS_NAMES else status


def get(conn: Connection, broadcast_id: int):
    row = conn.execute(select(BROADCAST).where(BROADCAST.c.id == broadcast_id)).first()
    if row is None:
        raise NoBroadcast(broadcast_id)
    return row


def recipients(services: Services, conn: Connection, audience: Audience) -> dict[str, int]:
    """How many caregivers ``audience`` reaches now, by language: whom starting a
    broadcast to it now would select."""
    language = func.coalesce(CAREGIVER.c.language, DEFAULT_LANGUAGE)
    where = audience.where(conn, _today(), services.schedule)
    return dict(conn.execute(select(language, func.count()).where(where).group_by(language)).all())


def costing(services: Services, texts: dict[str, str], counts: dict[str, int]) -> dict:
    """The SMS segments of each text, the messages (segments) sent to ``counts`` recipients
    by language, and their cost in rupees at SMS_PRICE_PER_SEGMENT."""
    segments = {lang: segment_count(text.strip()) for lang, text in texts.items()}
    messages = sum(
        n * segments.get(lang, segments.get(DEFAULT_LANGUAGE, 1)) for lang, n in counts.items()
    )
    price = services.config["SMS_PRICE_PER_SEGMENT"]
    return {
        "recipients": sum(counts.values()),
        "segments": segments,
        "messages": messages,
        "price_per_segment": price,
        "cost": round(messages * price, 2),
    }


def preview(services: Services, broadcast_id: int) -> dict:
    """Each language's text, its SMS segments, how many caregivers would get it now, and
    the messages and their cost: what starting it now would send."""
    with services.db.reading() as conn:
        row = get(conn, broadcast_id)
        counts = recipients(services, conn, Audience.from_dict(row.audience))
    costs = costing(services, row.texts, counts)
    languages = {
        lang: {
            "text": text,
            "segments": costs["segments"][lang],
            "encoding": encoding(text),
            "recipients": counts.get(lang, 0),
        }
        for lang, text in row.texts.items()
    }
    return {
        "id": broadcast_id,
        "name": row.name,
        "status": row.status,
        "recipients": costs["recipients"],
        "messages": costs["messages"],
        "cost": costs["cost"],
        "languages": languages,
    }


def schedule(services: Services, broadcast_id: int, at: dt.datetime | None) -> str:
    """Send now (``at`` None or past: the sweep starts it within a minute) or at ``at``."""
    with services.db.writing() as conn:
        row = get(conn, broadcast_id)
        if row.status not in ("draft", "scheduled"):
            raise BroadcastError(CANNOT_SEND, id=broadcast_id, status=_status(row.status))
        conn.execute(
            update(BROADCAST)
            .where(BROADCAST.c.id == broadcast_id)
            .values(status="scheduled", send_at=at or clock.now())
        )
    return "scheduled"


def cancel(services: Services, broadcast_id: int) -> int:
    """Stop a broadcast: nothing more goes out. Returns how many recipients it spared."""
    with services.db.writing() as conn:
        row = get(conn, broadcast_id)
        if row.status in ("done", "cancelled"):
            raise BroadcastError(ALREADY_OVER, id=broadcast_id, status=_status(row.status))
        conn.execute(
            update(BROADCAST)
            .where(BROADCAST.c.id == broadcast_id)
            .values(status="cancelled", finished_at=clock.now())
        )
        return conn.execute(
            update(RECIPIENT)
            .where(
                RECIPIENT.c.broadcast_id == broadcast_id,
                RECIPIENT.c.status.in_(("queued", "claimed")),
            )
            .values(status="cancelled")
        ).rowcount


def stats(services: Services, broadcast_id: int) -> dict:
    """Recipients by state, and messages by what the network reported."""
    with services.db.reading() as conn:
        row = get(conn, broadcast_id)
        recipients = dict(
            conn.execute(
                select(RECIPIENT.c.status, func.count())
                .where(RECIPIENT.c.broadcast_id == broadcast_id)
                .group_by(RECIPIENT.c.status)
            ).all()
        )
        delivery = dict(
            conn.execute(
                select(MESSAGE.c.status, func.count())
                .select_from(RECIPIENT.join(MESSAGE, MESSAGE.c.id == RECIPIENT.c.message_id))
                .where(RECIPIENT.c.broadcast_id == broadcast_id)
                .group_by(MESSAGE.c.status)
            ).all()
        )
    return {
        "id": broadcast_id,
        "name": row.name,
        "status": row.status,
        "send_at": row.send_at.isoformat() if row.send_at else None,
        "recipients": row.recipients,
        "by_status": recipients,
        "delivery": delivery,
    }


def _today() -> dt.date:
    return clock.now().astimezone(INDIA).date()


# ---- sending (through bot.channels.bulk) ---------------------------------------------------


def start(
    services: Services,
    broadcast_id: int,
    queue: Queue,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Select a scheduled broadcast's recipients and queue their jobs; returns how many."""
    now = clock.now()
    with services.db.reading() as conn:  # where children stand: worked out before writing
        row = get(conn, broadcast_id)
        if row.status != "scheduled":
            return 0
        audience = Audience.from_dict(row.audience)
        where = audience.where(conn, now.astimezone(INDIA).date(), services.schedule)
    with services.db.writing() as conn:
        if get(conn, broadcast_id).status != "scheduled":
            return 0
        language = func.coalesce(CAREGIVER.c.language, DEFAULT_LANGUAGE)
        chosen = select(
            bindparam("bid", broadcast_id), CAREGIVER.c.id, language, bindparam("queued", "queued")
        ).where(where)
        conn.execute(
            insert(RECIPIENT).from_select(
                ["broadcast_id", "caregiver_id", "language", "status"], chosen
            )
        )
        # Counted, not taken from the driver: not every driver reports INSERT ... SELECT rows.
        count = conn.scalar(select(func.count()).where(RECIPIENT.c.broadcast_id == broadcast_id))
        conn.execute(
            update(BROADCAST)
            .where(BROADCAST.c.id == broadcast_id)
            .values(
                status="sending" if count else "done",
                recipients=count,
                enqueued_at=now,
                finished_at=None if count else now,
            )
        )
    log.info("broadcast %s: %d recipients", broadcast_id, count)
    bulk.enqueue_ranges(services, broadcast_id, queue, now, progress)
    return count


def resume(services: Services, now: dt.datetime, queue: Queue) -> None:
    """The sweep's part: start broadcasts whose time has come; queue again what no job
    finished within a claim's time; close broadcasts with nobody left to send to."""
    if not bulk.in_window(services, now):
        return
    lease = dt.timedelta(seconds=services.config["CLAIM_SECONDS"])
    with services.db.reading() as conn:
        due = conn.scalars(
            select(BROADCAST.c.id).where(
                BROADCAST.c.status == "scheduled", BROADCAST.c.send_at <= now
            )
        ).all()
        stalled = conn.scalars(
            select(BROADCAST.c.id).where(
                BROADCAST.c.status == "sending", BROADCAST.c.enqueued_at <= now - lease
            )
        ).all()
    for broadcast_id in due:
        start(services, broadcast_id, queue)
    bulk.requeue(services, stalled, queue, now)


def listing(
    services: Services, shown: Callable[[dict], bool] = lambda audience: True
) -> list[dict]:
    """Every broadcast (whose audience is ``shown``), newest first, with its status and
    recipients: those selected once started, before that those the preview counts now."""
    found = []
    with services.db.reading() as conn:
        rows = conn.execute(
            select(
                BROADCAST.c.id,
                BROADCAST.c.name,
                BROADCAST.c.status,
                BROADCAST.c.send_at,
                BROADCAST.c.recipients,
                BROADCAST.c.created_by,
                BROADCAST.c.audience,
            ).order_by(BROADCAST.c.id.desc())
        ).all()
        for r in rows:
            audience = r.audience or {}
            if not shown(audience):
                continue
            count = r.recipients
            if r.status in ("draft", "scheduled"):
                try:
                    count = sum(recipients(services, conn, Audience.from_dict(audience)).values())
                except BroadcastError:  # a block since removed from the list, say
                    count = None
            found.append(
                {
                    "id": r.id,
                    "name": r.name,
                    "status": r.status,
                    "recipients": count,
                    "send_at": r.send_at.isoformat() if r.send_at else None,
                    "created_by": r.created_by,
                    "audience": audience,
                }
            )
    return found
