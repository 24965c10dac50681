"""Exotel voice: missed calls on an ExoPhone, and the IVR as a loop of dynamic applets.

Exotel's flows are drawn in its dashboard; Tika gives their content through URLs, each
ending in the secret ``EXOTEL_WEBHOOK_TOKEN`` (Exotel signs nothing):

- ``GET /exotel/voice/missed/<token>`` (a Passthru of the ExoPhone's flow, which then
  hangs up unanswered, so the caller pays nothing): a call-back is owed;
- the call-back's flow loops Greeting → Gather → Passthru: ``/exotel/voice/say/<token>``
  gives the Greeting's text (or recordings), ``/exotel/voice/gather/<token>`` the
  Gather's question and settings (Exotel's dynamic JSON), ``/exotel/voice/digits/<token>``
  takes the keys (200: round again; 302: the call ends, and the flow's last Greeting,
  the same say URL, speaks the goodbye);
- ``POST /exotel/voice/status/<token>?call=&attempt=``: how a call we placed went.

The same state machine as on Twilio (``bot.voice.ivr``) runs each step; the reply of the
latest step waits in Redis for the next applet to fetch (lost, the current question is
asked again from the database's session).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request

from bot.channels.numbers import MAX_ID, bounded_int, provider_id
from bot.channels.signature import callback_fields, token_in_path
from bot.channels.twilio_sms import normalise_phone
from bot.channels.twilio_voice import Speech, spoken
from bot.services import Services, services
from bot.storage.inbox import keep_if_busy
from bot.storage.privacy import mask_phone
from bot.voice.calls import apply_call_status, record_missed_call
from bot.voice.ivr import Reply, answer_call, keys_pressed
from locales import render

log = logging.getLogger(__name__)
blueprint = Blueprint("exotel_voice", __name__)

TOKEN = "EXOTEL_WEBHOOK_TOKEN"
STEP = "tika:exotel:step:{}"  # Redis: the latest step's reply of a call, for its applets
STEP_SECONDS = 3600


def _call_sid() -> str | None:
    return provider_id(str(callback_fields().get("CallSid") or ""))


def _text(body: str) -> Response:
    return Response(body, mimetype="text/plain")


@blueprint.route("/exotel/voice/missed/<token>", methods=["GET", "POST"])
@token_in_path(TOKEN)
def missed_call() -> tuple[str, int]:
    """A missed call to the ExoPhone: answered 200 at once, one call-back owed (a replayed
    CallSid, or a second ring within the open call-back, opens none)."""
    fields = callback_fields()
    region = current_app.config["DEFAULT_REGION"]
    phone = normalise_phone(str(fields.get("CallFrom") or fields.get("From") or ""), region)
    sid = _call_sid()
    if phone is None or not sid:
        log.warning("Exotel missed call without a usable CallFrom or CallSid")
        return "", 200  # the flow goes on; nobody to call back
    try:
        keep_if_busy(services(), "missed-call", record_missed_call, phone=phone, call_sid=sid)
    except Exception:  # the caller has hung up already; the log must say why
        log.exception("could not record a missed call from %s", mask_phone(phone))
    return "", 200


@blueprint.route("/exotel/voice/status/<token>", methods=["POST"])
@token_in_path(TOKEN)
def call_status() -> tuple[str, int]:
    """How a call we placed went: recorded on its try; an unanswered one is retried later
    or, after the last try, its SMS is sent."""
    fields = callback_fields()
    call_id = bounded_int(request.args.get("call"), MAX_ID)
    attempt = bounded_int(request.args.get("attempt"), MAX_ID)
    sid = _call_sid()
    status = str(fields.get("Status") or fields.get("CallStatus") or "").lower()
    if call_id is None or attempt is None or not sid or not status:
        return "missing call, attempt, CallSid or Status", 400
    report = {"call_id": call_id, "attempt": attempt, "sid": sid, "status": status}
    keep_if_busy(services(), "call-status", apply_call_status, **report)
    return "", 204


# ---- the IVR loop ---------------------------------------------------------------------------


def _speech() -> Speech:
    app = current_app
    if "tika_exotel_speech" not in app.extensions:
        app.extensions["tika_exotel_speech"] = Speech.from_config(app.config)
    return app.extensions["tika_exotel_speech"]


def _said(reply: Reply, speech: Speech) -> dict[str, Any]:
    """A reply as the applets need it: what the Greeting says (text, or recordings when
    every part has one), the Gather's question, and how many keys it takes."""
    prompts = reply.prompts if reply.digits is None else reply.prompts[:-1]
    question = reply.prompts[-1] if reply.digits is not None and reply.prompts else None
    audio = [speech.recording(p) for p in prompts]
    return {
        "say": " ".join(spoken(render(p.text, p.lang)) for p in prompts),
        "audio": audio if prompts and all(audio) else [],
        "question": spoken(render(question.text, question.lang)) if question else "",
        "question_audio": speech.recording(question) if question else None,
        "digits": reply.digits,
        "turn": reply.turn,
    }


