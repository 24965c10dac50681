"""The JSON API for programme staff and other systems: broadcasts, with token auth.

Every request needs ``Authorization: Bearer <token>``, a token from API_TOKENS
("name:token,name:token"). Errors are JSON: ``{"error": "..."}``, in English, or in
another shipped language when the request's Accept-Language asks for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from bot.broadcasts import lifecycle as broadcasts
from bot.broadcasts.audience import Audience, BroadcastError
from bot.broadcasts.lifecycle import NoBroadcast
from bot.services import services
from locales import LANGUAGES, N_, Text, render

blueprint = Blueprint("api", __name__, url_prefix="/api")

NEEDS_TOKEN = N_("A valid API token is needed (Authorization: Bearer <token>).")
NOT_FOUND = N_("There is no broadcast %(id)s.")
NOT_AN_OBJECT = N_("Send a JSON object.")
NAME_NOT_TEXT = N_("name is a text.")
TEXTS_NOT_AN_OBJECT = N_("texts is an object: language -> text.")
AUDIENCE_NOT_AN_OBJECT = N_("audience is an object: filter name -> values.")
BAD_AT = N_("at is an ISO 8601 time with its offset.")
AT_WITHOUT_ZONE = N_("at needs its time zone, e.g. 2025-02-10T10:30:00+05:30.")


def tokens(setting: str) -> dict[str, str]:
    """API_TOKENS as token -> name."""
    found = {}
    for entry in setting.split(","):
        name, sep, token = entry.strip().partition(":")
        if sep and token:
            found[token] = name
    return found


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse (401) a request without a valid bearer token."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        scheme, _, given = request.headers.get("Authorization", "").partition(" ")
        known = tokens(current_app.config["API_TOKENS"])
        name = next(
            (n for t, n in known.items() if hmac.compare_digest(t.encode(), given.encode())), None
        )
        if scheme.lower() != "bearer" or name is None:
            return error(Text(NEEDS_TOKEN), 401)
        g.api_user = name
        return view(*args, **kwargs)

    return checked


def error(text: Text, status: int) -> tuple[Response, int]:
    """``text`` as a JSON error, in the language the request asks for (else English)."""
    language = request.accept_languages.best_match(LANGUAGES) or "en"
    return jsonify({"error": render(text, language)}), status


@blueprint.errorhandler(BroadcastError)
def refused(problem: BroadcastError) -> tuple[Response, int]:
    return error(problem.text, 400)


@blueprint.errorhandler(NoBroadcast)
def missing(problem: NoBroadcast) -> tuple[Response, int]:
    return error(Text(NOT_FOUND, id=problem.broadcast_id), 404)


def body(optional: bool = False) -> dict[str, Any]:
    """The request's JSON object; with ``optional``, no body at all is an empty one."""
    if optional and not request.get_data():
        return {}
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BroadcastError(NOT_AN_OBJECT)
    return data


@blueprint.get("/broadcasts")
@token_required
def list_broadcasts() -> Response:
    return jsonify({"broadcasts": broadcasts.listing(services())})


@blueprint.post("/broadcasts")
@token_required
def create_broadcast() -> tuple[Response, int]:
    data = body()
    name = data.get("name") or ""
    if not isinstance(name, str):
        raise BroadcastError(NAME_NOT_TEXT)
    texts = data.get("texts")
    if not isinstance(texts, dict) or not all(isinstance(t, str) for t in texts.values()):
        raise BroadcastError(TEXTS_NOT_AN_OBJECT)
    audience = data.get("audience") or {}
    if not isinstance(audience, dict):
        raise BroadcastError(AUDIENCE_NOT_AN_OBJECT)
    tika = services()
    chosen = Audience.from_dict(audience, tika.config["DEFAULT_REGION"])
    broadcast_id = broadcasts.create(tika, name, texts, chosen, f"api:{g.api_user}")
    return jsonify(broadcasts.preview(services(), broadcast_id)), 201


@blueprint.get("/broadcasts/<int(max=2147483647):broadcast_id>")
@token_required
def show_broadcast(broadcast_id: int) -> Response:
    return jsonify(broadcasts.stats(services(), broadcast_id))


@blueprint.get("/broadcasts/<int(max=2147483647):broadcast_id>/preview")
@token_required
def preview_broadcast(broadcast_id: int) -> Response:
    return jsonify(broadcasts.preview(services(), broadcast_id))


@blueprint.post("/broadcasts/<int(max=2147483647):broadcast_id>/send")
@token_required
def send_broadcast(broadcast_id: int) -> tuple[Response, int]:
    at = body(optional=True).get("at")
    when = None
    if at is not None and at != "":  # no time: now
        try:
            when = dt.datetime.fromisoformat(at)
            when.astimezone(dt.UTC)  # stored in UTC: a time beyond year 9999 there is not one
        except (TypeError, ValueError, OverflowError):
            raise BroadcastError(BAD_AT) from None
        if when.tzinfo is None:
            raise BroadcastError(AT_WITHOUT_ZONE)
    broadcasts.schedule(services(), broadcast_id, when)
    return jsonify(broadcasts.stats(services(), broadcast_id)), 202


@blueprint.post("/broadcasts/<int(max=2147483647):broadcast_id>/cancel")
@token_required
def cancel_broadcast(broadcast_id: int) -> Response:
    spared = broadcasts.cancel(services(), broadcast_id)
    return jsonify({**broadcasts.stats(services(), broadcast_id), "spared": spared})
