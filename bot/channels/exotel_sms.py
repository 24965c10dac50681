"""Exotel SMS (an Indian gateway): sending through its REST API, and its delivery
reports (``POST /exotel/sms/status/<EXOTEL_WEBHOOK_TOKEN>``).

Exotel signs no callback, so its webhooks carry a secret token in their path. Every
message goes with the DLT entity id and the id of the template it fills (the DLT gate,
:mod:`bot.channels.dlt_gate`, puts them on it); Exotel's ``CustomField`` and the status
callback URL carry our message id. The inbound SMS webhook is the conversation's
(``bot.conversation.exotel_webhook``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
from flask import Blueprint, request

from bot.channels.clients import current_clients
from bot.channels.exotel_voice import ExotelVoice
from bot.channels.numbers import MAX_ERROR_CODE, MAX_ID, bounded_int, provider_id
from bot.channels.receipts import record_delivery
from bot.channels.senders import (
    Outbound,
    OutboundCall,
    Send,
    SendFailed,
    SendMany,
    SendUnknown,
    Sent,
    proxies,
    retry_after,
)
from bot.channels.signature import token_in_path
from bot.storage import alerts
from bot.storage.inbox import keep_if_busy
from locales.segments import is_gsm7

log = logging.getLogger(__name__)
blueprint = Blueprint("exotel_sms_status", __name__)

# Exotel's statuses in ours (bot.channels.receipts.STATUS_ORDER): "submitted" means
# handed to the operator, "sent" delivered to the handset; "failed_dnd" is kept as such.
STATUSES = {
    "queued": "queued",
    "sending": "accepted",
    "submitted": "sent",
    "sent": "delivered",
    "failed": "failed",
    "failed_dnd": "failed_dnd",
    "failed-dnd": "failed_dnd",  # a spelling some of Exotel's pages use
}
# DetailedStatusCodes of a message the DLT platform refused (Exotel's SMS glossary):
# blocked sender, entity or template; unknown, inactive or mismatched template; scrubbing.
DLT_REFUSALS = {23080, 23081, 23082, 23083, 23084, 23181, 23182, 23183, 23184, 23185, 23186, 23281}


class ExotelSender:
    """Sends through ``POST {api_base}/v1/Accounts/{sid}/Sms/send.json``, basic auth with
    the API key and token, and broadcasts through ``Sms/bulksend.json`` (up to 100
    messages, each with its own text, template and callback, in one request: Exotel
    counts requests against its limit). Calls go through :class:`ExotelVoice`."""

    name = "exotel"
    bulk_size = 100  # Exotel's most messages in one bulk request

    def __init__(
        self,
        account_sid: str,
        api_key: str,
        api_token: str,
        sender_id: str,
        webhook_token: str,
        api_base: str = "https://api.exotel.com",
        entity_id: str = "",
        *,
        voice: ExotelVoice,
        timeout: float = 10.0,
    ) -> None:
        missing = [
            name
            for name, value in (
                ("EXOTEL_ACCOUNT_SID", account_sid),
                ("EXOTEL_API_KEY", api_key),
                ("EXOTEL_API_TOKEN", api_token),
                ("EXOTEL_SENDER_ID", sender_id),
                ("EXOTEL_WEBHOOK_TOKEN", webhook_token),
            )
            if not value
        ]
        if missing:
            raise ValueError(f"SMS_BACKEND=exotel needs {', '.join(missing)}")
        self.account = account_sid
        self.headers = {"Authorization": aiohttp.encode_basic_auth(api_key, api_token)}
        self.sender_id, self.entity_id = sender_id, entity_id
        accounts = f"{api_base.rstrip('/')}/v1/Accounts/{account_sid}"
        self.url, self.bulk_url = f"{accounts}/Sms/send.json", f"{accounts}/Sms/bulksend.json"
        self.status_path = f"/exotel/sms/status/{webhook_token}"
        self.timeout = aiohttp.ClientTimeout(total=timeout)
        self.voice = voice

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> ExotelSender:
        return cls(
            config["EXOTEL_ACCOUNT_SID"],
            config["EXOTEL_API_KEY"],
            config["EXOTEL_API_TOKEN"],
            config["EXOTEL_SENDER_ID"],
            config["EXOTEL_WEBHOOK_TOKEN"],
            config["EXOTEL_API_BASE"],
            config["DLT_ENTITY_ID"],
            voice=ExotelVoice(
                config["EXOTEL_ACCOUNT_SID"],
                (config["EXOTEL_API_KEY"], config["EXOTEL_API_TOKEN"]),
                config["EXOTEL_API_BASE"],
                config["EXOTEL_WEBHOOK_TOKEN"],
                config["EXOTEL_CALLER_ID"],
                config["EXOTEL_IVR_FLOW_ID"],
                config["VOICE_CALL_MAX_SECONDS"],
            ),
        )

    def form(self, message: Outbound) -> dict[str, str]:
        """The form fields of one message, as Exotel's send API names them."""
        fields = {"From": self.sender_id, "To": message.to, "Body": message.body}
        if not is_gsm7(message.body):
            fields["EncodingType"] = "unicode"
        if message.status_callback:
            fields["StatusCallback"] = message.status_callback
        if message.ours is not None:
            fields["CustomField"] = str(message.ours)
        if self.entity_id:
            fields["DltEntityId"] = self.entity_id
        if message.template_id:
            fields["DltTemplateId"] = message.template_id
        return fields

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Send]:
        proxy = (proxies() or {}).get("https")
        async with aiohttp.ClientSession(headers=self.headers, timeout=self.timeout) as http:

            async def send(message: Outbound) -> Sent:
                try:
                    async with http.post(self.url, data=self.form(message), proxy=proxy) as answer:
                        status = answer.status
                        wait = retry_after(answer.headers.get("Retry-After"))
                        body = await answer.json(content_type=None)
                except (TimeoutError, aiohttp.ClientError, ValueError) as error:
                    raise SendUnknown(repr(error)) from None
                return _sent(status, body, wait)

            yield send

    @asynccontextmanager
    async def bulk_session(self) -> AsyncIterator[SendMany]:
        proxy = (proxies() or {}).get("https")
        async with aiohttp.ClientSession(headers=self.headers, timeout=self.timeout) as http:

            async def send_many(
                messages: list[Outbound],
            ) -> list[Sent | SendFailed | SendUnknown]:
                # One encoding per request (Exotel takes it for the whole request).
                outcomes: dict[int, Sent | SendFailed | SendUnknown] = {}
                for unicode in (False, True):
                    part = [n for n, m in enumerate(messages) if is_gsm7(m.body) != unicode]
                    if part:
                        found = await self._bulk(http, proxy, [messages[n] for n in part])
                        outcomes.update(zip(part, found, strict=True))
                return [outcomes[n] for n in range(len(messages))]

            yield send_many

    async def _bulk(
        self, http: aiohttp.ClientSession, proxy: str | None, messages: list[Outbound]
    ) -> list[Sent | SendFailed | SendUnknown]:
        """One bulksend request: ``Messages[n][field]`` for each message's own fields."""
        form = {"From": self.sender_id}
        if self.entity_id:
            form["DltEntityId"] = self.entity_id
        if not is_gsm7(messages[0].body):
            form["EncodingType"] = "unicode"
        for n, message in enumerate(messages):
            for name, value in self.form(message).items():
                if name not in form or form[name] != value:
                    form[f"Messages[{n}][{name}]"] = value
        try:
            async with http.post(self.bulk_url, data=form, proxy=proxy) as answer:
                status = answer.status
                wait = retry_after(answer.headers.get("Retry-After"))
                body = await answer.json(content_type=None)
        except (TimeoutError, aiohttp.ClientError, ValueError) as error:
            raise SendUnknown(repr(error)) from None
        if status != 200:
            _sent(status, body, wait)  # raises: refused, for now or for good
        if not isinstance(body, list) or len(body) != len(messages):
            # Taken, but the answer does not say which is which: they may all have gone.
            raise SendUnknown(f"Exotel's bulk answer does not list the messages: {body!r:.200}")
        outcomes: list[Sent | SendFailed | SendUnknown] = []
        for item in body:
            accepted = isinstance(item, dict) and "SMSMessage" in item
            try:
                outcomes.append(_sent(200 if accepted else 400, item, None))
            except (SendFailed, SendUnknown) as problem:  # this one message's fate
                outcomes.append(problem)
        return outcomes

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        """Exotel can be asked about a message by its own id only: the status callback,
        whose URL carries our id, settles the message instead."""
        return None

    def place_call(self, call: OutboundCall, base_url: str) -> Sent:
        return self.voice.place(call, base_url)

    def call_status(self, sid: str) -> str | None:
        return self.voice.status(sid)


