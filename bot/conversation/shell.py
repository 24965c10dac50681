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

import dataclasses
import logging
from dataclasses import dataclass

from bot.services import Services
from bot.storage import inbox, store
from bot.storage.db import DatabaseBusy
from bot.storage.privacy import mask_phone
from flows import texts
from flows.engine import process
from flows.turn import DeleteCaregiver
from locales import Text, normalise_language, render_sms
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
        except store.Replayed:
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
    """Load once, run the pure flow, save once."""
    with services.db.reading() as conn:
        loaded = store.load(conn, message.phone)
    if loaded.caregiver_id is None and message.channel == "sms":
        # A number never seen: its circle's language, if known (never for the simulator's
        # or the terminal's numbers, which are no one's).
        region = services.circles.state_of(message.phone)
        loaded = dataclasses.replace(
            loaded, profile=dataclasses.replace(loaded.profile, region=region)
        )
    received = store.Received(
        inbox_id, message.phone, message.channel, message.body, message.provider_sid
    )
    over_limit = loaded.recent_messages + 1 - services.config["THROTTLE_PER_MINUTE"]
    if over_limit > 0:  # logged, not acted on; only the first over the limit hears why
        replies = []
        if over_limit == 1:
            log.warning("throttling %s", mask_phone(message.phone))
            lang = normalise_language(loaded.profile.language)
            replies = [render_sms(Text(texts.THROTTLED), lang)]
        with services.db.writing() as conn:
            store.save_turn(conn, services.planner, loaded, received, replies, None, [])
        return replies

    outcome = process(
        loaded.profile,
        loaded.state,
        message.body,
        clock.today(),
        services.schedule,
        services.session_day,
    )
    replies = [render_sms(text, outcome.language) for text in outcome.replies]
    with services.db.writing() as conn:
        store.save_turn(
            conn,
            services.planner,
            loaded,
            received,
            replies,
            outcome.state,
            outcome.effects,
            log_replies,
        )
    erased = any(isinstance(effect, DeleteCaregiver) for effect in outcome.effects)
    log.info(
        "message from %s: %d replies, %d effects%s",
        mask_phone(message.phone),
        len(replies),
        len(outcome.effects),
        " (caregiver erased at their request)" if erased else "",
    )
    return replies
