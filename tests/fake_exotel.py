"""A local HTTP server that answers like Exotel's SMS API (v1), for tests and benchmarks.

Point the adapter's base URL at it (it listens on 127.0.0.1 only and only ever talks to 127.0.0.1)::

    with FakeExotel(ACCOUNT_SID, API_KEY, API_TOKEN) as fake:
        requests.post(f"{fake.url}/v1/Accounts/{ACCOUNT_SID}/Sms/send.json",
                      auth=(API_KEY, API_TOKEN), data={"From": "TIKA", "To": ..., "Body": ...})
        fake.script("+919812345678", Outcome(status=429, retry_after=5))
        fake.inbound(webhook_url, "09812345678", "08033334444", "HELP")

For benchmarks run it as its own process until SIGTERM/SIGINT (it prints its URL):
``python -m tests.fake_exotel --port 8766 --account-sid tika --api-key K --api-token T``;
``GET /_fake/stats`` gives its counts, ``POST /_fake/inbound`` (JSON: url, from, to, body,
method, json) delivers an inbound SMS.

Endpoints: ``POST /v1/Accounts/<sid>/Sms/send[.json]`` (one ``To``, or several: comma-separated,
repeated, ``To[]`` or ``To[n]``), ``POST …/Sms/bulksend[.json]`` (``Messages[n][To|Body|From|…]``
form fields, or a JSON ``{"sms": [...]}`` body), ``GET …/SMS/Messages/<Sid>[.json]`` (also ``Sms``).
Without ``.json`` the answer is XML. Facts and guesses: tests/exotel_api_notes.md; the fake's
choices where Exotel's docs are silent: bulk answers are a JSON list of ``{"SMSMessage": …}``
(a refused recipient as ``{"RestException": …}`` in its place), static sends to one number answer
an object, callbacks are POSTed only for the final status unless an Outcome asks for more.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import json
import time
import uuid
from collections import deque
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

import aiohttp
from aiohttp import web

from tests.fake_exotel_data import (
    MAX_BULK,
    SUCCESS,
    MessageRecord,
    Outcome,
    Refusal,
    canonical,
    ist,
    loopback,
    message_refusal,
    parse_bulk,
    parse_json_bulk,
    parse_send,
    rate_wait,
    to_xml,
)
from tests.fake_server import LocalServer

__all__ = ["FakeExotel", "Outcome"]

HOST = "127.0.0.1"
CallbackResult = tuple[str, dict[str, str], int | None]  # url, form, response status (None: failed)
Taken = tuple[Outcome, deque[Outcome] | None]  # an outcome and the queue it came from


class FakeExotel(LocalServer):
    """Exotel's SMS API on a local port, recording traffic and playing scripted outcomes.

    Thread-safe: the server runs on its own event loop thread; tests read ``messages``,
    ``requests``, ``callback_results`` and ``inbound_results`` (copies) and call the scripting
    methods from any thread. Settable attributes: ``delay`` (seconds before each API answer),
    ``callbacks_enabled``, ``callback_delay`` (seconds before each status callback),
    ``rate_limit`` (messages a second across the account, None: unlimited), ``require_dlt``
    (400 without DltEntityId) and ``national_numbers`` (write Indian numbers back as 0XXXXXXXXXX,
    as Exotel does; False echoes them as sent).
    """

    def __init__(
        self,
        account_sid: str,
        api_key: str,
        api_token: str,
        port: int = 0,
        *,
        rate_limit: float | None = None,
        require_dlt: bool = False,
        national_numbers: bool = True,
    ) -> None:
        super().__init__(port)
        self.account_sid, self.api_key, self.api_token = account_sid, api_key, api_token
        self.delay = 0.0
        self.callbacks_enabled = True
        self.callback_delay = 0.0
        self.rate_limit = rate_limit
        self.require_dlt = require_dlt
        self.national_numbers = national_numbers
        credentials = base64.b64encode(f"{api_key}:{api_token}".encode()).decode()
        self._auth = f"Basic {credentials}"
        self._runner: web.AppRunner | None = None
        self._session: aiohttp.ClientSession | None = None
        self._clear()

    def _clear(self) -> None:
        self._messages: dict[str, MessageRecord] = {}
        self._requests: list[dict[str, Any]] = []
        self._callback_results: list[CallbackResult] = []
        self._inbound_results: list[dict[str, Any]] = []
        self._scripts: dict[str, deque[Outcome]] = {}
        self._script_all: deque[Outcome] = deque()
        self._storm: deque[Refusal] = deque()
        self._window: deque[float] = deque()
        self._circles: dict[str, tuple[str, str]] = {}
        self._lookups: list[str] = []

    # -- lifecycle -------------------------------------------------------------------------

    async def _startup(self) -> None:
        app = web.Application()
        account = "/v1/Accounts/{account}"
        for suffix in ("", ".json"):
            app.router.add_post(f"{account}/Sms/send{suffix}", self._send)
            app.router.add_post(f"{account}/Sms/bulksend{suffix}", self._bulksend)
            for folder in ("SMS", "Sms"):
                app.router.add_get(
                    f"{account}/{folder}/Messages/{{sid:[^/.]+}}{suffix}", self._details
                )
            app.router.add_get(f"{account}/Numbers/{{number:[^/]+?}}{suffix}", self._number)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_post("/_fake/inbound", self._inbound_endpoint)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        connector = aiohttp.TCPConnector(limit=256)
        self._session = aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=10)
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

    def script(self, to: str, *outcomes: Outcome) -> None:
        """Queue outcomes for the next messages to ``to`` (any spelling of the number)."""
        with self._lock:
            self._scripts.setdefault(canonical(to), deque()).extend(outcomes)

    def script_all(self, *outcomes: Outcome) -> None:
        """Queue outcomes for the next messages to any number that has no script of its own."""
        with self._lock:
            self._script_all.extend(outcomes)

    def storm(self, count: int, retry_after: float | None = 1.0, status: int = 429) -> None:
        """Refuse the next ``count`` send / bulk send requests with ``status`` and Retry-After."""
        with self._lock:
            self._storm.extend([Refusal(status, retry_after=retry_after)] * count)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message, oldest first (see ``MessageRecord.public`` for the keys)."""
        with self._lock:
            return [record.public() for record in self._messages.values()]

    def message(self, sid: str) -> dict[str, Any] | None:
        """One accepted message by its Sid."""
        with self._lock:
            record = self._messages.get(sid)
            return record.public() if record else None

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every send / bulk send request, refused ones too."""
        with self._lock:
            return [dict(request) for request in self._requests]

    @property
    def lookups(self) -> list[str]:
        """The numbers the number metadata API was asked about, in order."""
        with self._lock:
            return list(self._lookups)

    @property
    def callback_results(self) -> list[CallbackResult]:
        """Every status callback posted: (url, form, response status or None)."""
        with self._lock:
            return [(url, dict(form), status) for url, form, status in self._callback_results]

    @property
    def inbound_results(self) -> list[dict[str, Any]]:
        """Every inbound SMS delivered: url, method, fields, status (None: failed)."""
        with self._lock:
            return [dict(result) for result in self._inbound_results]

    def inbound(
        self,
        url: str,
        from_: str,
        to: str,
        body: str,
        sid: str | None = None,
        method: str = "POST",
        json: bool = False,
        head_first: bool = False,
        timeout: float = 10.0,
    ) -> int | None:
        """Deliver an SMS from ``from_`` to the ExoPhone ``to`` at our webhook ``url`` as Exotel
        does (fields SmsSid, From, To, Date, Body; GET puts them in the query string, POST in a
        form or, with ``json``, a JSON body; ``head_first`` sends Exotel's HEAD probe first).
        Returns the HTTP status of the delivery (None when it failed to connect)."""
        if self._loop is None:
            raise RuntimeError("FakeExotel is not running")
        coroutine = self._deliver_inbound(url, from_, to, body, sid, method, json, head_first)
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(timeout)

    def _take(self, to: str) -> Taken:
        """The next scripted outcome for ``to`` (else for anyone); lock held."""
        for queue in (self._scripts.get(canonical(to)), self._script_all):
            if queue:
                return queue.popleft(), queue
        return SUCCESS, None

    # -- HTTP handlers ---------------------------------------------------------------------

    async def _send(self, request: web.Request) -> web.Response:
        if denied := self._denied(request):
            return denied
        pairs = parse_qsl(await request.text(), keep_blank_values=True)
        return await self._accept(request, "send", parse_send(pairs), multi=False)

    async def _bulksend(self, request: web.Request) -> web.Response:
        if denied := self._denied(request):
            return denied
        text = await request.text()
        if request.content_type == "application/json":
            try:
                messages = parse_json_bulk(text)
            except (ValueError, AttributeError, TypeError):
                return _answer(request, 400, Refusal(400, "Invalid JSON body").body())
        else:
            messages = parse_bulk(parse_qsl(text, keep_blank_values=True))
        return await self._accept(request, "bulksend", messages, multi=True)

    def _denied(self, request: web.Request) -> web.Response | None:
        authorized = request.headers.get("Authorization") == self._auth
        if authorized and request.match_info.get("account") == self.account_sid:
            return None
        return _answer(request, 401, Refusal(401).body())

    async def _accept(
        self,
        request: web.Request,
        endpoint: str,
        messages: list[dict[str, str]],
        multi: bool,
    ) -> web.Response:
        """Refuse the request, or accept its messages, answer and start their callbacks."""
        now, clock = time.time(), time.monotonic()
        accepted: list[tuple[MessageRecord, Outcome]] = []
        items: list[dict[str, Any]] = []
        with self._lock:
            refusal = self._request_refusal(messages, clock)
            if refusal is None:
                taken: list[Taken] = []
                for fields in messages:
                    bad = message_refusal(fields, self.require_dlt)
                    taken.append(
                        (Outcome(status=bad.status, message=bad.message), None)
                        if bad
                        else self._take(fields["To"])
                    )
                refusal = self._whole_request_refusal(taken)
            if refusal is None:
                for fields, (outcome, _) in zip(messages, taken, strict=True):
                    if outcome.refused:
                        items.append(outcome.refusal().body())
                        continue
                    record = MessageRecord(uuid.uuid4().hex, dict(fields), now, endpoint)
                    self._messages[record.sid] = record
                    self._window.append(clock)
                    accepted.append((record, outcome))
                    items.append(
                        {"SMSMessage": record.resource(self.account_sid, self.national_numbers)}
                    )
                if not accepted:
                    refusal = next(o for o, _ in taken).refusal()
            self._requests.append(
                {
                    "endpoint": endpoint,
                    "to": [fields.get("To", "") for fields in messages],
                    "status": refusal.status if refusal else 200,
                    "code": refusal.code if refusal else None,
                    "retry_after": refusal.retry_after if refusal else None,
                    "sids": [record.sid for record, _ in accepted],
                    "received_at": datetime.fromtimestamp(now, UTC),
                }
            )
        for record, outcome in accepted:
            self._start_reports(record, outcome)
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        if refusal is not None:
            return _answer(request, refusal.status, refusal.body(), refusal.headers())
        single = not multi and len(items) == 1
        return _answer(request, 200, items[0] if single else items)

    def _request_refusal(self, messages: list[dict[str, str]], clock: float) -> Refusal | None:
        """A storm, an oversized bulk or the rate limit; lock held."""
        if self._storm:
            return self._storm.popleft()
        if len(messages) > MAX_BULK:
            return Refusal(400, f"At most {MAX_BULK} messages a request")
        if self.rate_limit is not None:
            while self._window and self._window[0] <= clock - 1.0:
                self._window.popleft()
            wait = rate_wait(list(self._window), len(messages), self.rate_limit, clock)
            if wait is not None:
                return Refusal(429, retry_after=wait)
        return None

    def _whole_request_refusal(self, taken: list[Taken]) -> Refusal | None:
        """A scripted 429/5xx refuses the whole request; the other outcomes go back; lock held."""
        first = next((i for i, (outcome, _) in enumerate(taken) if outcome.whole_request), None)
        if first is None:
            return None
        for index in reversed(range(len(taken))):
            outcome, queue = taken[index]
            if queue is not None and index != first:
                queue.appendleft(outcome)
        return taken[first][0].refusal()

    async def _details(self, request: web.Request) -> web.Response:
        if denied := self._denied(request):
            return denied
        with self._lock:
            record = self._messages.get(request.match_info["sid"])
            if record is None:
                return _answer(request, 404, Refusal(404).body())
            resource = record.resource(self.account_sid, self.national_numbers)
        return _answer(request, 200, {"SMSMessage": resource})

    def circle(self, number: str, code: str, name: str) -> None:
        """Let the number metadata API answer ``number``'s telecom circle (the fake knows
        only the numbers a test gives it; any other is 404)."""
        with self._lock:
            self._circles[_national(number)] = (code, name)

    async def _number(self, request: web.Request) -> web.Response:
        """The number metadata API: ``{"Numbers": {"PhoneNumber", "Circle", ...}}``."""
        if denied := self._denied(request):
            return denied
        number = _national(request.match_info["number"])
        with self._lock:
            self._lookups.append(number)
            known = self._circles.get(number)
        if known is None:
            return _answer(request, 404, Refusal(404).body())
        code, name = known
        metadata = {"PhoneNumber": number, "Circle": code, "CircleName": name, "Type": "Mobile"}
        return _answer(request, 200, {"Numbers": metadata})

    async def _stats(self, request: web.Request) -> web.Response:
        """Counts, for a benchmark driving the fake in another process."""
        with self._lock:
            received = [record.created for record in self._messages.values()]
            refused = sum(1 for r in self._requests if r["status"] != 200)
            stats = {
                "first_message_at": min(received, default=None),
                "last_message_at": max(received, default=None),
                "messages": len(self._messages),
                "requests": len(self._requests),
                "refused_requests": refused,
                "throttled_requests": sum(1 for r in self._requests if r["status"] == 429),
                "callbacks": len(self._callback_results),
                "pending_callbacks": len(self._tasks),
                "inbound": len(self._inbound_results),
            }
        return web.json_response(stats)

    async def _inbound_endpoint(self, request: web.Request) -> web.Response:
        """``POST /_fake/inbound`` with JSON {url, from, to, body, sid?, method?, json?}."""
        try:
            spec = await request.json()
            status = await self._deliver_inbound(
                spec["url"],
                spec["from"],
                spec["to"],
                spec["body"],
                spec.get("sid"),
                spec.get("method", "POST"),
                bool(spec.get("json")),
                bool(spec.get("head_first")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            return web.json_response({"error": str(exc)}, status=400)
        return web.json_response({"status": status})

    async def _not_found(self, request: web.Request) -> web.Response:
        return _answer(request, 404, Refusal(404).body())

    # -- callbacks and inbound messages ----------------------------------------------------

    def _start_reports(self, record: MessageRecord, outcome: Outcome) -> None:
        """Post the message's status callbacks, or just move it to its final status."""
        if record.status_callback and self.callbacks_enabled:
            self._spawn(self._report(record, outcome))  # on the loop: called by a handler
            return
        with self._lock:
            for status, code in outcome.steps():
                record.advance(status, code, time.time())

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _report(self, record: MessageRecord, outcome: Outcome) -> None:
        """Walk the message through its scripted statuses, POSTing a callback for each."""
        delay = self.callback_delay if outcome.callback_delay is None else outcome.callback_delay
        for status, code in outcome.steps():
            if delay > 0:
                await asyncio.sleep(delay)
            with self._lock:
                record.advance(status, code, time.time())
                form = record.callback_form(self.national_numbers)
            url = record.status_callback
            if url and self.callbacks_enabled:
                result = await self._http("POST", url, form=form)
                with self._lock:
                    record.callbacks += 1
                    self._callback_results.append((url, form, result))

    async def _deliver_inbound(
        self,
        url: str,
        from_: str,
        to: str,
        body: str,
        sid: str | None,
        method: str,
        as_json: bool,
        head_first: bool,
    ) -> int | None:
        if not loopback(url):
            raise ValueError(f"FakeExotel only talks to {HOST}: {url}")
        fields = {
            "SmsSid": sid or uuid.uuid4().hex,
            "From": from_,
            "To": to,
            "Date": ist(time.time()) or "",
            "Body": body,
        }
        method = method.upper()
        target = f"{url}{'&' if '?' in url else '?'}{urlencode(fields)}" if method == "GET" else url
        if head_first:
            await self._http("HEAD", target)
        if method == "GET":
            status = await self._http("GET", target)
        else:
            status = await self._http(
                method, url, form=None if as_json else fields, json_body=fields if as_json else None
            )
        with self._lock:
            self._inbound_results.append(
                {"url": url, "method": method, "fields": fields, "status": status}
            )
        return status

    async def _http(
        self,
        method: str,
        url: str,
        form: dict[str, str] | None = None,
        json_body: dict[str, str] | None = None,
    ) -> int | None:
        """One request to a loopback URL; its status, or None when not made or failed."""
        if not loopback(url):
            return None
        assert self._session is not None
        headers = {"User-Agent": "Exotel-Fake/1.0"}
        try:
            async with self._session.request(
                method, url, data=form, json=json_body, headers=headers
            ) as response:
                await response.read()
                return response.status
        except (aiohttp.ClientError, TimeoutError, OSError):
            return None


