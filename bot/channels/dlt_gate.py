"""The DLT gate in front of every sender: each SMS is matched to the registered template
it fills, and goes with that template's id; with ``DLT_ENTITY_ID`` set, a text that no
approved template matches is not sent — it is logged, counted and shown to officers as
an alert (Indian operators would drop it anyway).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Protocol

from bot.channels.dlt import Match
from bot.channels.senders import (
    NO_TEMPLATE,
    Outbound,
    OutboundCall,
    Send,
    Sender,
    SendFailed,
    SendMany,
    SendUnknown,
    Sent,
)
from bot.storage import alerts
from bot.storage.clients import Clients
from bot.storage.privacy import mask_phone

log = logging.getLogger(__name__)

REFUSED_COUNTER = "tika:dlt:refused"  # Redis: texts not sent for want of a template


class Matcher(Protocol):
    def match(self, body: str) -> Match | None:
        """The registered template ``body`` fills, or None."""


class DltGate:
    """A sender that puts the template's name, id, language and variables on each message
    (``Outbound``), and refuses, when ``enforce``, a text with no approved template."""

    def __init__(
        self,
        inner: Sender,
        registry: Callable[[], Matcher],
        enforce: bool,
        refused: Callable[[Outbound], None] = lambda message: None,
    ) -> None:
        self.inner, self.registry, self.enforce, self.refused = inner, registry, enforce, refused
        self.name, self.account, self.status_path = inner.name, inner.account, inner.status_path

    def stamp(self, message: Outbound, registry: Matcher | None = None) -> Outbound:
        """``message`` with its template on it; raises SendFailed(NO_TEMPLATE) when it has
        no approved one and DLT is enforced."""
        found = (registry or self.registry()).match(message.body)
        if found is not None:
            template = found.template
            message = replace(
                message,
                template=template.name,
                template_id=template.template_id if found.approved else None,
                lang=template.lang,
                variables=dict(found.variables),
            )
        if self.enforce and (found is None or not found.approved):
            reason = "matches no template" if found is None else f"fills {message.template}"
            log.warning(
                "SMS to %s not sent: it %s, which has no approved DLT id",
                mask_phone(message.to),
                reason,
            )
            self.refused(message)
            raise SendFailed(None, NO_TEMPLATE, False, f"no approved DLT template: it {reason}")
        return message

    @asynccontextmanager
    async def session(self) -> AsyncIterator[Send]:
        registry = self.registry()  # read again when `dlt import` changed it
        async with self.inner.session() as send:

            async def gated(message: Outbound) -> Sent:
                return await send(self.stamp(message, registry))

            yield gated

    @asynccontextmanager
    async def bulk_session(self) -> AsyncIterator[SendMany]:
        registry = self.registry()
        async with self.inner.bulk_session() as send_many:

            async def gated(messages: list[Outbound]) -> list[Sent | SendFailed | SendUnknown]:
                """The refused ones answered here; the others sent together, in order."""
                outcomes: dict[int, Sent | SendFailed | SendUnknown] = {}
                stamped = []
                for n, message in enumerate(messages):
                    try:
                        stamped.append((n, self.stamp(message, registry)))
                    except SendFailed as refused:
                        outcomes[n] = refused
                if stamped:
                    sent = await send_many([message for _, message in stamped])
                    outcomes.update(zip((n for n, _ in stamped), sent, strict=True))
                return [outcomes[n] for n in range(len(messages))]

            yield gated

    def find(self, ours: int, to: str, since: dt.datetime) -> Sent | None:
        return self.inner.find(ours, to, since)

    def place_call(self, call: OutboundCall, base_url: str) -> Sent:
        return self.inner.place_call(call, base_url)

    def call_status(self, sid: str) -> str | None:
        return self.inner.call_status(sid)

    def __getattr__(self, name: str) -> Any:  # anything else is the gateway's own
        return getattr(self.inner, name)


def record_refusal(clients: Clients, message: Outbound) -> None:
    """Count a text not sent for want of an approved template, and show it to officers
    as an alert (one per template, counted; never the text, which names a child)."""
    clients.redis.incr(REFUSED_COUNTER)
    subject = message.template or "no template"
    why = "no approved DLT id" if message.template else "matches no registered template"
    alerts.record(clients, "dlt", subject, RuntimeError(f"SMS not sent: {why}"))
