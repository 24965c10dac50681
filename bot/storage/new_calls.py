"""Opening voice calls: the row every call starts as, and queueing the job that places
them (``bot.voice.placing``). Missed calls, IVR notices and reminder calls all open
calls this way; the voice wing places, retries and settles them."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence

from rq import Retry
from sqlalchemy import Connection

from bot.storage.clients import Clients, queue
from bot.storage.models.voice import VoiceCall
from scheduler import clock

log = logging.getLogger(__name__)

CALL = VoiceCall.__table__
JOB = "bot.voice.placing.work_calls"  # the job that places calls
CHUNK = 50  # calls per job


def new_call(
    purpose: str, phone: str, caregiver_id: int | None, status: str, now: dt.datetime, **extra
) -> dict:
    return {
        "purpose": purpose,
        "phone": phone,
        "caregiver_id": caregiver_id,
        "status": status,
        "due_at": now,
        "attempts": 0,
        "missed_calls": 0,
        "created_at": now,
        "updated_at": now,
        **extra,
    }


def add_calls(conn: Connection, rows: Sequence[dict]) -> list[int]:
    """Insert voice calls (reminder calls, SMS notices) due now; returns their ids."""
    now = clock.now()
    ids = []
    for row in rows:
        values = new_call(row["purpose"], row["phone"], row["caregiver_id"], row["status"], now)
        values.update({k: v for k, v in row.items() if k not in values})
        ids.append(conn.execute(CALL.insert().returning(CALL.c.id), values).scalar_one())
    return ids


def enqueue(clients: Clients, call_ids: list[int], token: str | None = None) -> None:
    """Queue a job for these calls; if Redis fails, the sweep picks them up."""
    try:
        queue(clients).enqueue(
            JOB,
            call_ids,
            token,
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            retry=Retry(max=2, interval=[10, 30]),
        )
    except Exception as error:  # Redis is down: the database still knows
        log.warning("could not queue voice calls %s (%r); the sweep will", call_ids, error)
