"""The inbox job: write down the webhooks Redis kept while the database was busy, and
handle the messages still new in the inbox, texting their replies.

The sweep queues it (at most one a minute) when there is something to do. Every step is
safe to repeat: kept webhooks are written down by their provider ids (a second copy is
recognised), and a message is marked handled in the transaction that handles it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging

from redis.exceptions import LockError
from redis.lock import Lock
from rq import Queue

from bot.channels.receipts import record_delivery
from bot.conversation.replies import text_replies
from bot.conversation.shell import Inbound, handle_recorded
from bot.services import Services, current_services
from bot.storage import inbox
from bot.storage.alerts import Guard
from bot.storage.db import DatabaseBusy
from bot.voice.calls import apply_call_status, record_missed_call
from scheduler import clock

log = logging.getLogger(__name__)

JOB = "bot.inbox_jobs.work"
WRITER_LOCK = "tika:deferred:writer"
WRITER_LOCK_SECONDS = 60  # renewed at every entry; one entry waits DB_BUSY_TIMEOUT_MS at most


def enqueue_if_needed(services: Services, now: dt.datetime, target: Queue) -> bool:
    """Queue the inbox job when webhooks wait in Redis or messages in the inbox (the
    sweep's part); one job a minute at most."""
    if not (inbox.deferred_count(services) or inbox.pending(services, now, limit=1)):
        return False
    minute = now.strftime("%Y%m%d%H%M")
    target.enqueue(JOB, job_id=f"inbox-{minute}", result_ttl=3600, failure_ttl=24 * 3600)
    return True


def work() -> dict[str, int]:
    """RQ job: write down what Redis kept, then handle the inbox's waiting messages."""
    services = current_services()
    written = write_down_deferred(services)
    handled = handle_pending(services, clock.now())
    return {"written": written, "handled": handled}


def write_down_deferred(services: Services) -> int:
    """Write every webhook Redis kept into the database, oldest first; stop (leaving the
    rest) if the database is still busy. Returns how many were written.

    One job at a time does it (a Redis lock, renewed as it goes): another job finds the
    lock taken and leaves the list to the one writing it down."""
    writer = services.redis.lock(WRITER_LOCK, timeout=WRITER_LOCK_SECONDS)
    if not writer.acquire(blocking=False):
        return 0
    try:
        return _write_down(services, writer)
    finally:
        with contextlib.suppress(LockError):  # it expired: nobody else's lock is let go
            writer.release()


def _write_down(services: Services, writer: Lock) -> int:
    written = 0
    guard = Guard(services)
    while (entry := inbox.next_deferred(services)) is not None:
        writer.reacquire()
        try:
            _write(services, entry)
        except DatabaseBusy:
            log.warning(
                "database still busy: %d webhooks wait in Redis", inbox.deferred_count(services)
            )
            break
        except Exception as error:  # a bad entry must not hold up the others
            guard.failed("deferred", entry.get("kind", "?"), error)
        inbox.done_deferred(services)
        written += 1
    return written


def _record_sms(services: Services, phone: str, body: str, sid: str, received_at: str) -> None:
    inbox.record(services, phone, body, "sms", sid, dt.datetime.fromisoformat(received_at))


# What writes each kind of kept webhook down (for SMS, into the inbox, to be handled next).
WRITERS = {
    "sms": _record_sms,
    "sms-status": record_delivery,
    "missed-call": record_missed_call,
    "call-status": apply_call_status,
}


def _write(services: Services, entry: dict) -> None:
    if entry["kind"] not in WRITERS:
        raise ValueError(f"unknown kind of kept webhook {entry['kind']!r}")
    WRITERS[entry["kind"]](services, **entry["report"])


def handle_pending(services: Services, now: dt.datetime) -> int:
    """Handle the messages new in the inbox since before PENDING_AFTER, texting their
    replies; a message that fails MAX_ATTEMPTS times is set aside with an alert."""
    guard = Guard(services)
    handled = 0
    for row in inbox.pending(services, now):
        attempts = inbox.count_attempt(services, row.id)
        if not row.phone:  # its sender was erased meanwhile
            inbox.give_up(services, row.id)
            continue
        message = Inbound(row.phone, row.body, row.channel, row.provider_sid)
        texted = row.channel == "sms"
        replies = guard.run(
            "inbox",
            row.id,
            lambda m=message, i=row.id, t=texted: handle_recorded(services, m, i, not t),
        )
        if replies is None:
            if attempts >= inbox.MAX_ATTEMPTS:
                inbox.give_up(services, row.id)
                guard.failed("inbox", row.id, RuntimeError("not handled after 5 tries"))
            continue
        handled += 1
        if texted and replies:
            text_replies(services, [(row.phone, replies)])
    return handled
