"""The JSON API for programme staff and other systems: broadcasts, with token auth.

Every request needs ``Authorization: Bearer <token>``, a token from API_TOKENS
("name:token,name:token"). Errors are JSON: ``{"error": "..."}``.
"""

from __future__ import annotations

import datetime as dt
import functools
import hmac
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, g, jsonify, request

from bot import broadcasts
from bot.broadcasts import Audience, BroadcastError
from bot.services import services

blueprint = Blueprint("api", __name__, url_prefix="/api")


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
            return error("a valid API token is needed (Authorization: Bearer <token>)", 401)
        g.api_user = name
        return view(*args, **kwargs)

    return checked


def error(message: str, status: int) -> tuple[Response, int]:
    return jsonify({"error": message}), status


@blueprint.errorhandler(BroadcastError)
def refused(problem: BroadcastError) -> tuple[Response, int]:
    return error(str(problem), 400)


@blueprint.errorhandler(LookupError)
def missing(problem: LookupError) -> tuple[Response, int]:
    return error(str(problem.args[0] if problem.args else problem), 404)


def body() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise BroadcastError("send a JSON object")
    return data


@blueprint.get("/broadcasts")
@token_required
def list_broadcasts() -> Response:
    return jsonify({"broadcasts": broadcasts.listing(services())})


@blueprint.post("/broadcasts")
@token_required
def create_broadcast() -> tuple[Response, int]:
    data = body()
    texts = data.get("texts")
    if not isinstance(texts, dict):
        raise BroadcastError("texts is an object: language -> text")
    audience = Audience.from_dict(data.get("audience") or {})
    broadcast_id = broadcasts.create(
        services(), str(data.get("name") or ""), texts, audience, f"api:{g.api_user}"
    )
    return jsonify(broadcasts.preview(services(), broadcast_id)), 201


@blueprint.get("/broadcasts/<int:broadcast_id>")
@token_required
def show_broadcast(broadcast_id: int) -> Response:
    return jsonify(broadcasts.stats(services(), broadcast_id))


@blueprint.get("/broadcasts/<int:broadcast_id>/preview")
@token_required
def preview_broadcast(broadcast_id: int) -> Response:
    return jsonify(broadcasts.preview(services(), broadcast_id))


@blueprint.post("/broadcasts/<int:broadcast_id>/send")
@token_required
def send_broadcast(broadcast_id: int) -> tuple[Response, int]:
    at = (request.get_json(silent=True) or {}).get("at")
    when = None
    if at:
        try:
            when = dt.datetime.fromisoformat(at)
        except (TypeError, ValueError):
            raise BroadcastError("at is an ISO 8601 time with its offset") from None
        if when.tzinfo is None:
            raise BroadcastError("at needs its time zone, e.g. 2025-02-10T10:30:00+05:30")
    broadcasts.schedule(services(), broadcast_id, when)
    return jsonify(broadcasts.stats(services(), broadcast_id)), 202


@blueprint.post("/broadcasts/<int:broadcast_id>/cancel")
@token_required
def cancel_broadcast(broadcast_id: int) -> Response:
    spared = broadcasts.cancel(services(), broadcast_id)
    return jsonify({**broadcasts.stats(services(), broadcast_id), "spared": spared})
