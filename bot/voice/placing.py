"""The RQ job that places calls, checks on calls never reported, and sends SMS instead.

Each try is logged in the message log before the gateway hears of it ("dialing", or
"sending" for an SMS), and the call points at it: a job killed halfway leaves a trace.
A call whose try has no gateway id when its claim runs out was never reported by the
gateway (its status callback carries the try's id), so it is placed again; an SMS whose
outcome is unknown is looked up at the gateway before it is sent again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from sqlalchemy import select, update

from bot.channels.outbox import Earlier, settle_by_id
from bot.channels.ratelimit import RateLimit, sms_limit
from bot.channels.receipts import callback_url
from bot.channels.senders import (
    INVALID_NUMBERS,
    OPTED_OUT,
    Outbound,
    OutboundCall,
    SendFailed,
    SendUnknown,
    Sent,
)
from bot.services import Services, current_services
from bot.storage import new_calls
from bot.storage.models.core import Caregiver, MessageLog
from bot.storage.models.voice import VoiceCall
from bot.storage.privacy import mask_phone
from bot.voice import calls as voice_calls
from bot.voice.limits import CallSlots
from locales.segments import segment_count
from scheduler import clock

log = logging.getLogger(__name__)

CALL = VoiceCall.__table__
CAREGIVER = Caregiver.__table__
MESSAGE = MessageLog.__table__
BUSY_WAIT = dt.timedelta(seconds=20)  # all call slots taken: look again after this
REFUSED_WAIT = dt.timedelta(minutes=1)  # the gateway said "not now" (429, 5xx)
LABELS = {"callback": "call-back", "reminder": "reminder call"}


def work_calls(call_ids: list[int], token: str | None = None) -> dict[str, int]:
    """RQ job: act on voice calls claimed with ``token`` (or claim them now when None)."""
    return vars(CallWork(current_services()).run(call_ids, token))


@dataclass
class Row:
    id: int
    purpose: str
    phone: str
    caregiver_id: int | None
    status: str
    message_id: int | None
    sms_body: str | None
    reminder_ids: list[int] | None
    opted_out: bool
    unreachable: bool


@dataclass
class Summary:
    placed: int = 0
    texted: int = 0
    waiting: int = 0
    checked: int = 0
    cancelled: int = 0
    failed: int = 0


class CallWork:
    """One job's work on its claimed calls."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.sender = services.sender
        config = services.config
        self.config = config
        self.slots = CallSlots(
            services.redis, config["VOICE_MAX_CALLS"], config["VOICE_CALL_MAX_SECONDS"]
        )
        self.call_rate = RateLimit(
            services.redis, "tika:rate:calls", config["VOICE_CALLS_PER_SECOND"]
        )
        self.sms_rate = sms_limit(
            services.redis, self.sender.account, config["SMS_RATE_PER_SECOND"]
        )
        self.base = config["PUBLIC_BASE_URL"].rstrip("/")
        if not self.base and self.sender.name != "console":
            raise RuntimeError("PUBLIC_BASE_URL is needed: Twilio fetches calls' TwiML from it")
        self.lease = dt.timedelta(seconds=config["VOICE_CLAIM_SECONDS"])
        self.summary = Summary()

    def run(self, call_ids: list[int], token: str | None) -> Summary:
        if token is None:
            token = uuid.uuid4().hex
            with self.db.writing() as conn:
                call_ids = voice_calls.claim(conn, clock.now(), self.lease, token, ids=call_ids)
        for row in self._load(call_ids, token):
            self._act(row, token)
        return self.summary

    def _load(self, call_ids: list[int], token: str) -> list[Row]:
        if not call_ids:
            return []
        query = (
            select(
                CALL.c.id,
                CALL.c.purpose,
                CALL.c.phone,
                CALL.c.caregiver_id,
                CALL.c.status,
                CALL.c.message_id,
                CALL.c.sms_body,
                CALL.c.reminder_ids,
                CAREGIVER.c.opted_out,
                CAREGIVER.c.unreachable,
            )
            .select_from(CALL.outerjoin(CAREGIVER, CAREGIVER.c.id == CALL.c.caregiver_id))
            .where(CALL.c.id.in_(call_ids), CALL.c.claim_token == token)
            .order_by(CALL.c.id)
        )
        with self.db.reading() as conn:
            return [
                Row(*row[:8], bool(row.opted_out), bool(row.unreachable))
                for row in conn.execute(query)
            ]

    def _act(self, row: Row, token: str) -> None:
        if row.purpose == "reminder" and (row.opted_out or row.unreachable):
            with self.db.writing() as conn:
                voice_calls.close(conn, row.id, "cancelled", clock.now(), token)
            self.summary.cancelled += 1
        elif row.status == "texting":
            self._text(row, token)
        elif row.status == "ringing" or (row.status == "dialing" and self._try_sid(row.message_id)):
            self._check(row, token)  # placed: its outcome was never reported
        else:  # waiting, or a dial that never reached the gateway
            self._dial(row, token)

    # ---- calls --------------------------------------------------------------------------

    def _dial(self, row: Row, token: str) -> None:
        if not self.slots.take(row.id):
            self._wait(row, token, clock.now() + BUSY_WAIT)
            return
        self.call_rate.acquire()
        now = clock.now()
        with self.db.writing() as conn:
            message_id = _log(conn, row, "voice", f"[{LABELS[row.purpose]}]", "dialing", now)
            claimed = conn.execute(
                update(CALL)
                .where(CALL.c.id == row.id, CALL.c.claim_token == token)
                .values(
                    status="dialing",
                    message_id=message_id,
                    attempts=CALL.c.attempts + 1,
                    due_at=now + self.lease,
                    updated_at=now,
                )
            ).rowcount
            if not claimed:
                conn.rollback()
                self.slots.give_back(row.id)
                return
            if row.reminder_ids:
                voice_calls.set_reminders(conn, row.reminder_ids, "calling", message_id=message_id)
        call = OutboundCall(row.phone, row.id, message_id, self.config["VOICE_RING_SECONDS"])
        try:
            placed = self.sender.place_call(call, self.base)
        except SendUnknown:
            log.warning("call to %s: no answer from the gateway", mask_phone(row.phone))
            return  # the claim runs out; the status callback or the next claim settles it
        except SendFailed as refused:
            self.slots.give_back(row.id)
            self._refused(row, token, message_id, refused)
            return
        self.summary.placed += 1
        log.info("calling %s (%s)", mask_phone(row.phone), LABELS[row.purpose])
        self._placed(row, message_id, placed)

    def _placed(self, row: Row, message_id: int, placed: Sent) -> None:
        """The gateway took the call: wait for its status callback (or ask later)."""
        now = clock.now()
        with self.db.writing() as conn:
            conn.execute(
                update(MESSAGE)
                .where(MESSAGE.c.id == message_id, MESSAGE.c.provider_sid.is_(None))
                .values(provider_sid=placed.sid, status=placed.status, updated_at=now)
            )
            ends = now + dt.timedelta(seconds=self.config["VOICE_CALL_MAX_SECONDS"])
            conn.execute(
                update(CALL)
                .where(
                    CALL.c.id == row.id, CALL.c.status == "dialing", CALL.c.message_id == message_id
                )
                .values(status="ringing", due_at=ends, claim_token=None, updated_at=now)
            )

    def _refused(self, row: Row, token: str, message_id: int, refused: SendFailed) -> None:
        """The gateway refused the call: later if it said so; never for an invalid number;
        otherwise the SMS goes out instead."""
        now = clock.now()
        with self.db.writing() as conn:
            conn.execute(
                update(MESSAGE)
                .where(MESSAGE.c.id == message_id)
                .values(status="failed", error_code=refused.code, updated_at=now)
            )
            if refused.retry:
                conn.execute(
                    update(CALL)
                    .where(CALL.c.id == row.id, CALL.c.claim_token == token)
                    .values(
                        status="waiting",
                        attempts=CALL.c.attempts - 1,
                        due_at=now + REFUSED_WAIT,
                        claim_token=None,
                    )
                )
                self.summary.waiting += 1
            elif refused.code in INVALID_NUMBERS:
                voice_calls.close(conn, row.id, "failed", now, token, error_code=refused.code)
                self.summary.failed += 1
            else:
                if not row.sms_body:
                    row.sms_body = voice_calls.callback_sms(conn, row.phone, self.config)
                conn.execute(
                    update(CALL)
                    .where(CALL.c.id == row.id, CALL.c.claim_token == token)
                    .values(status="texting", due_at=now, sms_body=row.sms_body)
                )
                row.status, row.message_id = "texting", None
        if row.status == "texting":
            self._text(row, token)

    def _check(self, row: Row, token: str) -> None:
        """A call never reported as over: ask the gateway how it went."""
        self.summary.checked += 1
        sid = self._try_sid(row.message_id)
        status = self.sender.call_status(sid) if sid else None
        if status is None:
            status = "failed"  # the gateway has no such call: it never rang
        if status in voice_calls.FINAL or status == "in-progress":
            settled = voice_calls.record_call_status(
                self.services, row.id, row.message_id, sid, status
            )
            if settled.final:
                self.slots.give_back(row.id)
            if settled.texting:
                new_calls.enqueue(self.services, [row.id])
            return
        # Still going: look again later.
        ends = clock.now() + dt.timedelta(seconds=self.config["VOICE_CALL_MAX_SECONDS"])
        self._wait(row, token, ends, status="ringing")

    def _try_sid(self, message_id: int | None) -> str | None:
        if message_id is None:
            return None
        with self.db.reading() as conn:
            return conn.scalar(select(MESSAGE.c.provider_sid).where(MESSAGE.c.id == message_id))

    def _wait(self, row: Row, token: str, until: dt.datetime, status: str | None = None) -> None:
        values = {"due_at": until, "claim_token": None}
        if status:
            values["status"] = status
        with self.db.writing() as conn:
            conn.execute(
                update(CALL).where(CALL.c.id == row.id, CALL.c.claim_token == token).values(values)
            )
        self.summary.waiting += 1

    # ---- the SMS instead ----------------------------------------------------------------

    def _text(self, row: Row, token: str) -> None:
        """Send the call's SMS (once: an earlier try's outcome is looked up first)."""
        body = row.sms_body or ""
        message_id, earlier = self._earlier_sms(row)
        now = clock.now()
        if earlier.sent is not None:
            self._texted(row, message_id, earlier.sent)
            return
        if earlier.hold:
            return  # its status callback may still come: the claim runs out, the next decides
        with self.db.writing() as conn:
            if message_id is None:
                message_id = _log(conn, row, "sms", body, "sending", now)
            claimed = conn.execute(
                update(CALL)
                .where(CALL.c.id == row.id, CALL.c.claim_token == token)
                .values(message_id=message_id, updated_at=now)
            ).rowcount
            if not claimed:
                conn.rollback()
                return
        self.sms_rate.acquire(segment_count(body))
        outcome = asyncio.run(self._send(row.phone, body, message_id))
        if isinstance(outcome, Sent):
            self._texted(row, message_id, outcome)
            return
        with self.db.writing() as conn:
            if isinstance(outcome, SendUnknown):
                return  # the claim runs out; the next claim looks it up
            conn.execute(
                update(MESSAGE)
                .where(MESSAGE.c.id == message_id)
                .values(status="failed", error_code=outcome.code, updated_at=now)
            )
            if outcome.retry:
                conn.execute(
                    update(CALL)
                    .where(CALL.c.id == row.id)
                    .values(due_at=now + REFUSED_WAIT, claim_token=None, message_id=None)
                )
                return
            voice_calls.close(conn, row.id, "failed", now, error_code=outcome.code)
            if row.caregiver_id and (outcome.code == OPTED_OUT or outcome.code in INVALID_NUMBERS):
                flag = "opted_out" if outcome.code == OPTED_OUT else "unreachable"
                conn.execute(
                    update(CAREGIVER).where(CAREGIVER.c.id == row.caregiver_id).values({flag: True})
                )
                self.services.planner.replan(conn, row.caregiver_id, now)
        self.summary.failed += 1

    async def _send(
        self, phone: str, body: str, message_id: int
    ) -> Sent | SendFailed | SendUnknown:
        status_callback = callback_url(self.base, message_id, self.sender.status_path)
        async with self.sender.session() as send:
            try:
                return await send(Outbound(phone, body, message_id, status_callback))
            except (SendFailed, SendUnknown) as problem:
                return problem

    def _earlier_sms(self, row: Row) -> tuple[int | None, Earlier]:
        """An interrupted try's SMS (its log id), and what became of it (by our id)."""
        if row.message_id is None:
            return None, Earlier()
        with self.db.reading() as conn:
            found = conn.execute(
                select(
                    MESSAGE.c.channel,
                    MESSAGE.c.status,
                    MESSAGE.c.provider_sid,
                    MESSAGE.c.body,
                    MESSAGE.c.created_at,
                ).where(MESSAGE.c.id == row.message_id)
            ).one_or_none()
        if found is None or found.channel != "sms":
            return None, Earlier()
        earlier = settle_by_id(
            self.services,
            row.message_id,
            row.phone,
            found.status,
            found.provider_sid,
            found.created_at,
        )
        return row.message_id, earlier

    def _texted(self, row: Row, message_id: int, sent: Sent) -> None:
        now = clock.now()
        with self.db.writing() as conn:
            conn.execute(
                update(MESSAGE)
                .where(MESSAGE.c.id == message_id)
                .values(provider_sid=sent.sid, status=sent.status, updated_at=now)
            )
            voice_calls.close(conn, row.id, "texted", now, message_id=message_id)
        self.summary.texted += 1
        log.info("SMS to %s instead of a call (%s)", mask_phone(row.phone), row.purpose)


def _log(conn, row: Row, channel: str, body: str, status: str, now: dt.datetime) -> int:
    """Log one outbound try (a call or an SMS) before the gateway hears of it."""
    return conn.execute(
        MESSAGE.insert().returning(MESSAGE.c.id),
        {
            "caregiver_id": row.caregiver_id,
            "direction": "out",
            "channel": channel,
            "body": body,
            "provider_sid": None,
            "reply_to_id": None,
            "status": status,
            "error_code": None,
            "segments": segment_count(body) if channel == "sms" else 0,
            "created_at": now,
            "updated_at": now,
        },
    ).scalar_one()
