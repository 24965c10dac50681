"""The sweep: claim every reminder that is due and hand them to workers in chunks (and
start or resume broadcasts, see bot.broadcasts.lifecycle).

Claiming is one UPDATE per batch on the indexed (status, due_at): its cost follows the
reminders due, not the children registered. A claim lasts CLAIM_SECONDS; a claim that
runs out (a worker died, Redis lost the job) is claimed again by a later sweep. Two
sweeps never claim the same reminder: PostgreSQL skips rows another sweep has locked,
SQLite lets one writer in at a time.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Iterator
from dataclasses import dataclass

from rq import Queue, Retry
from sqlalchemy import bindparam, or_, select, update

from bot.broadcasts.lifecycle import resume as resume_broadcasts
from bot.campaigns.announcements import announce
from bot.duelists.digests import due_now, send_weekly
from bot.inbox_jobs import enqueue_if_needed
from bot.services import Services
from bot.storage.alerts import Guard
from bot.storage.clients import queue
from bot.storage.fastsql import execute
from bot.storage.models.core import Reminder

log = logging.getLogger(__name__)
REMINDER = Reminder.__table__
CLAIMABLE = ("planned", "claimed")  # "claimed": a claim that ran out

_DUE = (
    select(REMINDER.c.id)
    .where(
        or_(*(REMINDER.c.status == status for status in CLAIMABLE)),
        REMINDER.c.due_at <= bindparam("now"),
    )
    .order_by(REMINDER.c.due_at, REMINDER.c.caregiver_id)
    .limit(bindparam("batch"))
    .with_for_update(skip_locked=True)
)
_CLAIM = (
    update(REMINDER)
    .where(REMINDER.c.id.in_(_DUE.scalar_subquery()))
    .values(
        status="claimed",
        claim_token=bindparam("token"),
        due_at=bindparam("lease_ends"),
        attempts=REMINDER.c.attempts + 1,
    )
    .returning(REMINDER.c.id, REMINDER.c.caregiver_id)
)


@dataclass
class SweepResult:
    claimed: int = 0
    jobs: int = 0
    token: str = ""
    failures: int = 0  # campaigns, children or stages that failed (see bot.storage.alerts)


def sweep(services: Services, now: dt.datetime, enqueue_to: Queue | None = None) -> SweepResult:
    """Claim every reminder due at ``now`` and enqueue delivery jobs for them."""
    config = services.config
    result = SweepResult(token=uuid.uuid4().hex)
    target = enqueue_to or queue(services)
    lease_ends = now + dt.timedelta(seconds=config["CLAIM_SECONDS"])
    guard = Guard(services)
    # Today's campaign announcements join the reminders due; a failing campaign or child
    # is an alert, and the reminders go out all the same.
    guard.run("sweep", "announcements", lambda: announce(services, now, guard))
    while True:
        with services.db.writing() as conn:
            rows = execute(
                conn,
                _CLAIM,
                {
                    "now": now,
                    "batch": config["SWEEP_BATCH"],
                    "token": result.token,
                    "lease_ends": lease_ends,
                },
            )
        if not rows:
            break
        chunks = list(
            chunk_by_caregiver(sorted(rows, key=lambda r: r[1]), config["DELIVERY_CHUNK"])
        )
        _enqueue(target, chunks, result.token, first_job=result.jobs)
        result.claimed += len(rows)
        result.jobs += len(chunks)
        if len(rows) < config["SWEEP_BATCH"]:
            break
    guard.run("sweep", "broadcasts", lambda: resume_broadcasts(services, now, target))
    # Webhooks kept in Redis while the database was busy; messages left in the inbox.
    guard.run("sweep", "inbox", lambda: enqueue_if_needed(services, now, target))
    guard.run(
        "sweep", "digests", lambda: due_now(services, now) and send_weekly(services, now, target)
    )
    result.failures = guard.failures
    if result.claimed or result.failures:
        log.info(
            "sweep %s: claimed %d reminders, %d jobs, %d failures",
            result.token,
            result.claimed,
            result.jobs,
            result.failures,
        )
    return result


def chunk_by_caregiver(rows: list[tuple[int, int]], size: int) -> Iterator[list[int]]:
    """Reminder ids in chunks of about ``size``, never splitting one caregiver's reminders."""
    chunk: list[int] = []
    last = None
    for reminder_id, caregiver_id in rows:
        if len(chunk) >= size and caregiver_id != last:
            yield chunk
            chunk = []
        chunk.append(reminder_id)
        last = caregiver_id
    if chunk:
        yield chunk


def _enqueue(target: Queue, chunks: list[list[int]], token: str, first_job: int) -> None:
    jobs = [
        Queue.prepare_data(
            "bot.reminders.delivery.deliver",
            args=(chunk, token),
            job_id=f"deliver-{token}-{n}",  # unique within the sweep; the same job twice is one
            result_ttl=3600,
            failure_ttl=7 * 24 * 3600,
            timeout=900,
            # A job that fails is run again; it only sends what is still claimed and unsent.
            retry=Retry(max=3, interval=[10, 60, 300]),
        )
        for n, chunk in enumerate(chunks, start=first_job)
    ]
    target.enqueue_many(jobs)