def _sent(status: int, body: Any, retry_after: float | None) -> Sent:
    """What Exotel's answer to a send says: the message it queued, or why not."""
    if status == 200 and isinstance(body, dict) and isinstance(body.get("SMSMessage"), dict):
        message = body["SMSMessage"]
        sid = provider_id(str(message.get("Sid") or ""))
        if sid:
            return Sent(sid, STATUSES.get(str(message.get("Status", "")).lower(), "queued"))
    problem = body.get("RestException", {}) if isinstance(body, dict) else {}
    problem = problem if isinstance(problem, dict) else {}
    code = bounded_int(str(problem.get("Code", "")), MAX_ERROR_CODE)
    if status == 200:  # accepted, yet no id came back: it may have gone
        raise SendUnknown(f"Exotel answered 200 without a message Sid: {body!r:.200}")
    retry = status == 429 or status >= 500
    raise SendFailed(status, code, retry, str(problem.get("Message", "")), retry_after)


@blueprint.post("/exotel/sms/status/<token>")
@token_in_path("EXOTEL_WEBHOOK_TOKEN")
def delivery_status() -> tuple[str, int]:
    """Exotel's delivery report for a message we sent: record status and error code."""
    form = request.form
    sid = provider_id(form.get("SmsSid"))
    status = STATUSES.get((form.get("Status") or "").lower())
    if not sid or status is None:
        return "missing SmsSid or Status", 400
    ours = request.args.get("m") or form.get("CustomField")
    code = bounded_int(form.get("DetailedStatusCode"), MAX_ERROR_CODE)
    clients = current_clients()
    keep_if_busy(
        clients,
        "sms-status",
        record_delivery,
        sid=sid,
        status=status,
        code=code,
        message_id=bounded_int(ours, MAX_ID),
    )
    if code in DLT_REFUSALS:  # officers must hear of it: every such message fails alike
        why = form.get("DetailedStatus") or str(code)
        with contextlib.suppress(Exception):
            alerts.record(clients, "dlt", f"operator {code}", RuntimeError(f"DLT refused: {why}"))
    return "", 204
