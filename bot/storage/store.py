"""Between the flows and the database: load what a turn needs, save what it decided.

SQLAlchemy Core on the ORM's tables, built once and run through :mod:`bot.storage.fastsql`:
a message costs one query to read the sender and a short transaction of writes, which
fails with :class:`Conflict` if another message from them was recorded in between.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, delete, func, insert, or_, select, update

from bot.storage import inbox
from bot.storage.db import conflict_insert
from bot.storage.fastsql import execute, execute_many, rowcount
from bot.storage.models.campaigns import Broadcast, BroadcastRecipient, HealthWorker
from bot.storage.models.core import Caregiver, Child, Conversation, DoseRecord, MessageLog, Reminder
from bot.storage.models.inbox import InboxMessage
from bot.storage.models.voice import IvrSession, VoiceCall
from bot.storage.planning import Planner
from flows.asha import mother_notice
from flows.mobiles import national
from flows.parsing import Place
from flows.turn import (
    AddChild,
    BabyBorn,
    ChildInfo,
    DeleteCaregiver,
    Effect,
    OptIn,
    OptOut,
    Profile,
    RecordDoses,
    RegisterForMother,
    SetChannel,
    SetLanguage,
    SetPlace,
    SetSchedule,
    SetSite,
    SetSlot,
    State,
)
from locales import normalise_language, render_sms
from locales.segments import segment_count
from scheduler import CHILDREN_SCHEDULES, clock
from scheduler.reminders import DEFAULT_SLOT

CAREGIVER = Caregiver.__table__
CHILD = Child.__table__
DOSE = DoseRecord.__table__
CONVERSATION = Conversation.__table__
MESSAGE = MessageLog.__table__
REMINDER = Reminder.__table__
CALL = VoiceCall.__table__
SESSION = IvrSession.__table__
INBOX = InboxMessage.__table__
BROADCAST = Broadcast.__table__
RECIPIENT = BroadcastRecipient.__table__
WORKER = HealthWorker.__table__
#: How the consent of a mother whose child someone (her ASHA) registered is recorded.
CONSENT_BY_ASHA = "asha"
#: The phone of an IVR session whose caller asked to be erased.
ERASED = ""


@dataclass(frozen=True)
class _Upserts:
    """The statements whose ON CONFLICT clause is written differently per database."""

    add_caregiver: Any
    add_state: Any
    add_inbound: Any
    add_doses: Any


@cache
def _upserts(dialect_name: str) -> _Upserts:
    return _Upserts(
        add_caregiver=conflict_insert(dialect_name, CAREGIVER)
        .on_conflict_do_nothing(index_elements=["phone"])
        .returning(CAREGIVER.c.id),
        add_state=conflict_insert(dialect_name, CONVERSATION)
        .on_conflict_do_nothing(index_elements=["caregiver_id"])
        .returning(CONVERSATION.c.caregiver_id),
        add_inbound=conflict_insert(dialect_name, MESSAGE)
        .on_conflict_do_nothing(index_elements=["provider_sid"])
        .returning(MESSAGE.c.id),
        add_doses=conflict_insert(dialect_name, DOSE).on_conflict_do_nothing(),
    )


_RECENT_INBOUND = (
    select(func.count())
    .where(
        MESSAGE.c.caregiver_id == CAREGIVER.c.id,
        MESSAGE.c.direction == "in",
        MESSAGE.c.created_at > bindparam("since"),
    )
    .scalar_subquery()
)
_LOAD = (
    select(
        CAREGIVER.c.id,
        CAREGIVER.c.language,
        CAREGIVER.c.pincode,
        CAREGIVER.c.state,
        CAREGIVER.c.district,
        CAREGIVER.c.opted_out,
        CONVERSATION.c.flow,
        CONVERSATION.c.step,
        CONVERSATION.c.data,
        CONVERSATION.c.version,
        _RECENT_INBOUND.label("recent"),
        CHILD.c.id.label("child_id"),
        CHILD.c.name,
        CHILD.c.birth_date,
        CHILD.c.schedule,
        DOSE.c.code,
        DOSE.c.given_on,
    )
    .select_from(CAREGIVER.outerjoin(CONVERSATION).outerjoin(CHILD).outerjoin(DOSE))
    .where(CAREGIVER.c.phone == bindparam("phone"))
    .order_by(CHILD.c.id, DOSE.c.given_on, DOSE.c.id)
)
_LOAD_COLUMNS = [
    "id",
    "language",
    "pincode",
    "state",
    "district",
    "opted_out",
    "flow",
    "step",
    "data",
    "version",
    "recent",
    "child_id",
    "name",
    "birth_date",
    "schedule",
    "code",
    "given_on",
]
_REPLIES = (
    select(MESSAGE.c.body)
    .where(
        MESSAGE.c.reply_to_id
        == select(MESSAGE.c.id).where(MESSAGE.c.provider_sid == bindparam("sid")).scalar_subquery()
    )
    .order_by(MESSAGE.c.id)
)
_ADD_MESSAGE = insert(MESSAGE).returning(MESSAGE.c.id)
_ADD_MESSAGES = insert(MESSAGE)
_ADD_CHILD = insert(CHILD).returning(CHILD.c.id)
_UPDATE_STATE = update(CONVERSATION).where(
    CONVERSATION.c.caregiver_id == bindparam("cid"),
    CONVERSATION.c.version == bindparam("read_version"),
)
_UPDATE_CAREGIVER = update(CAREGIVER).where(CAREGIVER.c.id == bindparam("cid"))
# SCHEDULE IAP: the family's children change schedule (not a pregnancy, not an adult).
_SET_SCHEDULE = (
    update(CHILD)
    .where(
        CHILD.c.caregiver_id == bindparam("cid"),
        CHILD.c.schedule.in_(CHILDREN_SCHEDULES),
    )
    .values(schedule=bindparam("schedule"))
)
# Registering a child is the caregiver's consent to reminders and broadcasts (DLT's
# "service explicit" messages rest on it): when, and by which channel, is kept. A consent
# an ASHA gave for a mother gives way to the mother's own, when she registers a child.
_CONSENT = (
    update(CAREGIVER)
    .where(
        CAREGIVER.c.id == bindparam("cid"),
        or_(CAREGIVER.c.consent_at.is_(None), CAREGIVER.c.consent_channel == CONSENT_BY_ASHA),
    )
    .values(consent_at=bindparam("at"), consent_channel=bindparam("how"))
)
_REPORTED = select(
    MESSAGE.c.id, MESSAGE.c.caregiver_id, MESSAGE.c.status, MESSAGE.c.provider_sid
).where(MESSAGE.c.direction == "out")
_BY_SID = _REPORTED.where(MESSAGE.c.provider_sid == bindparam("sid"))
_BY_ID = _REPORTED.where(MESSAGE.c.id == bindparam("mid"))
_SID_TAKEN = select(MESSAGE.c.id).where(MESSAGE.c.provider_sid == bindparam("sid"))
_SET_MESSAGE_STATUS = update(MESSAGE).where(MESSAGE.c.id == bindparam("mid"))


class Conflict(Exception):
    """Another message from the same sender was recorded since this one was read."""


@dataclass(frozen=True)
class Loaded:
    """A sender as the flows see them, as read before handling their message.

    ``caregiver_id`` is None for a number never seen; ``version`` is the conversation's
    version, which the write must still find; ``recent_messages`` counts the sender's
    messages in the last minute.
    """

    caregiver_id: int | None
    profile: Profile
    state: State
    version: int | None
    recent_messages: int


def load(conn: Connection, phone: str) -> Loaded:
    """The sender with ``phone``: profile, children, doses and conversation state."""
    rows = execute(conn, _LOAD, {"phone": phone, "since": clock.now() - dt.timedelta(minutes=1)})
    if not rows:
        return Loaded(None, Profile(phone=phone), State(), None, 0)
    first = dict(zip(_LOAD_COLUMNS, rows[0], strict=True))
    place = None
    if first["district"]:  # a PIN code's place, or a district sent without one
        place = Place(first["pincode"] or "", first["state"], first["district"])
    children: dict[int, tuple[str, dt.date, str, list[tuple[str, dt.date]]]] = {}
    for *_, child_id, name, birth_date, schedule, code, given_on in rows:
        if child_id is None:
            continue
        entry = children.setdefault(child_id, (name, birth_date, schedule, []))
        if code is not None:
            entry[3].append((code, given_on))
    profile = Profile(
        first["language"],
        place,
        bool(first["opted_out"]),
        tuple(
            ChildInfo(cid, name, born, tuple(doses), schedule)
            for cid, (name, born, schedule, doses) in children.items()
        ),
        phone,
    )
    state = State(first["flow"], first["step"], dict(first["data"] or {}))
    return Loaded(first["id"], profile, state, first["version"], first["recent"] or 0)


class Replayed(Exception):
    """The provider sent a message that was already handled."""


@dataclass(frozen=True)
class Received:
    """A message as the store writes it down: its inbox row, sender, channel and text."""

    inbox_id: int
    phone: str
    channel: str
    body: str
    provider_sid: str | None


def save_turn(
    conn: Connection,
    planner: Planner,
    loaded: Loaded,
    message: Received,
    replies: list[str],
    state: State | None,
    effects: list[Effect],
    log_replies: bool = True,
) -> None:
    """One message's unit of work, in the caller's write transaction: mark it handled in
    the inbox, log it, save the conversation's new ``state`` (None: a throttled message,
    which changes nothing), carry out the ``effects``, re-plan the reminders they change,
    and log the ``replies`` (``log_replies``: False when they go out as SMS, which log
    themselves). Raises Replayed when another request handled the message first, and
    Conflict when another message of the sender's got in since ``loaded`` was read."""
    status = "received" if state is not None else "throttled"
    if not inbox.mark(conn, message.inbox_id, "handled" if state is not None else status):
        conn.rollback()
        raise Replayed(message.inbox_id)
    caregiver_id: int | None = caregiver_id_for(conn, loaded, message.phone)
    inbound_id = log_inbound(
        conn, caregiver_id, message.channel, message.body, status, message.provider_sid
    )
    if inbound_id is None:
        conn.rollback()
        raise Replayed(message.provider_sid)
    if state is not None:
        save_state(conn, caregiver_id, loaded, state)
        changes = apply_effects(conn, caregiver_id, effects, message.channel)
        if changes.erased:
            # The erasure kept only what a replayed webhook needs (this message's provider
            # id, as a tombstone); the replies, which hold nothing personal, answer that,
            # or an empty row where the message had no provider id (the simulator).
            caregiver_id = None
            if not message.provider_sid:
                inbound_id = log_inbound(conn, None, message.channel, "", "erased", None)
        elif changes.everyone or changes.children:
            children = None if changes.everyone else changes.children
            planner.replan(conn, caregiver_id, clock.now(), children, told_today=True)
        for family_id, child_id in changes.families:  # told by SMS, not in this conversation
            planner.replan(conn, family_id, clock.now(), [child_id])
    if log_replies:
        log_replies_to(conn, caregiver_id, message.channel, replies, inbound_id)


