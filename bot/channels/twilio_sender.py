"""Twilio's REST API behind the common sender interface, with the real twilio client."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.async_http_client import AsyncTwilioHttpClient
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot.channels.senders import (
    CALL_EVENTS,
    RATE_LIMITED,
    Outbound,
    OutboundCall,
    Send,
    SendFailed,
    SendUnknown,
    Sent,
    proxies,
)


class TwilioSender:
    """Sends through Twilio's REST API with the real twilio client.

    Sending uses the library's asynchronous client: many messages in flight over pooled
    connections, at a third of the processor time of its synchronous one.
    """

    name = "twilio"
    status_path = "/twilio/sms/status"

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

    @property
    def account(self) -> str:
        return self.account_sid

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> TwilioSender:
        return cls(
            config["TWILIO_ACCOUNT_SID"],
            config["TWILIO_AUTH_TOKEN"],
            config["TWILIO_FROM_NUMBER"],
            config["TWILIO_MESSAGING_SERVICE_SID"],
            config["TWILIO_API_BASE"],
            caller_id=config.get("VOICE_CALLER_ID", ""),
        )

    def client(self, http_client=None) -> Client:
        """A twilio client on the configured API base (the synchronous one unless given)."""
        if http_client is None and self._client is not None:
            return self._client
        http = http_client or TwilioHttpClient(timeout=self.timeout, proxy=proxies())
        client = Client(self.account_sid, self.auth_token, http_client=http)
        client.api.base_url = self.api_base
        if http_client is None:
            self._client = client
        return client

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Send]:
        proxy = (proxies() or {}).get("https")
        http = AsyncTwilioHttpClient(timeout=self.timeout, proxy_url=proxy)
        client = self.client(http)

        async def send(message: Outbound) -> Sent:
            # Our id travels in the status callback URL (Twilio has no custom field).
            extra = {"status_callback": message.status_callback} if message.status_callback else {}
            try:
                created = await client.messages.create_async(
                    to=message.to, body=message.body, **self.sender, **extra
                )
            except TwilioRestException as error:
                status = error.status or 0
                retry = status == 429 or error.code == RATE_LIMITED or status >= 500
                raise SendFailed(status, error.code, retry, error.msg) from None
            except (TimeoutError, aiohttp.ClientError) as error:
                raise SendUnknown(repr(error)) from None
            return Sent(created.sid, created.status)

        try:
            yield send
        finally:
            await http.close()

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """Twilio keeps nothing of ours that can be asked for: the status callback, whose URL
        carries our id, settles the message instead (see bot.channels.outbox)."""
        return None

    def place_call(self, call: OutboundCall, base_url: str) -> Sent:
        """When answered, Twilio fetches TwiML from /twilio/voice/answer; progress goes to
        /twilio/voice/status, both naming our call (and the status, its try)."""
        if not self.caller_id:
            raise ValueError("calls need VOICE_CALLER_ID or TWILIO_FROM_NUMBER")
        base = base_url.rstrip("/")
        try:
            placed = self.client().calls.create(
                to=call.to,
                from_=self.caller_id,
                url=f"{base}/twilio/voice/answer?call={call.call_id}",
                method="POST",
                status_callback=(
                    f"{base}/twilio/voice/status?call={call.call_id}&attempt={call.attempt}"
                ),
                status_callback_method="POST",
                status_callback_event=list(CALL_EVENTS),
                timeout=call.ring_seconds,
            )
        except TwilioRestException as error:
            status = error.status or 0
            retry = status == 429 or error.code == RATE_LIMITED or status >= 500
            raise SendFailed(status, error.code, retry, error.msg) from None
        except requests.RequestException as error:
            raise SendUnknown(repr(error)) from None
        return Sent(placed.sid, placed.status)

    def call_status(self, sid: str) -> str | None:
        try:
            return self.client().calls(sid).fetch().status
        except TwilioRestException as error:
            if error.status == 404:
                return None
            raise
