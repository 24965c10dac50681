"""A local HTTP server that answers like Twilio's Messages and Calls REST API.

Drive the real client against it (no patching)::

    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as fake:
        client = twilio.rest.Client(ACCOUNT_SID, AUTH_TOKEN)
        client.api.base_url = fake.url
        fake.script("+919812345678", Outcome(status=429, code=20429))
        ...

For benchmarks run it as its own process until SIGTERM/SIGINT (it prints its URL):
``python -m tests.fake_twilio --port 8765 --account-sid AC... --auth-token ...``;
``GET /_fake/stats`` then gives its counts.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import json
import secrets
import time
from collections import deque
from collections.abc import Coroutine
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from aiohttp import web
from twilio.request_validator import RequestValidator

from tests.fake_server import LocalServer
from tests.fake_twilio_data import (
    API_VERSION,
    CALL_STEPS,
    SUCCESS,
    CallRecord,
    MessageRecord,
    Outcome,
    call_refusal,
    date_filter_bounds,
    error_body,
    message_refusal,
    page_envelope,
    page_start,
)

__all__ = ["FakeTwilio", "Outcome"]

CallbackResult = tuple[str, dict[str, str], int | None]  # url, form, response status (None: failed)
KINDS = {
    "message": (MessageRecord, message_refusal, "SM"),
    "call": (CallRecord, call_refusal, "CA"),
}


class FakeTwilio(LocalServer):
    """Twilio's REST API on a local port, recording traffic and playing scripted outcomes.

    Thread-safe: the server runs on its own event loop thread; tests read ``messages``,
    ``requests``, ``calls``, ``call_requests`` and ``callback_results`` (copies) and call
    ``script``, ``script_all`` and ``reset`` from any thread. ``delay`` (seconds) slows every
    response *after* the request was recorded; ``callbacks_enabled = False`` stops status
    callbacks (messages and calls still reach their final status).
    """

    def __init__(
        self, account_sid: str, auth_token: str, host: str = "127.0.0.1", port: int = 0
    ) -> None:
        super().__init__(port)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.host = host
        self.delay = 0.0
        self.callbacks_enabled = True
        self._validator = RequestValidator(auth_token)
        credentials = base64.b64encode(f"{account_sid}:{auth_token}".encode()).decode()
        self._authorization = f"Basic {credentials}"
        self._sid_prefix = secrets.token_hex(8)
        self._counter = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self._webhooks = _Webhooks()
        self._clear()

    def _clear(self) -> None:
        self._messages: dict[str, MessageRecord] = {}
        self._by_to: dict[str, list[MessageRecord]] = {}
        self._calls: dict[str, CallRecord] = {}
        self._requests: dict[str, list[dict[str, Any]]] = {"message": [], "call": []}
        self._callback_results: list[CallbackResult] = []
        self._scripts: dict[str, deque[Outcome]] = {}
        self._script_all: deque[Outcome] = deque()

    # -- lifecycle -------------------------------------------------------------------------

    async def _startup(self) -> None:
        app = web.Application()
        account = f"/{API_VERSION}/Accounts/{{account}}"
        app.router.add_post(f"{account}/Messages.json", self._create_message)
        app.router.add_get(f"{account}/Messages.json", self._list_messages)
        app.router.add_get(f"{account}/Messages/{{sid}}.json", self._fetch_message)
        app.router.add_post(f"{account}/Calls.json", self._create_call)
        app.router.add_get(f"{account}/Calls/{{sid}}.json", self._fetch_call)
        app.router.add_get("/_fake/stats", self._stats)
        app.router.add_route("*", "/{tail:.*}", self._not_found)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.25)
        await self._runner.setup()
        assert self._sock is not None
        await web.SockSite(self._runner, self._sock, backlog=1024).start()

    async def _shutdown(self) -> None:
        self._cancel_tasks()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        self._webhooks.close()
        if self._runner is not None:
            await self._runner.cleanup()
        # Requests still held by ``delay`` (their client may be gone): end them quietly.
        leftovers = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in leftovers:
            task.cancel()
        await asyncio.gather(*leftovers, return_exceptions=True)
        if self._sock is not None:
            self._sock.close()

    # -- scripting and recorded traffic ----------------------------------------------------

    def script(self, to: str, *outcomes: Outcome) -> None:
        """Queue outcomes for the next POSTs to ``to``; each POST takes the first that applies."""
        with self._lock:
            self._scripts.setdefault(to, deque()).extend(outcomes)

    def script_all(self, *outcomes: Outcome) -> None:
        """Queue outcomes for the next POSTs to any number that has no script of its own."""
        with self._lock:
            self._script_all.extend(outcomes)

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Every accepted message, oldest first."""
        with self._lock:
            records = list(self._messages.values())
        return [record.public() for record in records]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every Messages POST, refused ones too: to, from_, status, code, sid, received_at."""
        with self._lock:
            return [dict(request) for request in self._requests["message"]]

    @property
    def calls(self) -> list[dict[str, Any]]:
        """Every accepted call, oldest first."""
        with self._lock:
            records = list(self._calls.values())
        return [record.public() for record in records]

    @property
    def call_requests(self) -> list[dict[str, Any]]:
        """Every Calls POST, refused ones too."""
        with self._lock:
            return [dict(request) for request in self._requests["call"]]

    @property
    def callback_results(self) -> list[CallbackResult]:
        """Every status callback posted: (url, form, response status or None)."""
        with self._lock:
            return [(url, dict(form), status) for url, form, status in self._callback_results]

    def _take_outcome(self, kind: str, to: str) -> Outcome:
        """The first scripted outcome for ``to`` (else for anyone) that applies; lock held."""
        queues = [self._scripts[to]] if to in self._scripts else []
        for queue in (*queues, self._script_all):
            for index, outcome in enumerate(queue):
                if outcome.applies_to(kind):
                    del queue[index]
                    return outcome
        return SUCCESS

    # -- HTTP handlers ---------------------------------------------------------------------

    def _denied(self, request: web.Request) -> web.Response | None:
        authorized = request.headers.get("Authorization") == self._authorization
        if authorized and request.match_info.get("account") == self.account_sid:
            return None
        return _error(401, 20003)

    async def _create_message(self, request: web.Request) -> web.Response:
        return await self._create(request, "message")

    async def _create_call(self, request: web.Request) -> web.Response:
        return await self._create(request, "call")

    async def _create(self, request: web.Request, kind: str) -> web.Response:
        """Record the POST, then refuse it or accept it and start its status callbacks."""
        if denied := self._denied(request):
            return denied
        record_class, refuse, prefix = KINDS[kind]
        pairs = parse_qsl(await request.text(), keep_blank_values=True)
        form = dict(pairs)
        to, now = form.get("To", ""), time.time()
        refusal = refuse(form)
        record: MessageRecord | CallRecord | None = None
        with self._lock:
            outcome = SUCCESS if refusal else self._take_outcome(kind, to)
            if refusal is None and outcome.refused:
                refusal = outcome.refusal()
            if refusal is None:
                sid = f"{prefix}{self._sid_prefix}{next(self._counter):016x}"
                record = record_class.from_form(sid, pairs, now)
                if isinstance(record, MessageRecord):
                    self._messages[sid] = record
                    self._by_to.setdefault(to, []).append(record)
                else:
                    self._calls[sid] = record
            self._requests[kind].append(
                {
                    "to": to,
                    "from_": form.get("From"),
                    "status": refusal[0] if refusal else 201,
                    "code": refusal[1] if refusal else None,
                    "sid": record.sid if record else None,
                    "received_at": datetime.fromtimestamp(now, UTC),
                }
            )
        if record is None:
            assert refusal is not None
            response = _error(*refusal)
        else:
            response = _json(201, record.resource(self.account_sid))
            if isinstance(record, CallRecord):
                self._spawn(self._progress_call(record, outcome))
            elif record.status_callback and self.callbacks_enabled:
                self._spawn(self._deliver_message(record, outcome))
            else:
                record.status, record.error_code = outcome.delivery_result()
        if self.delay > 0:
            await asyncio.sleep(self.delay)
        return response

    async def _list_messages(self, request: web.Request) -> web.Response:
        """Newest first, filtered by To, From and DateSent, paged with a stable PageToken."""
        if denied := self._denied(request):
            return denied
        query = dict(request.query)
        try:
            page_size = max(1, min(int(query.get("PageSize", 50)), 1000))
            page = int(query.get("Page", 0))
            low, high = date_filter_bounds(query)
        except ValueError:
            return _error(400, 20001, "Invalid Page, PageSize or DateSent parameter")
        to, from_ = query.get("To"), query.get("From")
        with self._lock:
            pool = list(self._by_to.get(to, ())) if to else list(self._messages.values())
        matched = [
            record
            for record in reversed(pool)
            if (from_ is None or record.from_ == from_) and low <= int(record.created) <= high
        ]
        token = query.get("PageToken")
        start = page_start([record.sid for record in matched], token, page, page_size)
        items = matched[start : start + page_size]
        more = bool(items) and start + page_size < len(matched)
        filters = {k: v for k, v in query.items() if k not in ("Page", "PageSize", "PageToken")}
        envelope = page_envelope(
            "messages",
            request.path,
            filters,
            [record.resource(self.account_sid) for record in items],
            page,
            page_size,
            next_token=f"PA{items[-1].sid}" if more else None,
            previous_token=f"PB{items[0].sid}" if items and start > 0 and page > 0 else None,
            page_token=token,
        )
        return _json(200, envelope)

    async def _fetch_message(self, request: web.Request) -> web.Response:
        return self._fetch(request, self._messages)

    async def _fetch_call(self, request: web.Request) -> web.Response:
        return self._fetch(request, self._calls)

    def _fetch(self, request: web.Request, records: dict[str, Any]) -> web.Response:
        if denied := self._denied(request):
            return denied
        with self._lock:
            record = records.get(request.match_info["sid"])
        if record is None:
            return _error(404, 20404, f"The requested resource {request.path} was not found")
        return _json(200, record.resource(self.account_sid))

    async def _stats(self, request: web.Request) -> web.Response:
        """Counts, for a benchmark driving the fake in another process."""
        with self._lock:
            received = [record.created for record in self._messages.values()]
            stats = {
                # When the first and the last message arrived (Unix time), for a rate.
                "first_message_at": min(received, default=None),
                "last_message_at": max(received, default=None),
                "messages": len(self._messages),
                "requests": len(self._requests["message"]),
                "calls": len(self._calls),
                "callbacks": len(self._callback_results),
                "pending_callbacks": len(self._tasks),
            }
        return _json(200, stats)

    async def _not_found(self, request: web.Request) -> web.Response:
        return _error(404, 20404, f"The requested resource {request.path} was not found")

    # -- status callbacks ------------------------------------------------------------------

    def _spawn(self, coroutine: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(coroutine)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _deliver_message(self, record: MessageRecord, outcome: Outcome) -> None:
        """Move the message to "sent" then its final status, posting a callback for each."""
        for status, code in (("sent", None), outcome.delivery_result()):
            record.status, record.error_code, record.updated = status, code, time.time()
            if record.status_callback and self.callbacks_enabled:
                form = record.callback_form(self.account_sid)
                await self._post_callback(record.status_callback, form, "POST")

    async def _progress_call(self, call: CallRecord, outcome: Outcome) -> None:
        """Walk the call through its scripted progress, posting the events it asked for."""
        for sequence, step in enumerate(CALL_STEPS[outcome.call or "completed"]):
            form = call.advance(self.account_sid, step, outcome, sequence)
            url = call.status_callback
            if url and step[0] in call.events and self.callbacks_enabled:
                await self._post_callback(url, form, call.status_callback_method)

    async def _post_callback(self, url: str, form: dict[str, str], method: str) -> None:
        """Send one webhook signed as Twilio does (form body for POST, query string for GET)."""
        encoded = urlencode(form)
        headers = {"User-Agent": "TwilioProxy/1.1"}
        if method == "GET":
            target, body = f"{url}{'&' if '?' in url else '?'}{encoded}", b""
            headers["X-Twilio-Signature"] = self._validator.compute_signature(target, {})
        else:
            target, body = url, encoded.encode()
            headers["X-Twilio-Signature"] = self._validator.compute_signature(url, form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        status = None
        try:
            async with asyncio.timeout(10):
                status = await self._webhooks.send(method, target, body, headers)
        except (OSError, ValueError, TimeoutError, asyncio.IncompleteReadError):
            pass
        with self._lock:
            self._callback_results.append((url, form, status))


class _Webhooks:
    """A minimal HTTP/1.1 client with keep-alive, for posting webhooks cheaply at volume."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, int, bool], list[tuple[Any, Any]]] = {}

    async def send(self, method: str, url: str, body: bytes, headers: dict[str, str]) -> int:
        """Send one request; returns the response status (raises OSError and friends)."""
        parts = urlsplit(url)
        secure = parts.scheme == "https"
        host, port = parts.hostname or "", parts.port or (443 if secure else 80)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        lines = [f"{method} {path} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"Content-Length: {len(body)}", *(f"{k}: {v}" for k, v in headers.items())]
        request = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
        pool = self._idle.setdefault((host, port, secure), [])
        while True:
            reused = bool(pool)
            if reused:
                reader, writer = pool.pop()
            else:
                reader, writer = await asyncio.open_connection(host, port, ssl=secure or None)
            try:
                writer.write(request)
                status, keep_alive = await _read_response(reader)
            except BaseException as exc:
                writer.close()
                if reused and isinstance(exc, OSError | asyncio.IncompleteReadError):
                    continue  # the server had closed this idle connection: take another
                raise
            if keep_alive:
                pool.append((reader, writer))
            else:
                writer.close()
            return status

    def close(self) -> None:
        for pool in self._idle.values():
            for _, writer in pool:
                writer.close()
        self._idle.clear()


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """Read one response; its status and whether the connection can be reused."""
    head = (await reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
    version, status = head[0].split(" ", 2)[:2]
    fields = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip().lower()
    keep_alive = version == "HTTP/1.1" and fields.get("connection") != "close"
    if "content-length" in fields:
        await reader.readexactly(int(fields["content-length"]))
    elif fields.get("transfer-encoding") == "chunked":
        while size := int((await reader.readline()).split(b";")[0], 16):
            await reader.readexactly(size + 2)
        while await reader.readline() not in (b"\r\n", b""):
            pass
    elif status not in ("204", "304"):
        await reader.read()
        keep_alive = False
    return int(status), keep_alive


def _json(status: int, payload: Any) -> web.Response:
    body = json.dumps(payload).encode()
    return web.Response(status=status, body=body, content_type="application/json")


def _error(status: int, code: int, message: str | None = None) -> web.Response:
    return _json(status, error_body(status, code, message))


def main(argv: list[str] | None = None) -> None:
    """Run the fake in the foreground: ``python -m tests.fake_twilio --port N ...``."""
    parser = argparse.ArgumentParser(description="A fake Twilio REST API, until SIGTERM/SIGINT.")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--account-sid", required=True)
    parser.add_argument("--auth-token", required=True)
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each response")
    parser.add_argument("--no-callbacks", action="store_true", help="post no status callbacks")
    args = parser.parse_args(argv)
    fake = FakeTwilio(args.account_sid, args.auth_token, args.host, args.port)
    fake.delay = args.delay
    fake.callbacks_enabled = not args.no_callbacks
    fake.serve_forever()


if __name__ == "__main__":
    main()
