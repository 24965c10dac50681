"""Benchmark: Exotel's inbound SMS webhook, and replies through the outbox.

    python bench/exotel.py [--seconds 5] [--rounds 3] [--rate 100] [--paced-seconds 20]

Exotel cannot take replies in the webhook's answer, so ``/exotel/sms/<token>`` only
checks the token, records the message in the inbox, queues its handling and answers 200.
In one run, under gunicorn (2 workers, the Procfile's settings):

1. throughput: wrk on the webhook and on a minimal Flask endpoint mounted on the same
   server, in interleaved rounds; the median of the rounds' ratios (target >= 0.5);
2. reply latency: new caregivers each text a one-line registration at ``--rate`` a
   second; two RQ workers (``flask --app bot worker``) run the conversations and send
   the replies through the Exotel adapter, DLT on, to tests/fake_exotel.py in this
   process; from each message's due time to its first reply reaching the fake (target
   p99 < 2 s at 100 messages/s).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from redis import Redis  # noqa: E402

from bench.harness import SCRIPT, conversations, gunicorn, server_env  # noqa: E402
from bench.result import report  # noqa: E402
from bench.webhook import under_load, wrk  # noqa: E402
from bot.cli import alembic_config  # noqa: E402
from scripts.services import redis_server, stop  # noqa: E402
from tests.fake_exotel import FakeExotel  # noqa: E402
from tests.support import approve_every_template  # noqa: E402

FLASK = str(Path(sys.executable).parent / "flask")
SID, KEY, SECRET, WEBHOOK = "tikabench", "bench-key", "bench-api-token", "bench-webhook-token"
TARGET_RATIO, TARGET_P99_S = 0.5, 2.0


def exotel_forms(first: int, phones: int) -> list[dict[str, str]]:
    """Webhook forms as Exotel sends them (SmsSid, From 0-prefixed, To, Body)."""
    return [
        {
            "SmsSid": form["MessageSid"].lower().replace("sm", "ex", 1),
            "From": "0" + form["From"][3:],
            "To": "08033334444",
            "Body": form["Body"],
        }
        for form in conversations(first, phones)
    ]


def write_unsigned(path: Path, forms: list[dict[str, str]]) -> None:
    """wrk's request file: Exotel signs nothing, the token is in the URL."""
    with path.open("w") as out:
        for form in forms:
            out.write(f"\t{urllib.parse.urlencode(form)}\n")


