"""A local HTTP server that plays Exotel's part in a voice call, for tests and benchmarks.

It answers ``Calls/connect`` like Exotel's API and walks the call through a flow whose applets
fetch OUR urls exactly as Exotel would (it listens on and only ever talks to 127.0.0.1)::

    flow = FlowSpec([("greeting", say_url), ("gather", gather_url), ("passthru", digits_url)])
    with FakeExotelVoice(SID, KEY, TOKEN, flows=flow) as fake:
        requests.post(f"{fake.url}/v1/Accounts/{SID}/Calls/connect.json", auth=(KEY, TOKEN),
                      data={"From": caregiver, "CallerId": exophone, "CustomField": call_id,
                            "Url": f"http://my.exotel.com/{SID}/exoml/start_voice/{flow_id}"})
        fake.answer(call_sid, keys=["1", "", "9"])   # or script(number, CallOutcome(keys=...))
        fake.steps(call_sid)                           # what each applet got and answered
        fake.missed_call(missed_call_url, "+919812345678", "08033334444")

The walk: a Greeting is fetched with HEAD then GET (text/plain: TTS text, or audio URLs one a
line); a Gather is fetched (header ``Exotel-Version: 1.0``) for its dynamic JSON and "hears" the
next scripted key for each play of its prompt (``""``: no input; the prompt repeats while
``repeat_menu`` allows); a Passthru is fetched with ``digits`` in double quotes, and 200 goes to
its ``on_200`` target (default: the first applet again), 302 to ``on_302`` (default: hang up).
When the keys run out the caller hangs up; after ``max_loops`` rounds the fake hangs up. Then
the terminal status callback is POSTed (after an ``answered`` one if StatusCallbackEvents asked).

For benchmarks run it as its own process until SIGTERM/SIGINT (it prints its URL):
``python -m tests.fake_exotel_voice --port 8767 --account-sid tika --api-key K --api-token T
[--greeting-url U --gather-url U --passthru-url U] [--auto-walk --keys "1,,9"]``;
``GET /_fake/stats`` gives its counts, ``POST /_fake/flow`` (JSON: flow_id, applets, max_loops)
sets a flow, ``POST /_fake/answer`` (call_sid, keys) walks a call, ``POST /_fake/missed_call``
(url, from, to) makes a missed call. Facts, sources and the fake's guesses:
tests/exotel_voice_notes.md.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
import uuid
from collections import deque
from collections.abc import Coroutine, Iterable, Sequence
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web
from yarl import URL

from tests.fake_exotel_data import Refusal, canonical, loopback, national, to_xml
from tests.fake_exotel_voice_data import (
    ANSWERED,
    HANGUP,
    Applet,
    CallOutcome,
    CallRecord,
    FlowSpec,
    call_query,
    collect,
    connect_refusal,
    flatten,
    parse_events,
    parse_gather,
    parse_greeting,
)
from tests.fake_server import LocalServer

__all__ = ["HANGUP", "Applet", "CallOutcome", "FakeExotelVoice", "FlowSpec"]

CALLER, ERROR = "<caller>", "<error>"  # walk ends: the caller hung up / an answer Exotel refuses
ENDED_BY = {HANGUP: "flow", CALLER: "caller", ERROR: "error"}
STEP_KEYS = ("applet", "name", "url", "params", "status", "content_type", "head_status", "text")
STEP_KEYS += ("audio_urls", "prompt", "settings", "plays", "pressed", "digits", "next", "error")
CallbackResult = tuple[str, dict[str, Any], int | None]  # url, body, response status (None: failed)
Fetched = tuple[int | None, str, str, str | None]  # status, content type, body, error


class FakeExotelVoice(LocalServer):
    """Exotel's voice API and flow engine on a local port, recording every step.

    Thread-safe: the server and the walks run on its own event loop thread; tests read
    ``calls``, ``requests``, ``callback_results``, ``missed_call_results`` and ``errors`` (copies)
    and call the scripting methods from any thread. Flows survive ``reset()``. Settable
    attributes: ``delay`` (seconds before each API answer), ``callbacks_enabled``,
    ``callback_delay`` (seconds of ringing before a call is answered or given up),
    ``auto_walk`` / ``auto_keys`` (walk answered calls that have no scripted keys at once),
    ``initial_status`` ("in-progress"), ``outbound_direction`` ("outbound-api", the applets'
    Direction), ``quote_digits``, ``greeting_head`` (HEAD before each Greeting GET),
    ``strict_greeting`` (a Greeting answer that is not a 200 text/plain drops the call; else it
    is only recorded), ``applet_timeout`` (seconds), ``national_numbers`` and ``sid_tail``
    (letters that end every new CallSid, as some real ones do).
    """

    def __init__(
        self,
        account_sid: str,
        api_key: str,
        api_token: str,
        port: int = 0,
        *,
        flows: FlowSpec | Iterable[FlowSpec] = (),
        national_numbers: bool = True,
        sms_url: str = "",
    ) -> None:
        super().__init__(port)
        # Exotel serves SMS and calls under one API base: SMS requests are passed on to
        # this server (a tests.fake_exotel.FakeExotel), so one base serves both.
        self.sms_url = sms_url.rstrip("/")
        self.account_sid, self.api_key, self.api_token = account_sid, api_key, api_token
        self.delay = 0.0
        self.callbacks_enabled = True
        self.callback_delay = 0.0
        self.auto_walk = False
        self.auto_keys: Sequence[str] = ()
        self.initial_status = "in-progress"
        self.outbound_direction = "outbound-api"
        self.quote_digits = True
        self.greeting_head = True
        self.strict_greeting = False
        self.applet_timeout = 5.0
        self.national_numbers = national_numbers
        self.sid_tail = ""
        credentials = base64.b64encode(f"{api_key}:{api_token}".encode()).decode()
        self._auth = f"Basic {credentials}"
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._flows: dict[str | None, FlowSpec] = {}
        for spec in [flows] if isinstance(flows, FlowSpec) else flows:
            self.set_flow(spec)
        self._clear()

    def _clear(self) -> None:
        self._calls: dict[str, CallRecord] = {}
        self._requests: list[dict[str, Any]] = []
        self._callback_results: list[CallbackResult] = []
        self._missed: list[dict[str, Any]] = []
        self._scripts: dict[str, deque[CallOutcome]] = {}
        self._script_all: deque[CallOutcome] = deque()
        self._storm: deque[Refusal] = deque()

    # -- lifecycle -------------------------------------------------------------------------

    async def _startup(self) -> None:
        app = web.Application()
        calls = "/v1/Accounts/{account}/Calls"
        for suffix in ("", ".json"):
            app.router.add_post(f"{calls}/connect{suffix}", self._connect)
            app.router.add_get(f"{calls}/{{sid:[^/.]+}}{suffix}", self._details)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_post("/_fake/flow", self._flow_endpoint)
        app.router.add_post("/_fake/answer", self._answer_endpoint)
        app.router.add_post("/_fake/missed_call", self._missed_endpoint)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=256), timeout=aiohttp.ClientTimeout(total=10)
        )
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        assert self._sock is not None
        await web.SockSite(self._runner, self._sock, backlog=1024).start()

    async def _shutdown(self) -> None:
        self._cancel_tasks()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._runner is not None:
            await self._runner.cleanup()
        if self._session is not None:
            await self._session.close()
        leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        if self._sock is not None:
            self._sock.close()

    # -- scripting and recorded traffic ----------------------------------------------------

    def set_flow(self, spec: FlowSpec) -> None:
        """Use ``spec`` for calls to its ``flow_id`` (for any app id when that is None)."""
        with self._lock:
            self._flows[spec.flow_id] = spec

    def script(self, number: str, *outcomes: CallOutcome) -> None:
        """Queue outcomes for the next calls to ``number`` (any spelling of it)."""
        with self._lock:
            self._scripts.setdefault(canonical(number), deque()).extend(outcomes)

    def script_all(self, *outcomes: CallOutcome) -> None:
        """Queue outcomes for the next calls to numbers that have no script of their own."""
        with self._lock:
            self._script_all.extend(outcomes)

    def storm(self, count: int, retry_after: float | None = 1.0, status: int = 429) -> None:
        """Refuse the next ``count`` Calls/connect requests with ``status`` and Retry-After."""
        with self._lock:
            self._storm.extend([Refusal(status, retry_after=retry_after)] * count)

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every accepted call, oldest first (see ``CallRecord.public`` for the keys)."""
        with self._lock:
            return [call.public() for call in self._calls.values()]

    def call(self, sid: str) -> dict[str, Any] | None:
        with self._lock:
            record = self._calls.get(sid)
            return record.public() if record else None

    def steps(self, sid: str) -> list[dict[str, Any]]:
        """What each applet of the call fetched and got: applet, name, url, params, status,
        content_type, head_status, text, audio_urls, prompt, settings, plays, pressed, digits,
        next, error (None where it does not apply)."""
        with self._lock:
            return [dict(step) for step in self._calls[sid].steps]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every Calls/connect request, refused ones too: from_, status, retry_after, sid, …"""
        with self._lock:
            return [dict(request) for request in self._requests]

    @property
    def callback_results(self) -> list[CallbackResult]:
        """Every status callback posted: (url, body fields, response status or None)."""
        with self._lock:
            return [(url, dict(body), status) for url, body, status in self._callback_results]

    @property
    def missed_call_results(self) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(result) for result in self._missed]

    @property
    def errors(self) -> list[tuple[str, str, str]]:
        """(CallSid, applet name, error) for every step Exotel would have complained about."""
        with self._lock:
            return [
                (call.sid, step["name"], step["error"])
                for call in self._calls.values()
                for step in call.steps
                if step["error"]
            ]

    def answer(
        self, call_sid: str, keys: Iterable[str] = (), timeout: float = 30.0
    ) -> list[dict[str, Any]]:
        """The callee picks up and presses ``keys`` (``""``: silence); walks the flow to its end,
        posts the status callbacks and returns the steps."""
        return self._on_loop(self._answer(call_sid, list(keys)), timeout)

    def missed_call(
        self,
        passthru_url: str,
        from_: str,
        to: str,
        *,
        flow_id: str = "1",
        tenant_id: str = "1",
        sid: str | None = None,
        extra: dict[str, str] | None = None,
        timeout: float = 10.0,
    ) -> int | None:
        """GET our missed-call Passthru URL as an ExoPhone's flow does when ``from_`` calls the
        ExoPhone ``to``; the HTTP status (None when it failed to connect)."""
        coroutine = self._missed_call(passthru_url, from_, to, flow_id, tenant_id, sid, extra)
        return self._on_loop(coroutine, timeout)

    def _on_loop(self, coroutine: Coroutine[Any, Any, Any], timeout: float) -> Any:
        if self._loop is None:
            coroutine.close()
            raise RuntimeError("FakeExotelVoice is not running")
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _take(self, number: str) -> CallOutcome:
        """The next scripted outcome for ``number`` (else for anyone); lock held."""
        for queue in (self._scripts.get(canonical(number)), self._script_all):
            if queue:
                return queue.popleft()
        return ANSWERED

    def _new_sid(self) -> str:
        sid = uuid.uuid4().hex
        return sid[: len(sid) - len(self.sid_tail)] + self.sid_tail

    # -- HTTP handlers ---------------------------------------------------------------------

    def _denied(self, request: web.Request) -> web.Response | None:
        authorized = request.headers.get("Authorization") == self._auth
        if authorized and request.match_info.get("account") == self.account_sid:
            return None
        return _respond(request, 401, Refusal(401).body())

    async def _connect(self, request: web.Request) -> web.Response:
        if denied := self._denied(request):
            return denied
        pairs = parse_qsl(await request.text(), keep_blank_values=True)
        fields, events, now = dict(pairs), parse_events(pairs), time.time()
        record: CallRecord | None = None
        with self._lock:
            refusal: Refusal | None = self._storm.popleft() if self._storm else None
            flow_id: str | None = None
            if refusal is None:
                refusal, flow_id = connect_refusal(fields, events, self.account_sid)
            if refusal is None:
                outcome = self._take(fields["From"])
                refusal = outcome.refusal() if outcome.refused else None
            if refusal is None:
                assert flow_id is not None
                record = CallRecord(self._new_sid(), fields, events, flow_id, outcome, now)
                record.status = self.initial_status
                self._calls[record.sid] = record
            self._requests.append(
                {
                    "from_": fields.get("From", ""),
                    "caller_id": fields.get("CallerId"),
                    "url": fields.get("Url"),
                    "status": refusal.status if refusal else 200,
                    "retry_after": refusal.retry_after if refusal else None,
                    "sid": record.sid if record else None,
                    "received_at": datetime.fromtimestamp(now, UTC),
                }
            )
            resource = record.resource(self.account_sid, self.national_numbers) if record else {}
        if record is not None:
            self._start(record)
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if refusal is not None:
            return _respond(request, refusal.status, refusal.body(), refusal.headers())
        return _respond(request, 200, {"Call": resource})

    async def _details(self, request: web.Request) -> web.Response:
        if denied := self._denied(request):
            return denied
        with self._lock:
            record = self._calls.get(request.match_info["sid"])
            if record is None:
                return _respond(request, 404, Refusal(404).body())
            resource = record.resource(self.account_sid, self.national_numbers)
        return _respond(request, 200, {"Call": resource})

    async def _stats(self, request: web.Request) -> web.Response:
        """Counts, for a benchmark driving the fake in another process."""
        with self._lock:
            calls = list(self._calls.values())
            stats = {
                "calls": len(calls),
                "requests": len(self._requests),
                "refused_requests": sum(1 for r in self._requests if r["status"] != 200),
                "throttled_requests": sum(1 for r in self._requests if r["status"] == 429),
                "walked": sum(1 for call in calls if call.walked),
                "ended": sum(1 for call in calls if call.ended_at is not None),
                "steps": sum(len(call.steps) for call in calls),
                "callbacks": len(self._callback_results),
                "pending_tasks": len(self._tasks),
                "missed_calls": len(self._missed),
            }
        return web.json_response(stats)

    async def _flow_endpoint(self, request: web.Request) -> web.Response:
        try:
            self.set_flow(FlowSpec.from_json(await request.json()))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"ok": True})

    async def _answer_endpoint(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            steps = await self._answer(spec["call_sid"], list(spec.get("keys", [])))
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"steps": len(steps)})

    async def _missed_endpoint(self, request: web.Request) -> web.Response:
        try:
            spec = await request.json()
            status = await self._missed_call(
                spec["url"],
                spec["from"],
                spec["to"],
                str(spec.get("flow_id", "1")),
                "1",
                None,
                None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"status": status})

    async def _not_found(self, request: web.Request) -> web.Response:
        if self.sms_url and "/Sms/" in request.path and self._session is not None:
            return await self._pass_on(request)
        return _respond(request, 404, Refusal(404).body())

    async def _pass_on(self, request: web.Request) -> web.Response:
        """An SMS request, passed on as it came to the SMS fake; its answer passed back."""
        headers = {k: v for k, v in request.headers.items() if k.lower() != "host"}
        assert self._session is not None
        async with self._session.request(
            request.method,
            self.sms_url + request.path_qs,
            data=await request.read(),
            headers=headers,
        ) as answer:
            body = await answer.read()
            passed = {k: v for k, v in answer.headers.items() if k.lower() in ("retry-after",)}
            return web.Response(
                body=body, status=answer.status, content_type=answer.content_type, headers=passed
            )

    # -- the call --------------------------------------------------------------------------

    def _start(self, call: CallRecord) -> None:
        """Ring: give up as scripted, walk at once with scripted keys, or wait for answer()."""
        outcome = call.outcome
        if outcome.result != "answered":
            self._spawn(self._ring_out(call))
        elif outcome.keys is not None or self.auto_walk:
            keys = outcome.keys if outcome.keys is not None else self.auto_keys
            self._spawn(self._auto_walk(call, keys))

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _ringing(self, call: CallRecord) -> float:
        delay = call.outcome.callback_delay
        return self.callback_delay if delay is None else delay

    async def _ring_out(self, call: CallRecord) -> None:
        if (delay := self._ringing(call)) > 0:
            await asyncio.sleep(delay)
        await self._end(call, call.outcome.result, "callee")

    async def _auto_walk(self, call: CallRecord, keys: Sequence[str]) -> None:
        if (delay := self._ringing(call)) > 0:
            await asyncio.sleep(delay)
        if self._claim(call):
            await self._walk(call, keys)

    def _claim(self, call: CallRecord) -> bool:
        with self._lock:
            if call.walked or call.ended_at is not None:
                return False
            call.walked, call.answered_at = True, time.time()
            return True

    async def _answer(self, call_sid: str, keys: list[str]) -> list[dict[str, Any]]:
        with self._lock:
            call = self._calls.get(call_sid)
        if call is None:
            raise KeyError(f"no call {call_sid}")
        if call.outcome.result != "answered":
            raise ValueError(f"call {call_sid} is scripted {call.outcome.result!r}")
        if not self._claim(call):
            raise ValueError(f"call {call_sid} was already answered")
        await self._walk(call, keys)
        with self._lock:
            return [dict(step) for step in call.steps]

    async def _walk(self, call: CallRecord, keys: Sequence[str]) -> None:
        """Run the flow against our URLs until it hangs up, then report the call."""
        with self._lock:
            flow = self._flows.get(call.flow_id) or self._flows.get(None)
            call.status = "in-progress"
        if "answered" in call.events:
            await self._report(call, "answered")
        if flow is None:
            self._record(call, {"error": f"no flow for app id {call.flow_id}"})
            await self._end(call, "completed", "error")
            return
        pending, index, rounds, digits = deque(keys), 0, 0, None
        while True:
            applet = flow.applets[index]
            if applet.kind == "greeting":
                target = await self._greeting(call, flow, index)
            elif applet.kind == "gather":
                target, digits = await self._gather(call, flow, index, pending)
            else:
                target = await self._passthru(call, flow, index, digits)
            if target in ENDED_BY:
                ended_by = ENDED_BY[target]
                break
            following = flow.index(target)
            if following <= index:
                rounds += 1
                if rounds >= flow.max_loops:
                    ended_by = "max-loops"
                    break
            index = following
        await self._end(call, "completed", ended_by)

    def _query(self, call: CallRecord, flow: FlowSpec) -> dict[str, str]:
        return call.applet_query(time.time(), flow.tenant_id, self.outbound_direction)

    def _record(self, call: CallRecord, step: dict[str, Any]) -> None:
        with self._lock:
            call.steps.append({**dict.fromkeys(STEP_KEYS), **step})

    async def _greeting(self, call: CallRecord, flow: FlowSpec, index: int) -> str:
        applet, query = flow.applets[index], self._query(call, flow)
        step: dict[str, Any] = {"applet": "greeting", "name": applet.name, "params": query}
        if self.greeting_head:
            step["head_status"] = (await self._fetch("HEAD", applet.url, query))[0]
        status, content_type, body, error = await self._fetch("GET", applet.url, query)
        if error is None and status != 200:
            error = f"Greeting URL answered {status}"
        elif error is None and content_type != "text/plain":
            error = f"Greeting URL answered Content-Type {content_type!r}"
        if status == 200:
            step.update(parse_greeting(body))
        target = ERROR if error and self.strict_greeting else flow.after(index)
        step.update(url=applet.url, status=status, content_type=content_type, error=error)
        self._record(call, {**step, "next": target})
        return target

    async def _gather(
        self, call: CallRecord, flow: FlowSpec, index: int, pending: deque[str]
    ) -> tuple[str, str | None]:
        applet, query = flow.applets[index], self._query(call, flow)
        status, content_type, body, error = await self._fetch(
            "GET", applet.url, query, {"Exotel-Version": "1.0"}
        )
        step: dict[str, Any] = {"applet": "gather", "name": applet.name, "url": applet.url}
        step.update(params=query, status=status, content_type=content_type)
        if error is None:
            try:
                settings = parse_gather(status, content_type, body)
            except ValueError as exc:
                error = str(exc)
        if error is not None:
            self._record(call, {**step, "error": error, "next": ERROR})
            return ERROR, None
        plays: list[dict[str, str]] = []
        pressed: list[str] = []
        digits = ""
        while True:
            plays.append(settings["repeat_gather_prompt" if plays else "gather_prompt"])
            if not pending:
                step.update(settings=settings, prompt=plays[0], plays=plays, pressed=pressed)
                self._record(call, {**step, "next": CALLER})
                return CALLER, None
            pressed.append(pending.popleft())
            digits = collect(pressed[-1], settings)
            if digits or len(plays) > settings["repeat_menu"]:
                break
        target = flow.after(index) if digits else (applet.on_silence or flow.after(index))
        step.update(settings=settings, prompt=plays[0], plays=plays, pressed=pressed)
        self._record(call, {**step, "digits": digits, "next": target})
        return target, digits

    async def _passthru(
        self, call: CallRecord, flow: FlowSpec, index: int, digits: str | None
    ) -> str:
        applet, query = flow.applets[index], self._query(call, flow)
        if digits is not None:
            query["digits"] = f'"{digits}"' if self.quote_digits else digits
        status, content_type, _, error = await self._fetch("GET", applet.url, query)
        if status == 200:
            target = applet.on_200 or flow.applets[0].name
        elif status == 302:
            target = applet.on_302
        else:
            target, error = applet.on_error, error or f"Passthru URL answered {status}"
        step = {"applet": "passthru", "name": applet.name, "url": applet.url, "params": query}
        step.update(status=status, content_type=content_type, digits=digits, error=error)
        self._record(call, {**step, "next": target})
        return target

    async def _end(self, call: CallRecord, status: str, ended_by: str) -> None:
        with self._lock:
            call.status, call.ended_at, call.ended_by = status, time.time(), ended_by
        await self._report(call, "terminal")

    # -- outbound HTTP ---------------------------------------------------------------------

    async def _report(self, call: CallRecord, event: str) -> None:
        """POST one status callback (form fields, or JSON when StatusCallbackContentType asks)."""
        url = call.status_callback
        if not url or not self.callbacks_enabled:
            return
        with self._lock:
            form = call.callback_form(event, time.time(), self.national_numbers)
        as_json = call.fields.get("StatusCallbackContentType") == "application/json"
        body = form if as_json else flatten(form)
        assert self._session is not None
        status: int | None = None
        try:
            if not loopback(url):
                raise OSError(f"FakeExotelVoice only talks to 127.0.0.1: {url}")
            async with self._session.post(
                url,
                json=body if as_json else None,
                data=None if as_json else body,
                headers={"User-Agent": "Exotel-Fake/1.0"},
                allow_redirects=False,
            ) as response:
                await response.read()
                status = response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            pass
        with self._lock:
            call.callbacks += 1
            self._callback_results.append((url, body, status))

    async def _fetch(
        self, method: str, url: str, query: dict[str, str], headers: dict[str, str] | None = None
    ) -> Fetched:
        """One applet request to a loopback URL, the call in its query string."""
        if not loopback(url):
            return None, "", "", f"FakeExotelVoice only talks to 127.0.0.1: {url}"
        assert self._session is not None
        target = URL(f"{url}{'&' if '?' in url else '?'}{urlencode(query)}", encoded=True)
        try:
            async with self._session.request(
                method,
                target,
                headers={"User-Agent": "Exotel-Fake/1.0", **(headers or {})},
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self.applet_timeout),
            ) as response:
                body = (await response.read()).decode("utf-8", "replace")
                return response.status, response.content_type, body, None
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return None, "", "", f"{type(exc).__name__}: {exc}"

    async def _missed_call(
        self,
        url: str,
        from_: str,
        to: str,
        flow_id: str,
        tenant_id: str,
        sid: str | None,
        extra: dict[str, str] | None,
    ) -> int | None:
        if not loopback(url):
            raise ValueError(f"FakeExotelVoice only talks to 127.0.0.1: {url}")
        now = time.time()
        query = call_query(
            sid or self._new_sid(), national(from_), national(to), "incoming", now, now
        )
        query.update(flow_id=flow_id, tenant_id=tenant_id, **(extra or {}))
        status, _, body, error = await self._fetch("GET", url, query)
        with self._lock:
            self._missed.append(
                {"url": url, "params": query, "status": status, "body": body, "error": error}
            )
        return status


def _respond(
    request: web.Request, status: int, payload: Any, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON for ``.json`` paths, Exotel's XML otherwise."""
    if request.path.endswith(".json"):
        return web.Response(
            status=status,
            text=json.dumps(payload),
            content_type="application/json",
            headers=headers,
        )
    return web.Response(
        status=status, text=to_xml(payload), content_type="application/xml", headers=headers
    )


