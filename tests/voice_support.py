"""Test helpers for the voice channel: Twilio's side of a call, as signed webhooks.

A :class:`VoiceLine` posts what Twilio posts (a missed call, an answered call, the keys
pressed at a ``<Gather>``) to the real app, signed, and reads each TwiML reply as XML:
a :class:`Twiml` knows what was said or played, in which voice and language, and where
its ``<Gather>`` posts next. A test follows ``press(...)`` from one question to the next.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from urllib.parse import urlsplit

from tests.support import sign

ACCOUNT = "AC" + "0" * 32
LINE = "+15005550006"  # the service's number
_call_sids = itertools.count(1)


def new_call_sid() -> str:
    return f"CA{next(_call_sids):032x}"


@dataclass
class Twiml:
    """A TwiML reply to a voice webhook, parsed as XML."""

    root: ET.Element

    @classmethod
    def parse(cls, text: str) -> Twiml:
        root = ET.fromstring(text)
        assert root.tag == "Response", text
        return cls(root)

    @property
    def gather(self) -> ET.Element | None:
        return self.root.find("Gather")

    @property
    def says(self) -> list[ET.Element]:
        return list(self.root.iter("Say"))

    @property
    def lines(self) -> list[str]:
        """Everything said, in order (a recording shows as "[play URL]")."""
        found = []
        for element in self.root.iter():
            if element.tag == "Say":
                found.append(element.text or "")
            elif element.tag == "Play":
                found.append(f"[play {element.text}]")
        return found

    @property
    def text(self) -> str:
        return " ".join(self.lines)

    @property
    def digits(self) -> int | None:
        """The keys the ``<Gather>`` waits for; None when the call ends here."""
        gather = self.gather
        return None if gather is None else int(gather.get("numDigits"))

    @property
    def hangs_up(self) -> bool:
        return self.root.find("Hangup") is not None

    @property
    def action(self) -> str:
        gather = self.gather
        assert gather is not None, "no <Gather> to answer"
        return gather.get("action")


class VoiceLine:
    """Twilio posting signed voice webhooks to the app for one caller's calls."""

    def __init__(self, client, base_url: str, auth_token: str, caller: str) -> None:
        self.client = client
        self.base_url = base_url.rstrip("/")
        self.auth_token = auth_token
        self.caller = caller
        self.call_sid = new_call_sid()

    def other(self, caller: str) -> VoiceLine:
        return VoiceLine(self.client, self.base_url, self.auth_token, caller)

    def post(self, url: str, form: dict[str, str], signature: str | None = None):
        """POST ``form`` to ``url`` (absolute, or a path on the base URL), signed unless
        ``signature`` is given."""
        if url.startswith("/"):
            url = self.base_url + url
        assert url.startswith(self.base_url), f"{url} is not on {self.base_url}"
        if signature is None:
            signature = sign(self.auth_token, url, form)
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    def form(self, direction: str = "inbound", **extra: str) -> dict[str, str]:
        """Twilio's fields of a call from (inbound) or to (outbound-api) the caller."""
        ours, theirs = LINE, self.caller
        caller, called = (theirs, ours) if direction == "inbound" else (ours, theirs)
        return {
            "AccountSid": ACCOUNT,
            "ApiVersion": "2010-04-01",
            "CallSid": self.call_sid,
            "CallStatus": "ringing" if direction == "inbound" else "in-progress",
            "Direction": direction,
            "From": caller,
            "To": called,
            **extra,
        }

    def _twiml(self, response) -> Twiml:
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        return Twiml.parse(response.get_data(as_text=True))

    def missed_call(self) -> Twiml:
        """Ring the missed-call number (a new call each time)."""
        self.call_sid = new_call_sid()
        return self._twiml(self.post("/twilio/voice/missed", self.form()))

    def call(self) -> Twiml:
        """Call the inbound line (a new call)."""
        self.call_sid = new_call_sid()
        return self._twiml(self.post("/twilio/voice", self.form()))

    def pick_up(self, url: str, call_sid: str) -> Twiml:
        """Answer a call the service placed: Twilio fetches the call's ``url``."""
        self.call_sid = call_sid
        return self._twiml(self.post(url, self.form("outbound-api")))

    def press(self, twiml: Twiml, digits: str | None) -> Twiml:
        """Answer ``twiml``'s ``<Gather>``: press ``digits``, or (None) stay silent."""
        form = self.form()
        if digits is not None:
            form["Digits"] = digits
        return self._twiml(self.post(twiml.action, form))

    def keys(self, twiml: Twiml, *presses: str | None) -> Twiml:
        """Press several answers in turn; returns the last reply."""
        for digits in presses:
            twiml = self.press(twiml, digits)
        return twiml
