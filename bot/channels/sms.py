"""Twilio SMS: the inbound webhook, answered with TwiML."""

from __future__ import annotations

import logging
from functools import lru_cache

import phonenumbers
from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from bot import inbox
from bot.channels.numbers import MAX_ERROR_CODE, MAX_ID, bounded_int, provider_id
from bot.channels.signature import twilio_signed
from bot.conversation import Inbound, handle_message
from bot.db import DatabaseBusy
from bot.inbox_jobs import record_or_keep
from bot.privacy import mask_phone
from bot.receipts import STATUS_ORDER
from bot.services import services
from flows import texts
from locales import Text, render
from scheduler import clock

log = logging.getLogger(__name__)
blueprint = Blueprint("twilio_sms", __name__)


@lru_cache(maxsize=4096)  # a caregiver sends several messages in a few minutes
def normalise_phone(raw: str, region: str = "IN") -> str | None:
    """A phone number in E.164 form, or None when it is not a possible number."""
    try:
        number = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def twiml(replies: list[str]) -> Response:
    """A TwiML document that sends each reply as its own message."""
    response = MessagingResponse()
    for reply in replies:
        response.message(reply)
    return Response(str(response), mimetype="text/xml")


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


@blueprint.post("/twilio/sms/status")
@twilio_signed
def delivery_status() -> tuple[str, int]:
    """Twilio's delivery report for a message we sent: record status and error code."""
    form = request.form
    sid = provider_id(form.get("MessageSid") or form.get("SmsSid"))
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid or status not in STATUS_ORDER:
        return "missing MessageSid or MessageStatus", 400
    record_or_keep(
        services(),
        "sms-status",
        sid=sid,
        status=status,
        code=bounded_int(form.get("ErrorCode"), MAX_ERROR_CODE),
        message_id=bounded_int(request.args.get("m"), MAX_ID),
    )
    return "", 204
