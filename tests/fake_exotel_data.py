"""Exotel's SMS API shapes for the fake: outcomes, statuses, error bodies, records, form parsing.

Sources and the facts that could not be confirmed are in the module docstring of
``tests.fake_exotel``; in short: ``{"SMSMessage": {...}}`` answers, ``{"RestException": {...}}``
errors, dates as ``YYYY-MM-DD HH:mm:ss`` in Indian time, 32-hex Sids.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from tests.fake_twilio_data import num_segments

IST = timezone(timedelta(hours=5, minutes=30))
MAX_BODY = 2000
MAX_BULK = 100
FINAL_STATUSES = ("sent", "failed", "failed_dnd")
INTERMEDIATE_STATUSES = ("queued", "sending", "submitted")

# DetailedStatusCode -> DetailedStatus: support.exotel.com article 3000112255 (23005: newer docs).
DETAILED_STATUS: dict[int, str] = {
    20005: "DELIVERED_TO_HANDSET",
    20006: "DELIVERED_TO_OPERATOR",
    21010: "PENDING_TO_OPERATOR",
    21015: "SENDING_TO_OPERATOR",
    21020: "PENDING_ON_OPERATOR",
    23005: "FAILED_DND",
    23015: "FAILED_SPAM_DETECTED",
    23030: "FAILED_UNAVAILABLE_ROUTE",
    23035: "FAILED_SUBSCRIBER_UNAVAILABLE",
    23060: "FAILED_REJECTED",
    23080: "SENDER_BLOCKED_BY_DLT",
    23081: "ENTITY_BLOCKED_BY_DLT",
    23082: "TEMPLATE_BLOCKED_BY_DLT",
    23083: "FAILED_DLT_SCRUBBING_ERROR",
    23084: "FAILED_DLT_CONSENT_ERROR",
    23181: "DLT_TEMPLATE_ID_INVALID",
    23182: "DLT_TEMPLATE_NOT_FOUND",
    23183: "DLT_TEMPLATE_ID_INACTIVE",
    23184: "DLT_TEMPLATE_ID_BLACKLISTED",
    23185: "DLT_TEMPLATE_DOES_NOT_MATCH",
    23186: "DLT_LENGTH_EXCEEDED",
    23281: "DLT_ENTITY_NOT_FOUND",
    24010: "FAILED_SYSTEM_ERROR",
    24105: "FAILED_HANDSET_ERROR",
    24110: "FAILED_OPERATOR_ERROR",
    24120: "FAILED_SUBSCRIBER_ERROR",
    24990: "FAILED_UNKNOWN_ERROR",
}
DEFAULT_CODE = {
    "queued": 21010,
    "sending": 21015,
    "submitted": 21020,
    "sent": 20005,
    "failed": 23035,
    "failed_dnd": 23005,
}
ERROR_TEXT = {
    400: "Invalid Parameters",
    401: "Authentication failed",
    403: "Account is not active",
    404: "The requested resource was not found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}
# Form field -> record attribute, for the optional fields of a message.
OPTIONAL_FIELDS = {
    "EncodingType": "encoding_type",
    "Priority": "priority",
    "StatusCallback": "status_callback",
    "CustomField": "custom_field",
    "DltEntityId": "dlt_entity_id",
    "DltTemplateId": "dlt_template_id",
    "SmsType": "sms_type",
}
_CHOICES = {"EncodingType": ("plain", "unicode"), "Priority": ("normal", "high")}
_MESSAGES_KEY = re.compile(r"Messages\[(\d+)\]\[(\w+)\]")
_TO_KEY = re.compile(r"To(\[\d*\])?")


@dataclass(frozen=True)
class Refusal:
    """An error answer: HTTP status, RestException message and code, optional Retry-After."""

    status: int
    message: str | None = None
    code: int | None = None
    retry_after: float | None = None

    def body(self) -> dict[str, Any]:
        """Exotel's ``{"RestException": {...}}``; ``Code`` only when there is one."""
        exc: dict[str, Any] = {
            "Status": self.status,
            "Message": self.message or ERROR_TEXT.get(self.status, "Error"),
        }
        if self.code is not None:
            exc["Code"] = self.code
        return {"RestException": exc}

    def headers(self) -> dict[str, str]:
        if self.retry_after is None:
            return {}
        value = self.retry_after
        return {"Retry-After": str(int(value)) if float(value).is_integer() else str(value)}


