"""Voice calls in the database: missed calls in, claims, call outcomes, and the sweep.

The database is the source of truth; Redis only carries the jobs that act on it. A
missed call opens a call-back row due at once (or counts into the open one) and queues
a job; if the job is lost, the sweep (every minute) claims the row again. A claim lasts
VOICE_CLAIM_SECONDS. A call's outcome arrives by its status callback, or the sweep asks
the gateway about a call never reported; an unanswered call is tried again after the
waits of VOICE_RETRY_MINUTES, then its SMS is sent instead.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from functools import cache

from rq import Queue
from sqlalchemy import Connection, and_, select, text, update

from bot.services import Services
from bot.storage import store
from bot.storage.db import conflict_insert
from bot.storage.models.core import Caregiver, MessageLog, Reminder
from bot.storage.models.voice import OPEN, VoiceCall
from bot.storage.new_calls import CHUNK, JOB, enqueue, new_call
from bot.storage.privacy import mask_phone
from bot.voice.limits import CallSlots
from flows import voice_sms
from locales import Text, normalise_language, render_sms
from scheduler import clock

log = logging.getLogger(__name__)

CALL = VoiceCall.__table__
CAREGIVER = Caregiver.__table__
MESSAGE = MessageLog.__table__
REMINDER = Reminder.__table__

UNANSWERED = {"no-answer", "busy", "failed", "canceled"}
FINAL = UNANSWERED | {"completed"}
# A call's statuses in the order they happen: a late report never undoes a later one.
CALL_STATUS_ORDER = {
    "dialing": 0,
    "queued": 1,
    "initiated": 1,
    "ringing": 2,
    "in-progress": 3,
    **dict.fromkeys(FINAL, 4),
}


def retry_waits(config: dict) -> list[dt.timedelta]:
    """The waits between an unanswered call and the next (VOICE_RETRY_MINUTES)."""
    minutes = [m.strip() for m in str(config["VOICE_RETRY_MINUTES"]).split(",") if m.strip()]
    return [dt.timedelta(minutes=float(m)) for m in minutes]


# ---- missed calls ----------------------------------------------------------------------


@cache
def _open_callback(dialect_name: str):
    return (
        conflict_insert(dialect_name, CALL)
        .on_conflict_do_nothing(
            index_elements=["phone"], index_where=text("purpose = 'callback' AND closed_at IS NULL")
        )
        .returning(CALL.c.id)
    )


def record_missed_call(services: Services, phone: str, call_sid: str) -> int | None:
    """Open a call-back to ``phone`` due now, or count the ring into the one already open.

    The missed call is logged under its CallSid first: the same webhook again (a replay,
    even after the caller was erased) is recognised and opens nothing (None). A job is
    queued for a new call-back, or for one waiting to try again (the caller is there
    now); the sweep finds it anyway if the job is lost.
    """
    now = clock.now()
    with services.db.writing() as conn:
        caregiver_id = conn.scalar(select(CAREGIVER.c.id).where(CAREGIVER.c.phone == phone))
        logged = store.log_inbound(conn, caregiver_id, "voice", "", "missed call", call_sid)
        if logged is None:
            log.info("missed call %s again: no new call-back", call_sid)
            return None
        values = new_call("callback", phone, caregiver_id, "waiting", now)
        created = conn.execute(_open_callback(conn.dialect.name), {**values, "missed_calls": 1})
        call_id = created.scalar()
        hurry = call_id is not None
        if call_id is None:
            call_id, status, attempts = conn.execute(
                update(CALL)
                .where(CALL.c.phone == phone, CALL.c.purpose == "callback", _is_open())
                .values(missed_calls=CALL.c.missed_calls + 1, updated_at=now)
                .returning(CALL.c.id, CALL.c.status, CALL.c.attempts)
            ).one()
            if status == "waiting" and attempts > 0:  # between tries: call now instead
                conn.execute(update(CALL).where(CALL.c.id == call_id).values(due_at=now))
                hurry = True
    if hurry:
        enqueue(services, [call_id])
    log.info("missed call from %s: call-back %d", mask_phone(phone), call_id)
    return call_id


def _is_open():
    return CALL.c.status.in_(OPEN)


# ---- claims and the sweep -------------------------------------------------------------------


def claim(
    conn: Connection,
    now: dt.datetime,
    lease: dt.timedelta,
    token: str,
    ids: list[int] | None = None,
    batch: int = 1000,
) -> list[int]:
    """Claim open calls that are due (only ``ids``, if given) for ``lease``."""
    due = select(CALL.c.id).where(_is_open(), CALL.c.due_at <= now)
    if ids is not None:
        due = due.where(CALL.c.id.in_(ids))
    due = due.order_by(CALL.c.due_at).limit(batch).with_for_update(skip_locked=True)
    claimed = conn.execute(
        update(CALL)
        .where(CALL.c.id.in_(due.scalar_subquery()))
        .values(claim_token=token, due_at=now + lease)
        .returning(CALL.c.id)
    )
    return sorted(claimed.scalars())


def sweep_calls(services: Services, now: dt.datetime, enqueue_to: Queue | None = None) -> int:
    """Claim every voice call that needs attention at ``now`` and queue jobs for them."""
    token = uuid.uuid4().hex
    lease = dt.timedelta(seconds=services.config["VOICE_CLAIM_SECONDS"])
    with services.db.writing() as conn:
        ids = claim(conn, now, lease, token)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        if enqueue_to is not None:
            enqueue_to.enqueue(JOB, chunk, token)
        else:
            enqueue(services, chunk, token)
    if ids:
        log.info("voice sweep %s: claimed %d calls", token, len(ids))
    return len(ids)


# ---- outcomes -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Settled:
    """What a call's status changed: whether its SMS is now due, and whether it is over."""

    texting: bool = False
    final: bool = False


