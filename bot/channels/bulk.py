"""Sending one broadcast row to its recipients: community broadcasts and the weekly
digests (whose recipients each carry their own text) both go out this way.

Recipients are queued in jobs of RANGE; a job claims its range, sends through the
outbox (rate limit, retries, settling after a crash) and records each outcome. What no
job finished within a claim's time is queued again by the sweep (:func:`requeue`).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from collections.abc import Callable, Iterable

from rq import Queue, Retry
from sqlalchemy import and_, bindparam, func, or_, select, update

from bot.channels.clients import SendingClients
from bot.channels.outbox import Outbox, Outgoing
from bot.channels.senders import SendFailed, Sent
from bot.storage.clients import job_clients
from bot.storage.models.campaigns import Broadcast, BroadcastRecipient
from bot.storage.models.core import Caregiver
from locales import DEFAULT_LANGUAGE
from scheduler import clock
from scheduler.reminders import INDIA

CAREGIVER = Caregiver.__table__
BROADCAST, RECIPIENT = Broadcast.__table__, BroadcastRecipient.__table__
RANGE = 500  # recipients per job


def in_window(services: SendingClients, now: dt.datetime) -> bool:
    """Broadcasts go out in daytime only (BROADCAST_HOURS, India time; TRAI allows 10-21)."""
    start, end = (int(h) for h in services.config["BROADCAST_HOURS"].split("-"))
    return start <= now.astimezone(INDIA).hour < end


def _open(now: dt.datetime):
    """Recipients still to send to: queued, or claimed by a job whose claim ran out."""
    return or_(
        RECIPIENT.c.status == "queued",
        and_(RECIPIENT.c.status == "claimed", RECIPIENT.c.lease_until < now),
    )


def enqueue_ranges(
    services: SendingClients,
    broadcast_id: int,
    queue: Queue,
    now: dt.datetime,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Queue a job for each range of RANGE open recipients, reading ids in pages."""
    queued = last = 0
    jobs = []
    page = (
        select(RECIPIENT.c.caregiver_id)
        .where(
            RECIPIENT.c.broadcast_id == broadcast_id,
            _open(now),
            RECIPIENT.c.caregiver_id > bindparam("last"),
        )
        .order_by(RECIPIENT.c.caregiver_id)
        .limit(RANGE)
    )
    with services.db.reading() as conn:
        while ids := conn.scalars(page, {"last": last}).all():
            jobs.append(
                Queue.prepare_data(
                    "bot.channels.bulk.deliver_range",
                    args=(broadcast_id, ids[0], ids[-1]),
                    job_id=f"broadcast-{broadcast_id}-{ids[0]}-{uuid.uuid4().hex[:8]}",
                    result_ttl=3600,
                    failure_ttl=7 * 24 * 3600,
                    timeout=900,
                    retry=Retry(max=3, interval=[10, 60, 300]),
                )
            )
            queued += len(ids)
            last = ids[-1]
            if len(jobs) >= 200:
                queue.enqueue_many(jobs)
                jobs = []
                if progress:
                    progress(queued)
    if jobs:
        queue.enqueue_many(jobs)
    if progress:
        progress(queued)
    return queued


def requeue(
    services: SendingClients, broadcast_ids: Iterable[int], queue: Queue, now: dt.datetime
) -> None:
    """Queue again what no job finished within a claim's time; close the broadcasts with
    nobody left to send to."""
    for broadcast_id in broadcast_ids:
        if enqueue_ranges(services, broadcast_id, queue, now) == 0:
            finish_if_done(services, broadcast_id)
        with services.db.writing() as conn:
            conn.execute(
                update(BROADCAST).where(BROADCAST.c.id == broadcast_id).values(enqueued_at=now)
            )


def finish_if_done(services: SendingClients, broadcast_id: int) -> None:
    with services.db.writing() as conn:
        left = conn.scalar(
            select(func.count()).where(
                RECIPIENT.c.broadcast_id == broadcast_id,
                RECIPIENT.c.status.in_(("queued", "claimed")),
            )
        )
        if left == 0:
            conn.execute(
                update(BROADCAST)
                .where(BROADCAST.c.id == broadcast_id, BROADCAST.c.status == "sending")
                .values(status="done", finished_at=clock.now())
            )


def deliver_range(broadcast_id: int, first: int, last: int) -> dict[str, int]:
    """RQ job: send a broadcast to its open recipients with caregiver ids first..last."""
    return RangeDelivery(job_clients(), broadcast_id).run(first, last)


