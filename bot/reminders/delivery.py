"""Sending claimed reminders: the RQ job, and what it writes down before and after.

Each reminder moves planned -> claimed -> sent (or failed) in the database. A job
loads its claim, drops what is no longer to be sent (the caregiver stopped) or not yet
(outside their slot), writes one message per caregiver and sends them through the
outbox (bot.channels.outbox), which logs each before it goes and settles what an interrupted
earlier attempt sent. A job only sends while its claim lasts.

A caregiver whose channel is "voice" gets the same reminders as a phone call: their
group is handed over to a voice call (bot.reminders.calls), which owns it from there.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from dataclasses import dataclass, replace
from itertools import groupby

from sqlalchemy import Connection, bindparam, select, update

from bot.channels.outbox import Outbox, Outgoing
from bot.channels.senders import SendFailed, SendUnknown, Sent
from bot.reminders.calls import CallOrder, hand_over
from bot.services import Services, current_services
from bot.storage.alerts import Guard
from bot.storage.fastsql import execute_many
from bot.storage.models.core import Caregiver, Child, DoseRecord, Reminder
from flows.reminder_texts import (
    CAMPAIGN_KINDS,
    PlannedReminder,
    by_message,
    child_reminders,
    reminder_message,
)
from locales import normalise_language
from scheduler import ScheduleError, clock
from scheduler.pregnancy import SCHEDULE as PREGNANCY
from scheduler.reminders import INDIA, NEXT, next_window

log = logging.getLogger(__name__)

REMINDER, CAREGIVER, CHILD, DOSE = (
    Reminder.__table__,
    Caregiver.__table__,
    Child.__table__,
    DoseRecord.__table__,
)
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
        REMINDER.c.detail,
        CHILD.c.id,
        CHILD.c.name,
        CHILD.c.schedule,
        CAREGIVER.c.id,
        CAREGIVER.c.phone,
        CAREGIVER.c.language,
        CAREGIVER.c.reminder_slot,
        CAREGIVER.c.opted_out,
        CAREGIVER.c.unreachable,
        CAREGIVER.c.channel,
        CAREGIVER.c.state,
        REMINDER.c.send_on,
        CAREGIVER.c.session_site,
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


@dataclass(kw_only=True)
class Row(PlannedReminder):
    """A claimed reminder."""

    id: int
    lease_ends: dt.datetime
    message_id: int | None
    attempts: int
    send_on: dt.date


@dataclass
class Group:
    """The reminders that go to one caregiver as one message (or one call)."""

    caregiver_id: int
    phone: str
    language: str
    slot: str
    opted_out: bool
    unreachable: bool
    channel: str  # "voice": the reminders go as a call
    state: str | None
    rows: list[Row]
    outgoing: Outgoing | None = None
    site: str = ""  # where the family's session is held, where known

    @property
    def ids(self) -> list[int]:
        return [row.id for row in self.rows]

    def by_message(self) -> list[Group]:
        """This caregiver's reminders split into the SMS (or calls) they go as: one per
        child and visit or announcement, each one registered template."""
        parts = by_message(self.rows)
        if len(parts) == 1:
            return [self]
        return [replace(self, rows=rows, outgoing=None) for rows in parts]


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
    return vars(Delivery(current_services()).run(reminder_ids, claim_token))


class Delivery:
    """One job's work: load the claim, send within it, write down every outcome."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self.db = services.db
        self.outbox = Outbox(services)
        self.ri_days = services.config["RI_DAYS"]

    def run(self, reminder_ids: list[int], token: str) -> Summary:
        summary = Summary()
        guard = Guard(self.services)
        with self.db.reading() as conn:
            groups, markers = self._load(conn, reminder_ids, token)
        groups = [part for group in groups for part in group.by_message()]
        if markers:
            self._plan_next(markers, token, summary, guard)
        now = clock.now()
        ready = [g for g in groups if self._ready_or_failed(g, token, now, summary, guard)]
        calls = [group for group in ready if group.channel == "voice"]
        if calls:
            orders = [CallOrder(g.caregiver_id, g.phone, g.ids, g.outgoing.body) for g in calls]
            summary.calls += hand_over(self.services, orders, token)
        ready = [group for group in ready if group.channel != "voice"]
        if not ready:
            return summary
        items = [group.outgoing for group in ready]
        self.outbox.settle_earlier(items)
        with self.db.writing() as conn:
            self.outbox.log_sending(conn, items)
            pointers = [{"rid": rid, "mid": g.outgoing.message_id} for g in ready for rid in g.ids]
            execute_many(conn, _POINT, pointers)
        deadline = min(row.lease_ends for g in ready for row in g.rows) - LEASE_MARGIN
        by_item = {id(group.outgoing): group for group in ready}

        def record(batch: list[Outgoing]) -> None:
            self._record([by_item[id(item)] for item in batch], token, summary)

        if not asyncio.run(self.outbox.send(items, deadline, record)):
            log.warning("claim %s ran out; leaving the rest for the next sweep", token)
        return summary

    # ---- reading the claim -------------------------------------------------------------

    def _load(
        self, conn: Connection, ids: list[int], token: str
    ) -> tuple[list[Group], list[tuple[int, Row]]]:
        rows = conn.execute(_CLAIMED, {"ids": list(ids), "token": token}).all()
        groups: list[Group] = []
        markers: list[tuple[int, Row]] = []
        for caregiver_id, items in groupby(rows, key=lambda r: r[11]):
            group_rows = []
            for item in items:
                rid, kind, visit, codes, due_at, mid, tries, detail, *child = item[:11]
                person = item[12:19]
                row = Row(
                    *(kind, visit, tuple(codes.split()), detail, *child),
                    id=rid,
                    lease_ends=due_at,
                    message_id=mid,
                    attempts=tries,
                    send_on=item[19],
                )
                if kind == NEXT:
                    markers.append((caregiver_id, row))
                else:
                    group_rows.append(row)
                    head, site = person, item[20] or ""
            if group_rows:
                phone, language, slot, opted_out, unreachable, channel, state = head
                groups.append(
                    Group(
                        caregiver_id,
                        phone,
                        normalise_language(language),
                        slot,
                        bool(opted_out),
                        bool(unreachable),
                        channel or "sms",
                        state,
                        group_rows,
                        site=site,
                    )
                )
        return groups, markers

    def _ready_or_failed(
        self, group: Group, token: str, now: dt.datetime, summary: Summary, guard: Guard
    ) -> bool:
        """:meth:`_ready`; a reminder whose message cannot be made is failed, with an alert,
        and the caregiver's other reminders and the job go on."""
        try:
            return self._ready(group, token, now, summary)
        except Exception as error:
            log.exception("reminders %s: the message could not be made", group.ids)
            today = now.astimezone(INDIA).date()
            bad = [row for row in group.rows if not self._wordable(group, row, today)]
            for row in bad or group.rows:
                guard.failed("reminder", row.id, error)
            failed = bad or group.rows
            self._set_status([row.id for row in failed], token, "failed", now)
            summary.failed += len(failed)
            group.rows = [row for row in group.rows if row not in failed]
        if not group.rows:
            return False
        return self._ready_or_failed(group, token, now, summary, guard)

    def _wordable(self, group: Group, row: Row, today: dt.date) -> bool:
        """Whether one reminder's message can be made."""
        try:
            items = child_reminders(
                [row], group.language, group.state, today, self.ri_days, group.site
            )
            reminder_message(items, group.language)
        except Exception:
            return False
        return True

    def _ready(self, group: Group, token: str, now: dt.datetime, summary: Summary) -> bool:
        """Whether to send now: not to someone who stopped, and only in their slot."""
        if group.opted_out or group.unreachable:
            self._set_status(group.ids, token, "cancelled", now)
            summary.cancelled += len(group.rows)
            return False
        today = now.astimezone(INDIA).date()
        stale = [row for row in group.rows if _for_its_day_only(row) and row.send_on < today]
        if stale:  # the day before a session, or its morning, is over: the next one follows
            self._set_status([row.id for row in stale], token, "cancelled", now)
            summary.cancelled += len(stale)
            group.rows = [row for row in group.rows if row not in stale]
            if not group.rows:
                return False
        # A session's same-day reminder has a slot of its own (its morning).
        slot = next((row.detail["slot"] for row in group.rows if _own_slot(row)), group.slot)
        opens, closes = next_window(now, slot)
        if not opens <= now < closes:
            self._set_status(group.ids, token, "planned", opens)
            summary.deferred += len(group.rows)
            return False
        items = child_reminders(
            group.rows, group.language, group.state, today, self.ri_days, group.site
        )
        body = reminder_message(items, group.language)
        earlier = next((row.message_id for row in group.rows if row.message_id), None)
        group.outgoing = Outgoing(group.caregiver_id, group.phone, body, earlier)
        return True

    def _set_status(self, ids: list[int], token: str, status: str, due_at: dt.datetime) -> None:
        with self.db.writing() as conn:
            execute_many(
                conn,
                _SET_STATUS,
                [{"rid": rid, "token": token, "status": status, "due_at": due_at} for rid in ids],
            )

    # ---- writing down outcomes ----------------------------------------------------------

    def _record(self, groups: list[Group], token: str, summary: Summary) -> None:
        """Each group's reminders: sent, failed for good, or back to planned for later."""
        now = clock.now()
        sent, failed, later = [], [], []
        for group in groups:
            outcome = group.outgoing.outcome
            if isinstance(outcome, Sent):
                sent += [{"rid": rid, "sent_at": now} for rid in group.ids]
            elif isinstance(outcome, SendFailed) and outcome.retry:
                later += [
                    {
                        "rid": rid,
                        "token": token,
                        "status": "planned",
                        "due_at": now + _backoff(group),
                    }
                    for rid in group.ids
                ]
            elif isinstance(outcome, SendFailed):
                failed += [{"rid": rid, "code": outcome.code} for rid in group.ids]
            elif isinstance(outcome, SendUnknown):
                summary.unknown += len(group.ids)  # the claim runs out; the next settles it
        with self.db.writing() as conn:
            flagged = self.outbox.record_messages(conn, [g.outgoing for g in groups])
            execute_many(conn, _SENT, sent)
            execute_many(conn, _FAILED, failed)
            execute_many(conn, _SET_STATUS, later)
            for caregiver_id, _ in flagged:  # opted out or unreachable: cancel the rest
                self.services.planner.replan(conn, caregiver_id, now)
        summary.sent += len(sent)
        summary.failed += len(failed)
        summary.deferred += len(later)

    # ---- the end of a visit's reminders -------------------------------------------------

    def _plan_next(
        self, markers: list[tuple[int, Row]], token: str, summary: Summary, guard: Guard
    ) -> None:
        """A visit's reminders ran out with no DONE: take its doses as given on the day
        (source "assumed", so due lists can tell; a pregnancy's Td never is), and plan the
        following visit. All in one
        transaction; if one child cannot be planned, each on its own, and that one is failed
        with an alert."""
        now = clock.now()
        try:
            with self.db.writing() as conn:
                for caregiver_id, row in markers:
                    self._next_visit(conn, caregiver_id, row, token, now)
            summary.planned_next += len(markers)
            return
        except ScheduleError:
            log.warning(
                "planning %d next visits: one failed; planning them one by one", len(markers)
            )
        for caregiver_id, row in markers:
            try:
                with self.db.writing() as conn:
                    self._next_visit(conn, caregiver_id, row, token, now)
                summary.planned_next += 1
            except ScheduleError as error:
                guard.failed("child", row.child_id, error)
                with self.db.writing() as conn:
                    execute_many(conn, _FAILED, [{"rid": row.id, "code": None}])

    def _next_visit(
        self, conn: Connection, caregiver_id: int, row: Row, token: str, now: dt.datetime
    ) -> None:
        recorded = set(conn.scalars(select(DOSE.c.code).where(DOSE.c.child_id == row.child_id)))
        if row.schedule == PREGNANCY:  # Td is never taken as given: the chart's 36-week rule
            recorded |= set(row.codes)
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


def _own_slot(row: Row) -> bool:
    """Whether a visit reminder goes out in a slot of its own, not the caregiver's."""
    return row.kind not in CAMPAIGN_KINDS and bool(row.detail and row.detail.get("slot"))


def _for_its_day_only(row: Row) -> bool:
    """An advance reminder, or a session's same-day one: late, it is not sent at all."""
    return row.kind == "advance" or _own_slot(row)


def _backoff(group: Group) -> dt.timedelta:
    """How long a refused-for-now reminder waits: 5 minutes, doubling, at most a day."""
    attempts = max(row.attempts for row in group.rows)
    return dt.timedelta(minutes=min(5 * 2 ** max(attempts - 1, 0), 24 * 60))