def main(argv: list[str] | None = None) -> None:
    """Run the fake in the foreground: ``python -m tests.fake_exotel_voice --port N ...``."""
    parser = argparse.ArgumentParser(description="A fake Exotel voice API, until SIGTERM/SIGINT.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-token", required=True)
    parser.add_argument("--flow-id", default=None, help="the app id the flow below is for")
    for kind in ("greeting", "gather", "passthru"):
        parser.add_argument(f"--{kind}-url", default=None, help=f"the flow's {kind} applet URL")
    parser.add_argument("--auto-walk", action="store_true", help="walk answered calls at once")
    parser.add_argument("--keys", default="", help='keys for --auto-walk, comma-separated: "1,,9"')
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--callback-delay", type=float, default=0.0, help="seconds of ringing")
    parser.add_argument("--no-callbacks", action="store_true", help="post no status callbacks")
    args = parser.parse_args(argv)
    fake = FakeExotelVoice(args.account_sid, args.api_key, args.api_token, args.port)
    applets = [(kind, getattr(args, f"{kind}_url")) for kind in ("greeting", "gather", "passthru")]
    if applets := [(kind, url) for kind, url in applets if url]:
        fake.set_flow(FlowSpec(applets, args.flow_id))
    fake.auto_walk = args.auto_walk
    fake.auto_keys = args.keys.split(",") if args.keys else ()
    fake.delay = args.delay
    fake.callback_delay = args.callback_delay
    fake.callbacks_enabled = not args.no_callbacks
    fake.serve_forever()


if __name__ == "__main__":
    main()
