"""Sending a batch of SMS: logged before they go, sent within the rate limit with several
in flight, retried when the gateway says "later", and settled after a crash by identity.

Each message is logged "sending" before it goes, and its log id (ours) goes with it, in
its status callback URL or the provider's custom field. After a crash, a message still
"sending" is settled by that id: the provider's id recorded on it (by the send's answer,
or by a status callback naming our id), or the message the gateway holds under our id.
With neither, it waits SETTLE_WAIT_SECONDS for its status callback, and is then sent
again as a new message: a report that never came means the gateway never took it.

Used by every job that sends (broadcasts, digests, reminders): the caller decides what
to send and what each outcome means for its own rows; the outbox owns the message log.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, bindparam, case, func, select, update

from bot.channels.clients import SendingClients
from bot.channels.ratelimit import sms_limit
from bot.channels.receipts import callback_url
from bot.channels.senders import (
    INVALID_NUMBERS,
    OPTED_OUT,
    Outbound,
    Send,
    SendFailed,
    SendMany,
    SendUnknown,
    Sent,
)
from bot.storage.fastsql import execute, execute_many
from bot.storage.models.core import Caregiver, MessageLog
from bot.storage.privacy import mask_phone
from locales.segments import segment_count
from scheduler import clock

log = logging.getLogger(__name__)

MESSAGE = MessageLog.__table__
CAREGIVER = Caregiver.__table__
RETRY_WAITS = (1.0, 2.0, 4.0)  # seconds between tries after a 429 or a 5xx
MAX_RETRY_AFTER = 30.0  # the longest a gateway's Retry-After holds one message back
BATCH = 50  # outcomes are written down in batches of this many

_ADD_MESSAGE = MESSAGE.insert().returning(MESSAGE.c.id)
# The gateway's answer to a send; a delivery report may have come first and said more.
_OUTCOME = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("mid"))
    .values(
        provider_sid=func.coalesce(MESSAGE.c.provider_sid, bindparam("sid")),
        status=case((MESSAGE.c.status == "sending", bindparam("status")), else_=MESSAGE.c.status),
        error_code=func.coalesce(MESSAGE.c.error_code, bindparam("code")),
        updated_at=bindparam("at"),
    )
)
_FLAG = update(CAREGIVER).where(CAREGIVER.c.id == bindparam("cid"))
_LOST = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("mid"), MESSAGE.c.status == "sending")
    .values(status="lost", updated_at=bindparam("at"))
)


@dataclass(frozen=True)
class Earlier:
    """What a message an interrupted attempt logged became: ``sent`` (adopted), ``hold``
    (its status callback may still come: do not send it now), or neither (send again)."""

    sent: Sent | None = None
    hold: bool = False


def settle_by_id(
    services: SendingClients,
    message_id: int,
    phone: str,
    status: str,
    provider_sid: str | None,
    created_at: dt.datetime,
) -> Earlier:
    """Settle a logged message by our id (see the module docstring)."""
    if provider_sid:  # accepted; only the record of it was lost, or a callback named it
        return Earlier(sent=Sent(provider_sid, status))
    if status != "sending":  # it failed: send it again as a new message
        return Earlier()
    found = services.sender.find(message_id, phone, created_at - dt.timedelta(minutes=5))
    if found is not None:
        log.info("adopted a message sent before a crash to %s", mask_phone(phone))
        return Earlier(sent=found)
    waited = clock.now() - created_at
    if waited < dt.timedelta(seconds=services.config["SETTLE_WAIT_SECONDS"]):
        return Earlier(hold=True)
    return Earlier()


@dataclass
class Outgoing:
    """One SMS to send, and what became of it."""

    caregiver_id: int | None
    phone: str
    body: str
    message_id: int | None = None  # its row in the message log, "sending" until settled
    outcome: Sent | SendFailed | SendUnknown | None = None
    settled: bool = False  # an earlier attempt reached the gateway: not sent again

    @property
    def stopped(self) -> str | None:
        """ "opted_out" or "unreachable" when the gateway refused the number for good."""
        outcome = self.outcome
        if isinstance(outcome, SendFailed) and not outcome.retry:
            if outcome.code == OPTED_OUT:
                return "opted_out"
            if outcome.code in INVALID_NUMBERS:
                return "unreachable"
        return None


class Outbox:
    """The sending side shared by every job that sends SMS."""

    def __init__(self, services: SendingClients) -> None:
        self.services = services
        self.sender = services.sender
        rate = services.config["SMS_RATE_PER_SECOND"]
        # One limit per gateway account, shared by every worker sending through it.
        self.limit = sms_limit(services.redis, self.sender.account, rate)
        # Ask Redis once per 10 ms of sending at full rate (at most 20 messages).
        self.reserve_ahead = max(1, min(20, int(rate / 100)))
        self.concurrency = services.config["SEND_CONCURRENCY"]
        self.base_url = services.config["PUBLIC_BASE_URL"]

    # ---- before sending --------------------------------------------------------------------

    def settle_earlier(self, items: list[Outgoing]) -> None:
        """For messages an interrupted attempt logged: adopt what the gateway has under
        our id, hold those whose report may still come, send the others again."""
        earlier = {item.message_id for item in items if item.message_id is not None}
        if not earlier:
            return
        with self.services.db.reading() as conn:
            rows = conn.execute(
                select(
                    MESSAGE.c.id,
                    MESSAGE.c.status,
                    MESSAGE.c.provider_sid,
                    MESSAGE.c.body,
                    MESSAGE.c.created_at,
                ).where(MESSAGE.c.id.in_(earlier))
            )
            messages = {
                mid: (status, sid, body, created) for mid, status, sid, body, created in rows
            }
        lost = []
        for item in items:
            if item.message_id not in messages:
                item.message_id = None
                continue
            status, sid, body, created = messages[item.message_id]
            item.body = body
            found = settle_by_id(self.services, item.message_id, item.phone, status, sid, created)
            if found.sent is not None:
                item.settled, item.outcome = True, found.sent
            elif found.hold:  # not sent now; the claim runs out and the next attempt decides
                item.settled, item.outcome = True, SendUnknown("waiting for its status callback")
            else:
                if status == "sending":
                    lost.append({"mid": item.message_id, "at": clock.now()})
                item.message_id = None
        if lost:  # never reached the gateway: sent again as new messages
            with self.services.db.writing() as conn:
                execute_many(conn, _LOST, lost)

    def log_sending(self, conn: Connection, items: list[Outgoing]) -> None:
        """Write each message to send down as "sending" before it goes."""
        now = clock.now()
        for item in items:
            if item.message_id is None and not item.settled:
                item.message_id = execute(
                    conn,
                    _ADD_MESSAGE,
                    {
                        "caregiver_id": item.caregiver_id,
                        "direction": "out",
                        "channel": "sms",
                        "body": item.body,
                        "provider_sid": None,
                        "reply_to_id": None,
                        "status": "sending",
                        "error_code": None,
                        "segments": segment_count(item.body),
                        "created_at": now,
                        "updated_at": now,
                    },
                )[0][0]

    # ---- sending ----------------------------------------------------------------------------

    async def send(
        self,
        items: list[Outgoing],
        deadline: dt.datetime,
        record: Callable[[list[Outgoing]], None],
        keep_going: Callable[[], bool] = lambda: True,
        bulk: bool = False,
    ) -> bool:
        """Send ``items`` in batches, calling ``record`` with each batch once it is done.

        Stops before ``deadline`` (a claim's end) or when ``keep_going`` says so; returns
        True when everything was sent. ``bulk``: through the gateway's bulk API, a batch
        a request, where it has one (broadcasts; Exotel counts requests, not messages).
        """
        in_bulk = bulk and getattr(self.sender, "bulk_size", 0) > 1
        session = self.sender.bulk_session() if in_bulk else self.sender.session()
        send_batch = self._send_bulk if in_bulk else self._send_batch
        size = min(BATCH, self.sender.bulk_size) if in_bulk else BATCH
        async with session as send:
            for start in range(0, len(items), size):
                if not keep_going():
                    return False
                batch = items[start : start + size]
                finished = await send_batch(batch, send, deadline)
                record([item for item in batch if item.settled or item.outcome])
                if not finished:
                    return False
        return True

    def _outbound(self, item: Outgoing) -> Outbound:
        callback = callback_url(self.base_url, item.message_id, self.sender.status_path)
        return Outbound(item.phone, item.body, item.message_id, callback)

    async def _send_bulk(
        self, items: list[Outgoing], send_many: SendMany, deadline: dt.datetime
    ) -> bool:
        """One batch in one bulk request, within the rate limit; retried as a whole when
        the gateway says "later"."""
        pending = [item for item in items if not item.settled]
        if not pending:
            return True
        if clock.now() >= deadline:
            return False
        units = sum(segment_count(item.body) for item in pending)
        while (wait := self.limit.try_acquire(units)) > 0:
            await asyncio.sleep(wait)
        messages = [self._outbound(item) for item in pending]
        for wait in (*RETRY_WAITS, None):
            try:
                outcomes: list = await send_many(messages)
            except SendUnknown as unknown:
                outcomes = [unknown] * len(pending)
            except SendFailed as failed:
                if failed.retry and wait is not None:
                    await asyncio.sleep(min(failed.retry_after or wait, MAX_RETRY_AFTER))
                    continue
                outcomes = [failed] * len(pending)
            break
        for item, outcome in zip(pending, outcomes, strict=True):
            item.outcome = outcome
        return True

    async def _send_batch(self, items: list[Outgoing], send: Send, deadline: dt.datetime) -> bool:
        in_flight = asyncio.Semaphore(self.concurrency)
        sending = []
        reserved = 0  # rate-limit units taken ahead for the next few messages
        pending = [item for item in items if not item.settled]
        for n, item in enumerate(pending):
            if clock.now() >= deadline:
                break
            segments = segment_count(item.body)
            if reserved < segments:
                ahead = pending[n : n + self.reserve_ahead]
                units = sum(segment_count(i.body) for i in ahead)
                while (wait := self.limit.try_acquire(units)) > 0:
                    await asyncio.sleep(wait)
                reserved += units
            reserved -= segments
            sending.append((item, asyncio.create_task(self._send_one(item, send, in_flight))))
        for item, task in sending:
            item.outcome = await task
        return len(sending) == len(pending)

    async def _send_one(
        self, item: Outgoing, send: Send, in_flight: asyncio.Semaphore
    ) -> Sent | SendFailed | SendUnknown:
        async with in_flight:
            message = self._outbound(item)
            for wait in (*RETRY_WAITS, None):
                try:
                    return await send(message)
                except SendUnknown as unknown:
                    return unknown
                except SendFailed as failed:
                    if not failed.retry or wait is None:
                        return failed
                    # The gateway's Retry-After, when it gives one (within reason).
                    await asyncio.sleep(min(failed.retry_after or wait, MAX_RETRY_AFTER))
        raise AssertionError("unreachable")

    # ---- after sending ----------------------------------------------------------------------

    def record_messages(self, conn: Connection, items: list[Outgoing]) -> list[tuple[int, str]]:
        """Write each outcome on its message; flag numbers the gateway refused for good.

        Returns the (caregiver id, "opted_out" | "unreachable") pairs it flagged. A message
        whose outcome is unknown stays "sending", to be settled by the next attempt.
        """
        now = clock.now()
        outcomes, flagged = [], []
        for item in items:
            outcome = item.outcome
            if isinstance(outcome, Sent):
                outcomes.append(
                    {
                        "mid": item.message_id,
                        "sid": outcome.sid,
                        "status": outcome.status,
                        "code": None,
                        "at": now,
                    }
                )
            elif isinstance(outcome, SendFailed):
                outcomes.append(
                    {
                        "mid": item.message_id,
                        "sid": None,
                        "status": "failed",
                        "code": outcome.code,
                        "at": now,
                    }
                )
                if item.stopped and item.caregiver_id is not None:
                    flagged.append((item.caregiver_id, item.stopped))
        execute_many(conn, _OUTCOME, outcomes)
        for caregiver_id, flag in flagged:
            execute(conn, _FLAG, {"cid": caregiver_id, flag: True})
        return flagged