class RangeDelivery:
    """One job's share of a broadcast."""

    def __init__(self, services: SendingClients, broadcast_id: int) -> None:
        self.services, self.broadcast_id = services, broadcast_id
        self.outbox = Outbox(services)
        self.counts = {"sent": 0, "failed": 0, "skipped": 0}

    def run(self, first: int, last: int) -> dict[str, int]:
        now = clock.now()
        if not in_window(self.services, now) or not self._sending():
            return self.counts
        with self.services.db.reading() as conn:
            texts = conn.scalar(
                select(BROADCAST.c.texts).where(BROADCAST.c.id == self.broadcast_id)
            )
        lease = now + dt.timedelta(seconds=self.services.config["CLAIM_SECONDS"])
        token = uuid.uuid4().hex
        items = self._claim(first, last, now, lease, token, texts)
        self.outbox.settle_earlier(items)
        if not items:
            finish_if_done(self.services, self.broadcast_id)
            return self.counts
        with self.services.db.writing() as conn:
            self.outbox.log_sending(conn, items)
            conn.execute(
                update(RECIPIENT)
                .where(
                    RECIPIENT.c.broadcast_id == self.broadcast_id,
                    RECIPIENT.c.caregiver_id == bindparam("cid"),
                )
                .values(message_id=bindparam("mid")),
                [{"cid": item.caregiver_id, "mid": item.message_id} for item in items],
            )
        deadline = lease - dt.timedelta(seconds=30)
        asyncio.run(self.outbox.send(items, deadline, self._record, self._sending, bulk=True))
        finish_if_done(self.services, self.broadcast_id)
        return self.counts

    def _sending(self) -> bool:
        with self.services.db.reading() as conn:
            return (
                conn.scalar(select(BROADCAST.c.status).where(BROADCAST.c.id == self.broadcast_id))
                == "sending"
            )

    def _claim(
        self,
        first: int,
        last: int,
        now: dt.datetime,
        lease: dt.datetime,
        token: str,
        texts: dict[str, str],
    ) -> list[Outgoing]:
        """Claim the range's open recipients; skip those who stopped meanwhile."""
        mine = and_(
            RECIPIENT.c.broadcast_id == self.broadcast_id,
            RECIPIENT.c.caregiver_id.between(first, last),
        )
        with self.services.db.writing() as conn:
            claimed = conn.execute(
                update(RECIPIENT)
                .where(mine, _open(now))
                .values(status="claimed", claim_token=token, lease_until=lease)
                .returning(
                    RECIPIENT.c.caregiver_id,
                    RECIPIENT.c.language,
                    RECIPIENT.c.body,
                    RECIPIENT.c.message_id,
                )
            ).all()
            people = {
                cid: (phone, stopped)
                for cid, phone, stopped in conn.execute(
                    select(
                        CAREGIVER.c.id,
                        CAREGIVER.c.phone,
                        CAREGIVER.c.opted_out | CAREGIVER.c.unreachable,
                    ).where(CAREGIVER.c.id.in_([row.caregiver_id for row in claimed]))
                )
            }
            skipped = [
                row.caregiver_id for row in claimed if people.get(row.caregiver_id, ("", True))[1]
            ]
            if skipped:
                conn.execute(
                    update(RECIPIENT)
                    .where(mine, RECIPIENT.c.caregiver_id.in_(skipped))
                    .values(status="skipped")
                )
        self.counts["skipped"] += len(skipped)
        return [
            Outgoing(
                row.caregiver_id,
                people[row.caregiver_id][0],
                row.body or texts.get(row.language) or texts[DEFAULT_LANGUAGE],
                row.message_id,
            )
            for row in sorted(claimed)
            if row.caregiver_id not in skipped
        ]

    def _record(self, items: list[Outgoing]) -> None:
        statuses = []
        for item in items:
            outcome = item.outcome
            if item.settled or isinstance(outcome, Sent):
                statuses.append((item.caregiver_id, "sent", None))
            elif isinstance(outcome, SendFailed):
                statuses.append(
                    (item.caregiver_id, "queued" if outcome.retry else "failed", outcome.code)
                )
        with self.services.db.writing() as conn:
            flagged = self.outbox.record_messages(conn, items)
            if statuses:
                conn.execute(
                    update(RECIPIENT)
                    .where(
                        RECIPIENT.c.broadcast_id == self.broadcast_id,
                        RECIPIENT.c.caregiver_id == bindparam("cid"),
                    )
                    .values(status=bindparam("st"), error_code=bindparam("code")),
                    [{"cid": c, "st": s, "code": code} for c, s, code in statuses],
                )
            for caregiver_id, _ in flagged:
                self.services.planner.replan(conn, caregiver_id, clock.now())
        for _, status, _ in statuses:
            if status in self.counts:
                self.counts[status] += 1