def caregiver_id_for(conn: Connection, loaded: Loaded, phone: str) -> int:
    """The caregiver's id, creating the caregiver if they were new when read."""
    if loaded.caregiver_id is not None:
        return loaded.caregiver_id
    created = add_caregiver(conn, phone)
    if created is None:
        raise Conflict(phone)
    return created


def add_caregiver(conn: Connection, phone: str, simulated: bool = False) -> int | None:
    """Add a caregiver with ``phone`` and the usual settings; None if the number is taken."""
    created = execute(
        conn,
        _upserts(conn.dialect.name).add_caregiver,
        {
            "phone": phone,
            "opted_out": False,
            "unreachable": False,
            "reminder_slot": DEFAULT_SLOT,
            "channel": "sms",
            "simulated": simulated,
            "created_at": clock.now(),
        },
    )
    return created[0][0] if created else None


def save_state(conn: Connection, caregiver_id: int, loaded: Loaded, state: State) -> None:
    """Store the conversation state as the next version; Conflict if someone else did first."""
    values = {"flow": state.flow, "step": state.step, "data": state.data, "updated_at": clock.now()}
    if loaded.version is None:
        added = execute(
            conn,
            _upserts(conn.dialect.name).add_state,
            {"caregiver_id": caregiver_id, "version": 1, **values},
        )
        if not added:
            raise Conflict(caregiver_id)
        return
    bumped = {"cid": caregiver_id, "read_version": loaded.version, **values}
    if not rowcount(conn, _UPDATE_STATE, {**bumped, "version": loaded.version + 1}):
        raise Conflict(caregiver_id)


