"""The I/O shell around the flows: record, read, process, save, reply.

Every channel (SMS webhook, terminal chat, simulator) hands messages to
:func:`handle_message`. A message is first written down in the inbox, in a short
transaction of its own; then it is read and run through the flows outside any lock,
and one short transaction records it in the message log with its replies and every
change together, provided the sender's conversation is still the version that was read.
If another message from the same sender got in first, the message is handled again on
top of it, so one sender's messages take effect one at a time. A message that still
cannot be handled (conflicts, a busy database) stays in the inbox for the sweep's inbox
job, which texts the replies.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.services import Services
from bot.storage import inbox, store
from bot.storage.db import DatabaseBusy
from bot.storage.privacy import mask_phone
from flows import texts
from flows.engine import process
from flows.turn import DeleteCaregiver
from locales import Text, normalise_language, render
from scheduler import clock

log = logging.getLogger(__name__)

ATTEMPTS = 5


@dataclass(frozen=True)
class Inbound:
    """One message from a caregiver, whatever channel it came by."""

    phone: str  # E.164
    body: str
    channel: str  # "sms", "console", ...
    provider_sid: str | None = None


class Replayed(Exception):
    """The provider sent a message that was already handled."""


def handle_message(services: Services, message: Inbound) -> list[str]:
    """Write ``message`` down, handle it, and return the replies to send back, in order.

    A message whose provider id was already handled gets the replies it got then, and
    changes nothing (one still being handled gets none now). A sender over the
    per-minute limit gets one notice, then silence; their messages are logged, not acted
    on. A message that cannot be handled now gets no reply now: it stays in the inbox.
    Raises DatabaseBusy when even the inbox cannot be written.
    """
    recorded = inbox.record(
        services, message.phone, message.body, message.channel, message.provider_sid
    )
    if recorded.replayed:
        log.info("repeated webhook %s: same reply, no change", message.provider_sid)
        return _replies_to(services, message) if recorded.handled else []
    return handle_recorded(services, message, recorded.id) or []


def handle_recorded(
    services: Services, message: Inbound, inbox_id: int, log_replies: bool = True
) -> list[str] | None:
    """Handle a message of the inbox and return its replies; None when it cannot be
    handled now (it stays new), [] when another request handled it meanwhile.
    ``log_replies``: False when the replies go out as SMS, which log themselves."""
    for _ in range(ATTEMPTS):
        try:
            return _attempt(services, message, inbox_id, log_replies)
        except store.Conflict:
            log.info("message from %s raced another of theirs; again", mask_phone(message.phone))
        except Replayed:
            log.info("message %d was handled meanwhile", inbox_id)
            return []
        except DatabaseBusy:
            break
    log.warning("message %d from %s left in the inbox", inbox_id, mask_phone(message.phone))
    return None


def _replies_to(services: Services, message: Inbound) -> list[str]:
    with services.db.reading() as conn:
        return store.replies_to(conn, message.provider_sid)


def _attempt(services: Services, message: Inbound, inbox_id: int, log_replies: bool) -> list[str]:
    db = services.db
    with db.reading() as conn:
        loaded = store.load(conn, message.phone)
    over_limit = loaded.recent_messages + 1 - services.config["THROTTLE_PER_MINUTE"]
    if over_limit > 0:
        return _throttled(services, loaded, message, inbox_id, notice=over_limit == 1)

    outcome = process(
        loaded.profile,
        loaded.state,
        message.body,
        clock.today(),
        services.schedule,
        services.session_day,
    )
    replies = [render(text, outcome.language) for text in outcome.replies]
    erased = any(isinstance(effect, DeleteCaregiver) for effect in outcome.effects)
    with db.writing() as conn:
        _mark_handled(conn, inbox_id)
        caregiver_id = store.caregiver_id_for(conn, loaded, message.phone)
        inbound_id = _log_inbound(conn, caregiver_id, message, "received")
        store.save_state(conn, caregiver_id, loaded, outcome.state)
        changes = store.apply_effects(conn, caregiver_id, outcome.effects, message.channel)
        if changes.everyone or changes.children:
            children = None if changes.everyone else changes.children
            services.planner.replan(conn, caregiver_id, clock.now(), children, told_today=True)
        if erased:
            # The erasure kept only what a replayed webhook needs (this message's provider
            # id, as a tombstone); the replies, which hold nothing personal, answer that,
            # or an empty row where the message had no provider id (the simulator).
            caregiver_id = None
            if not message.provider_sid:
                inbound_id = _log_inbound(conn, None, Inbound("", "", message.channel), "erased")
        if log_replies:
            store.log_replies(conn, caregiver_id, message.channel, replies, inbound_id)
    log.info(
        "message from %s: %d replies, %d effects%s",
        mask_phone(message.phone),
        len(replies),
        len(outcome.effects),
        " (caregiver erased at their request)" if erased else "",
    )
    return replies


def _mark_handled(conn, inbox_id: int, status: str = "handled") -> None:
    if not inbox.mark(conn, inbox_id, status):
        conn.rollback()
        raise Replayed(inbox_id)


def _log_inbound(conn, caregiver_id: int | None, message: Inbound, status: str) -> int:
    inbound_id = store.log_inbound(
        conn, caregiver_id, message.channel, message.body, status, message.provider_sid
    )
    if inbound_id is None:
        conn.rollback()
        raise Replayed(message.provider_sid)
    return inbound_id


def _throttled(
    services: Services, loaded: store.Loaded, message: Inbound, inbox_id: int, notice: bool
) -> list[str]:
    """Log a message over the limit without acting on it; only the first gets a notice."""
    replies = []
    if notice:
        log.warning("throttling %s", mask_phone(message.phone))
        lang = normalise_language(loaded.profile.language)
        replies = [render(Text(texts.THROTTLED), lang)]
    with services.db.writing() as conn:
        _mark_handled(conn, inbox_id, "throttled")
        caregiver_id = store.caregiver_id_for(conn, loaded, message.phone)
        inbound_id = _log_inbound(conn, caregiver_id, message, "throttled")
        store.log_replies(conn, caregiver_id, message.channel, replies, inbound_id)
    return replies
