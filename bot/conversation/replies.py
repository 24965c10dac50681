"""Replies through the outbox, for gateways that cannot answer in the webhook's HTTP
response (Exotel): the webhook records the message and queues its id (:func:`queue_reply`);
a drain job (:func:`drain`) runs the conversation and texts the replies, each logged
before it goes.

A message whose job is lost (Redis down, a crash) stays new in the inbox, and the
sweep's inbox job handles it and texts its replies (``bot.inbox_jobs``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging

from redis.exceptions import RedisError
from sqlalchemy import select

from bot.channels.outbox import Outbox, Outgoing
from bot.conversation.shell import Inbound, handle_recorded
from bot.services import Services, current_services
from bot.storage import inbox
from bot.storage.alerts import Guard
from bot.storage.clients import queue
from bot.storage.models.core import Caregiver
from scheduler import clock

log = logging.getLogger(__name__)

JOB = "bot.conversation.replies.drain"
WAITING = "tika:replies"  # Redis list: inbox ids waiting for a worker to handle them
DRAINING = "tika:replies:draining:{}"  # held by the drain job of each slot
DRAINERS = 2  # drain jobs at once, at most: a second joins when a backlog builds up
BATCH = 20  # messages taken at a time; their replies go out in one sending session
SLOT_SECONDS = 60  # a drain job that dies lets go of its slot after this long
SEND_SECONDS = 120  # how long one batch's replies may take to send
CAREGIVER = Caregiver.__table__


def queue_reply(services: Services, inbox_id: int) -> bool:
    """Hand inbox message ``inbox_id`` to the workers: one Redis round trip, and an RQ job
    only when no drain job is running. False when Redis is not there (the message waits
    in the inbox for the sweep's inbox job)."""
    try:
        pipe = services.redis.pipeline(transaction=False)
        pipe.rpush(WAITING, inbox_id)
        pipe.set(DRAINING.format(0), 1, nx=True, ex=SLOT_SECONDS)
        if pipe.execute()[1]:
            _start_drain(services, 0)
    except RedisError:  # the inbox keeps the message
        log.warning("could not queue message %d: the inbox job will take it", inbox_id)
        return False
    return True


def _start_drain(services: Services, slot: int) -> None:
    queue(services).enqueue(JOB, slot, result_ttl=600, failure_ttl=24 * 3600)


def drain(slot: int = 0) -> int:
    """RQ job: handle the waiting messages a batch at a time and text their replies, until
    none waits; returns how many were handled. Another drain job joins when a backlog
    builds up. A message taken by a job that dies stays new in the inbox: the sweep's
    inbox job handles it."""
    services = current_services()
    redis, key = services.redis, DRAINING.format(slot)
    handled = 0
    while True:
        ids = redis.lpop(WAITING, BATCH)
        if not ids:
            redis.delete(key)
            # A message queued just now may have seen the slot still taken: look again.
            if not redis.llen(WAITING) or not redis.set(key, 1, nx=True, ex=SLOT_SECONDS):
                return handled
            continue
        redis.expire(key, SLOT_SECONDS)
        helper = slot + 1
        backlog = helper < DRAINERS and redis.llen(WAITING) > BATCH
        if backlog and redis.set(DRAINING.format(helper), 1, nx=True, ex=SLOT_SECONDS):
            _start_drain(services, helper)
        handled += reply_to(services, [int(inbox_id) for inbox_id in ids])


def reply_to(services: Services, inbox_ids: list[int]) -> int:
    """Handle each message (one that fails is left new, with an alert, and the others go
    on) and text all their replies in one sending session; how many were handled."""
    guard = Guard(services)
    replies: list[tuple[str, list[str]]] = []
    for inbox_id in inbox_ids:
        row = inbox.new_message(services, inbox_id)
        if row is None or not row.phone:  # handled already, or its sender erased meanwhile
            continue
        message = Inbound(row.phone, row.body, row.channel, row.provider_sid)
        texts = guard.run(
            "inbox",
            inbox_id,
            lambda m=message, i=inbox_id: handle_recorded(services, m, i, log_replies=False),
        )
        if texts:
            replies.append((row.phone, texts))
    if replies:
        text_replies(services, replies)
    return len(replies)


def text_replies(services: Services, replies: list[tuple[str, list[str]]]) -> None:
    """Send the replies to messages, (phone, texts) each, as SMS through the outbox (each
    logged first), in one sending session."""
    phones = sorted({phone for phone, _ in replies})
    with services.db.reading() as conn:
        ids = dict(
            conn.execute(
                select(CAREGIVER.c.phone, CAREGIVER.c.id).where(CAREGIVER.c.phone.in_(phones))
            ).all()
        )
    outbox = Outbox(services)
    items = [Outgoing(ids.get(phone), phone, body) for phone, texts in replies for body in texts]
    with services.db.writing() as conn:
        outbox.log_sending(conn, items)

    def record(batch: list[Outgoing]) -> None:
        with services.db.writing() as conn:
            outbox.record_messages(conn, batch)

    deadline = clock.now() + dt.timedelta(seconds=SEND_SECONDS)
    if not asyncio.run(outbox.send(items, deadline, record)):
        log.warning("replies to %d messages not all sent in time", len(replies))