def log_inbound(
    conn: Connection,
    caregiver_id: int | None,
    channel: str,
    body: str,
    status: str,
    provider_sid: str | None,
) -> int | None:
    """Log a message received; None when its provider id was already logged (a replay)."""
    values = _message(caregiver_id, "in", channel, body, status, provider_sid, None)
    statement = _upserts(conn.dialect.name).add_inbound if provider_sid else _ADD_MESSAGE
    rows = execute(conn, statement, values)
    return rows[0][0] if rows else None


def replies_to(conn: Connection, provider_sid: str) -> list[str]:
    """The replies given to the message with this provider id."""
    return [body for (body,) in execute(conn, _REPLIES, {"sid": provider_sid})]


def log_replies_to(
    conn: Connection, caregiver_id: int | None, channel: str, replies: list[str], reply_to_id: int
) -> None:
    """Log the replies sent back in answer to message ``reply_to_id``."""
    execute_many(
        conn,
        _ADD_MESSAGES,
        [
            _message(caregiver_id, "out", channel, body, "replied", None, reply_to_id)
            for body in replies
        ],
    )


def _message(
    caregiver_id: int | None,
    direction: str,
    channel: str,
    body: str,
    status: str,
    provider_sid: str | None,
    reply_to_id: int | None,
) -> dict[str, Any]:
    now = clock.now()
    return {
        "caregiver_id": caregiver_id,
        "direction": direction,
        "channel": channel,
        "body": body,
        "provider_sid": provider_sid,
        "reply_to_id": reply_to_id,
        "status": status,
        "error_code": None,
        "segments": segment_count(body) if body else 0,
        "created_at": now,
        "updated_at": now,
    }