def _remember(tika: Services, sid: str, step: dict[str, Any]) -> None:
    tika.redis.set(STEP.format(sid), json.dumps(step), ex=STEP_SECONDS)


def _current(tika: Services, sid: str) -> dict[str, Any]:
    """The call's latest step: kept in Redis, or (the first applet, or Redis lost it) the
    call answered now — which for a call already answered asks its question again."""
    kept = tika.redis.get(STEP.format(sid))
    if kept:
        return json.loads(kept)
    call_id = bounded_int(str(callback_fields().get("CustomField") or ""), MAX_ID)
    region = current_app.config["DEFAULT_REGION"]
    phone = normalise_phone(str(callback_fields().get("CallFrom") or ""), region)
    step = _said(answer_call(tika, sid, phone, voice_call_id=call_id), _speech())
    _remember(tika, sid, step)
    return step


@blueprint.route("/exotel/voice/say/<token>", methods=["GET", "HEAD"])
@token_in_path(TOKEN)
def say() -> Response | tuple[str, int]:
    """The Greeting: what to say before the question, or (at the end) the goodbye."""
    if request.method == "HEAD":  # Exotel checks the URL (and its type) first
        return _text("")
    sid = _call_sid()
    if not sid:
        return "missing CallSid", 400
    try:
        step = _current(services(), sid)
    except (LookupError, ValueError):  # not a call of ours, or its caller erased
        log.warning("Exotel applet for a call that is not ours")
        return _text("")
    except Exception:  # the caller hears nothing now, never an error page
        log.exception("could not say the next step of call %s", sid)
        return _text("")
    return _text("\n".join(step["audio"]) if step["audio"] else step["say"])


@blueprint.get("/exotel/voice/gather/<token>")
@token_in_path(TOKEN)
def gather() -> Response | tuple[str, int]:
    """The Gather's settings: the question (spoken, or its recording), the keys it takes,
    and how long silence lasts before the Passthru hears none."""
    sid = _call_sid()
    if not sid:
        return "missing CallSid", 400
    nothing = {"gather_prompt": {"text": ""}, "max_input_digits": 1}
    try:
        step = _current(services(), sid)
    except (LookupError, ValueError):  # not a call of ours: the flow goes on to its end
        log.warning("Exotel applet for a call that is not ours")
        return jsonify(nothing)
    except Exception:
        log.exception("no question for call %s", sid)
        return jsonify(nothing)
    prompt = {"audio_url": step["question_audio"]} if step["question_audio"] else None
    return jsonify(
        {
            "gather_prompt": prompt or {"text": step["question"]},
            "max_input_digits": step["digits"] or 1,
            "finish_on_key": "#",
            "input_timeout": current_app.config["VOICE_GATHER_TIMEOUT"],
            "repeat_menu": 0,  # a silence comes to us: the IVR repeats once, then offers an SMS
            "repeat_gather_prompt": prompt or {"text": step["question"]},
        }
    )


@blueprint.get("/exotel/voice/digits/<token>")
@token_in_path(TOKEN)
def digits() -> tuple[str, int]:
    """The Passthru after the Gather: the keys (Exotel quotes them; none on silence) go to
    the IVR; 200 goes round again, 302 ends the call (its goodbye is said first)."""
    sid = _call_sid()
    if not sid:
        return "missing CallSid", 400
    tika = services()
    pressed = str(callback_fields().get("digits") or "").strip().strip('"').strip()
    try:
        turn = _current(tika, sid)["turn"]
        step = _said(keys_pressed(tika, sid, turn, pressed), _speech())
    except (LookupError, ValueError):
        log.warning("keys on an Exotel call without an IVR session")
        return "", 302
    except Exception:  # the call ends politely rather than on an error
        log.exception("could not take the keys of call %s", sid)
        return "", 302
    _remember(tika, sid, step)
    return "", 200 if step["digits"] is not None else 302
