"""The I/O shell around the IVR flow: load the caller and the call, run one step, save.

Every voice entry point (the inbound line, an answered call-back or reminder call, the
terminal chat) comes here. The state of a call lives in ``ivr_session`` under its
CallSid, never in a process. A step is read and run outside any lock, then written in
one short transaction with the caller's changes, provided the call's turn is still the
one read; a webhook for a turn already handled (Twilio sent it twice) changes nothing
and hears the current question again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, select, update

from bot.services import Services
from bot.storage import new_calls, store
from bot.storage.db import conflict_insert
from bot.storage.models.core import Caregiver, Child, Reminder
from bot.storage.models.voice import IvrSession, VoiceCall
from bot.storage.privacy import mask_phone
from bot.voice import calls as voice_calls
from flows.reminder_texts import PlannedReminder, latest_per_visit
from flows.voice import ask_again, begin, respond
from flows.voice_call import Caller, CallState, Outcome, Prompt
from locales import render_sms
from scheduler import clock

log = logging.getLogger(__name__)

SESSION = IvrSession.__table__
CALL = VoiceCall.__table__
CAREGIVER = Caregiver.__table__
CHILD = Child.__table__
REMINDER = Reminder.__table__
ATTEMPTS = 5


@dataclass(frozen=True)
class Reply:
    """What to play: prompts, then a ``<Gather>`` of ``digits`` keys answering ``turn``, or
    the end of the call (``digits`` None). ``sms`` are the texts queued to the caller."""

    prompts: list[Prompt]
    digits: int | None
    turn: int
    sms: list[str]


@dataclass(frozen=True)
class _Session:
    phone: str
    step: str | None
    data: dict[str, Any]
    tries: int
    turn: int


def answer_call(
    services: Services, call_sid: str, phone: str | None, voice_call_id: int | None = None
) -> Reply:
    """A call was answered: our call-back or reminder call (``voice_call_id``), or a call
    to the inbound line from ``phone``. Returns the first prompts."""
    for _ in range(ATTEMPTS):
        with services.db.reading() as conn:
            session = _session(conn, call_sid)
            reminder = None
            if voice_call_id is not None:
                placed = conn.execute(
                    select(CALL.c.phone, CALL.c.reminder_ids).where(CALL.c.id == voice_call_id)
                ).one_or_none()
                if placed is None:
                    raise LookupError(f"no voice call {voice_call_id}")
                phone, reminder_ids = placed
                reminder = _reminder_items(conn, reminder_ids) if reminder_ids else None
            phone = session.phone if session else phone
            if phone is None:
                raise ValueError("a call needs the caller's number")
            loaded, caller = _caller(conn, phone)
        if session is not None:  # the same webhook again (or a call whose caller was erased)
            outcome = ask_again(caller, _state(session), clock.today(), services.schedule)
            return _reply(outcome, session.turn, [])
        outcome = begin(caller, clock.today(), services.schedule, reminder)
        with services.db.writing() as conn:
            values = {
                "call_sid": call_sid,
                "phone": phone,
                "caregiver_id": loaded.caregiver_id,
                "voice_call_id": voice_call_id,
                "step": outcome.state.step,
                "data": outcome.state.data,
                "tries": outcome.state.tries,
                "turn": 1,
                "created_at": clock.now(),
                "updated_at": clock.now(),
            }
            if conn.execute(_add_session(conn.dialect.name), values).scalar() is None:
                continue  # another request for this call got in first: read it again
            if voice_call_id is not None:
                voice_calls.answered(conn, voice_call_id, clock.now())
        log.info("call %s answered by %s", call_sid, mask_phone(phone))
        return _reply(outcome, 1, [])
    raise RuntimeError(f"could not start call {call_sid}")


def keys_pressed(services: Services, call_sid: str, turn: int | None, digits: str) -> Reply:
    """The caller pressed ``digits`` (``""``: nothing) at the question of ``turn``."""
    for _ in range(ATTEMPTS):
        with services.db.reading() as conn:
            session = _session(conn, call_sid)
            if session is None:
                raise LookupError(f"no IVR session for call {call_sid}")
            loaded, caller = _caller(conn, session.phone)
        state = _state(session)
        if turn != session.turn or session.phone == store.ERASED:
            # An answer already handled, sent again; or the caller was erased since: the
            # question again, or goodbye, and nothing written.
            outcome = ask_again(caller, state, clock.today(), services.schedule)
            return _reply(outcome, session.turn, [])
        outcome = respond(caller, state, digits, clock.today(), services.schedule)
        try:
            sms, notices = _save(services, call_sid, session, loaded, outcome)
        except store.Conflict:
            log.info("call %s: a step raced another; again", call_sid)
            continue
        if notices:
            new_calls.enqueue(services, notices)
        return _reply(outcome, session.turn + 1, sms)
    raise RuntimeError(f"could not record a step of call {call_sid}")


def _save(
    services: Services, call_sid: str, session: _Session, loaded: store.Loaded, outcome: Outcome
) -> tuple[list[str], list[int]]:
    """Write a step: the caller's changes, the call's state and the SMS it sends."""
    now = clock.now()
    with services.db.writing() as conn:
        caregiver_id = loaded.caregiver_id
        if outcome.effects:
            caregiver_id = store.caregiver_id_for(conn, loaded, session.phone)
            changes = store.apply_effects(conn, caregiver_id, outcome.effects, "voice")
            if changes.everyone or changes.children:
                children = None if changes.everyone else changes.children
                services.planner.replan(conn, caregiver_id, now, children, told_today=True)
            if loaded.caregiver_id is None:  # a new caregiver: their calls are theirs now
                for table in (CALL, SESSION):  # (and go when they ask to be erased)
                    conn.execute(
                        update(table)
                        .where(table.c.phone == session.phone, table.c.caregiver_id.is_(None))
                        .values(caregiver_id=caregiver_id)
                    )
        moved = conn.execute(
            update(SESSION)
            .where(SESSION.c.call_sid == call_sid, SESSION.c.turn == session.turn)
            .values(
                step=outcome.state.step,
                data=outcome.state.data,
                tries=outcome.state.tries,
                turn=session.turn + 1,
                caregiver_id=caregiver_id,
                updated_at=now,
            )
        ).rowcount
        if not moved:
            conn.rollback()
            raise store.Conflict(call_sid)
        sms = [render_sms(text, outcome.language) for text in outcome.sms]
        rows = [
            {
                "purpose": "notice",
                "phone": session.phone,
                "caregiver_id": caregiver_id,
                "status": "texting",
                "sms_body": body,
            }
            for body in sms
        ]
        simulated = conn.scalar(
            select(CAREGIVER.c.simulated).where(CAREGIVER.c.phone == session.phone)
        )
        # The dashboard's phone simulator shows these SMS; nothing is sent to it.
        notices = [] if simulated else new_calls.add_calls(conn, rows)
    return sms, notices


@cache
def _add_session(dialect_name: str):
    return (
        conflict_insert(dialect_name, SESSION)
        .on_conflict_do_nothing(index_elements=["call_sid"])
        .returning(SESSION.c.call_sid)
    )


def _session(conn: Connection, call_sid: str) -> _Session | None:
    row = conn.execute(
        select(
            SESSION.c.phone, SESSION.c.step, SESSION.c.data, SESSION.c.tries, SESSION.c.turn
        ).where(SESSION.c.call_sid == call_sid)
    ).one_or_none()
    return _Session(row.phone, row.step, dict(row.data or {}), row.tries, row.turn) if row else None


def _state(session: _Session) -> CallState:
    return CallState(session.step, session.data, session.tries)


def _caller(conn: Connection, phone: str) -> tuple[store.Loaded, Caller]:
    loaded = store.load(conn, phone)
    channel = conn.scalar(select(CAREGIVER.c.channel).where(CAREGIVER.c.phone == phone))
    return loaded, Caller(loaded.profile, channel or "sms")


def _reply(outcome: Outcome, turn: int, sms: list[str]) -> Reply:
    return Reply(outcome.prompts, outcome.digits, turn, sms)


def _reminder_items(conn: Connection, reminder_ids: list[int]) -> list[dict[str, Any]]:
    """What a reminder call says: per child and visit, its latest reminder of the chain."""
    rows = conn.execute(
        select(REMINDER.c.kind, REMINDER.c.visit_date, REMINDER.c.codes, CHILD.c.id, CHILD.c.name)
        .select_from(REMINDER.join(CHILD, CHILD.c.id == REMINDER.c.child_id))
        .where(REMINDER.c.id.in_(reminder_ids))
        .order_by(CHILD.c.id, REMINDER.c.visit_date)
    ).all()
    planned = [
        PlannedReminder(r.kind, r.visit_date, r.codes.split(), None, r.id, r.name) for r in rows
    ]
    return [
        {"kind": r.kind, "name": r.child_name, "codes": r.codes, "date": r.visit_date.isoformat()}
        for r in latest_per_visit(planned)
    ]
