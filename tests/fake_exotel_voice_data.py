"""Exotel voice shapes for tests/fake_exotel_voice.py: flows, outcomes, call records, applet
queries, the dynamic Gather JSON and the status callback form.

Sources, and the choices made where they are silent: tests/exotel_voice_notes.md (in short: applets
are GETs with the call in the query string, 0-prefixed numbers, ``digits`` wrapped in double
quotes; Passthru 200 / 302 branch; Gather answers ``{"gather_prompt": {"text"|"audio_url"},
"max_input_digits", "finish_on_key", "input_timeout", "repeat_menu", "repeat_gather_prompt"}``;
Greeting answers text/plain: TTS text, or audio URLs one a line; ``{"Call": {...}}`` answers).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tests.fake_exotel_data import IST, Refusal, ist, national, valid_number

HANGUP = "hangup"  # a flow target: end the call
KINDS = ("greeting", "gather", "passthru")
RESULTS = ("answered", "no-answer", "busy", "failed")
EVENTS = ("terminal", "answered")
MAX_TIME_LIMIT = 14400
NEVER = "1970-01-01 05:30:00"  # how Exotel writes a time not yet known (the epoch, in IST)
FLOW_URL = re.compile(
    r"https?://my\.exotel\.(?:com|in)/(?P<account>[^/?#]+)/exoml/start_voice/(?P<flow>\d+)/?"
)
GATHER_DEFAULTS = {
    "max_input_digits": 255,
    "finish_on_key": "#",
    "input_timeout": 5,
    "repeat_menu": 0,
}
_EVENTS_KEY = re.compile(r"StatusCallbackEvents(\[\d*\])?")


@dataclass(frozen=True)
class Applet:
    """One applet of a flow. Targets are applet names or ``HANGUP``.

    ``next`` (greeting, gather): where to go after it, default the following applet (the last
    one hangs up); ``on_silence`` (gather): after a no-input, default ``next``; ``on_200`` /
    ``on_302`` / ``on_error`` (passthru): default the first applet / hang up / hang up.
    """

    kind: str
    url: str
    name: str = ""
    next: str | None = None
    on_silence: str | None = None
    on_200: str | None = None
    on_302: str = HANGUP
    on_error: str = HANGUP


@dataclass(frozen=True)
class FlowSpec:
    """An ExoPhone flow as drawn in Exotel's dashboard, whose applets fetch our URLs.

    ``applets``: ``Applet``s or tuples ``(kind, url)`` / ``(kind, url, {options})``; an applet
    without a name is called after its kind (``gather``), numbered when a kind repeats
    (``gather1``, ``gather2``). ``flow_id`` None: the flow for any app id. ``max_loops``: the
    walk hangs up after going round this many times. ``tenant_id`` is echoed in applet queries.
    """

    applets: Sequence[Applet | tuple[Any, ...]]
    flow_id: str | None = None
    max_loops: int = 50
    tenant_id: str = "1"

    def __post_init__(self) -> None:
        given = [
            a if isinstance(a, Applet) else Applet(*a[:2], **(a[2] if a[2:] else {}))
            for a in self.applets
        ]
        if not given:
            raise ValueError("a flow needs at least one applet")
        counts = {kind: sum(a.kind == kind for a in given) for kind in KINDS}
        seen: dict[str, int] = {}
        named = []
        for applet in given:
            if applet.kind not in KINDS:
                raise ValueError(f"applet kind must be one of {KINDS}: {applet.kind!r}")
            seen[applet.kind] = seen.get(applet.kind, 0) + 1
            name = applet.name or (
                applet.kind if counts[applet.kind] == 1 else f"{applet.kind}{seen[applet.kind]}"
            )
            named.append(Applet(**{**applet.__dict__, "name": name}))
        object.__setattr__(self, "applets", tuple(named))
        names = [a.name for a in named]
        if len(set(names)) != len(names) or HANGUP in names:
            raise ValueError(f"applet names must be unique and not {HANGUP!r}: {names}")
        for applet in named:
            for target in (
                applet.next,
                applet.on_silence,
                applet.on_200,
                applet.on_302,
                applet.on_error,
            ):
                if target is not None and target != HANGUP and target not in names:
                    raise ValueError(f"{applet.name}: unknown target {target!r}")

    def index(self, name: str) -> int:
        return next(i for i, a in enumerate(self.applets) if a.name == name)

    def after(self, index: int) -> str:
        """Where the applet at ``index`` goes when it has no explicit target."""
        applet = self.applets[index]
        if applet.next is not None:
            return applet.next
        return self.applets[index + 1].name if index + 1 < len(self.applets) else HANGUP

    @classmethod
    def from_json(cls, spec: dict[str, Any]) -> FlowSpec:
        """``{"flow_id", "applets": [[kind, url, {options}?], ...], "max_loops", "tenant_id"}``."""
        applets = [tuple(item) for item in spec["applets"]]
        options = {k: spec[k] for k in ("max_loops", "tenant_id") if k in spec}
        flow_id = spec.get("flow_id")
        return cls(applets, None if flow_id is None else str(flow_id), **options)


@dataclass(frozen=True)
class CallOutcome:
    """The fate of one scripted Calls/connect request.

    ``status >= 400`` refuses the request with ``{"RestException": ...}`` (``retry_after``, in
    seconds, as Retry-After with 429 and 503; None: no header). Otherwise the call is accepted
    and ``result`` is what the callee does: ``answered`` (the flow is walked: with ``keys`` at
    once, or, when ``keys`` is None, when the test calls ``answer()``), ``no-answer``, ``busy`` or
    ``failed`` (the terminal callback follows after ``callback_delay``, default the fake's).
    """

    result: str = "answered"
    keys: Sequence[str] | None = None
    status: int = 200
    message: str | None = None
    code: int | None = None
    retry_after: float | None = 1.0
    callback_delay: float | None = None

    def __post_init__(self) -> None:
        if self.result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}")
        if self.keys is not None:
            object.__setattr__(self, "keys", tuple(self.keys))

    @property
    def refused(self) -> bool:
        return self.status >= 400

    def refusal(self) -> Refusal:
        wait = self.retry_after if self.status in (429, 503) else None
        return Refusal(self.status, self.message, self.code, wait)


ANSWERED = CallOutcome()


def created(timestamp: float) -> str:
    """The applets' ``Created``: 'Wed, 31 Jul 2024 16:42:56' (Indian time)."""
    return datetime.fromtimestamp(timestamp, IST).strftime("%a, %d %b %Y %H:%M:%S")


def parse_events(pairs: Iterable[tuple[str, str]]) -> list[str]:
    """``StatusCallbackEvents``, ``…[]`` or ``…[n]`` values (comma-separated too)."""
    found: list[str] = []
    for key, value in pairs:
        if _EVENTS_KEY.fullmatch(key):
            found += [part.strip() for part in value.split(",") if part.strip()]
    return found


def connect_refusal(
    fields: dict[str, str], events: list[str], account_sid: str
) -> tuple[Refusal | None, str | None]:
    """Exotel's 400 for a connect-to-flow request it would not take, else the flow id."""
    for name in ("From", "CallerId", "Url"):
        if not fields.get(name):
            return Refusal(400, f"Missing parameter {name}"), None
    if not valid_number(fields["From"]):
        return Refusal(400, f"Invalid From number [{fields['From']}]"), None
    match = FLOW_URL.fullmatch(fields["Url"].strip())
    if match is None or match["account"] != account_sid:
        return Refusal(400, f"Invalid Url [{fields['Url']}]"), None
    for name in ("TimeLimit", "TimeOut"):
        value = fields.get(name)
        if value and (not value.isdigit() or (name == "TimeLimit" and int(value) > MAX_TIME_LIMIT)):
            return Refusal(400, f"Invalid {name} [{value}]"), None
    if bad := [e for e in events if e not in EVENTS]:
        return Refusal(400, f"Invalid StatusCallbackEvents {bad}"), None
    return None, match["flow"]


@dataclass
class CallRecord:
    """One accepted call and its progress through the flow."""

    sid: str
    fields: dict[str, str]
    events: list[str]
    flow_id: str
    outcome: CallOutcome
    created: float
    status: str = "in-progress"
    answered_at: float | None = None
    ended_at: float | None = None
    ended_by: str | None = None
    walked: bool = False
    callbacks: int = 0
    steps: list[dict[str, Any]] = field(default_factory=list)

    @property
    def from_(self) -> str:
        return self.fields["From"]

    @property
    def caller_id(self) -> str:
        return self.fields["CallerId"]

    @property
    def custom_field(self) -> str | None:
        return self.fields.get("CustomField") or None

    @property
    def status_callback(self) -> str | None:
        return self.fields.get("StatusCallback") or None

    @property
    def duration(self) -> int:
        if self.answered_at is None:
            return 0
        return int((self.ended_at or self.answered_at) - self.answered_at)

    def public(self) -> dict[str, Any]:
        """What tests read in ``FakeExotelVoice.calls``."""
        return {
            "sid": self.sid,
            "from_": self.from_,
            "caller_id": self.caller_id,
            "url": self.fields["Url"],
            "flow_id": self.flow_id,
            "custom_field": self.custom_field,
            "status_callback": self.status_callback,
            "events": list(self.events),
            "time_limit": self.fields.get("TimeLimit"),
            "time_out": self.fields.get("TimeOut"),
            "call_type": self.fields.get("CallType"),
            "fields": dict(self.fields),
            "result": self.outcome.result,
            "status": self.status,
            "ended_by": self.ended_by,
            "steps": [dict(step) for step in self.steps],
            "callbacks": self.callbacks,
            "received_at": datetime.fromtimestamp(self.created, UTC),
        }

    def resource(self, account_sid: str, national_numbers: bool) -> dict[str, Any]:
        """The inside of ``{"Call": ...}``."""
        ended = self.ended_at is not None
        return {
            "Sid": self.sid,
            "ParentCallSid": None,
            "DateCreated": ist(self.created),
            "DateUpdated": ist(self.ended_at or self.answered_at or self.created),
            "AccountSid": account_sid,
            "To": None,
            "From": national(self.from_) if national_numbers else self.from_,
            "PhoneNumberSid": self.caller_id,
            "Status": self.status,
            "StartTime": ist(self.created),
            "EndTime": ist(self.ended_at) if ended else None,
            "Duration": str(self.duration) if ended else None,
            "Price": None,
            "Direction": "outbound-api",
            "AnsweredBy": None,
            "ForwardedFrom": None,
            "CallerName": None,
            "Uri": f"/v1/Accounts/{account_sid}/Calls/{self.sid}.json",
            "RecordingUrl": None,
        }

    def applet_query(self, now: float, tenant_id: str, direction: str) -> dict[str, str]:
        """What a Greeting / Gather / Passthru gets in its query string for this call."""
        query = call_query(
            self.sid, national(self.from_), national(self.caller_id), direction, self.created, now
        )
        query.update(flow_id=self.flow_id, tenant_id=tenant_id, CallStatus="in-progress")
        if self.custom_field:
            query["CustomField"] = self.custom_field
        return query

    def callback_form(self, event: str, now: float, national_numbers: bool) -> dict[str, Any]:
        """The status callback (``Legs`` still a list; see ``flatten``)."""
        form: dict[str, Any] = {
            "CallSid": self.sid,
            "Status": self.status,
            "DateUpdated": ist(now),
            "RecordingUrl": "",
        }
        if not self.events:
            return form
        number = national(self.from_) if national_numbers else self.from_
        terminal = event == "terminal"
        form.update(
            EventType=event,
            DateCreated=ist(self.created),
            To="",
            From=number,
            PhoneNumberSid=self.caller_id,
            StartTime=ist(self.created),
            EndTime=ist(self.ended_at) if terminal and self.ended_at else "",
            ConversationDuration=self.duration if terminal else 0,
            Direction="outbound-api",
            Legs=[{"Status": self.status, "OnCallDuration": self.duration if terminal else 0}],
        )
        if terminal and "terminal" in self.events and self.custom_field:
            form["CustomField"] = self.custom_field
        return form


def call_query(
    sid: str, call_from: str, call_to: str, direction: str, started: float, now: float
) -> dict[str, str]:
    """The parameter set of a real captured Passthru query, in Exotel's order."""
    return {
        "CallSid": sid,
        "CallFrom": call_from,
        "CallTo": call_to,
        "Direction": direction,
        "Created": created(started),
        "DialCallDuration": "0",
        "StartTime": ist(started) or "",
        "EndTime": NEVER,
        "CallType": "call-attempt",
        "DialWhomNumber": "",
        "From": call_from,
        "To": call_to,
        "CurrentTime": ist(now) or "",
    }


def flatten(form: dict[str, Any]) -> dict[str, str]:
    """A callback as form fields: ``Legs[0][Status]`` and so on, numbers as text."""
    flat: dict[str, str] = {}
    for key, value in form.items():
        if isinstance(value, list):
            for index, leg in enumerate(value):
                for name, item in leg.items():
                    flat[f"{key}[{index}][{name}]"] = str(item)
        else:
            flat[key] = "" if value is None else str(value)
    return flat


def parse_greeting(body: str) -> dict[str, Any]:
    """A Greeting answer: audio URLs (every non-empty line a URL) or text for TTS."""
    lines = [line.strip() for line in body.splitlines() if line.strip()]
    if lines and all(re.match(r"https?://\S+$", line) for line in lines):
        return {"text": None, "audio_urls": lines}
    return {"text": body.strip(), "audio_urls": []}


def _prompt(value: Any, name: str) -> dict[str, str]:
    if not isinstance(value, dict):
        raise ValueError(f"{name} must be an object")
    prompt = {
        k: value[k] for k in ("text", "audio_url") if isinstance(value.get(k), str) and value[k]
    }
    if len(prompt) != 1:
        raise ValueError(f"{name} needs exactly one of text / audio_url")
    return prompt


def parse_gather(status: int | None, content_type: str, body: str) -> dict[str, Any]:
    """The dynamic Gather settings from our answer; ValueError when Exotel would drop the call."""
    if status != 200:
        raise ValueError(f"Gather URL answered {status}")
    if content_type != "application/json":
        raise ValueError(f"Gather URL answered Content-Type {content_type!r}")
    payload = json.loads(body)
    if not isinstance(payload, dict):
        raise ValueError("Gather answer is not a JSON object")
    settings: dict[str, Any] = {
        "gather_prompt": _prompt(payload.get("gather_prompt"), "gather_prompt")
    }
    for name, default in GATHER_DEFAULTS.items():
        value = payload.get(name, default)
        kind = str if name == "finish_on_key" else int
        if not isinstance(value, kind) or isinstance(value, bool):
            raise ValueError(f"{name} must be {kind.__name__}: {value!r}")
        settings[name] = value
    if settings["finish_on_key"] not in ("", "#", "*", *"0123456789"):
        raise ValueError(f"finish_on_key must be one key or empty: {settings['finish_on_key']!r}")
    if (
        settings["max_input_digits"] < 1
        or settings["input_timeout"] < 1
        or settings["repeat_menu"] < 0
    ):
        raise ValueError("max_input_digits / input_timeout must be > 0, repeat_menu >= 0")
    repeat = payload.get("repeat_gather_prompt")
    settings["repeat_gather_prompt"] = (
        settings["gather_prompt"] if repeat is None else _prompt(repeat, "repeat_gather_prompt")
    )
    return settings


def collect(pressed: str, settings: dict[str, Any]) -> str:
    """The digits Exotel keeps from a key sequence: up to finish_on_key (dropped), at most
    max_input_digits."""
    finish = settings["finish_on_key"]
    if finish and finish in pressed:
        pressed = pressed[: pressed.index(finish)]
    return pressed[: settings["max_input_digits"]]
