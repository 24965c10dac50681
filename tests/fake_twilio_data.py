"""Twilio's REST shapes for the fake: scripted outcomes, error bodies, SMS segments, resources."""

from __future__ import annotations

import calendar
import functools
import re
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

API_VERSION = "2010-04-01"
E164 = re.compile(r"\+[1-9][0-9]{6,14}")
DELIVERY_STATUSES = ("delivered", "undelivered", "failed")
CALL_RESULTS = ("completed", "no-answer", "busy", "failed", "canceled")
MAX_BODY = 1600

# Twilio's texts for the error codes the fake produces (the code is what a sender should read).
ERROR_TEXT: dict[int, str] = {
    20003: "Authenticate",
    20404: "The requested resource was not found",
    20429: "Too Many Requests",
    20500: "An internal server error has occurred",
    20503: "Service is unavailable. Please try again",
    21201: "No 'To' number is specified",
    21205: "Url, Twiml or ApplicationSid is required",
    21211: "Invalid 'To' Phone Number",
    21213: "No 'From' number is specified",
    21602: "Message body is required.",
    21603: "The source 'from' phone number is required to send an SMS",
    21604: "The destination 'To' phone number is required to send an SMS",
    21610: "Attempt to send to unsubscribed recipient",
    21614: "'To' number is not a valid mobile number",
    21617: "The concatenated message body exceeds the 1600 character limit",
    30003: "Unreachable destination handset",
    30005: "Unknown destination handset",
    30006: "Landline or unreachable carrier",
    30007: "Message filtered",
    30008: "Unknown error",
}
_CODE_FOR_STATUS = {401: 20003, 404: 20404, 429: 20429, 500: 20500, 503: 20503}
Refusal = tuple[int, int, str | None]  # HTTP status, Twilio code, message (None: Twilio's text)


@dataclass(frozen=True)
class Outcome:
    """The fate of one scripted POST.

    ``status >= 400`` refuses the request with Twilio's error body (``code`` defaults from the
    status: 429 → 20429, 500 → 20500, 503 → 20503). Otherwise the request is accepted and
    ``delivery`` (messages: delivered / undelivered / failed, with ``code`` as the ErrorCode,
    default 30003 / 30008) or ``call`` (calls: completed / no-answer / busy / failed /
    canceled, lasting ``duration`` seconds when completed) says what the status callbacks report.
    """

    status: int = 201
    code: int | None = None
    message: str | None = None
    delivery: str | None = None
    call: str | None = None
    duration: int = 30
    answered_by: str | None = None

    def __post_init__(self) -> None:
        if self.delivery is not None and self.delivery not in DELIVERY_STATUSES:
            raise ValueError(f"delivery must be one of {DELIVERY_STATUSES}")
        if self.call is not None and self.call not in CALL_RESULTS:
            raise ValueError(f"call must be one of {CALL_RESULTS}")

    @property
    def refused(self) -> bool:
        return self.status >= 400

    def applies_to(self, kind: str) -> bool:
        """Whether a POST of ``kind`` ("message" or "call") consumes this outcome."""
        if self.refused:
            return True
        return self.call is None if kind == "message" else self.delivery is None

    def refusal(self) -> Refusal:
        """The error response of a refusing outcome."""
        return (
            self.status,
            self.code or _CODE_FOR_STATUS.get(self.status, self.status),
            self.message,
        )

    def delivery_result(self) -> tuple[str, int | None]:
        """The final message status and its ErrorCode."""
        status = self.delivery or "delivered"
        if status == "delivered":
            return status, None
        return status, self.code or (30003 if status == "undelivered" else 30008)


SUCCESS = Outcome()


