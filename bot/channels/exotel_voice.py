"""Exotel voice: placing a call that connects the caregiver to our IVR flow in Exotel
(``POST /v1/Accounts/{sid}/Calls/connect.json``), and asking how a call went.

The flow an operator draws in Exotel's dashboard (``EXOTEL_IVR_FLOW_ID``) fetches what
to say and ask from our routes (``bot.voice.exotel_webhooks``); the call's progress comes
to ``/exotel/voice/status/<EXOTEL_WEBHOOK_TOKEN>``, naming our call and its try. Exotel's
call statuses (queued, in-progress, completed, busy, no-answer, failed) are Twilio's
words, which ``bot.voice.calls`` already speaks.
"""

from __future__ import annotations

import requests

from bot.channels.numbers import provider_id
from bot.channels.senders import (
    OutboundCall,
    SendFailed,
    SendUnknown,
    Sent,
    proxies,
    retry_after,
)

CALL_STATUSES = {"queued", "ringing", "in-progress", "completed", "busy", "no-answer", "failed"}


class ExotelVoice:
    """Calls through one Exotel account (basic auth: the API key and token)."""

    def __init__(
        self,
        account_sid: str,
        auth: tuple[str, str],
        api_base: str,
        webhook_token: str,
        caller_id: str,
        flow_id: str,
        max_seconds: int,
        timeout: float = 10.0,
    ) -> None:
        self.account_sid, self.auth = account_sid, auth
        self.calls_url = f"{api_base.rstrip('/')}/v1/Accounts/{account_sid}/Calls"
        self.status_path = f"/exotel/voice/status/{webhook_token}"
        self.caller_id, self.flow_id = caller_id, flow_id
        self.max_seconds, self.timeout = max_seconds, timeout

    def form(self, call: OutboundCall, base_url: str) -> dict[str, str]:
        """Calls/connect's fields: the caregiver is called first (From), shown the
        ExoPhone (CallerId), and connected to the IVR flow (Url)."""
        report = (
            f"{base_url.rstrip('/')}{self.status_path}?call={call.call_id}&attempt={call.attempt}"
        )
        return {
            "From": call.to,
            "CallerId": self.caller_id,
            "Url": f"http://my.exotel.com/{self.account_sid}/exoml/start_voice/{self.flow_id}",
            "CallType": "trans",
            "TimeOut": str(call.ring_seconds),
            "TimeLimit": str(self.max_seconds),
            "CustomField": str(call.call_id),
            "StatusCallback": report,
            "StatusCallbackEvents[0]": "terminal",
        }

    def place(self, call: OutboundCall, base_url: str) -> Sent:
        if not (self.caller_id and self.flow_id):
            raise SendFailed(None, None, False, "calls need EXOTEL_CALLER_ID, EXOTEL_IVR_FLOW_ID")
        try:
            answer = requests.post(
                f"{self.calls_url}/connect.json",
                data=self.form(call, base_url),
                auth=self.auth,
                timeout=self.timeout,
                proxies=proxies(),
            )
        except requests.RequestException as error:
            raise SendUnknown(repr(error)) from None
        found = _call(answer)
        if found is None:
            retry = answer.status_code == 429 or answer.status_code >= 500
            after = retry_after(answer.headers.get("Retry-After"))
            raise SendFailed(answer.status_code, None, retry, answer.text[:200], after)
        return found

    def status(self, sid: str) -> str | None:
        """The call's status as Exotel knows it; None for a call it does not know."""
        answer = requests.get(
            f"{self.calls_url}/{sid}.json", auth=self.auth, timeout=self.timeout, proxies=proxies()
        )
        found = _call(answer)
        return found.status if found else None


def _call(answer: requests.Response) -> Sent | None:
    """The call in Exotel's answer (``{"Call": {"Sid", "Status", ...}}``), if any."""
    if answer.status_code != 200:
        return None
    try:
        call = answer.json().get("Call") or {}
    except (ValueError, AttributeError):
        return None
    sid = provider_id(str(call.get("Sid") or ""))
    status = str(call.get("Status") or "queued").lower()
    return Sent(sid, status if status in CALL_STATUSES else "queued") if sid else None