@dataclass
class Changes:
    """What a turn's effects changed that reminders depend on."""

    children: list[int] = field(default_factory=list)  # registered, or doses recorded
    everyone: bool = False  # slot, place or opt-out: every child's reminders change
    erased: bool = False
    # (caregiver id, child id): children registered on another caregiver's number (REG
    # with the mother's mobile), whose reminders are planned for her.
    families: list[tuple[int, int]] = field(default_factory=list)


def apply_effects(
    conn: Connection, caregiver_id: int, effects: list[Effect], source: str
) -> Changes:
    """Carry out a turn's effects, and say whose reminders they change."""
    caregiver: dict[str, Any] = {}
    changes = Changes()
    changed = changes.children
    now = clock.now()
    for effect in effects:
        match effect:
            case SetLanguage(language):
                caregiver["language"] = language
            case SetPlace(place):
                pincode = place.pincode or None
                caregiver.update(pincode=pincode, state=place.state, district=place.district)
                changes.everyone = True
            case SetSlot(slot):
                caregiver["reminder_slot"] = slot
                changes.everyone = True
            case SetSite(site):
                caregiver["session_site"] = site
            case SetChannel(channel):
                caregiver["channel"] = channel
            case OptOut():
                caregiver["opted_out"] = True
                changes.everyone = True
            case OptIn():
                caregiver["opted_out"] = False
                changes.everyone = True
            case AddChild(name, birth_date, schedule, doses):
                values = {
                    "caregiver_id": caregiver_id,
                    "name": name,
                    "birth_date": birth_date,
                    "schedule": schedule,
                    "created_at": now,
                }
                child_id = execute(conn, _ADD_CHILD, values)[0][0]
                _record_doses(conn, child_id, doses, source, now)
                rowcount(conn, _CONSENT, {"cid": caregiver_id, "at": now, "how": source})
                changed.append(child_id)
            case SetSchedule(schedule):
                conn.execute(_SET_SCHEDULE, {"cid": caregiver_id, "schedule": schedule})
                changes.everyone = True
            case BabyBorn(pregnancy_id):
                changed.append(pregnancy_id)  # its reminders end (planning.delivered)
            case RecordDoses(child_id, codes, given_on):
                _record_doses(conn, child_id, [(code, given_on) for code in codes], source, now)
                changed.append(child_id)
            case RegisterForMother():
                family = register_for_mother(conn, caregiver_id, effect, source, now)
                if family is not None:
                    changes.families.append(family)
            case DeleteCaregiver():
                erase_caregiver(conn, caregiver_id)
                return Changes(erased=True)
    if caregiver:
        rowcount(conn, _UPDATE_CAREGIVER, {"cid": caregiver_id, **caregiver})
    return changes


