"""Benchmark: selecting and queueing a broadcast to 1,000,000 caregivers.

    python bench/broadcast.py [--caregivers 1000000]

Builds a SQLite database with that many caregivers (two languages), then, in a fresh
process, creates a broadcast to all of them and starts it: the recipients selected
into the database and the delivery jobs queued in a real Redis. Prints the time and
that process's peak memory. Targets: under 60 s and under 300 MB.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.result import report  # noqa: E402

NOW = "2025-06-02T11:00:00+05:30"


def build(path: Path, caregivers: int) -> None:
    from alembic import command

    from bot.storage.migrations import alembic_config

    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    db.executemany(
        "INSERT INTO caregiver (id, phone, language, opted_out, unreachable, reminder_slot,"
        " channel, created_at, state, district, pincode, consent_at, consent_channel)"
        " VALUES (?, ?, ?, 0, 0, 'morning', 'sms', '2025-01-01 00:00:00', 'UTTAR PRADESH',"
        " 'LUCKNOW', '226001', '2025-01-01 00:00:00', 'sms')",
        ((i, f"+9190{i:08d}", "hi" if i % 3 else "en") for i in range(1, caregivers + 1)),
    )
    db.execute("COMMIT")
    db.close()
    os.sync()


def start_broadcast(database_url: str, redis_url: str) -> None:
    """In its own process: create and start the broadcast; print time and peak memory."""
    from bot import create_app
    from bot.broadcasts import lifecycle as broadcasts
    from bot.broadcasts.audience import Audience
    from bot.services import services
    from bot.storage.clients import queue

    app = create_app({"DATABASE_URL": database_url, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"})
    tika = services(app)
    texts = {"hi": "टीकाकरण सत्र इस बुधवार।", "en": "Vaccination session this Wednesday."}
    started = time.perf_counter()
    broadcast_id = broadcasts.create(
        tika, "bench", texts, Audience(states=("UTTAR PRADESH",)), "bench"
    )
    broadcasts.schedule(tika, broadcast_id, None)
    recipients = broadcasts.start(tika, broadcast_id, queue(tika))
    elapsed = time.perf_counter() - started
    jobs = queue(tika).count
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        json.dumps({"recipients": recipients, "jobs": jobs, "seconds": elapsed, "peak_mb": peak_mb})
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--caregivers", type=int, default=1_000_000)
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        start_broadcast(*args.child)
        return 0

    from scripts.services import redis_server

    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(redis_server())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-bcast-")))
        path = folder / "tika.sqlite3"
        built = time.perf_counter()
        build(path, args.caregivers)
        print(f"built {args.caregivers:,} caregivers in {time.perf_counter() - built:.1f}s")
        env = dict(os.environ, PYTHONPATH=str(ROOT), TIKA_NOW=NOW)
        result = subprocess.run(
            [sys.executable, __file__, "--child", f"sqlite:///{path}", redis_url],
            env=env,
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(result.stdout.strip().splitlines()[-1])
    print(
        f"broadcast to {figures['recipients']:,} caregivers: selected and {figures['jobs']:,} "
        f"jobs queued in {figures['seconds']:.1f}s (target < 60 s), "
        f"peak memory {figures['peak_mb']:.0f} MB (target < 300 MB)"
    )
    everyone = figures["recipients"] == args.caregivers  # each one gave consent
    ok = everyone and figures["seconds"] < 60 and figures["peak_mb"] < 300
    report(
        "broadcast",
        {
            "seconds": round(figures["seconds"], 1),
            "peak MB": round(figures["peak_mb"]),
            "recipients": figures["recipients"],
        },
        f"all selected, < 60 s and < 300 MB for {args.caregivers:,}",
        ok,
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
