"""Twilio Voice: missed calls, the IVR, and the status of the calls we place.

``/twilio/voice/missed`` turns a call away unanswered (never billed) and owes the caller
a call-back; ``/twilio/voice`` answers a line where the caller pays; ``/twilio/voice/answer``
is where our own calls (call-backs, reminder calls) start; ``/twilio/voice/ivr`` takes each
keypad answer; ``/twilio/voice/status`` hears how our calls went. All are signed.
"""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app, request
from flask.blueprints import BlueprintSetupState

from bot.channels.numbers import MAX_ID, bounded_int, provider_id
from bot.channels.signature import twilio_signed
from bot.channels.twilio_sms import normalise_phone
from bot.channels.twilio_voice import Speech, reject_busy
from bot.services import services
from bot.storage.inbox import keep_if_busy
from bot.storage.privacy import mask_phone
from bot.voice.calls import apply_call_status, record_missed_call
from bot.voice.ivr import Reply, answer_call, keys_pressed
from flows import texts
from flows.voice_call import Prompt
from locales import Text

log = logging.getLogger(__name__)
blueprint = Blueprint("twilio_voice", __name__)


@blueprint.record_once
def _build_speech(state: BlueprintSetupState) -> None:
    state.app.extensions["tika_voice"] = Speech.from_config(state.app.config)


def _speech() -> Speech:
    return current_app.extensions["tika_voice"]


def _xml(body: str) -> Response:
    return Response(body, mimetype="text/xml")


def _base_url() -> str:
    return (current_app.config["PUBLIC_BASE_URL"] or request.host_url).rstrip("/")


def ivr_twiml(reply: Reply) -> Response:
    """The reply's prompts, and a ``<Gather>`` whose action carries the turn it answers."""
    action = f"{_base_url()}/twilio/voice/ivr?turn={reply.turn}"
    return _xml(_speech().twiml(reply.prompts, reply.digits, action))


def _sorry() -> Response:
    lang = current_app.config["DEFAULT_LANGUAGE"]
    return _xml(_speech().twiml([Prompt("SORRY", Text(texts.SORRY), lang)], None, ""))


@blueprint.post("/twilio/voice/missed")
@twilio_signed
def missed_call() -> Response:
    """A missed call: rejected as busy before it is answered, and a call-back owed."""
    phone = normalise_phone(request.form.get("From", ""), current_app.config["DEFAULT_REGION"])
    sid = provider_id(request.form.get("CallSid"))
    if phone is None or not sid:
        log.warning("missed call without a usable From or CallSid")
    else:
        try:  # when the database is busy, the inbox job opens the call-back later
            keep_if_busy(services(), "missed-call", record_missed_call, phone=phone, call_sid=sid)
        except Exception:  # the caller must still hear "busy", free of charge
            log.exception("could not record a missed call from %s", mask_phone(phone))
    return _xml(reject_busy())


@blueprint.post("/twilio/voice")
@twilio_signed
def inbound_call() -> Response | tuple[str, int]:
    """A call to the line where the caller pays: answered with the IVR at once."""
    form = request.form
    phone = normalise_phone(form.get("From", ""), current_app.config["DEFAULT_REGION"])
    sid = provider_id(form.get("CallSid"))
    if phone is None or not sid:
        return "missing From or CallSid", 400
    try:
        return ivr_twiml(answer_call(services(), sid, phone))
    except Exception:
        log.exception("could not answer a call from %s", mask_phone(phone))
        return _sorry()


@blueprint.post("/twilio/voice/answer")
@twilio_signed
def answered_call() -> Response | tuple[str, int]:
    """One of our calls was answered: a call-back starts the IVR, a reminder call speaks."""
    call_id = bounded_int(request.args.get("call"), MAX_ID)
    sid = provider_id(request.form.get("CallSid"))
    if call_id is None or not sid:
        return "missing call or CallSid", 400
    try:
        return ivr_twiml(answer_call(services(), sid, None, voice_call_id=call_id))
    except LookupError:  # not a call of ours, or one erased since it was placed
        log.warning("answered call %s is not one of ours", call_id)
        return _sorry()
    except Exception:
        log.exception("could not start answered call %s", call_id)
        return _sorry()


@blueprint.post("/twilio/voice/ivr")
@twilio_signed
def keypad() -> Response | tuple[str, int]:
    """The keys pressed at a question (none, when the caller was silent)."""
    sid = provider_id(request.form.get("CallSid"))
    if not sid:
        return "missing CallSid", 400
    turn = bounded_int(request.args.get("turn"), MAX_ID)
    digits = request.form.get("Digits", "").strip()
    try:
        return ivr_twiml(keys_pressed(services(), sid, turn, digits))
    except LookupError:  # a call we never answered, or one already erased
        log.warning("keys on a call without an IVR session")
        return _sorry()
    except Exception:
        log.exception("could not handle keys on a call")
        return _sorry()


@blueprint.post("/twilio/voice/status")
@twilio_signed
def call_status() -> tuple[str, int]:
    """How a call we placed is going: recorded on its try; an unanswered one is retried
    later or, after the last try, its SMS is sent."""
    call_id = bounded_int(request.args.get("call"), MAX_ID)
    attempt = bounded_int(request.args.get("attempt"), MAX_ID)
    sid = provider_id(request.form.get("CallSid"))
    status = (request.form.get("CallStatus") or "").lower()
    if call_id is None or attempt is None or not sid or not status:
        return "missing call, attempt, CallSid or CallStatus", 400
    report = {"call_id": call_id, "attempt": attempt, "sid": sid, "status": status}
    keep_if_busy(services(), "call-status", apply_call_status, **report)
    return "", 204