def set_schedule(
    conn: Connection, planner: Planner, caregiver_id: int, schedule: str, now: dt.datetime
) -> None:
    """The family's children follow ``schedule`` (from the dashboard; by SMS it is the
    SetSchedule effect), their reminders re-planned in the same transaction."""
    conn.execute(_SET_SCHEDULE, {"cid": caregiver_id, "schedule": schedule})
    planner.replan(conn, caregiver_id, now)


def _record_doses(
    conn: Connection,
    child_id: int,
    doses: Iterable[tuple[str, dt.date]],
    source: str,
    now: dt.datetime,
) -> None:
    """Record ``(code, given_on)`` doses of a child; a dose already recorded stays as it is."""
    rows = [
        {"child_id": child_id, "code": code, "given_on": on, "source": source, "recorded_at": now}
        for code, on in doses
    ]
    execute_many(conn, _upserts(conn.dialect.name).add_doses, rows)


_MOTHER = select(
    CAREGIVER.c.id, CAREGIVER.c.language, CAREGIVER.c.pincode, CAREGIVER.c.simulated
).where(CAREGIVER.c.phone == bindparam("phone"))
_SENDER = select(
    CAREGIVER.c.phone,
    CAREGIVER.c.simulated,
    select(WORKER.c.name)
    .where(WORKER.c.caregiver_id == CAREGIVER.c.id, WORKER.c.active.is_(True))
    .scalar_subquery(),
).where(CAREGIVER.c.id == bindparam("cid"))
# A turn of the mother's that read her conversation before this registration is handled
# again on top of it (its profile had one child fewer).
_BUMP_STATE = (
    update(CONVERSATION)
    .where(CONVERSATION.c.caregiver_id == bindparam("cid"))
    .values(version=CONVERSATION.c.version + 1)
)
#: Long enough ago that the next sweep queues a notice (bot.broadcasts.lifecycle.resume).
_QUEUE_AT_ONCE = dt.timedelta(days=1)


