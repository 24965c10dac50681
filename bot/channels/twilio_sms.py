"""Twilio SMS: the numbers and TwiML of its webhooks, and its delivery reports.

The inbound webhook itself is the conversation's (``bot.conversation.webhook``): it
reads the form with these helpers and answers with :func:`twiml`.
"""

from __future__ import annotations

import logging
from functools import lru_cache

import phonenumbers
from flask import Blueprint, Response, request
from twilio.twiml.messaging_response import MessagingResponse

from bot.channels.clients import current_clients
from bot.channels.numbers import MAX_ERROR_CODE, MAX_ID, bounded_int, provider_id
from bot.channels.receipts import STATUS_ORDER, record_delivery
from bot.channels.signature import twilio_signed
from bot.storage.inbox import keep_if_busy

log = logging.getLogger(__name__)
blueprint = Blueprint("twilio_sms_status", __name__)


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


@blueprint.post("/twilio/sms/status")
@twilio_signed
def delivery_status() -> tuple[str, int]:
    """Twilio's delivery report for a message we sent: record status and error code."""
    form = request.form
    sid = provider_id(form.get("MessageSid") or form.get("SmsSid"))
    status = (form.get("MessageStatus") or form.get("SmsStatus") or "").lower()
    if not sid or status not in STATUS_ORDER:
        return "missing MessageSid or MessageStatus", 400
    keep_if_busy(
        current_clients(),
        "sms-status",
        record_delivery,
        sid=sid,
        status=status,
        code=bounded_int(form.get("ErrorCode"), MAX_ERROR_CODE),
        message_id=bounded_int(request.args.get("m"), MAX_ID),
    )
    return "", 204
