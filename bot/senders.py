"""Outbound SMS behind one interface: the console (default) or Twilio.

A sender sends one message and says what happened: accepted (with the provider's id),
refused for good (opted out, invalid number), refused for now (rate limit, server
error: try again later), or unknown (the request may or may not have arrived).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.privacy import mask_phone

log = logging.getLogger(__name__)

OPTED_OUT = 21610  # the recipient replied STOP to this sender
INVALID_NUMBERS = {21211, 21614}  # not a valid number; not a mobile number
RATE_LIMITED = 20429


class SendFailed(Exception):
    """The gateway refused the message.

    ``retry``: worth trying again later (429, 5xx). Otherwise refused for good, and
    ``code`` says why (21610 opted out, 21211/21614 invalid number, ...).
    """

    def __init__(self, status: int | None, code: int | None, retry: bool, message: str = ""):
        super().__init__(message or f"status {status}, code {code}")
        self.status, self.code, self.retry = status, code, retry


class SendUnknown(Exception):
    """The request may have reached the gateway, but no answer came back."""


@dataclass(frozen=True)
class Sent:
    """A message the gateway accepted."""

    sid: str
    status: str
    segments: int | None = None


@dataclass(frozen=True)
class Found:
    """A message the gateway has a record of."""

    sid: str
    status: str
    body: str
    sent_at: dt.datetime | None


class Sender(Protocol):
    name: str

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        """Send ``body`` to ``to``; raises SendFailed or SendUnknown."""

    def sent_to(self, to: str, since: dt.datetime) -> list[Found]:
        """Messages the gateway sent to ``to`` since ``since`` (to settle unknown outcomes)."""


class ConsoleSender:
    """Writes messages to the log (phone masked) instead of sending them."""

    name = "console"

    def __init__(self) -> None:
        self._sent: list[tuple[str, Found]] = []

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        sid = "CONSOLE" + uuid.uuid4().hex
        log.info("SMS to %s: %s", mask_phone(to), body)
        self._sent.append((to, Found(sid, "sent", body, dt.datetime.now(dt.UTC))))
        return Sent(sid, "sent")

    def sent_to(self, to: str, since: dt.datetime) -> list[Found]:
        return [found for number, found in self._sent if number == to and found.sent_at >= since]


class TwilioSender:
    """Sends through Twilio's REST API with the real twilio client (pooled connections)."""

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base: str = "https://api.twilio.com",
        timeout: float = 10.0,
    ) -> None:
        if not (account_sid and auth_token and (from_number or messaging_service_sid)):
            raise ValueError(
                "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"
            )
        http = TwilioHttpClient(pool_connections=True, timeout=timeout)
        self.client = Client(account_sid, auth_token, http_client=http)
        self.client.api.base_url = api_base.rstrip("/")
        self.sender: dict[str, Any] = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_number}
        )

    def send(self, to: str, body: str, status_callback: str | None) -> Sent:
        extra = {"status_callback": status_callback} if status_callback else {}
        try:
            message = self.client.messages.create(to=to, body=body, **self.sender, **extra)
        except TwilioRestException as error:
            retry = error.status == 429 or error.code == RATE_LIMITED or error.status >= 500
            raise SendFailed(error.status, error.code, retry, error.msg) from None
        except requests.RequestException as error:
            raise SendUnknown(str(error)) from None
        segments = int(message.num_segments) if message.num_segments else None
        return Sent(message.sid, message.status, segments)

    def sent_to(self, to: str, since: dt.datetime) -> list[Found]:
        found = self.client.messages.list(to=to, date_sent_after=since)
        return [Found(m.sid, m.status, m.body, m.date_sent) for m in found]


def make_sender(config: dict[str, Any]) -> Sender:
    """The sender SMS_BACKEND names."""
    backend = config["SMS_BACKEND"]
    if backend == "console":
        return ConsoleSender()
    if backend == "twilio":
        return TwilioSender(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            config["TWILIO_FROM_NUMBER"],
            config["TWILIO_MESSAGING_SERVICE_SID"],
            config["TWILIO_API_BASE"],
        )
    raise ValueError(f"unknown SMS_BACKEND {backend!r}: use console or twilio")
