"""The I/O shell around the flows: lock the sender, load, process, save, log, reply.

Every channel (SMS webhook, terminal chat, simulator) hands messages to
:func:`handle_message`. One database transaction per message: it locks the sender
(so one sender's messages are handled one at a time), counts their recent messages
for throttling, and records the message, the replies and every change together.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot import store
from bot.privacy import mask_phone
from bot.services import Services
from flows import texts
from flows.engine import process
from flows.turn import DeleteCaregiver
from locales import Text, normalise_language, render
from scheduler import clock

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Inbound:
    """One message from a caregiver, whatever channel it came by."""

    phone: str  # E.164
    body: str
    channel: str  # "sms", "console", ...
    provider_sid: str | None = None


def handle_message(services: Services, message: Inbound) -> list[str]:
    """Process ``message`` and return the replies to send back, in order.

    A message whose provider id was already handled gets the replies it got then,
    and changes nothing. A sender over the per-minute limit gets one notice, then
    silence; their messages are logged, not acted on.
    """
    with services.db.writing() as conn:
        loaded = store.lock_or_create(conn, message.phone)
        over_limit = loaded.recent_messages + 1 - services.config["THROTTLE_PER_MINUTE"]
        status = "throttled" if over_limit > 0 else "received"
        inbound_id = store.log_inbound(
            conn, loaded.caregiver_id, message.channel, message.body, status, message.provider_sid
        )
        if inbound_id is None:
            replies = store.replies_to(conn, message.provider_sid)
            conn.rollback()
            log.info("repeated webhook %s: same reply, no change", message.provider_sid)
            return replies
        if over_limit > 0:
            replies = []
            if over_limit == 1:
                log.warning("throttling %s", mask_phone(message.phone))
                lang = normalise_language(loaded.profile.language)
                replies = [render(Text(texts.THROTTLED), lang)]
            store.log_replies(conn, loaded.caregiver_id, message.channel, replies, inbound_id)
            return replies

        outcome = process(
            loaded.profile, loaded.state, message.body, clock.today(), services.schedule
        )
        replies = [render(text, outcome.language) for text in outcome.replies]
        store.apply_effects(conn, loaded.caregiver_id, outcome.effects, source=message.channel)
        erased = any(isinstance(effect, DeleteCaregiver) for effect in outcome.effects)
        if erased:
            # Keep only what a replayed webhook needs: its id, and replies with nothing
            # personal in them.
            inbound_id = store.log_inbound(
                conn, None, message.channel, "", "erased", message.provider_sid
            )
            store.log_replies(conn, None, message.channel, replies, inbound_id)
        else:
            store.save_state(conn, loaded, outcome.state)
            store.log_replies(conn, loaded.caregiver_id, message.channel, replies, inbound_id)
    log.info(
        "message from %s: %d replies, %d effects%s",
        mask_phone(message.phone),
        len(replies),
        len(outcome.effects),
        " (caregiver erased at their request)" if erased else "",
    )
    return replies
