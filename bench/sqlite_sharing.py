"""Benchmark: what it costs a webhook message when two processes write one SQLite file.

    python bench/sqlite_sharing.py [--messages 6000]

Runs /twilio/sms in-process (WSGI calls, no HTTP server) over distinct, signed
registration conversations (bench/webhook.py's script), and measures each process's
CPU time per message in three set-ups, in this order:

1. one process alone on its own database (the baseline);
2. two processes at once, each on its own database;
3. two processes at once on one database, as two gunicorn workers are.

(2) against (1) is what two busy processes on two cores cost each other anyway; (3)
against (2) is what sharing the SQLite file adds: whenever another process has written,
SQLite starts a transaction by dropping its page cache and its mapping of the file, and
reads the pages it needs again.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.harness import PUBLIC, SCRIPT, TOKEN, conversations  # noqa: E402
from bench.result import report  # noqa: E402

WARM_UP = 1000  # messages each process handles before it is timed
NOW = "2025-03-20T10:00:00+05:30"


def phones_for(messages: int) -> int:
    """How many scripted conversations one process needs for WARM_UP + ``messages``."""
    return -(-(WARM_UP + messages) // len(SCRIPT[0]))


def child(database_url: str, first_phone: int, messages: int) -> None:
    """Handle WARM_UP messages, say "ready", wait for a line on stdin, then handle
    ``messages`` more and print their CPU and wall time per message (us)."""
    from sqlalchemy import func, select
    from twilio.request_validator import RequestValidator
    from werkzeug.test import EnvironBuilder

    from bot import create_app
    from bot.services import services
    from bot.storage.models.core import Caregiver, MessageLog

    app = create_app(
        {
            "DATABASE_URL": database_url,
            "TWILIO_AUTH_TOKEN": TOKEN,
            "PUBLIC_BASE_URL": PUBLIC,
            "LOG_LEVEL": "WARNING",
            "THROTTLE_PER_MINUTE": 10**6,
        }
    )
    validator = RequestValidator(TOKEN)
    url = PUBLIC + "/twilio/sms"
    forms = conversations(first_phone, phones_for(messages))[: WARM_UP + messages]
    environs = [
        EnvironBuilder(
            path="/twilio/sms",
            method="POST",
            data=form,
            headers={"X-Twilio-Signature": validator.compute_signature(url, form)},
        ).get_environ()
        for form in forms
    ]

    def answered(status: str, headers: list) -> None:
        if not status.startswith("200"):
            raise SystemExit(f"/twilio/sms answered {status}")

    def handle(batch: list[dict]) -> None:
        for environ in batch:
            b"".join(app(environ, answered))

    handle(environs[:WARM_UP])
    print("ready", flush=True)
    sys.stdin.readline()  # every process starts its timed part at once
    cpu, wall = time.process_time(), time.perf_counter()
    handle(environs[WARM_UP:])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    # The webhook answers 200 even when it fails (with an apology), so make sure every
    # message was really recorded before the figures are believed.
    numbers = [form["From"] for form in forms]  # all of one length: ordered as text
    own_phones = Caregiver.phone.between(min(numbers), max(numbers))
    with services(app).db.reading() as conn:
        recorded = conn.execute(
            select(func.count())
            .select_from(MessageLog)
            .join(Caregiver)
            .where(MessageLog.direction == "in", own_phones)
        ).scalar_one()
    if recorded != len(forms):
        raise SystemExit(f"{recorded} of {len(forms)} messages were recorded")
    print(json.dumps({"cpu_us": cpu / messages * 1e6, "wall_us": wall / messages * 1e6}))


def new_database(folder: Path, name: str) -> str:
    from alembic import command

    from bot.storage.migrations import alembic_config

    url = f"sqlite:///{folder / name}"
    command.upgrade(alembic_config(url), "head")
    return url


def run_together(jobs: list[tuple[str, int]], messages: int) -> list[dict]:
    """Run one child process per (database, first phone) at the same time; their results."""
    env = dict(os.environ, TIKA_NOW=NOW, PYTHONPATH=str(ROOT))
    processes = [
        subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                url,
                str(first),
                str(messages),
            ],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for url, first in jobs
    ]
    try:
        for process in processes:
            if process.stdout.readline().strip() != "ready":
                raise SystemExit("a benchmark process failed while warming up")
        for process in processes:
            process.stdin.write("go\n")
            process.stdin.flush()
        results = []
        for process in processes:
            out, _ = process.communicate()
            if process.returncode:
                raise SystemExit(f"a benchmark process failed ({process.returncode})")
            results.append(json.loads(out.strip().splitlines()[-1]))
        return results
    finally:
        for process in processes:  # none is left running when another failed
            if process.poll() is None:
                process.kill()
                process.wait()


def mean_cpu(results: list[dict]) -> float:
    return sum(r["cpu_us"] for r in results) / len(results)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=6000, help="timed messages per process")
    parser.add_argument("--child", nargs=3, metavar=("URL", "FIRST_PHONE", "MESSAGES"))
    args = parser.parse_args()
    if args.child:
        url, first, messages = args.child
        child(url, int(first), int(messages))
        return 0

    with tempfile.TemporaryDirectory(prefix="tika-sharing-") as name:
        folder = Path(name)
        alone = run_together([(new_database(folder, "alone.sqlite3"), 0)], args.messages)
        separate = run_together(
            [(new_database(folder, "a.sqlite3"), 0), (new_database(folder, "b.sqlite3"), 0)],
            args.messages,
        )
        shared_url = new_database(folder, "shared.sqlite3")
        shared = run_together(
            [(shared_url, 0), (shared_url, phones_for(args.messages))], args.messages
        )

    print(
        f"/twilio/sms in-process, {args.messages} timed messages per process; {os.cpu_count()} CPUs"
    )
    rows = (
        ("one process alone", alone),
        ("two processes, two databases", separate),
        ("two processes, one database", shared),
    )
    for label, results in rows:
        figures = ", ".join(
            f"{r['cpu_us']:.0f} us CPU ({r['wall_us']:.0f} us wall)" for r in results
        )
        print(f"{label:30s} per message: {figures}")
    print(
        f"sharing the SQLite file adds {mean_cpu(shared) - mean_cpu(separate):.0f} us of CPU "
        f"per message (two busy processes on two databases add "
        f"{mean_cpu(separate) - mean_cpu(alone):.0f} us)"
    )
    report(
        "sqlite_sharing",
        {
            "CPU us/msg alone": round(mean_cpu(alone)),
            "sharing adds us": round(mean_cpu(shared) - mean_cpu(separate)),
        },
        "none (measures the cost)",
        None,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