def register_for_mother(
    conn: Connection, sender_id: int, effect: RegisterForMother, source: str, now: dt.datetime
) -> tuple[int, int] | None:
    """Register ``effect``'s child on the mother's number for the sender (her ASHA), and
    queue the one SMS that tells her: (her caregiver id, the child's id).

    The mother's row is created if new; her language and place are kept where she has
    them (else the ASHA's language and the child's PIN code); her consent is recorded as
    given through the ASHA (``consent_channel`` "asha"), and the sender is linked as her
    health worker (``registered_by_id``: the sender's caregiver row, whether or not she
    is a registered health worker; her weekly digest names the family's children). A
    mother who said STOP stays stopped: she gets no reminders and no SMS.

    The SMS is a one-recipient broadcast of kind "notice", written in this transaction
    and sent by the sweep (daytime only, like every broadcast), so it is sent once even
    if a worker dies. None, and nothing done, for the phone simulator's numbers: a
    simulated sender never reaches a real phone.
    """
    sender_phone, sender_simulated, worker_name = execute(conn, _SENDER, {"cid": sender_id})[0]
    found = execute(conn, _MOTHER, {"phone": effect.phone})
    if sender_simulated or (found and found[0][3]):
        return None
    if found:
        mother_id, language, pincode, _ = found[0]
    else:
        mother_id = add_caregiver(conn, effect.phone)
        if mother_id is None:  # she texted for the first time meanwhile
            raise Conflict(effect.phone)
        language = pincode = None
    values: dict[str, Any] = {"registered_by_id": sender_id}
    if not language:
        language = values["language"] = effect.language
    if not pincode:
        place = effect.place
        values.update(pincode=place.pincode, state=place.state, district=place.district)
    rowcount(conn, _UPDATE_CAREGIVER, {"cid": mother_id, **values})
    child = effect.child
    child_values = {
        "caregiver_id": mother_id,
        "name": child.name,
        "birth_date": child.birth_date,
        "schedule": child.schedule,
        "created_at": now,
    }
    child_id = execute(conn, _ADD_CHILD, child_values)[0][0]
    _record_doses(conn, child_id, child.doses, source, now)
    rowcount(conn, _CONSENT_BY_ASHA, {"cid": mother_id, "at": now})
    rowcount(conn, _BUMP_STATE, {"cid": mother_id})
    lang = normalise_language(language)
    body = render_sms(mother_notice(child.name, worker_name, sender_phone), lang)
    _queue_notice(conn, mother_id, lang, body, now)
    return mother_id, child_id


_CONSENT_BY_ASHA = (
    update(CAREGIVER)
    .where(CAREGIVER.c.id == bindparam("cid"), CAREGIVER.c.consent_at.is_(None))
    .values(consent_at=bindparam("at"), consent_channel=CONSENT_BY_ASHA)
)


def _queue_notice(conn: Connection, caregiver_id: int, lang: str, body: str, now: dt.datetime):
    """A one-recipient broadcast of ``body``, for the sweep to send at once."""
    notice_id = conn.execute(
        insert(BROADCAST)
        .values(
            name="Registration notice to a mother",
            kind="notice",
            texts={},
            audience={},
            status="sending",
            recipients=1,
            created_by="reg",
            created_at=now,
            send_at=now,
            enqueued_at=now - _QUEUE_AT_ONCE,
        )
        .returning(BROADCAST.c.id)
    ).scalar_one()
    conn.execute(
        insert(RECIPIENT).values(
            broadcast_id=notice_id,
            caregiver_id=caregiver_id,
            language=lang,
            body=body,
            status="queued",
        )
    )


def erase_caregiver(conn: Connection, caregiver_id: int) -> None:
    """Delete a caregiver and everything about them or their phone: children, doses,
    reminders, state, messages, inbox, calls and IVR sessions. What a provider's replayed webhook
    would need to recreate them is kept as a tombstone with nothing personal in it: the
    provider's id of each message (so a replayed MessageSid is recognised as handled) and
    of each IVR call (a replayed CallSid hears goodbye)."""
    phone = conn.scalar(select(CAREGIVER.c.phone).where(CAREGIVER.c.id == caregiver_id))
    children = select(CHILD.c.id).where(CHILD.c.caregiver_id == caregiver_id)
    mine = MESSAGE.c.caregiver_id == caregiver_id
    conn.execute(
        update(MESSAGE)
        .where(mine, MESSAGE.c.provider_sid.is_not(None))
        .values(caregiver_id=None, body="", status="erased", error_code=None, reply_to_id=None)
    )
    conn.execute(delete(MESSAGE).where(mine))
    theirs = or_(CALL.c.caregiver_id == caregiver_id, CALL.c.phone == phone)
    conn.execute(delete(CALL).where(theirs))  # queued jobs then find nothing to do
    conn.execute(
        update(SESSION)
        .where(or_(SESSION.c.caregiver_id == caregiver_id, SESSION.c.phone == phone))
        .values(phone=ERASED, caregiver_id=None, voice_call_id=None, step=None, data={})
    )
    conn.execute(update(INBOX).where(INBOX.c.phone == phone).values(phone=ERASED, body=""))
    conn.execute(delete(REMINDER).where(REMINDER.c.caregiver_id == caregiver_id))
    conn.execute(delete(DOSE).where(DOSE.c.child_id.in_(children)))
    conn.execute(delete(CHILD).where(CHILD.c.caregiver_id == caregiver_id))
    conn.execute(delete(CONVERSATION).where(CONVERSATION.c.caregiver_id == caregiver_id))
    _forget_in_ashas_messages(conn, caregiver_id, phone)
    # The families she registered for as their ASHA stay, unlinked; her notices go.
    conn.execute(
        update(CAREGIVER)
        .where(CAREGIVER.c.registered_by_id == caregiver_id)
        .values(registered_by_id=None)
    )
    conn.execute(delete(RECIPIENT).where(RECIPIENT.c.caregiver_id == caregiver_id))
    conn.execute(delete(CAREGIVER).where(CAREGIVER.c.id == caregiver_id))


