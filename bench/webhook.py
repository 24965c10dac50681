"""Benchmark: /twilio/sms under gunicorn, against a minimal Flask endpoint on the same server.

    make bench            (or: python bench/webhook.py, with redis-server and wrk installed)

1. Throughput and latency under closed-loop load (wrk, 16 connections) for the baseline
   endpoint and for Tika's webhook, on the same gunicorn server in the same run, in
   rounds that take each endpoint in turn; the ratio is the median of the rounds' ratios.
   Between them, the same load on Tika's webhook with the conversation taken out
   (signature, phone check and TwiML only: bench/webhook_app.py's /floor), which shows
   how much of the webhook's cost is the conversation itself. Last, on SQLite, /least:
   the floor plus the least database work a message needs (read the sender; then, in
   one transaction, record the message, a reply and the next state), written by hand on the
   driver, with no flows and no texts. It shows what any conversation that records each
   message before it answers costs at least, on this machine.
2. Latency at a fixed 200 requests/s (an open-loop client that measures from the moment
   each request was due, so a slow server cannot hide its queue).

Every request is a distinct, correctly signed message from a caregiver in the middle of a
registration conversation, so the webhook does its real work (signature, lock, flows,
schedule engine, SQLite writes). Targets: p99 < 50 ms at 200 requests/s offered, and
Tika's throughput >= 20% of the baseline's (the median of the rounds' ratios), with no
failed request.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402

from bench.harness import (  # noqa: E402
    SCRIPT,
    conversations,
    fixed_rate,
    gunicorn,
    messages_received,
    server_env,
    write_requests,
)
from bench.result import report  # noqa: E402
from bot.storage.migrations import alembic_config  # noqa: E402
from scripts.services import redis_server  # noqa: E402

TARGET_RATIO = 0.20  # Tika's throughput over the baseline's, the median of the rounds
TARGET_P99_MS = 50.0  # at the fixed rate


def wrk(url: str, requests_file: Path, seconds: int, connections: int) -> dict:
    lua = ROOT / "bench" / "wrk_requests.lua"
    result = subprocess.run(
        [
            "wrk",
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(lua),
            url,
            "--",
            str(requests_file),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    summary["rps"] = summary["requests"] / (summary["duration_us"] / 1e6)
    return summary


def under_load(server, base: str, path: str, requests_file: Path, seconds: int, connections: int):
    """wrk's summary for ``path`` on the gunicorn ``server``, with its workers' CPU time per
    request."""
    cpu = worker_cpu_seconds(server.pid)
    summary = wrk(base + path, requests_file, seconds, connections)
    cpu = worker_cpu_seconds(server.pid) - cpu
    return {**summary, "cpu_us": cpu / summary["requests"] * 1e6}


def worker_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by the workers of a gunicorn master (Linux)."""
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    ticks = 0
    for pid in children:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def full_collections(folder: Path, since: float) -> list[float]:
    """The pauses (ms) of the full garbage collections the workers recorded in ``folder``
    that started after ``since`` (Unix time)."""
    pauses = []
    for log in folder.glob("gc-*.txt"):
        for line in log.read_text().splitlines():
            at, pause = map(float, line.split())
            if at >= since:
                pauses.append(pause)
    return pauses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument(
        "--rounds", type=int, default=3, help="rounds of all endpoints, one after another"
    )
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument(
        "--threads", type=int, default=1, help="threads per worker (more than 1: gthread)"
    )
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--paced-seconds", type=int, default=10, help="at the fixed rate")
    parser.add_argument(
        "--plain-gunicorn",
        action="store_true",
        help="without the Procfile's gunicorn settings (bot.gunicorn_config)",
    )
    parser.add_argument(
        "--database-url", help="an empty database to use (default: a new SQLite file)"
    )
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed: apt-get install wrk", file=sys.stderr)
        return 2

    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(redis_server())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-bench-")))
        database_url = args.database_url or f"sqlite:///{folder / 'tika.sqlite3'}"
        command.upgrade(alembic_config(database_url), "head")

        # Enough distinct messages that no run repeats one (a repeat is a cheap replay),
        # and new ones each round: round r's caregivers start their conversations afresh.
        phones = args.seconds * 800
        tika_files = [folder / f"tika-{r}.txt" for r in range(args.rounds)]
        for r, path in enumerate(tika_files):
            write_requests(path, conversations(r * phones, phones), "/twilio/sms")
        baseline_file = folder / "baseline.txt"
        write_requests(baseline_file, conversations(0, phones), "/baseline/twilio/sms")
        least_url = ""  # /least has a database of its own, so it can replay Tika's requests
        if database_url.startswith("sqlite"):
            least_url = f"sqlite:///{folder / 'least.sqlite3'}"
            command.upgrade(alembic_config(least_url), "head")
        paced = conversations(
            args.rounds * phones, int(args.rate * args.paced_seconds) // len(SCRIPT[0]) + 1
        )

        env = server_env(
            database_url,
            redis_url,
            BENCH_GC_LOG=str(folder),
            BENCH_LEAST_DATABASE_URL=least_url,
        )
        served = gunicorn(env, args.workers, args.threads, settings=not args.plain_gunicorn)
        server, base = stack.enter_context(served)
        wrk(base + "/baseline/twilio/sms", baseline_file, 2, args.connections)  # warm-up

        def loaded(path: str, requests_file: Path) -> dict:
            return under_load(server, base, path, requests_file, args.seconds, args.connections)

        measured_from = time.time()
        # Rounds interleave the endpoints, so that a slow spell of the machine falls on
        # all of them rather than on one; each round's ratio compares neighbours in time.
        rounds: list[dict[str, dict]] = []
        for tika_file in tika_files:
            measured = {
                "baseline": loaded("/baseline/twilio/sms", baseline_file),
                "floor": loaded("/floor/twilio/sms", tika_file),  # signed as /twilio/sms
                "tika": loaded("/twilio/sms", tika_file),
            }
            if least_url:
                measured["least"] = loaded("/least/twilio/sms", tika_file)  # ditto
            rounds.append(measured)
        if least_url:
            answered = sum(r["least"]["requests"] for r in rounds)
            recorded = messages_received(least_url)
            if recorded < answered:  # it answers 200 only after its commit
                raise SystemExit(f"/least recorded {recorded} of {answered} messages")
        # This process holds every prepared request: frozen, they are not walked by its
        # garbage collection, which would otherwise stop the paced sender for ~80 ms.
        gc.collect()
        gc.freeze()
        paced_result = asyncio.run(fixed_rate(base + "/twilio/sms", paced, args.rate))
        pauses = full_collections(folder, since=measured_from)

    names = {
        "baseline": "baseline (minimal Flask)",
        "floor": "tika, conversation removed",
        "tika": "tika /twilio/sms",
        "least": "floor + least SQL by hand",
    }
    kind = f"gthread workers x {args.threads} threads" if args.threads > 1 else "sync workers"
    config = "no settings" if args.plain_gunicorn else "bot.gunicorn_config"
    print(
        f"gunicorn ({config}): {args.workers} {kind}; wrk: {args.connections} connections; "
        f"{args.rounds} rounds of {args.seconds}s per endpoint; {os.cpu_count()} CPUs"
    )
    for number, measured in enumerate(rounds, 1):
        for key, r in measured.items():
            print(
                f"round {number}  {names[key]:26s} {r['rps']:6.0f} req/s   "
                f"p50 {r['p50_us'] / 1000:5.1f} ms   p99 {r['p99_us'] / 1000:6.1f} ms   "
                f"worker CPU {r['cpu_us']:5.0f} us/req   non-2xx {r['non_2xx']}   "
                f"socket errors {r['socket_errors']}"
            )

    def ratios(key: str) -> list[float]:
        """Each round's throughput of ``key`` over the baseline's in the same round."""
        return [r[key]["rps"] / r["baseline"]["rps"] for r in rounds]

    def cpu_us(key: str) -> float:
        """Worker CPU per request of ``key``: the median of the rounds'."""
        return statistics.median(r[key]["cpu_us"] for r in rounds)

    def listed(values: list[float]) -> str:
        return ", ".join(f"{v:.2f}" for v in values)

    ratio = statistics.median(ratios("tika"))
    print(
        f"throughput ratio tika/baseline: {ratio:.2f}, the median of the rounds' "
        f"{listed(ratios('tika'))}  (target >= {TARGET_RATIO:.2f})"
    )
    print(
        f"the conversation (database, flows, texts) costs "
        f"{cpu_us('tika') - cpu_us('floor'):.0f} us/req of worker CPU (medians); without it "
        f"the webhook serves {listed(ratios('floor'))} of the baseline's throughput"
    )
    if least_url:
        print(
            f"the floor plus the least database work a message needs, by hand on the "
            f"driver (no flows, no texts) serves {listed(ratios('least'))} of the "
            f"baseline's throughput, at a median {cpu_us('least'):.0f} us/req"
        )
    print(
        f"tika at {args.rate:.0f} req/s offered: {paced_result['rps']:.0f} req/s served, "
        f"p50 {paced_result['p50_ms']:.1f} ms, p99 {paced_result['p99_ms']:.1f} ms "
        f"(target p99 < {TARGET_P99_MS:.0f} ms), failures {paced_result['failures']}"
    )
    longest = f", the longest {max(pauses):.1f} ms" if pauses else ""
    print(f"full garbage collections in the workers while measured: {len(pauses)}{longest}")
    failed = sum(r[key]["non_2xx"] + r[key]["socket_errors"] for r in rounds for key in r)
    failed += paced_result["failures"]
    ok = ratio >= TARGET_RATIO and paced_result["p99_ms"] < TARGET_P99_MS and failed == 0
    report(
        "webhook",
        {
            "p99 ms": round(paced_result["p99_ms"], 1),
            "ratio": round(ratio, 2),
            "failed": failed,
        },
        f"p99 < {TARGET_P99_MS:.0f} ms at {args.rate:.0f}/s, ratio >= {TARGET_RATIO:.2f}, "
        "none failed",
        ok,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
