"""The phone simulator: staff text the service or call its IVR as a caregiver would.

Each signed-in session gets its own simulated phone number, from a range no real phone
has (+91 5550 xxxxxx: Indian mobile numbers start with 6 to 9), and its caregiver row is
marked ``simulated``: it is never planned reminders, and broadcasts, due lists and the
overview leave it out. Messages run through the same flow engine and store as real
traffic (:func:`bot.conversation.shell.handle_message`, :mod:`bot.voice.ivr`), but the replies
come back to the page only: nothing goes through a gateway. SMS are logged on the
channel "simulator", so they never count as SMS sent.
"""

from __future__ import annotations

import logging
import re
import secrets
import uuid
from typing import Any

from flask import Blueprint, jsonify, redirect, render_template, request, session, url_for
from sqlalchemy import Connection, select
from werkzeug.wrappers import Response

from bot.channels.twilio_voice import spoken
from bot.conversation.shell import Inbound, handle_message
from bot.dashboard.i18n import N_, _
from bot.services import services
from bot.storage import store
from bot.storage.models.core import Caregiver, MessageLog
from bot.voice.ivr import Reply, answer_call, keys_pressed
from locales import render

log = logging.getLogger(__name__)
blueprint = Blueprint("simulator", __name__)

CAREGIVER = Caregiver.__table__
MESSAGE = MessageLog.__table__
PREFIX = "+915550"  # then six digits: a number no real Indian phone has
CHANNEL = "simulator"
MAX_LENGTH = 640
HISTORY = 60
KEYS = re.compile(r"[0-9*#]{0,32}")

EMPTY = N_("Type a message first.")
TOO_LONG = N_("That message is too long.")
BAD_KEYS = N_("Only the keys 0-9, * and # can be pressed.")
NO_CALL = N_("There is no call going on: call first.")
FAILED = N_("Something went wrong; please try again.")


def is_simulated_number(phone: str) -> bool:
    return phone.startswith(PREFIX) and len(phone) == len(PREFIX) + 6 and phone[1:].isdigit()


def _simulated(conn: Connection, phone: str) -> bool | None:
    """Whether the caregiver with ``phone`` is simulated (None: no such caregiver)."""
    return conn.scalar(select(CAREGIVER.c.simulated).where(CAREGIVER.c.phone == phone))


def _create(conn: Connection, phone: str) -> bool:
    """Add the simulated caregiver of ``phone``; False if the number is taken."""
    return store.add_caregiver(conn, phone, simulated=True) is not None


def simulated_phone() -> str:
    """This session's simulated number, its caregiver row there and marked simulated.

    The row is made again when it is gone (the caregiver sent DELETE), so that the flows
    never create an ordinary, real caregiver for a simulated number.
    """
    db = services().db
    phone = session.get("sim_phone")
    if phone and is_simulated_number(phone):
        with db.writing() as conn:
            marked = _simulated(conn, phone)
            if marked or (marked is None and _create(conn, phone)):
                return phone
    for _attempt in range(50):
        phone = f"{PREFIX}{secrets.randbelow(10**6):06d}"
        with db.writing() as conn:
            if _simulated(conn, phone) is None and _create(conn, phone):
                break
    else:
        raise RuntimeError("no free simulated number")
    session["sim_phone"] = phone
    session.pop("sim_call", None)
    return phone


def _history(phone: str) -> list[dict[str, str]]:
    """The simulated phone's last SMS, both ways, oldest first."""
    with services().db.reading() as conn:
        rows = conn.execute(
            select(MESSAGE.c.direction, MESSAGE.c.body)
            .select_from(MESSAGE.join(CAREGIVER, CAREGIVER.c.id == MESSAGE.c.caregiver_id))
            .where(CAREGIVER.c.phone == phone, CAREGIVER.c.simulated.is_(True))
            .order_by(MESSAGE.c.id.desc())
            .limit(HISTORY)
        ).all()
    return [{"who": "me" if r.direction == "in" else "bot", "text": r.body} for r in reversed(rows)]