async def paced_registrations(url: str, count: int, rate: float) -> list[tuple[str, float]]:
    """``count`` new caregivers each text a registration, at ``rate`` a second; returns
    each one's number (as the fake writes it) and the Unix time its message was due."""
    import aiohttp

    start = time.time() + 0.2
    sent: list[tuple[str, float]] = []
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=64)) as session:

        async def one(n: int) -> None:
            due = start + n / rate
            await asyncio.sleep(max(0.0, due - time.time()))
            national = f"097{n:08d}"
            form = {"SmsSid": f"bench{n:012d}", "From": national, "To": "08033334444"}
            form["Body"] = "REG Asha 15/3/2025 226001" if n % 2 else "पंजीकरण आशा 15/3/2025 226001"
            async with session.post(url, data=form) as answer:
                assert answer.status == 200, await answer.text()
            sent.append(("+91" + national[1:], due))

        await asyncio.gather(*(one(n) for n in range(count)))
    return sent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rate", type=float, default=100.0, help="messages/s for latency")
    parser.add_argument("--paced-seconds", type=int, default=20)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2
    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(redis_server())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-exotel-")))
        database_url = f"sqlite:///{folder / 'tika.sqlite3'}"
        command.upgrade(alembic_config(database_url), "head")
        fake = stack.enter_context(FakeExotel(SID, KEY, SECRET, require_dlt=True))
        fake.callbacks_enabled = False
        approvals = approve_every_template(folder / "dlt_templates.csv")
        env = server_env(
            database_url,
            redis_url,
            SMS_BACKEND="exotel",
            EXOTEL_ACCOUNT_SID=SID,
            EXOTEL_API_KEY=KEY,
            EXOTEL_API_TOKEN=SECRET,
            EXOTEL_SENDER_ID="TIKAHS",
            EXOTEL_API_BASE=fake.url,
            EXOTEL_WEBHOOK_TOKEN=WEBHOOK,
            DLT_ENTITY_ID="1101000000000000001",
            DLT_TEMPLATES=str(approvals),
            SMS_RATE_PER_SECOND="100000",
        )
        env["PUBLIC_BASE_URL"] = ""  # no status callbacks: the fake posts none here
        env.pop("TIKA_NOW")  # real time: the latency is measured against the wall clock
        phones = args.seconds * 1500  # more messages than a round can take: none repeats
        files = [folder / f"exotel-{r}.txt" for r in range(args.rounds)]
        for r, path in enumerate(files):
            write_unsigned(path, exotel_forms(r * phones, phones // len(SCRIPT[0]) + 1))
        baseline_file = folder / "baseline.txt"
        write_unsigned(baseline_file, exotel_forms(0, phones // len(SCRIPT[0]) + 1))
        server, base = stack.enter_context(gunicorn(env, 2, 1))
        webhook = f"/exotel/sms/{WEBHOOK}"
        wrk(base + "/baseline/twilio/sms", baseline_file, 2, args.connections)  # warm-up

        def loaded(path: str, requests_file: Path) -> dict:
            return under_load(server, base, path, requests_file, args.seconds, args.connections)

        rounds = []
        for path in files:
            rounds.append(
                {
                    "baseline": loaded("/baseline/twilio/sms", baseline_file),
                    "exotel": loaded(webhook, path),
                }
            )
        # The throughput runs queued their messages' handling: not part of what follows.
        Redis.from_url(redis_url).flushdb()

        workers = [
            subprocess.Popen(
                [FLASK, "--app", "bot", "worker"],
                cwd=ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            for _ in range(2)
        ]
        for worker in workers:
            stack.callback(stop, worker)
        time.sleep(2)  # the workers are up
        before = len(fake.messages)
        count = int(args.rate * args.paced_seconds)
        sent = asyncio.run(paced_registrations(base + webhook, count, args.rate))
        deadline = time.time() + 60
        while time.time() < deadline and len({m["to"] for m in fake.messages[before:]}) < count:
            time.sleep(0.2)
        first_reply: dict[str, float] = {}
        for message in fake.messages[before:]:
            first_reply.setdefault(message["to"], message["received_at"].timestamp())

    latencies = sorted(first_reply[phone] - due for phone, due in sent if phone in first_reply)
    answered = len(latencies)
    ratios = [r["exotel"]["rps"] / r["baseline"]["rps"] for r in rounds]
    for number, measured in enumerate(rounds, 1):
        for key, r in measured.items():
            print(
                f"round {number}  {key:9s} {r['rps']:6.0f} req/s   p99 {r['p99_us'] / 1000:6.1f} ms"
                f"   worker CPU {r['cpu_us']:5.0f} us/req   non-2xx {r['non_2xx']}"
            )
    ratio = statistics.median(ratios)
    print(
        f"throughput ratio exotel webhook/baseline: {ratio:.2f}, the median of "
        f"{', '.join(f'{v:.2f}' for v in ratios)} (target >= {TARGET_RATIO})"
    )
    p99 = latencies[max(0, int(answered * 0.99) - 1)] if latencies else float("inf")
    p50 = statistics.median(latencies) if latencies else float("inf")
    print(
        f"replies through the outbox at {args.rate:.0f} messages/s for {args.paced_seconds}s, "
        f"2 workers: {answered} of {count} answered; first reply p50 {p50:.2f} s, "
        f"p99 {p99:.2f} s (target < {TARGET_P99_S:.0f} s)"
    )
    ok = ratio >= TARGET_RATIO and answered == count and p99 < TARGET_P99_S
    report(
        "exotel",
        {"webhook ratio": round(ratio, 2), "reply p99 s": round(p99, 2), "answered": answered},
        f"ratio >= {TARGET_RATIO}, reply p99 < {TARGET_P99_S:.0f} s at {args.rate:.0f}/s",
        ok,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