def error_body(status: int, code: int, message: str | None = None) -> dict[str, Any]:
    """Twilio's legacy error JSON (what makes the library raise TwilioRestException)."""
    return {
        "code": code,
        "message": message or ERROR_TEXT.get(code, "Error"),
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


# GSM 03.38: the basic table (escape excluded) and the extension table (two units each).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("\f^{}\\[~]|€")
GSM7 = GSM7_BASIC | GSM7_EXTENSION


def num_segments(body: str) -> int:
    """SMS parts for ``body``: GSM-7 160 (153 per part) or UCS-2 70 (67) in UTF-16 units."""
    if GSM7.issuperset(body):
        units = len(body) + sum(1 for char in body if char in GSM7_EXTENSION)
        single, part = 160, 153
    else:
        units = len(body.encode("utf-16-le")) // 2
        single, part = 70, 67
    return 1 if units <= single else -(-units // part)


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@functools.lru_cache(maxsize=8)
def _rfc2822_second(second: int) -> str:
    t = time.gmtime(second)
    return (
        f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
        f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} +0000"
    )


def rfc2822(timestamp: float | None) -> str | None:
    """A Unix time as Twilio writes dates: 'Mon, 10 Feb 2025 05:00:00 +0000'."""
    return None if timestamp is None else _rfc2822_second(int(timestamp))


def date_filter_bounds(query: dict[str, str]) -> tuple[int, int]:
    """Inclusive [low, high] Unix seconds from DateSent, DateSent> and DateSent< (ValueError).

    A YYYY-MM-DD value means the whole UTC day; a datetime (2025-02-10T05:00:00Z, as the
    library sends) means that second. Twilio treats the > and < forms as >= and <=.
    """
    low, high = 0, 2**62
    for key, value in query.items():
        if not key.startswith("DateSent"):
            continue
        first, last = _parse_when(value)
        op = key.removeprefix("DateSent").rstrip("=")
        if op in ("", ">"):
            low = max(low, first)
        if op in ("", "<"):
            high = min(high, last)
        if op not in ("", ">", "<"):
            raise ValueError(key)
    return low, high


def _parse_when(value: str) -> tuple[int, int]:
    if len(value) == 10:
        day = calendar.timegm(datetime.strptime(value, "%Y-%m-%d").timetuple())
        return day, day + 86399
    when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    second = int(when.timestamp())
    return second, second


def message_refusal(form: dict[str, str]) -> Refusal | None:
    """Twilio's 400 for an invalid Messages POST, or None."""
    to, body = form.get("To", ""), form.get("Body", "")
    if not to:
        return 400, 21604, None
    if not E164.fullmatch(to):
        return 400, 21211, f"The 'To' number {to} is not a valid phone number."
    if not form.get("From") and not form.get("MessagingServiceSid"):
        return 400, 21603, None
    if not (body or form.get("MediaUrl") or form.get("ContentSid")):
        return 400, 21602, None
    if len(body) > MAX_BODY:
        return 400, 21617, None
    return None


def call_refusal(form: dict[str, str]) -> Refusal | None:
    """Twilio's 400 for an invalid Calls POST, or None."""
    to = form.get("To", "")
    if not to:
        return 400, 21201, None
    if not (E164.fullmatch(to) or to.startswith(("client:", "sip:"))):
        return 400, 21211, f"The 'To' number {to} is not a valid phone number."
    if not form.get("From"):
        return 400, 21213, None
    if not (form.get("Url") or form.get("Twiml") or form.get("ApplicationSid")):
        return 400, 21205, None
    if not (form.get("Timeout") or "60").isdigit():
        return 400, 21200, "Timeout must be a number of seconds"
    return None


@dataclass(slots=True)
class MessageRecord:
    """One accepted message, as the fake keeps it."""

    sid: str
    to: str
    from_: str | None
    messaging_service_sid: str | None
    body: str
    status_callback: str | None
    created: float
    num_media: int
    status: str
    num_segments: int = 1
    error_code: int | None = None
    updated: float = 0.0

    @classmethod
    def from_form(cls, sid: str, pairs: list[tuple[str, str]], now: float) -> MessageRecord:
        form = dict(pairs)
        service = form.get("MessagingServiceSid") or None
        return cls(
            sid=sid,
            to=form["To"],
            from_=form.get("From") or None,
            messaging_service_sid=service,
            body=form.get("Body", ""),
            status_callback=form.get("StatusCallback") or None,
            created=now,
            num_media=sum(1 for key, _ in pairs if key == "MediaUrl"),
            status="accepted" if service else "queued",
            num_segments=num_segments(form.get("Body", "")),
        )

    def public(self) -> dict[str, Any]:
        """The dict tests read from ``FakeTwilio.messages``."""
        return {
            "sid": self.sid,
            "to": self.to,
            "from_": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "body": self.body,
            "status_callback": self.status_callback,
            "received_at": datetime.fromtimestamp(self.created, UTC),
            "status": self.status,
            "error_code": self.error_code,
            "num_segments": self.num_segments,
        }

    def resource(self, account_sid: str) -> dict[str, Any]:
        """Twilio's Message resource JSON."""
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Messages/{self.sid}"
        return {
            "account_sid": account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.created),
            "date_sent": rfc2822(self.created),
            "date_updated": rfc2822(self.updated or self.created),
            "direction": "outbound-api",
            "error_code": self.error_code,
            "error_message": ERROR_TEXT.get(self.error_code) if self.error_code else None,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": str(self.num_media),
            "num_segments": str(self.num_segments),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": self.to,
            "uri": f"{uri}.json",
        }

    def callback_form(self, account_sid: str) -> dict[str, str]:
        """The status callback Twilio posts for the message's current status."""
        form = {
            "AccountSid": account_sid,
            "ApiVersion": API_VERSION,
            "MessageSid": self.sid,
            "MessageStatus": self.status,
            "SmsSid": self.sid,
            "SmsStatus": self.status,
            "To": self.to,
        }
        if self.from_:
            form["From"] = self.from_
        if self.messaging_service_sid:
            form["MessagingServiceSid"] = self.messaging_service_sid
        if self.error_code:
            form["ErrorCode"] = str(self.error_code)
        return form