def _forget_in_ashas_messages(conn: Connection, caregiver_id: int, phone: str | None) -> None:
    """Blank the REG messages in which her ASHA gave this caregiver's number, and their
    replies (which name her child and number), in the ASHA's message log and inbox: the
    messages with the number's 10 digits in them, and those the reply naming it answered
    (the number may have been typed with spaces or hyphens)."""
    asha_id = conn.scalar(
        select(CAREGIVER.c.registered_by_id).where(CAREGIVER.c.id == caregiver_id)
    )
    if asha_id is None or not phone:
        return
    digits = national(phone)
    naming = select(MESSAGE.c.id, MESSAGE.c.reply_to_id).where(
        MESSAGE.c.caregiver_id == asha_id, MESSAGE.c.body.contains(digits, autoescape=True)
    )
    ids = {i for row in conn.execute(naming) for i in row if i is not None}
    if ids:
        sids = select(MESSAGE.c.provider_sid).where(
            MESSAGE.c.id.in_(ids), MESSAGE.c.provider_sid.is_not(None)
        )
        conn.execute(update(INBOX).where(INBOX.c.provider_sid.in_(sids)).values(body=""))
        conn.execute(
            update(MESSAGE)
            .where(or_(MESSAGE.c.id.in_(ids), MESSAGE.c.reply_to_id.in_(ids)))
            .values(body="")
        )
    asha_phone = conn.scalar(select(CAREGIVER.c.phone).where(CAREGIVER.c.id == asha_id))
    conn.execute(
        update(INBOX)
        .where(INBOX.c.phone == asha_phone, INBOX.c.body.contains(digits, autoescape=True))
        .values(body="")
    )


def reported_message(
    conn: Connection, provider_sid: str, message_id: int | None
) -> tuple[int, int | None, str] | None:
    """(id, caregiver id, status) of the message we sent that a delivery report names.

    The provider's id decides; our id (from the callback URL) finds a message whose
    provider id is not written down yet. A report naming an inbound message, or naming
    our message with another message's provider id, names nothing of ours.
    """
    rows = execute(conn, _BY_SID, {"sid": provider_sid})
    if rows:
        return rows[0][:3]
    if message_id is None or execute(conn, _SID_TAKEN, {"sid": provider_sid}):
        return None
    rows = execute(conn, _BY_ID, {"mid": message_id})
    if not rows or rows[0][3] not in (None, provider_sid):
        return None
    return rows[0][:3]


def set_message_status(
    conn: Connection, message_id: int, status: str, error_code: int | None, sid: str
) -> None:
    rowcount(
        conn,
        _SET_MESSAGE_STATUS,
        {
            "mid": message_id,
            "status": status,
            "error_code": error_code,
            "provider_sid": sid,
            "updated_at": clock.now(),
        },
    )


def mark_unreachable(conn: Connection, caregiver_id: int) -> None:
    rowcount(conn, _UPDATE_CAREGIVER, {"cid": caregiver_id, "unreachable": True})
