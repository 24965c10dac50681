"""The inbound SMS webhook: a caregiver's text through the conversation, answered with
TwiML (``POST /twilio/sms``, signed)."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request

from bot.channels.numbers import provider_id
from bot.channels.signature import twilio_signed
from bot.channels.twilio_sms import normalise_phone, twiml
from bot.conversation.shell import Inbound, handle_message
from bot.services import services
from bot.storage import inbox
from bot.storage.db import DatabaseBusy
from bot.storage.privacy import mask_phone
from flows import texts
from locales import Text, render
from scheduler import clock

log = logging.getLogger(__name__)
blueprint = Blueprint("twilio_sms", __name__)


@blueprint.post("/twilio/sms")
@twilio_signed
def inbound_sms() -> Response | tuple[str, int]:
    """An SMS from a caregiver: run it through the flows and reply in TwiML."""
    form = request.form
    phone = normalise_phone(form.get("From", ""), current_app.config["DEFAULT_REGION"])
    sid = provider_id(form.get("MessageSid") or form.get("SmsSid"))
    if phone is None or not sid:
        log.warning("SMS webhook without a usable From or MessageSid")
        return "missing From or MessageSid", 400
    message = Inbound(phone=phone, body=form.get("Body", ""), channel="sms", provider_sid=sid)
    try:
        replies = handle_message(services(), message)
    except DatabaseBusy:  # not even the inbox could be written: Redis keeps it meanwhile
        received = {"phone": phone, "body": message.body, "sid": sid}
        inbox.defer(services(), "sms", received | {"received_at": clock.now().isoformat()})
        replies = []  # the inbox job handles it and texts the replies
    except Exception:  # it is in the inbox: handled again later; the caregiver hears now
        log.exception("could not handle SMS from %s", mask_phone(phone))
        lang = current_app.config["DEFAULT_LANGUAGE"]
        replies = [render(Text(texts.SORRY), lang)]
    return twiml(replies)