def _answer(
    request: web.Request, status: int, payload: Any, headers: dict[str, str] | None = None
) -> web.Response:
    """JSON for ``.json`` paths (and the fake's own), Exotel's XML otherwise."""
    if request.path.endswith(".json") or request.path.startswith("/_fake/"):
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
    """Run the fake in the foreground: ``python -m tests.fake_exotel --port N ...``."""
    parser = argparse.ArgumentParser(description="A fake Exotel SMS API, until SIGTERM/SIGINT.")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--api-token", required=True)
    parser.add_argument("--rate-limit", type=float, default=None, help="messages a second")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--callback-delay", type=float, default=0.0, help="seconds per callback")
    parser.add_argument("--no-callbacks", action="store_true", help="post no status callbacks")
    parser.add_argument("--require-dlt", action="store_true", help="400 without DltEntityId")
    args = parser.parse_args(argv)
    fake = FakeExotel(
        args.account_sid,
        args.api_key,
        args.api_token,
        args.port,
        rate_limit=args.rate_limit,
        require_dlt=args.require_dlt,
    )
    fake.delay = args.delay
    fake.callback_delay = args.callback_delay
    fake.callbacks_enabled = not args.no_callbacks
    fake.serve_forever()


if __name__ == "__main__":
    main()


def _national(number: str) -> str:
    """An Indian mobile as Exotel writes it back (0XXXXXXXXXX), from any common form."""
    digits = "".join(ch for ch in number if ch.isdigit())
    return "0" + digits[-10:]
