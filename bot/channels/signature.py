"""Webhook authentication: Twilio signs every webhook (refused with 403 unless signed);
gateways that do not sign put a secret token in the URL (404 unless it matches)."""

from __future__ import annotations

import functools
import hmac
import logging
from collections.abc import Callable, Mapping
from typing import Any

from flask import Request, abort, current_app, request
from twilio.request_validator import (
    SIGNATURE_HEADER,
    SIGNATURE_SETTINGS_HEADER,
    RequestValidator,
    get_signature_algorithm,
)

log = logging.getLogger(__name__)


def public_url(req: Request, base_url: str) -> str:
    """The URL Twilio called: rebuilt from PUBLIC_BASE_URL when set (behind a proxy)."""
    if not base_url:
        return req.url
    query = req.query_string.decode()
    return base_url.rstrip("/") + req.path + (f"?{query}" if query else "")


def is_signed(req: Request, auth_token: str, base_url: str) -> bool:
    """True when ``req`` carries a valid X-Twilio-Signature for its URL and form."""
    signature = req.headers.get(SIGNATURE_HEADER, "")
    if not auth_token or not signature:
        return False
    algorithm = get_signature_algorithm(req.headers.get(SIGNATURE_SETTINGS_HEADER))
    validator = RequestValidator(auth_token)
    url = public_url(req, base_url)
    # The URL as we know it matches almost always; the validator's slower check also
    # tries the URL with and without its port, as Twilio may sign either.
    expected = validator.compute_signature(url, req.form, algorithm)
    if hmac.compare_digest(expected, signature):
        return True
    return validator.validate(url, req.form, signature, algorithm)


def twilio_signed(view: Callable[..., Any]) -> Callable[..., Any]:
    """Refuse a request that Twilio did not sign (403), before the view sees it."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        config = current_app.config
        if not is_signed(request, config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"]):
            if not config["TWILIO_AUTH_TOKEN"]:
                log.warning("TWILIO_AUTH_TOKEN is not set: every webhook is refused")
            log.warning("refused unsigned or forged webhook to %s", request.path)
            abort(403)
        return view(*args, **kwargs)

    return checked


def token_in_path(config_key: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """For gateways that do not sign their callbacks (Exotel): the secret is the last part
    of the URL (``<token>``). A wrong or missing token is 404 (as if no such route), logged
    without the body; compared in constant time."""

    def wrap(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def checked(token: str, *args: Any, **kwargs: Any) -> Any:
            expected = current_app.config.get(config_key, "")
            if not expected or not hmac.compare_digest(token.encode(), expected.encode()):
                rule = request.url_rule.rule if request.url_rule else "?"
                log.warning("refused a %s to %s: wrong token", request.method, rule)
                abort(404)
            return view(*args, **kwargs)

        return checked

    return wrap


def callback_fields() -> Mapping[str, Any]:
    """The fields of a callback from a gateway that may send them as JSON, a form or a
    query string (Exotel does all three)."""
    body = request.get_json(silent=True) if request.is_json else None
    return body if isinstance(body, dict) else request.values
