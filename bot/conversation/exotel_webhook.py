"""The inbound SMS webhook of Exotel: ``/exotel/sms/<EXOTEL_WEBHOOK_TOKEN>``, GET or
POST, as a form or JSON. Exotel cannot take replies in its answer, so the message is
recorded, its handling queued, and 200 returned at once; a worker texts the replies
(:mod:`bot.conversation.replies`). A replayed ``SmsSid`` is answered and changes nothing.
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request

from bot.channels.numbers import provider_id
from bot.channels.signature import callback_fields, token_in_path
from bot.channels.twilio_sms import normalise_phone
from bot.conversation.replies import queue_reply
from bot.services import services
from bot.storage import inbox
from bot.storage.db import DatabaseBusy
from scheduler import clock

log = logging.getLogger(__name__)
blueprint = Blueprint("exotel_sms", __name__)


@blueprint.route("/exotel/sms/<token>", methods=["GET", "HEAD", "POST"])
@token_in_path("EXOTEL_WEBHOOK_TOKEN")
def inbound_sms() -> tuple[str, int]:
    """An SMS to our ExoPhone: recorded, then handled by a worker, which replies."""
    if request.method == "HEAD":  # Exotel checks the URL first
        return "", 200
    fields = callback_fields()
    phone = normalise_phone(str(fields.get("From") or ""), current_app.config["DEFAULT_REGION"])
    sid = provider_id(str(fields.get("SmsSid") or ""))
    if phone is None or not sid:
        log.warning("Exotel SMS without a usable From or SmsSid")
        return "missing From or SmsSid", 400
    body = fields.get("Body")
    body = body if isinstance(body, str) else ""
    tika = services()
    try:
        recorded = inbox.record(tika, phone, body, "sms", sid)
    except DatabaseBusy:  # Redis keeps it; the inbox job writes it down and replies
        received = {"phone": phone, "body": body, "sid": sid}
        inbox.defer(tika, "sms", received | {"received_at": clock.now().isoformat()})
        return "", 200
    if not recorded.replayed:
        queue_reply(tika, recorded.id)
    return "", 200
