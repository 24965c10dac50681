"""What the web benchmarks share: signed registration conversations, a paced client that
counts latency from when each request was due, and the benchmark app under gunicorn."""

from __future__ import annotations

import asyncio
import contextlib
import os
import statistics
import subprocess
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import create_engine, text
from twilio.request_validator import RequestValidator

from scripts.services import free_port, gunicorn_command, stop, wait_until

ROOT = Path(__file__).resolve().parent.parent

TOKEN = "bench-auth-token"
PUBLIC = "https://bench.tika.example"
SCRIPT = [
    ["Hi", "1", "आशा", "15/3/2025", "226001", "1", "अगला", "हो गया", "अगला", "मदद"],
    ["Hello", "2", "Ravi", "1 January 2025", "560001", "yes", "NEXT", "DONE", "NEXT", "HELP"],
]


def conversations(first_phone: int, phones: int, batch: int = 40) -> list[dict[str, str]]:
    """Forms of ``phones`` registration conversations, interleaved a batch of phones at a time."""
    forms = []
    for start in range(first_phone, first_phone + phones, batch):
        numbers = range(start, min(start + batch, first_phone + phones))
        for step in range(len(SCRIPT[0])):
            for number in numbers:
                forms.append(
                    {
                        "MessageSid": f"SM{number:016x}{step:016x}",
                        "AccountSid": "AC" + "0" * 32,
                        "From": f"+9190{number:08d}",
                        "To": "+15005550006",
                        "Body": SCRIPT[number % 2][step],
                    }
                )
    return forms


def write_requests(path: Path, forms: list[dict[str, str]], url_path: str) -> None:
    validator = RequestValidator(TOKEN)
    with path.open("w") as out:
        for form in forms:
            signature = validator.compute_signature(PUBLIC + url_path, form)
            out.write(f"{signature}\t{urllib.parse.urlencode(form)}\n")


async def fixed_rate(
    url: str, forms: list[dict[str, str]], rate: float, keep_answers: bool = False
) -> dict:
    """Send ``forms`` at ``rate`` per second; latency counted from when each was due.
    ``keep_answers``: the result's "answers" holds each response's status and body, in
    the order of ``forms``."""
    import aiohttp

    validator = RequestValidator(TOKEN)
    path = urllib.parse.urlparse(url).path
    prepared = [
        (urllib.parse.urlencode(f), validator.compute_signature(PUBLIC + path, f)) for f in forms
    ]
    latencies: list[float] = []
    answers: list[tuple[int, str]] = [(0, "")] * len(forms)
    failures = 0
    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as session:
        start = time.perf_counter() + 0.1

        async def one(index: int, body: str, signature: str) -> None:
            nonlocal failures
            due = start + index / rate
            await asyncio.sleep(max(0.0, due - time.perf_counter()))
            headers = {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Twilio-Signature": signature,
            }
            async with session.post(url, data=body, headers=headers) as response:
                content = await response.read()
                if response.status != 200:
                    failures += 1
                if keep_answers:
                    answers[index] = (response.status, content.decode())
            latencies.append(time.perf_counter() - due)

        await asyncio.gather(*(one(i, b, s) for i, (b, s) in enumerate(prepared)))
        elapsed = time.perf_counter() - start
    latencies.sort()
    return {
        "requests": len(latencies),
        "failures": failures,
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
        "answers": answers if keep_answers else [],
    }


def messages_received(database_url: str) -> int:
    """How many messages from caregivers the database at ``database_url`` has recorded."""
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            query = text("SELECT count(*) FROM message_log WHERE direction = 'in'")
            return conn.execute(query).scalar_one()
    finally:
        engine.dispose()


def server_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    """The environment of the benchmark server: its database and Redis, the benchmark's
    Twilio token and public URL, a frozen clock and no per-sender throttle."""
    return dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        LOG_LEVEL="WARNING",
        TWILIO_AUTH_TOKEN=TOKEN,
        PUBLIC_BASE_URL=PUBLIC,
        PYTHONPATH=str(ROOT),
        TIKA_NOW="2025-03-20T10:00:00+05:30",
        THROTTLE_PER_MINUTE="1000000",
        **extra,
    )


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], workers: int, threads: int, settings: bool = True
) -> Iterator[tuple[subprocess.Popen, str]]:
    """bench/webhook_app.py under gunicorn (with the Procfile's settings unless
    ``settings`` is False) on a free port: yields the server and its base URL."""
    port = free_port()
    app = "bench.webhook_app:application_factory()"
    command = gunicorn_command(
        app, port, workers, threads, "--log-level", "warning", settings=settings
    )
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:

        def healthy() -> bool:
            with contextlib.suppress(OSError):
                return urllib.request.urlopen(base + "/healthz", timeout=1).status == 200
            return False

        wait_until(healthy, "gunicorn")
        yield server, base
    finally:
        stop(server)