def record_call_status(
    services: Services, call_id: int, message_id: int, call_sid: str, status: str
) -> Settled:
    """A status of one placed call (from its status callback, or asked of the gateway)."""
    now = clock.now()
    with services.db.writing() as conn:
        current = conn.execute(
            select(MESSAGE.c.status, MESSAGE.c.provider_sid).where(MESSAGE.c.id == message_id)
        ).one_or_none()
        if current is not None:
            newer = CALL_STATUS_ORDER.get(status, 0) >= CALL_STATUS_ORDER.get(current[0], 0)
            conn.execute(
                update(MESSAGE)
                .where(MESSAGE.c.id == message_id)
                .values(
                    provider_sid=current[1] or call_sid,
                    status=status if newer else current[0],
                    updated_at=now,
                )
            )
        texting = settle(services, conn, call_id, message_id, status, now)
    return Settled(texting=texting, final=status in FINAL)


def apply_call_status(
    services: Services, call_id: int, attempt: int, sid: str, status: str
) -> Settled:
    """A call's status callback: recorded on its try (``attempt``: its message log row);
    a call that is over gives back its slot, and one whose SMS is now due gets a job."""
    settled = record_call_status(services, call_id, attempt, sid, status)
    if settled.final:
        config = services.config
        slots = CallSlots(
            services.redis, config["VOICE_MAX_CALLS"], config["VOICE_CALL_MAX_SECONDS"]
        )
        slots.give_back(call_id)
    if settled.texting:
        enqueue(services, [call_id])
    return settled


def settle(
    services: Services,
    conn: Connection,
    call_id: int,
    message_id: int | None,
    status: str,
    now: dt.datetime,
) -> bool:
    """Move the call on after ``status`` of its current try; True when its SMS is now due.

    Only the latest try of an open call counts: a report about an earlier one changes nothing.
    """
    row = conn.execute(
        select(CALL.c.status, CALL.c.attempts, CALL.c.purpose, CALL.c.phone, CALL.c.sms_body)
        .where(CALL.c.id == call_id, CALL.c.message_id == message_id)
        .with_for_update()
    ).one_or_none()
    if row is None or row.status not in ("dialing", "ringing"):
        return False
    live = and_(CALL.c.id == call_id, CALL.c.message_id == message_id)
    if status in ("in-progress", "completed"):
        answered(conn, call_id, now, live)
        return False
    if status not in UNANSWERED:
        if row.status == "dialing":
            ends = now + dt.timedelta(seconds=services.config["VOICE_CALL_MAX_SECONDS"])
            conn.execute(update(CALL).where(live).values(status="ringing", due_at=ends))
        return False
    waits = retry_waits(services.config)
    if row.attempts <= len(waits):
        due = now + waits[row.attempts - 1]
        conn.execute(
            update(CALL)
            .where(live)
            .values(status="waiting", due_at=due, claim_token=None, updated_at=now)
        )
        log.info("call %d unanswered (%s); trying again at %s", call_id, status, due.isoformat())
        return False
    body = row.sms_body or callback_sms(conn, row.phone, services.config)
    conn.execute(
        update(CALL)
        .where(live)
        .values(status="texting", due_at=now, claim_token=None, sms_body=body, updated_at=now)
    )
    log.info("call %d unanswered %d times: an SMS instead", call_id, row.attempts)
    return True


def callback_sms(conn: Connection, phone: str, config: dict) -> str:
    """How to register, in the caller's language if they ever chose one."""
    language = conn.scalar(select(CAREGIVER.c.language).where(CAREGIVER.c.phone == phone))
    lang = normalise_language(language or config["DEFAULT_LANGUAGE"])
    return render_sms(Text(voice_sms.CALLBACK_MISSED), lang)


def answered(conn: Connection, call_id: int, now: dt.datetime, where=None) -> None:
    """The call was answered: it is over, and the reminders it carried were heard."""
    reminder_ids = conn.scalar(
        update(CALL)
        .where(where if where is not None else CALL.c.id == call_id, _is_open())
        .values(status="answered", closed_at=now, claim_token=None, updated_at=now)
        .returning(CALL.c.reminder_ids)
    )
    if reminder_ids:
        set_reminders(conn, reminder_ids, "sent", sent_at=now)


def close(
    conn: Connection,
    call_id: int,
    status: str,
    now: dt.datetime,
    token: str | None = None,
    error_code: int | None = None,
    message_id: int | None = None,
) -> bool:
    """End a call as texted, failed or cancelled, with the reminders it carried."""
    where = and_(CALL.c.id == call_id, _is_open())
    if token is not None:
        where = and_(where, CALL.c.claim_token == token)
    reminder_ids = conn.execute(
        update(CALL)
        .where(where)
        .values(
            status=status,
            closed_at=now,
            claim_token=None,
            error_code=error_code,
            updated_at=now,
            **({"message_id": message_id} if message_id else {}),
        )
        .returning(CALL.c.reminder_ids)
    ).one_or_none()
    if reminder_ids is None:
        return False
    if reminder_ids[0]:
        outcome = {"texted": "sent", "failed": "failed"}.get(status, "cancelled")
        extra = {"sent_at": now} if outcome == "sent" else {"error_code": error_code}
        if message_id:
            extra["message_id"] = message_id
        set_reminders(conn, reminder_ids[0], outcome, **extra)
    return True


def set_reminders(conn: Connection, reminder_ids: list[int], status: str, **values) -> None:
    """Settle the reminders a call carried (only those still waiting on the call)."""
    conn.execute(
        update(REMINDER)
        .where(REMINDER.c.id.in_(reminder_ids), REMINDER.c.status == "calling")
        .values(status=status, **values)
    )