@dataclass(frozen=True)
class Outcome:
    """The fate of one scripted message (one recipient of a send or bulk send).

    ``status >= 400`` refuses it with ``{"RestException": {"Status", "Message", "Code"}}``;
    429 and 5xx refuse the whole HTTP request, a 4xx only that recipient inside a bulk send.
    ``retry_after`` (seconds; ``None`` for no header) is sent as ``Retry-After`` with 429 and 503.
    Otherwise the message is accepted as ``queued``: ``final`` (sent / failed / failed_dnd) with
    ``detailed_code`` (default 20005 / 23035 / 23005) is its last status callback, after one
    callback per ``intermediate`` status (sending / submitted; Exotel documents only the final
    one); ``callback_delay`` overrides the fake's delay before each callback.
    """

    status: int = 200
    code: int | None = None
    message: str | None = None
    retry_after: float | None = 1.0
    final: str = "sent"
    detailed_code: int | None = None
    intermediate: tuple[str, ...] = ()
    callback_delay: float | None = None

    def __post_init__(self) -> None:
        if self.final not in FINAL_STATUSES:
            raise ValueError(f"final must be one of {FINAL_STATUSES}")
        if not set(self.intermediate) <= set(INTERMEDIATE_STATUSES):
            raise ValueError(f"intermediate statuses must be among {INTERMEDIATE_STATUSES}")

    @property
    def refused(self) -> bool:
        return self.status >= 400

    @property
    def whole_request(self) -> bool:
        """Whether this refusal answers for the whole HTTP request (429 and 5xx)."""
        return self.status == 429 or self.status >= 500

    def refusal(self) -> Refusal:
        wait = self.retry_after if self.status in (429, 503) else None
        return Refusal(self.status, self.message, self.code, wait)

    def steps(self) -> list[tuple[str, int]]:
        """The (Status, DetailedStatusCode) reported after acceptance, final last."""
        final_code = self.detailed_code or DEFAULT_CODE[self.final]
        return [(s, DEFAULT_CODE[s]) for s in self.intermediate] + [(self.final, final_code)]


SUCCESS = Outcome()


def ist(timestamp: float | None) -> str | None:
    """A Unix time as Exotel writes it: '2025-02-10 10:30:00' (Indian time)."""
    if timestamp is None:
        return None
    return datetime.fromtimestamp(timestamp, IST).strftime("%Y-%m-%d %H:%M:%S")


def canonical(number: str) -> str:
    """One spelling per phone number (Indian ones as +91XXXXXXXXXX), for scripts and lookups."""
    digits = re.sub(r"[\s()-]", "", number)
    if re.fullmatch(r"0?[6-9]\d{9}", digits):
        return "+91" + digits[-10:]
    if re.fullmatch(r"91[6-9]\d{9}", digits):
        return "+" + digits
    if digits.startswith("00"):
        return "+" + digits[2:]
    return digits


def national(number: str) -> str:
    """How Exotel writes an Indian mobile number back: 0 and ten digits."""
    full = canonical(number)
    return "0" + full[3:] if re.fullmatch(r"\+91\d{10}", full) else number


def valid_number(number: str) -> bool:
    return re.fullmatch(r"\+?\d{5,15}", re.sub(r"[\s()-]", "", number)) is not None


def loopback(url: str) -> bool:
    """The fake only ever talks to 127.0.0.1."""
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and parts.hostname == "127.0.0.1"


@dataclass
class MessageRecord:
    """One accepted message and its progress."""

    sid: str
    fields: dict[str, str]
    created: float
    endpoint: str
    status: str = "queued"
    detailed_code: int = 21010
    updated: float = 0.0
    sent_at: float | None = None
    callbacks: int = 0
    units: int = field(init=False)

    def __post_init__(self) -> None:
        self.updated = self.updated or self.created
        self.units = num_segments(self.body)

    @property
    def to(self) -> str:
        return self.fields["To"]

    @property
    def from_(self) -> str:
        return self.fields["From"]

    @property
    def body(self) -> str:
        return self.fields["Body"]

    @property
    def status_callback(self) -> str | None:
        return self.fields.get("StatusCallback") or None

    def advance(self, status: str, code: int, now: float) -> None:
        self.status, self.detailed_code, self.updated = status, code, now
        if status in FINAL_STATUSES:
            self.sent_at = now

    def public(self) -> dict[str, Any]:
        """What tests read in ``FakeExotel.messages``."""
        record = {"sid": self.sid, "to": self.to, "from_": self.from_, "body": self.body}
        record.update({attr: self.fields.get(name) for name, attr in OPTIONAL_FIELDS.items()})
        record.update(
            fields=dict(self.fields),
            endpoint=self.endpoint,
            status=self.status,
            detailed_status=DETAILED_STATUS.get(self.detailed_code),
            detailed_status_code=self.detailed_code,
            units=self.units,
            callbacks=self.callbacks,
            received_at=datetime.fromtimestamp(self.created, UTC),
        )
        return record

    def resource(self, account_sid: str, national_numbers: bool) -> dict[str, Any]:
        """The inside of ``{"SMSMessage": ...}``."""
        return {
            "Sid": self.sid,
            "AccountSid": account_sid,
            "From": self.from_,
            "To": national(self.to) if national_numbers else self.to,
            "DateCreated": ist(self.created),
            "DateUpdated": ist(self.updated),
            "DateSent": ist(self.sent_at),
            "Body": self.body,
            "Direction": "outbound-api",
            "Uri": f"/v1/Accounts/{account_sid}/SMS/Messages/{self.sid}",
            "ApiVersion": None,
            "Price": None,
            "Status": self.status,
            "DetailedStatus": DETAILED_STATUS.get(self.detailed_code),
            "DetailedStatusCode": self.detailed_code,
            "SmsUnits": self.units,
        }

    def callback_form(self, national_numbers: bool) -> dict[str, str]:
        """The form Exotel POSTs to StatusCallback."""
        form = {
            "SmsSid": self.sid,
            "To": national(self.to) if national_numbers else self.to,
            "Status": self.status,
            "DetailedStatus": DETAILED_STATUS.get(self.detailed_code, ""),
            "DetailedStatusCode": str(self.detailed_code),
            "SmsUnits": str(self.units),
            "DateSent": ist(self.sent_at or self.updated) or "",
        }
        if self.fields.get("CustomField"):
            form["CustomField"] = self.fields["CustomField"]
        return form