@dataclass(slots=True)
class CallRecord:
    """One accepted outbound call; ``form`` is the POST as received."""

    sid: str
    form: dict[str, str]
    events: tuple[str, ...]
    created: float
    status: str = "queued"
    start: float | None = None
    end: float | None = None
    duration: int | None = None
    answered_by: str | None = None

    @classmethod
    def from_form(cls, sid: str, pairs: list[tuple[str, str]], now: float) -> CallRecord:
        events = [e for key, value in pairs if key == "StatusCallbackEvent" for e in value.split()]
        return cls(sid=sid, form=dict(pairs), events=tuple(events) or ("completed",), created=now)

    @property
    def to(self) -> str:
        return self.form["To"]

    @property
    def from_(self) -> str:
        return self.form["From"]

    @property
    def status_callback(self) -> str | None:
        return self.form.get("StatusCallback") or None

    @property
    def status_callback_method(self) -> str:
        return (self.form.get("StatusCallbackMethod") or "POST").upper()

    def public(self) -> dict[str, Any]:
        """The dict tests read from ``FakeTwilio.calls``."""
        return {
            "sid": self.sid,
            "to": self.to,
            "from_": self.from_,
            "url": self.form.get("Url"),
            "twiml": self.form.get("Twiml"),
            "method": (self.form.get("Method") or "POST").upper(),
            "status_callback": self.status_callback,
            "status_callback_events": list(self.events),
            "status_callback_method": self.status_callback_method,
            "timeout": int(self.form.get("Timeout") or 60),
            "machine_detection": self.form.get("MachineDetection"),
            "received_at": datetime.fromtimestamp(self.created, UTC),
            "status": self.status,
            "form": dict(self.form),
        }

    def resource(self, account_sid: str) -> dict[str, Any]:
        """Twilio's Call resource JSON."""
        uri = f"/{API_VERSION}/Accounts/{account_sid}/Calls/{self.sid}"
        subresources = ("notifications", "recordings", "payments", "events", "siprec", "streams")
        return {
            "account_sid": account_sid,
            "annotation": None,
            "answered_by": self.answered_by,
            "api_version": API_VERSION,
            "caller_name": None,
            "date_created": rfc2822(self.created),
            "date_updated": rfc2822(self.end or self.start or self.created),
            "direction": "outbound-api",
            "duration": None if self.duration is None else str(self.duration),
            "end_time": rfc2822(self.end),
            "forwarded_from": None,
            "from": self.from_,
            "from_formatted": self.from_,
            "group_sid": None,
            "parent_call_sid": None,
            "phone_number_sid": None,
            "price": None,
            "price_unit": "USD",
            "queue_time": "0",
            "sid": self.sid,
            "start_time": rfc2822(self.start),
            "status": self.status,
            "subresource_uris": {name: f"{uri}/{name.title()}.json" for name in subresources},
            "to": self.to,
            "to_formatted": self.to,
            "trunk_sid": None,
            "uri": f"{uri}.json",
        }

    def advance(
        self, account_sid: str, step: tuple[str, str], outcome: Outcome, sequence: int
    ) -> dict[str, str]:
        """Take one (event, CallStatus) step; the status callback form Twilio posts for it."""
        event, status = step
        now = time.time()
        self.status = "queued" if status == "initiated" else status
        if status == "in-progress" and self.form.get("MachineDetection"):
            self.answered_by = outcome.answered_by or "human"
        form = {
            "AccountSid": account_sid,
            "ApiVersion": API_VERSION,
            "CallSid": self.sid,
            "CallStatus": status,
            "CallbackSource": "call-progress-events",
            "Called": self.to,
            "Caller": self.from_,
            "Direction": "outbound-api",
            "From": self.from_,
            "SequenceNumber": str(sequence),
            "Timestamp": rfc2822(now) or "",
            "To": self.to,
        }
        if event == "completed":
            self.duration = outcome.duration if status == "completed" else 0
            self.start, self.end = (now - self.duration if self.duration else None), now
            form["CallDuration"] = str(self.duration)
        if self.answered_by and event in ("answered", "completed"):
            form["AnsweredBy"] = self.answered_by
        return form


