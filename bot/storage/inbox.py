"""The inbox: every message received is written down in a short transaction of its own
before the flows run, so that a message whose handling fails (write conflicts, a busy
database, a bug) is never lost: it stays "new" and the sweep's inbox job handles it later.

A webhook that cannot write even its inbox row (the database held by another program
beyond DB_BUSY_TIMEOUT_MS) keeps what it received in Redis instead (:func:`defer`) and
answers at once; the inbox job writes it down later. Redis only carries it meanwhile.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from bot.storage.clients import Clients
from bot.storage.db import DatabaseBusy, conflict_insert
from bot.storage.fastsql import execute, rowcount
from bot.storage.models.inbox import InboxMessage
from scheduler import clock

log = logging.getLogger(__name__)

INBOX = InboxMessage.__table__
DEFERRED = "tika:deferred"  # a Redis list of webhooks not yet written down, as JSON
PENDING_AFTER = dt.timedelta(seconds=30)  # a new message this old was not handled in time
MAX_ATTEMPTS = 5

_MARK = (
    update(INBOX)
    .where(INBOX.c.id == bindparam("iid"), INBOX.c.status == "new")
    .values(status=bindparam("status"), handled_at=bindparam("at"), phone="", body="")
)
_BY_SID = select(INBOX.c.id, INBOX.c.status).where(INBOX.c.provider_sid == bindparam("sid"))


@cache
def _add(dialect_name: str):
    return (
        conflict_insert(dialect_name, INBOX)
        .on_conflict_do_nothing(index_elements=["provider_sid"])
        .returning(INBOX.c.id)
    )


@dataclass(frozen=True)
class Recorded:
    """A message's inbox row; ``replayed``: the provider sent it before (``handled`` says
    whether it was handled then)."""

    id: int
    replayed: bool = False
    handled: bool = False


def record(
    services: Clients,
    phone: str,
    body: str,
    channel: str,
    provider_sid: str | None,
    received_at: dt.datetime | None = None,
) -> Recorded:
    """Write a message down as "new" (its own transaction); a replay is recognised by its
    provider id. Raises DatabaseBusy when the database stays busy."""
    values = {
        "provider_sid": provider_sid,
        "phone": phone,
        "body": body,
        "channel": channel,
        "status": "new",
        "attempts": 0,
        "received_at": received_at or clock.now(),
        "handled_at": None,
    }
    with services.db.writing() as conn:
        added = execute(conn, _add(conn.dialect.name), values)
        if added:
            return Recorded(added[0][0])
        inbox_id, status = execute(conn, _BY_SID, {"sid": provider_sid})[0]
    return Recorded(inbox_id, replayed=True, handled=status != "new")


def mark(conn: Connection, inbox_id: int, status: str = "handled") -> bool:
    """Mark a new message handled (its phone and text cleared: the message log has them);
    False if it was handled already (by another request for the same message)."""
    return bool(rowcount(conn, _MARK, {"iid": inbox_id, "status": status, "at": clock.now()}))


def new_message(services: Clients, inbox_id: int) -> Any | None:
    """Message ``inbox_id`` if it is still new (not handled, not set aside), else None."""
    with services.db.reading() as conn:
        return conn.execute(
            select(INBOX).where(INBOX.c.id == inbox_id, INBOX.c.status == "new")
        ).first()


def pending(services: Clients, now: dt.datetime, limit: int = 100) -> list[Any]:
    """New messages received more than PENDING_AFTER ago, oldest first."""
    with services.db.reading() as conn:
        return conn.execute(
            select(INBOX)
            .where(
                INBOX.c.status == "new",
                INBOX.c.received_at <= now - PENDING_AFTER,
                INBOX.c.attempts < MAX_ATTEMPTS,
            )
            .order_by(INBOX.c.received_at)
            .limit(limit)
        ).all()


def count_attempt(services: Clients, inbox_id: int) -> int:
    """Count one more try at handling a message; the tries so far."""
    with services.db.writing() as conn:
        conn.execute(
            update(INBOX).where(INBOX.c.id == inbox_id).values(attempts=INBOX.c.attempts + 1)
        )
        return conn.scalar(select(INBOX.c.attempts).where(INBOX.c.id == inbox_id))


def give_up(services: Clients, inbox_id: int) -> None:
    """A message that failed MAX_ATTEMPTS times is set aside ("failed", kept for a look)."""
    with services.db.writing() as conn:
        conn.execute(
            update(INBOX)
            .where(INBOX.c.id == inbox_id, INBOX.c.status == "new")
            .values(status="failed", handled_at=clock.now())
        )


# ---- webhooks kept in Redis while the database is busy ------------------------------------


def defer(services: Clients, kind: str, report: dict[str, Any]) -> None:
    """Keep a webhook that could not be written down (``kind``: "sms", "sms-status",
    "missed-call", "call-status"; ``report``: what it said, as the function that writes
    it down takes it) for the inbox job. Raises if Redis is down too."""
    entry = {"kind": kind, "at": clock.now().isoformat(), "report": report}
    services.redis.rpush(DEFERRED, json.dumps(entry))
    log.warning("database busy: %s webhook kept in Redis for later", kind)


def keep_if_busy(clients: Clients, kind: str, write: Callable[..., object], **report: Any) -> None:
    """What a webhook does with what it heard: ``write(clients, **report)`` now, or, when
    the database stays busy, keep ``report`` in Redis for the inbox job, which writes it
    down later with the writer it knows for ``kind``."""
    try:
        write(clients, **report)
    except DatabaseBusy:
        defer(clients, kind, report)


def deferred_count(services: Clients) -> int:
    return int(services.redis.llen(DEFERRED))


def next_deferred(services: Clients) -> dict[str, Any] | None:
    """The oldest webhook kept in Redis, left there until :func:`done_deferred`."""
    raw = services.redis.lindex(DEFERRED, 0)
    return json.loads(raw) if raw is not None else None


def done_deferred(services: Clients) -> None:
    """The oldest kept webhook is written down: drop it from Redis."""
    services.redis.lpop(DEFERRED)
