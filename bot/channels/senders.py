"""Outbound SMS and calls behind one interface, whatever the gateway: the console
(default), Twilio or Exotel (``SMS_BACKEND``).

A sender opens a session for a batch of messages (``async with sender.session() as
send``) and sends each with ``await send(Outbound(...))``: one message to one phone, in
one language, made from one registered template (its key, id and variables, filled in
by the DLT gate, :mod:`bot.channels.dlt_gate`), carrying our own id (``ours``, its
message log row) in its status callback URL or in the provider's custom field. ``send``
says what happened: accepted (with the provider's id), refused for good (opted out,
invalid number, no approved template), refused for now (rate limit, server error: try
later, after ``retry_after`` when the gateway says), or unknown (the request may or may
not have arrived). ``find`` asks the gateway for the message it holds under our id, to
settle an unknown outcome by identity, never by text. ``place_call`` starts an outbound
call whose progress the gateway reports to a status callback, and ``call_status`` asks
about one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Protocol

from bot.storage.privacy import mask_phone

log = logging.getLogger(__name__)

OPTED_OUT = 21610  # the recipient replied STOP to this sender
INVALID_NUMBERS = {21211, 21614}  # not a valid number; not a mobile number
NO_TEMPLATE = 990001  # ours: no approved DLT template matches the text, so it is not sent
RATE_LIMITED = 20429
# Every progress event of a call is reported, so its fate is known early.
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")


class SendFailed(Exception):
    """The gateway refused the message.

    ``retry``: worth trying again later (429, 5xx), after ``retry_after`` seconds when
    the gateway said. Otherwise refused for good, and ``code`` says why (21610 opted out,
    21211/21614 invalid number, NO_TEMPLATE, ...).
    """

    def __init__(
        self,
        status: int | None,
        code: int | None,
        retry: bool,
        message: str = "",
        retry_after: float | None = None,
    ):
        super().__init__(message or f"status {status}, code {code}")
        self.status, self.code, self.retry = status, code, retry
        self.retry_after = retry_after


def retry_after(header: str | None, longest: float = 60.0) -> float | None:
    """A gateway's ``Retry-After`` in seconds (at most ``longest``); None when it gave
    none, or an HTTP date (then the usual waits apply)."""
    try:
        return min(float(header), longest) if header else None
    except ValueError:
        return None


class SendUnknown(Exception):
    """The request may have reached the gateway, but no answer came back."""


@dataclass(frozen=True)
class Sent:
    """A message the gateway accepted."""

    sid: str
    status: str


@dataclass(frozen=True)
class Outbound:
    """One SMS as every gateway takes it: to one phone, one template in one language."""

    to: str  # E.164
    body: str  # the template's content with its variables filled in
    ours: int | None = None  # our message log id
    status_callback: str | None = None  # where the gateway reports on it (names ``ours``)
    template: str | None = None  # the template's name in the DLT registry
    template_id: str | None = None  # the id the DLT portal gave it
    lang: str | None = None
    variables: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class OutboundCall:
    """One call to place: to one phone, for our voice call ``call_id``, its try ``attempt``
    (the try's message log row). The gateway's adapter builds its URLs from them."""

    to: str  # E.164
    call_id: int
    attempt: int
    ring_seconds: int


Send = Callable[[Outbound], Awaitable[Sent]]
# Several messages in one request, where the gateway has a bulk API (``bulk_size`` > 1):
# each message's own outcome, in order (unknown: it may have gone); a refusal of the whole
# request is raised.
SendMany = Callable[[list[Outbound]], Awaitable[list[Sent | SendFailed | SendUnknown]]]


class Sender(Protocol):
    name: str
    account: str  # the gateway account whose limits the messages count against
    status_path: str  # our delivery-report route for this gateway ("" : none)

    def session(self) -> Any:
        """An async context manager giving a ``Send`` function for a batch of messages."""

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """The message the gateway holds under our id ``ours`` (sent to ``to`` after
        ``since``); None when it holds none, or cannot be asked by our id."""

    def place_call(self, call: OutboundCall, base_url: str) -> Sent:
        """Place ``call``; the gateway fetches what to play, and reports on the call, at
        our routes under ``base_url``. Raises like send."""

    def call_status(self, sid: str) -> str | None:
        """The status of call ``sid`` as the gateway knows it (None: unknown call)."""


class ConsoleSender:
    """Writes messages and calls to the log (phone masked) instead of sending them.

    A console call is taken as answered and over: nobody is there to hear it.
    """

    name = "console"
    account = "console"
    status_path = ""

    def __init__(self) -> None:
        self._sent: dict[int, Sent] = {}

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Send]:
        async def send(message: Outbound) -> Sent:
            sent = Sent("CONSOLE" + uuid.uuid4().hex, "sent")
            # Never the text: it holds children's names (the message log has it).
            log.info(
                "SMS to %s: %d characters, template %s",
                mask_phone(message.to),
                len(message.body),
                message.template or "-",
            )
            if message.ours is not None:
                self._sent[message.ours] = sent
            return sent

        yield send

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """What this process logged under our id (the console keeps no other record)."""
        return self._sent.get(ours)

    def place_call(self, call: OutboundCall, base_url: str) -> Sent:
        sid = "CACONSOLE" + uuid.uuid4().hex
        log.info("call %d to %s", call.call_id, mask_phone(call.to))
        return Sent(sid, "queued")

    def call_status(self, sid: str) -> str | None:
        return "completed" if sid.startswith("CACONSOLE") else None


def proxies() -> dict[str, str] | None:
    """The HTTP(S) proxies of the environment, as the gateways' HTTP clients take them."""
    found = {
        scheme: os.environ[name]
        for scheme, name in (("https", "HTTPS_PROXY"), ("http", "HTTP_PROXY"))
        if os.environ.get(name)
    }
    return found or None