# (StatusCallbackEvent, CallStatus) steps of each scripted call result, in order.
CALL_STEPS: dict[str, tuple[tuple[str, str], ...]] = {
    "completed": (
        ("initiated", "initiated"),
        ("ringing", "ringing"),
        ("answered", "in-progress"),
        ("completed", "completed"),
    ),
    "no-answer": (("initiated", "initiated"), ("ringing", "ringing"), ("completed", "no-answer")),
    "busy": (("initiated", "initiated"), ("completed", "busy")),
    "failed": (("completed", "failed"),),
    "canceled": (("initiated", "initiated"), ("ringing", "ringing"), ("completed", "canceled")),
}


def page_envelope(
    key: str,
    path: str,
    filters: dict[str, str],
    items: list[dict[str, Any]],
    page: int,
    page_size: int,
    next_token: str | None,
    previous_token: str | None,
    page_token: str | None,
) -> dict[str, Any]:
    """Twilio's list envelope; next/previous URIs carry a PageToken so paging is stable."""

    def uri(page_number: int, token: str | None) -> str:
        query = {**filters, "PageSize": page_size, "Page": page_number}
        if token:
            query["PageToken"] = token
        return f"{path}?{urlencode(query)}"

    start = page * page_size
    return {
        key: items,
        "end": start + max(len(items), 1) - 1,
        "first_page_uri": uri(0, None),
        "next_page_uri": uri(page + 1, next_token) if next_token else None,
        "page": page,
        "page_size": page_size,
        "previous_page_uri": uri(page - 1, previous_token) if previous_token else None,
        "start": start,
        "uri": uri(page, page_token),
    }


def page_start(sids: list[str], token: str | None, page: int, page_size: int) -> int:
    """Index of a page's first record: after (PA) or a page before (PB) the token's record."""
    if not token or token[:2] not in ("PA", "PB"):
        return page * page_size
    try:
        index = sids.index(token[2:])
    except ValueError:
        return len(sids)
    return index + 1 if token.startswith("PA") else max(0, index - page_size)