def _error(msgid: str, status: int = 400) -> tuple[Response, int]:
    return jsonify({"error": _(msgid)}), status


def _payload() -> dict[str, Any]:
    data = request.get_json(silent=True)
    return data if isinstance(data, dict) else {}


@blueprint.get("/simulator")
def index() -> str:
    phone = simulated_phone()
    return render_template(
        "dashboard/simulator.html",
        phone=phone,
        history=_history(phone),
    )


@blueprint.post("/simulator/sms")
def sms() -> Response | tuple[Response, int]:
    """A text from the simulated phone: the flows' replies, as a real SMS would get them."""
    body = str(_payload().get("body", "")).strip()
    if not body:
        return _error(EMPTY)
    if len(body) > MAX_LENGTH:
        return _error(TOO_LONG)
    phone = simulated_phone()
    try:
        replies = handle_message(services(), Inbound(phone=phone, body=body, channel=CHANNEL))
    except Exception:
        log.exception("the simulator could not handle a message")
        return _error(FAILED, 500)
    return jsonify({"phone": phone, "replies": replies})


def _voice_reply(reply: Reply) -> dict[str, Any]:
    """What the caller hears (the spoken texts of the TwiML) and the SMS they are sent."""
    ended = reply.digits is None
    if ended:
        session.pop("sim_call", None)
    else:
        session["sim_call"] = {**session["sim_call"], "turn": reply.turn}
    return {
        "prompts": [spoken(render(prompt.text, prompt.lang)) for prompt in reply.prompts],
        "digits": reply.digits,
        "ended": ended,
        "sms": reply.sms,
    }


@blueprint.post("/simulator/voice/call")
def voice_call() -> Response | tuple[Response, int]:
    """The simulated phone calls the IVR line: the first prompts."""
    phone = simulated_phone()
    sid = "SIM" + uuid.uuid4().hex
    session["sim_call"] = {"sid": sid, "turn": 1}
    try:
        reply = answer_call(services(), sid, phone)
    except Exception:
        log.exception("the simulator could not start a call")
        session.pop("sim_call", None)
        return _error(FAILED, 500)
    return jsonify({"phone": phone, **_voice_reply(reply)})


@blueprint.post("/simulator/voice/keys")
def voice_keys() -> Response | tuple[Response, int]:
    """Keys pressed on the call (none: the caller stayed silent)."""
    digits = str(_payload().get("digits", "")).strip()
    if not KEYS.fullmatch(digits):
        return _error(BAD_KEYS)
    call = session.get("sim_call")
    if not call:
        return _error(NO_CALL, 409)
    simulated_phone()  # the caregiver row stays marked simulated
    try:
        reply = keys_pressed(services(), call["sid"], call["turn"], digits)
    except Exception:
        log.exception("the simulator could not handle keys")
        session.pop("sim_call", None)
        return _error(FAILED, 500)
    return jsonify(_voice_reply(reply))


@blueprint.post("/simulator/voice/hangup")
def voice_hangup() -> Response:
    session.pop("sim_call", None)
    return jsonify({"ended": True})


@blueprint.post("/simulator/reset")
def reset() -> Response:
    """A new simulated phone: the old one's caregiver and everything about it erased."""
    phone = session.pop("sim_phone", None)
    session.pop("sim_call", None)
    if phone and is_simulated_number(phone):
        with services().db.writing() as conn:
            found = conn.execute(
                select(CAREGIVER.c.id).where(
                    CAREGIVER.c.phone == phone, CAREGIVER.c.simulated.is_(True)
                )
            ).scalar()
            if found is not None:
                store.erase_caregiver(conn, found)
    if request.is_json:
        return jsonify({"phone": simulated_phone()})
    return redirect(url_for("simulator.index"))
