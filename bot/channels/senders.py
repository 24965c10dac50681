"""Outbound SMS and calls behind one interface: the console (default) or Twilio.

A sender opens a session for a batch of messages (``async with sender.session() as
send``) and sends each with ``await send(to, body, status_callback, ours)``, which says
what happened: accepted (with the provider's id), refused for good (opted out, invalid
number), refused for now (rate limit, server error: try later), or unknown (the request
may or may not have arrived). Every message carries our own id (``ours``, its message
log row): in its status callback URL, or in the provider's custom field where it has
one; ``find`` asks the gateway for the message it holds under our id, to settle an
unknown outcome by identity, never by text. ``place_call`` starts an outbound call whose
progress the gateway reports to a status callback, and ``call_status`` asks about one.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any, Protocol

import aiohttp
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.storage.privacy import mask_phone

log = logging.getLogger(__name__)

OPTED_OUT = 21610  # the recipient replied STOP to this sender
INVALID_NUMBERS = {21211, 21614}  # not a valid number; not a mobile number
RATE_LIMITED = 20429
# Every progress event of a call is reported, so its fate is known early.
CALL_EVENTS = ("initiated", "ringing", "answered", "completed")


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


Send = Callable[[str, str, str | None, int | None], Awaitable[Sent]]


class Sender(Protocol):
    name: str

    def session(self) -> Any:
        """An async context manager giving a ``Send`` function for a batch of messages."""

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """The message the gateway holds under our id ``ours`` (sent to ``to`` after
        ``since``); None when it holds none, or cannot be asked by our id."""

    def place_call(self, to: str, url: str, status_callback: str, ring_seconds: int) -> Sent:
        """Call ``to``; when answered the gateway fetches TwiML from ``url``. Raises like send."""

    def call_status(self, sid: str) -> str | None:
        """The status of call ``sid`` as the gateway knows it (None: unknown call)."""


class ConsoleSender:
    """Writes messages and calls to the log (phone masked) instead of sending them.

    A console call is taken as answered and over: nobody is there to hear it.
    """

    name = "console"

    def __init__(self) -> None:
        self._sent: dict[int, Sent] = {}

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Send]:
        async def send(to: str, body: str, status_callback: str | None, ours: int | None) -> Sent:
            sent = Sent("CONSOLE" + uuid.uuid4().hex, "sent")
            # Never the text: it holds children's names (the message log has it).
            log.info("SMS to %s: %d characters", mask_phone(to), len(body))
            if ours is not None:
                self._sent[ours] = sent
            return sent

        yield send

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """What this process logged under our id (the console keeps no other record)."""
        return self._sent.get(ours)

    def place_call(self, to: str, url: str, status_callback: str, ring_seconds: int) -> Sent:
        sid = "CACONSOLE" + uuid.uuid4().hex
        log.info("call to %s, answered by %s", mask_phone(to), url)
        return Sent(sid, "queued")

    def call_status(self, sid: str) -> str | None:
        return "completed" if sid.startswith("CACONSOLE") else None


class TwilioSender:
    """Sends through Twilio's REST API with the real twilio client.

    Sending uses the library's asynchronous client: many messages in flight over pooled
    connections, at a third of the processor time of its synchronous one.
    """

    name = "twilio"

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        from_number: str = "",
        messaging_service_sid: str = "",
        api_base: str = "https://api.twilio.com",
        timeout: float = 10.0,
        caller_id: str = "",
    ) -> None:
        if not (account_sid and auth_token and (from_number or messaging_service_sid)):
            raise ValueError(
                "SMS_BACKEND=twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                "TWILIO_FROM_NUMBER or TWILIO_MESSAGING_SERVICE_SID"
            )
        self.account_sid, self.auth_token = account_sid, auth_token
        self.api_base = api_base.rstrip("/")
        self.timeout = timeout
        self.caller_id = caller_id or from_number
        self.sender: dict[str, Any] = (
            {"messaging_service_sid": messaging_service_sid}
            if messaging_service_sid
            else {"from_": from_number}
        )
        self._client: Client | None = None

    def client(self, http_client=None) -> Client:
        """A twilio client on the configured API base (the synchronous one unless given)."""
        if http_client is None and self._client is not None:
            return self._client
        http = http_client or TwilioHttpClient(timeout=self.timeout, proxy=_proxies())
        client = Client(self.account_sid, self.auth_token, http_client=http)
        client.api.base_url = self.api_base
        if http_client is None:
            self._client = client
        return client

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Send]:
        proxy = (_proxies() or {}).get("https")
        http = AsyncTwilioHttpClient(timeout=self.timeout, proxy_url=proxy)
        client = self.client(http)

        async def send(to: str, body: str, status_callback: str | None, ours: int | None) -> Sent:
            # Our id travels in the status callback URL (Twilio has no custom field).
            extra = {"status_callback": status_callback} if status_callback else {}
            try:
                message = await client.messages.create_async(
                    to=to, body=body, **self.sender, **extra
                )
            except TwilioRestException as error:
                status = error.status or 0
                retry = status == 429 or error.code == RATE_LIMITED or status >= 500
                raise SendFailed(status, error.code, retry, error.msg) from None
            except (TimeoutError, aiohttp.ClientError) as error:
                raise SendUnknown(repr(error)) from None
            return Sent(message.sid, message.status)

        try:
            yield send
        finally:
            await http.close()

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """Twilio keeps nothing of ours that can be asked for: the status callback, whose URL
        carries our id, settles the message instead (see bot.channels.outbox)."""
        return None

    def place_call(self, to: str, url: str, status_callback: str, ring_seconds: int) -> Sent:
        if not self.caller_id:
            raise ValueError("calls need VOICE_CALLER_ID or TWILIO_FROM_NUMBER")
        try:
            call = self.client().calls.create(
                to=to,
                from_=self.caller_id,
                url=url,
                method="POST",
                status_callback=status_callback,
                status_callback_method="POST",
                status_callback_event=list(CALL_EVENTS),
                timeout=ring_seconds,
            )
        except TwilioRestException as error:
            status = error.status or 0
            retry = status == 429 or error.code == RATE_LIMITED or status >= 500
            raise SendFailed(status, error.code, retry, error.msg) from None
        except requests.RequestException as error:
            raise SendUnknown(repr(error)) from None
        return Sent(call.sid, call.status)

    def call_status(self, sid: str) -> str | None:
        try:
            return self.client().calls(sid).fetch().status
        except TwilioRestException as error:
            if error.status == 404:
                return None
            raise


def _proxies() -> dict[str, str] | None:
    proxies = {
        scheme: os.environ[name]
        for scheme, name in (("https", "HTTPS_PROXY"), ("http", "HTTP_PROXY"))
        if os.environ.get(name)
    }
    return proxies or None


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
            caller_id=config.get("VOICE_CALLER_ID", ""),
        )
    raise ValueError(f"unknown SMS_BACKEND {backend!r}: use console or twilio")