def parse_send(pairs: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    """A send's messages, one per ``To`` (comma-separated, repeated, ``To[]`` or ``To[n]``)."""
    outer: dict[str, str] = {}
    recipients: list[str] = []
    for key, value in pairs:
        if _TO_KEY.fullmatch(key):
            recipients += [part.strip() for part in value.split(",") if part.strip()]
        else:
            outer[key] = value
    return [{**outer, "To": to} for to in recipients] or [outer]


def parse_bulk(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    """Messages of a bulk send: ``Messages[n][Field]`` over the outer fields (or a static send)."""
    outer: dict[str, str] = {}
    items: dict[int, dict[str, str]] = {}
    for key, value in pairs:
        if match := _MESSAGES_KEY.fullmatch(key):
            items.setdefault(int(match[1]), {})[match[2]] = value
        elif not _TO_KEY.fullmatch(key):
            outer[key] = value
    if not items:
        return parse_send(pairs)
    return [{**outer, **items[index]} for index in sorted(items)]


def parse_json_bulk(text: str) -> list[dict[str, str]]:
    """The newer docs' JSON bulk ``{"sms": [{...}]}`` (or ``Messages``); outer keys: defaults."""
    payload = json.loads(text)
    if not isinstance(payload, dict):
        raise ValueError("expected a JSON object")
    items = payload.get("sms", payload.get("Messages", []))
    outer = {k: str(v) for k, v in payload.items() if k not in ("sms", "Messages")}
    messages = []
    for item in items:
        to = item.get("To", "")
        for number in to if isinstance(to, list) else [to]:
            fields = {k: str(v) for k, v in item.items() if k != "To"}
            messages.append({**outer, **fields, "To": str(number)})
    return messages


def message_refusal(fields: dict[str, str], require_dlt: bool) -> Refusal | None:
    """Exotel's 400 for a message it would not take, or None."""
    for name in ("From", "To", "Body"):
        if not fields.get(name):
            return Refusal(400, f"Missing parameter {name}")
    if not valid_number(fields["To"]):
        return Refusal(400, f"Invalid Recipient [{fields['To']}]")
    if len(fields["Body"]) > MAX_BODY:
        return Refusal(400, f"Body is longer than {MAX_BODY} characters")
    for name, allowed in _CHOICES.items():
        if fields.get(name) and fields[name] not in allowed:
            return Refusal(400, f"Invalid {name} [{fields[name]}]")
    if require_dlt and not fields.get("DltEntityId"):
        return Refusal(400, "Missing parameter DltEntityId")
    return None


def rate_wait(window: list[float], count: int, limit: float, now: float) -> float | None:
    """Seconds until ``count`` more messages fit ``limit`` a second (``window``: accepts in the
    last second, oldest first), or None when they fit now. A batch larger than the limit
    fits an empty window."""
    if not window or len(window) + count <= limit:
        return None
    index = min(len(window) - 1, max(0, len(window) + count - math.floor(limit) - 1))
    return max(1.0, math.ceil(window[index] + 1.0 - now))


def to_xml(payload: Any) -> str:
    """The XML Exotel answers without ``.json``: ``<TwilioResponse>`` around the elements."""

    def element(name: str, value: Any) -> str:
        if isinstance(value, dict):
            inner = "".join(element(k, v) for k, v in value.items())
        else:
            inner = "" if value is None else escape(str(value))
        return f"<{name}>{inner}</{name}>"

    items = payload if isinstance(payload, list) else [payload]
    body = "".join(element(k, v) for item in items for k, v in item.items())
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<TwilioResponse>{body}</TwilioResponse>\n'
