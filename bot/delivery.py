"""Sending claimed reminders: the RQ job, and what it writes down before and after.

Each reminder moves planned -> claimed -> sent (or failed) in the database. Before a
message goes to the gateway, its text is logged as "sending" and the reminders point
at it; after, the outcome is recorded. So a job killed halfway leaves a trace: the
next claim of those reminders asks the gateway what it sent to that number and adopts
the message instead of sending it twice. A job only sends while its claim lasts.

A caregiver whose channel is "voice" gets the same reminders as a phone call: their
group is handed over to a voice call (bot.voice_reminders), which owns it from there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass
from itertools import groupby

from sqlalchemy import Connection, bindparam, select, update

from bot.fastsql import execute, execute_many
from bot.models import Caregiver, Child, DoseRecord, MessageLog, Reminder
from bot.privacy import mask_phone
from bot.ratelimit import RateLimit
from bot.reminder_texts import ChildReminder, reminder_message
from bot.segments import segment_count
from bot.senders import INVALID_NUMBERS, OPTED_OUT, Send, SendFailed, SendUnknown, Sent
from bot.services import Services
from bot.voice_reminders import CallOrder, hand_over
from locales import normalise_language
from scheduler import clock
from scheduler.reminders import NEXT, next_window

log = logging.getLogger(__name__)

REMINDER = Reminder.__table__
CAREGIVER = Caregiver.__table__
CHILD = Child.__table__
DOSE = DoseRecord.__table__
MESSAGE = MessageLog.__table__

RETRY_WAITS = (1.0, 2.0, 4.0)  # seconds between tries after a 429 or a 5xx
RECORD_EVERY = 50  # outcomes written to the database in batches of this many
LEASE_MARGIN = dt.timedelta(seconds=30)  # stop sending this long before the claim ends

_CLAIMED = (
    select(
        REMINDER.c.id,
        REMINDER.c.kind,
        REMINDER.c.visit_date,
        REMINDER.c.codes,
        REMINDER.c.due_at,
        REMINDER.c.message_id,
        REMINDER.c.attempts,
        CHILD.c.id,
        CHILD.c.name,
        CAREGIVER.c.id,
        CAREGIVER.c.phone,
        CAREGIVER.c.language,
        CAREGIVER.c.reminder_slot,
        CAREGIVER.c.opted_out,
        CAREGIVER.c.unreachable,
        CAREGIVER.c.channel,
    )
    .select_from(REMINDER.join(CHILD).join(CAREGIVER, CAREGIVER.c.id == REMINDER.c.caregiver_id))
    .where(
        REMINDER.c.id.in_(bindparam("ids", expanding=True)),
        REMINDER.c.status == "claimed",
        REMINDER.c.claim_token == bindparam("token"),
    )
    .order_by(CAREGIVER.c.id, CHILD.c.id)
)
_SET_STATUS = (
    update(REMINDER)
    .where(REMINDER.c.id == bindparam("rid"), REMINDER.c.claim_token == bindparam("token"))
    .values(status=bindparam("status"), due_at=bindparam("due_at"))
)
_POINT = (
    update(REMINDER).where(REMINDER.c.id == bindparam("rid")).values(message_id=bindparam("mid"))
)
_SENT = (
    update(REMINDER)
    .where(REMINDER.c.id == bindparam("rid"))
    .values(status="sent", sent_at=bindparam("sent_at"), error_code=None)
)
_FAILED = (
    update(REMINDER)
    .where(REMINDER.c.id == bindparam("rid"))
    .values(status="failed", error_code=bindparam("code"))
)
_MESSAGE_OUTCOME = (
    update(MESSAGE)
    .where(MESSAGE.c.id == bindparam("mid"))
    .values(
        provider_sid=bindparam("sid"),
        status=bindparam("status"),
        error_code=bindparam("code"),
        updated_at=bindparam("at"),
    )
)
_ADD_MESSAGE = MESSAGE.insert().returning(MESSAGE.c.id)


@dataclass
class Row:
    id: int
    kind: str
    visit_date: dt.date
    codes: tuple[str, ...]
    lease_ends: dt.datetime
    message_id: int | None
    attempts: int
    child_id: int
    child_name: str


@dataclass
class Group:
    """The reminders that go to one caregiver as one message."""

    caregiver_id: int
    phone: str
    language: str
    slot: str
    opted_out: bool
    unreachable: bool
    rows: list[Row]
    body: str = ""
    message_id: int | None = None
    outcome: Sent | SendFailed | SendUnknown | None = None
    settled: bool = False  # the gateway already had it: nothing to send
    channel: str = "sms"  # "voice": the reminders go as a call

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]


@dataclass
class Summary:
    sent: int = 0
    failed: int = 0
    deferred: int = 0
    cancelled: int = 0
    unknown: int = 0
    planned_next: int = 0
    calls: int = 0  # reminders handed over to a phone call


def deliver(reminder_ids: list[int], claim_token: str) -> dict[str, int]:
    """RQ job: send the reminders a sweep claimed with ``claim_token`` (those still its own)."""
    from bot.worker import current_services

    summary = Delivery(current_services()).run(reminder_ids, claim_token)
    return vars(summary)


class Delivery:
    """One job's work: load the claim, send within it, write down every outcome."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.sender = services.sender
        rate = services.config["SMS_RATE_PER_SECOND"]
        self.limit = RateLimit(services.redis, "tika:rate:sms", rate)
        # Ask Redis once per 10 ms of sending at full rate (at most 20 messages), not per message.
        self.reserve_ahead = max(1, min(20, int(rate / 100)))
        # Messages in flight at once: the gateway's answer takes longer than sending.
        self.concurrency = services.config["SEND_CONCURRENCY"]
        base = services.config["PUBLIC_BASE_URL"].rstrip("/")
        self.status_callback = f"{base}/twilio/sms/status" if base else None

    def run(self, reminder_ids: list[int], token: str) -> Summary:
        summary = Summary()
        with self.db.reading() as conn:
            groups, markers = self._load(conn, reminder_ids, token)
        if markers:
            self._plan_next(markers, token, summary)
        now = clock.now()
        ready = [group for group in groups if self._ready(group, token, now, summary)]
        calls = [group for group in ready if group.channel == "voice"]
        if calls:
            orders = [CallOrder(g.caregiver_id, g.phone, g.ids, g.body) for g in calls]
            summary.calls += hand_over(self.services, orders, token)
            ready = [group for group in ready if group.channel != "voice"]
        if not ready:
            return summary
        self._settle_earlier_attempts(ready)
        self._log_sending([group for group in ready if not group.settled])
        asyncio.run(self._send_and_record(ready, token, summary))
        return summary

    async def _send_and_record(self, ready: list[Group], token: str, summary: Summary) -> None:
        """Send in batches, writing each batch's outcomes down before the next."""
        async with self.sender.session() as send:
            for start in range(0, len(ready), RECORD_EVERY):
                batch = ready[start : start + RECORD_EVERY]
                out_of_time = await self._send_all(batch, send)
                self._record([g for g in batch if g.settled or g.outcome], token, summary)
                if out_of_time:
                    log.warning("claim %s ran out; leaving the rest for the next sweep", token)
                    return

    async def _send_all(self, groups: list[Group], send: Send) -> bool:
        """Send a batch, several in flight, within the rate limit; True if the claim ran out."""
        in_flight = asyncio.Semaphore(self.concurrency)
        sending = []
        reserved = 0  # rate-limit units taken ahead for the next few messages
        for n, group in enumerate(groups):
            if group.settled:
                continue
            if clock.now() >= group.rows[0].lease_ends - LEASE_MARGIN:
                break
            segments = segment_count(group.body)
            if reserved < segments:
                reserved += await self._reserve(groups[n : n + self.reserve_ahead])
            reserved -= segments
            sending.append((group, asyncio.create_task(self._send(group, send, in_flight))))
        for group, task in sending:
            group.outcome = await task
        return len(sending) < sum(1 for g in groups if not g.settled)

    # ---- reading the claim -------------------------------------------------------------

    def _load(
        self, conn: Connection, ids: list[int], token: str
    ) -> tuple[list[Group], list[tuple[int, Row]]]:
        rows = conn.execute(_CLAIMED, {"ids": list(ids), "token": token}).all()
        groups: list[Group] = []
        markers: list[tuple[int, Row]] = []
        for caregiver_id, items in groupby(rows, key=lambda r: r[9]):
            group_rows = []
            for rid, kind, visit, codes, due_at, mid, attempts, cid, name, *caregiver in items:
                row = Row(rid, kind, visit, tuple(codes.split()), due_at, mid, attempts, cid, name)
                if kind == NEXT:
                    markers.append((caregiver_id, row))
                else:
                    group_rows.append(row)
                    group_head = caregiver
            if group_rows:
                _, phone, language, slot, opted_out, unreachable, channel = group_head
                groups.append(
                    Group(
                        caregiver_id,
                        phone,
                        normalise_language(language),
                        slot,
                        bool(opted_out),
                        bool(unreachable),
                        group_rows,
                        channel=channel or "sms",
                    )
                )
        return groups, markers

    def _ready(self, group: Group, token: str, now: dt.datetime, summary: Summary) -> bool:
        """Whether to send now: not to someone who stopped, and only in their slot."""
        if group.opted_out or group.unreachable:
            self._set_status(group, token, "cancelled", now)
            summary.cancelled += len(group.rows)
            return False
        opens, closes = next_window(now, group.slot)
        if not opens <= now < closes:
            self._set_status(group, token, "planned", opens)
            summary.deferred += len(group.rows)
            return False
        group.body = reminder_message(_latest_per_visit(group.rows), group.language)
        return True

    def _set_status(self, group: Group, token: str, status: str, due_at: dt.datetime) -> None:
        with self.db.writing() as conn:
            execute_many(
                conn,
                _SET_STATUS,
                [
                    {"rid": rid, "token": token, "status": status, "due_at": due_at}
                    for rid in group.ids
                ],
            )

    # ---- a message an earlier attempt may have sent ----------------------------------------

    def _settle_earlier_attempts(self, groups: list[Group]) -> None:
        """Adopt what an earlier, interrupted attempt sent, so it is not sent again."""
        earlier = {r.message_id for g in groups for r in g.rows if r.message_id is not None}
        if not earlier:
            return
        with self.db.reading() as conn:
            messages = {
                mid: (status, sid, body, created)
                for mid, status, sid, body, created in conn.execute(
                    select(
                        MESSAGE.c.id,
                        MESSAGE.c.status,
                        MESSAGE.c.provider_sid,
                        MESSAGE.c.body,
                        MESSAGE.c.created_at,
                    ).where(MESSAGE.c.id.in_(earlier))
                )
            }
        for group in groups:
            mid = next((r.message_id for r in group.rows if r.message_id in messages), None)
            if mid is None:
                continue
            status, sid, body, created = messages[mid]
            if sid:  # the gateway accepted it; only its record was lost
                group.message_id, group.body, group.settled = mid, body, True
                group.outcome = Sent(sid, status)
            elif status == "sending":  # outcome unknown: ask the gateway
                found = [
                    f
                    for f in self.sender.sent_to(group.phone, created - dt.timedelta(minutes=5))
                    if f.body == body
                ]
                group.message_id, group.body = mid, body
                if found:
                    group.settled, group.outcome = True, Sent(found[0].sid, found[0].status)
                    log.info("adopted a message sent before a crash to %s", mask_phone(group.phone))

    # ---- sending ------------------------------------------------------------------------

    def _log_sending(self, groups: list[Group]) -> None:
        """Write each message down as "sending", and point its reminders at it."""
        now = clock.now()
        with self.db.writing() as conn:
            for group in groups:
                if group.message_id is None:
                    group.message_id = execute(
                        conn,
                        _ADD_MESSAGE,
                        {
                            "caregiver_id": group.caregiver_id,
                            "direction": "out",
                            "channel": "sms",
                            "body": group.body,
                            "provider_sid": None,
                            "reply_to_id": None,
                            "status": "sending",
                            "error_code": None,
                            "segments": segment_count(group.body),
                            "created_at": now,
                            "updated_at": now,
                        },
                    )[0][0]
            execute_many(
                conn, _POINT, [{"rid": rid, "mid": g.message_id} for g in groups for rid in g.ids]
            )

    async def _reserve(self, groups: list[Group]) -> int:
        """Wait for the rate limit to allow the next few messages; returns the units taken."""
        units = sum(segment_count(g.body) for g in groups if not g.settled)
        while (wait := self.limit.try_acquire(units)) > 0:
            await asyncio.sleep(wait)
        return units

    async def _send(
        self, group: Group, send: Send, in_flight: asyncio.Semaphore
    ) -> Sent | SendFailed | SendUnknown:
        async with in_flight:
            for wait in (*RETRY_WAITS, None):
                try:
                    return await send(group.phone, group.body, self.status_callback)
                except SendUnknown as unknown:
                    return unknown
                except SendFailed as failed:
                    if not failed.retry or wait is None:
                        return failed
                    await asyncio.sleep(wait)
        raise AssertionError("unreachable")

    # ---- writing down outcomes ----------------------------------------------------------

    def _record(self, groups: list[Group], token: str, summary: Summary) -> None:
        if not groups:
            return
        now = clock.now()
        sent, failed, outcomes, stopped = [], [], [], []
        for group in groups:
            outcome = group.outcome
            if isinstance(outcome, Sent):
                outcomes.append(
                    {
                        "mid": group.message_id,
                        "sid": outcome.sid,
                        "status": outcome.status,
                        "code": None,
                        "at": now,
                    }
                )
                sent += [{"rid": rid, "sent_at": now} for rid in group.ids]
            elif isinstance(outcome, SendFailed):
                outcomes.append(
                    {
                        "mid": group.message_id,
                        "sid": None,
                        "status": "failed",
                        "code": outcome.code,
                        "at": now,
                    }
                )
                if outcome.retry:
                    self._set_status(group, token, "planned", now + _backoff(group))
                    summary.deferred += len(group.ids)
                else:
                    failed += [{"rid": rid, "code": outcome.code} for rid in group.ids]
                    if outcome.code == OPTED_OUT or outcome.code in INVALID_NUMBERS:
                        stopped.append((group.caregiver_id, outcome.code))
            elif isinstance(outcome, SendUnknown):
                summary.unknown += len(group.ids)  # claim runs out; the next claim settles it
        with self.db.writing() as conn:
            execute_many(conn, _MESSAGE_OUTCOME, outcomes)
            execute_many(conn, _SENT, sent)
            execute_many(conn, _FAILED, failed)
            for caregiver_id, code in stopped:
                flag = "opted_out" if code == OPTED_OUT else "unreachable"
                conn.execute(
                    update(CAREGIVER).where(CAREGIVER.c.id == caregiver_id).values({flag: True})
                )
                self.services.planner.replan(conn, caregiver_id, now)
        summary.sent += len(sent)
        summary.failed += len(failed)

    # ---- the end of a visit's reminders -------------------------------------------------

    def _plan_next(self, markers: list[tuple[int, Row]], token: str, summary: Summary) -> None:
        """A visit's reminders ran out with no DONE: take its doses as given on the day
        (source "assumed", so due lists can tell), and plan the following visit."""
        now = clock.now()
        with self.db.writing() as conn:
            for caregiver_id, row in markers:
                recorded = {
                    code
                    for (code,) in conn.execute(
                        select(DOSE.c.code).where(DOSE.c.child_id == row.child_id)
                    )
                }
                assumed = [
                    {
                        "child_id": row.child_id,
                        "code": code,
                        "given_on": row.visit_date,
                        "source": "assumed",
                        "recorded_at": now,
                    }
                    for code in row.codes
                    if code not in recorded
                ]
                if assumed:
                    conn.execute(DOSE.insert(), assumed)
                conn.execute(
                    update(REMINDER)
                    .where(REMINDER.c.id == row.id, REMINDER.c.claim_token == token)
                    .values(status="sent", sent_at=now)
                )
                self.services.planner.replan(conn, caregiver_id, now, [row.child_id])
                summary.planned_next += 1


CHAIN_ORDER = ("advance", "due", "overdue-1", "overdue-2", "overdue-3")


def _latest_per_visit(rows: list[Row]) -> list[ChildReminder]:
    """One sentence per child and visit: a late "advance" gives way to its "due"."""
    latest: dict[tuple[int, dt.date], Row] = {}
    for row in rows:
        key = (row.child_id, row.visit_date)
        if key not in latest or _rank(row.kind) > _rank(latest[key].kind):
            latest[key] = row
    return [ChildReminder(r.kind, r.child_name, r.codes, r.visit_date) for r in latest.values()]


def _rank(kind: str) -> int:
    return CHAIN_ORDER.index(kind) if kind in CHAIN_ORDER else len(CHAIN_ORDER)


def _backoff(group: Group) -> dt.timedelta:
    """How long a refused-for-now reminder waits: 5 minutes, doubling, at most a day."""
    attempts = max(row.attempts for row in group.rows)
    return dt.timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 24 * 60))
