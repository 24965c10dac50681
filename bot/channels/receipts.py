"""Delivery reports: what the gateway says became of a message we sent."""

from __future__ import annotations

import logging

from bot.channels.clients import SendingClients
from bot.storage import store
from scheduler import clock

log = logging.getLogger(__name__)

# Later statuses win; a "sent" report arriving after "delivered" changes nothing.
STATUS_ORDER = {
    "sending": 0,
    "accepted": 1,
    "queued": 1,
    "sent": 2,
    "delivered": 3,
    "undelivered": 3,
    "failed": 3,
    "failed_dnd": 3,  # Exotel: the operator refused it, the number being on DND
    "read": 4,
}
# Delivery errors that mean the number cannot receive SMS at all (unknown handset,
# landline or unreachable carrier); 30003 (handset off) is only for now.
UNREACHABLE_ERRORS = {30005, 30006}


def callback_url(
    base_url: str, message_id: int | None, path: str = "/twilio/sms/status"
) -> str | None:
    """Where the gateway reports on a message (``path``: the gateway's report route): it
    names our message, so a report that arrives before the gateway's answer to the send
    is not lost."""
    if not (base_url and path):
        return None
    query = f"?m={message_id}" if message_id is not None else ""
    return f"{base_url.rstrip('/')}{path}{query}"


def record_delivery(
    services: SendingClients, sid: str, status: str, code: int | None, message_id: int | None
) -> bool:
    """Record a delivery report on the message log; False for a message we do not know.

    A number the network says cannot receive SMS is marked unreachable, and its open
    reminders are cancelled.
    """
    with services.db.writing() as conn:
        found = store.reported_message(conn, sid, message_id)
        if found is None:
            log.warning("delivery report for an unknown message %s", sid)
            return False
        message_id, caregiver_id, current = found
        if STATUS_ORDER.get(status, 0) >= STATUS_ORDER.get(current, 0):
            store.set_message_status(conn, message_id, status, code, sid)
        if code in UNREACHABLE_ERRORS and caregiver_id is not None:
            store.mark_unreachable(conn, caregiver_id)
            services.planner.replan(conn, caregiver_id, clock.now())
    return True
