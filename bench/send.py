"""Benchmark: reminders sent end to end through two RQ workers to a local gateway server.

    python bench/send.py [--messages 20000] [--noop-jobs 5000] [--backend twilio|exotel|both]

In one run: first RQ's own throughput (two burst workers working through no-op jobs),
then the real thing: a database of due reminders, one sweep, two burst workers
(`flask --app bot worker --burst`) sending through the real twilio client to
tests/fake_twilio.py running as its own process — and again through the Exotel adapter
to tests/fake_exotel.py, with DLT on (each message matched to its approved template and
sent with its ids). Prints every rate. Target: at least 1,000 messages/s on each (ten
times a short code's 100 per second), where the gateway's limit allows it: the fake has
none; Exotel's own is set per account.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from rq import Queue  # noqa: E402
from rq.job import Job  # noqa: E402

from bench.result import report  # noqa: E402
from bench.sweep import NOW, build  # noqa: E402
from bot import create_app  # noqa: E402
from bot.services import services  # noqa: E402
from bot.sweep import sweep  # noqa: E402
from scripts.services import answers, free_port, redis_server, stop, wait_until  # noqa: E402
from tests.support import approve_every_template  # noqa: E402

ACCOUNT, TOKEN = "AC" + "b" * 32, "bench-token"
EXOTEL_SID, EXOTEL_KEY, EXOTEL_TOKEN = "tikabench", "bench-key", "bench-api-token"
FLASK = str(Path(sys.executable).parent / "flask")


def noop() -> None:
    """The least a job can do: RQ's own cost per job."""


def workers(env: dict[str, str], count: int = 2, progress=None) -> float:
    """Run ``count`` burst workers until the queue is empty; returns the seconds taken."""
    started = time.perf_counter()
    running = [
        subprocess.Popen(
            [FLASK, "--app", "bot", "worker", "--burst"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(count)
    ]
    while any(process.poll() is None for process in running):
        time.sleep(2)
        if progress:
            progress()
    assert all(process.returncode == 0 for process in running)
    return time.perf_counter() - started


def fake_stats(url: str) -> dict:
    with urllib.request.urlopen(f"{url}/_fake/stats", timeout=5) as response:
        return json.load(response)


def busy_seconds(jobs: list[Job]) -> float:
    """From the first job's start to the last one's end: the workers' time at work."""
    return (max(j.ended_at for j in jobs) - min(j.started_at for j in jobs)).total_seconds()


def start_fake(backend: str, port: int) -> subprocess.Popen:
    """The gateway's fake as its own process, posting no status callbacks."""
    if backend == "twilio":
        credentials = ["--account-sid", ACCOUNT, "--auth-token", TOKEN]
    else:
        credentials = ["--account-sid", EXOTEL_SID, "--api-key", EXOTEL_KEY]
        credentials += ["--api-token", EXOTEL_TOKEN, "--require-dlt"]
    command = [sys.executable, "-m", f"tests.fake_{backend}", "--port", str(port)]
    return subprocess.Popen(
        [*command, *credentials, "--no-callbacks"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


def gateway_settings(backend: str, fake_url: str, folder: Path) -> dict[str, str]:
    """How the service reaches the fake: Twilio, or Exotel with every template approved."""
    if backend == "twilio":
        return {
            "SMS_BACKEND": "twilio",
            "TWILIO_ACCOUNT_SID": ACCOUNT,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "TWILIO_FROM_NUMBER": "+15005550006",
            "TWILIO_API_BASE": fake_url,
        }
    approvals = approve_every_template(folder / "dlt_templates.csv")
    return {
        "SMS_BACKEND": "exotel",
        "EXOTEL_ACCOUNT_SID": EXOTEL_SID,
        "EXOTEL_API_KEY": EXOTEL_KEY,
        "EXOTEL_API_TOKEN": EXOTEL_TOKEN,
        "EXOTEL_SENDER_ID": "TIKAHS",
        "EXOTEL_API_BASE": fake_url,
        "EXOTEL_WEBHOOK_TOKEN": "bench-webhook-token",
        "DLT_ENTITY_ID": "1101000000000000001",
        "DLT_TEMPLATES": str(approvals),
    }


def run(backend: str, args: argparse.Namespace, redis_url: str) -> tuple[int, float]:
    """One backend: a fresh database of due reminders, one sweep, two burst workers.
    Returns the messages the fake accepted and the seconds from its first to its last."""
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-send-")))
        port = free_port()
        fake = start_fake(backend, port)
        stack.callback(stop, fake)
        wait_until(lambda: answers(port), f"fake {backend}")
        fake_url = f"http://127.0.0.1:{port}"
        path = folder / "tika.sqlite3"
        build(path, args.messages, args.messages)
        settings = {
            "DATABASE_URL": f"sqlite:///{path}",
            "REDIS_URL": redis_url,
            "SMS_RATE_PER_SECOND": "100000",
            "LOG_LEVEL": "WARNING",
            "PUBLIC_BASE_URL": "",
            **gateway_settings(backend, fake_url, folder),
        }
        env = dict(os.environ, PYTHONPATH=str(ROOT), TIKA_NOW=NOW.isoformat(), **settings)
        Redis.from_url(redis_url).flushdb()
        app = create_app(settings)
        tika = services(app)
        started = time.perf_counter()
        result = sweep(tika, NOW + dt.timedelta(seconds=1))
        print(
            f"{backend}: sweep claimed {result.claimed:,} reminders into {result.jobs} jobs "
            f"in {time.perf_counter() - started:.2f}s"
        )

        def progress() -> None:
            if os.environ.get("BENCH_PROGRESS"):
                print(f"  {time.perf_counter() - started:5.1f}s {fake_stats(fake_url)['messages']}")

        send_wall = workers(env, progress=progress)
        stats = fake_stats(fake_url)
        tika.close()
    sent = stats["messages"]
    seconds = (stats["last_message_at"] or 0) - (stats["first_message_at"] or 0) or float("inf")
    print(
        f"{backend}: sending, 2 burst workers: {sent:,} messages in {seconds:.1f}s "
        f"= {sent / seconds:,.0f} messages/s (target >= 1,000; wall {send_wall:.1f}s)"
    )
    return sent, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20_000)
    parser.add_argument("--noop-jobs", type=int, default=5_000)
    parser.add_argument("--backend", choices=("twilio", "exotel", "both"), default="both")
    args = parser.parse_args()
    backends = ("twilio", "exotel") if args.backend == "both" else (args.backend,)
    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(redis_server())
        # RQ's own throughput: no-op jobs through the same two burst workers.
        Redis.from_url(redis_url).flushdb()
        env = dict(os.environ, PYTHONPATH=str(ROOT), REDIS_URL=redis_url, LOG_LEVEL="WARNING")
        queue = Queue("tika", connection=Redis.from_url(redis_url))
        noop_jobs = queue.enqueue_many([Queue.prepare_data(noop) for _ in range(args.noop_jobs)])
        noop_wall = workers(env)
        noop_seconds = busy_seconds(Job.fetch_many([j.id for j in noop_jobs], queue.connection))
        print("(rates are over the workers' time at work; wall time includes starting them)")
        print(
            f"RQ no-op jobs, 2 burst workers: {args.noop_jobs:,} jobs in {noop_seconds:.1f}s "
            f"= {args.noop_jobs / noop_seconds:,.0f} jobs/s (wall {noop_wall:.1f}s)"
        )
        results = {backend: run(backend, args, redis_url) for backend in backends}
    rates = {backend: sent / seconds for backend, (sent, seconds) in results.items()}
    ok = all(sent == args.messages for sent, _ in results.values())
    ok = ok and all(rate >= 1000 for rate in rates.values())
    figures = {f"{backend} messages/s": round(rate) for backend, rate in rates.items()}
    figures["sent"] = ", ".join(f"{sent:,}/{args.messages:,}" for sent, _ in results.values())
    report("send", figures, ">= 1,000 messages/s on each gateway, every one sent", ok)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
