"""Benchmark: the sweep's cost follows the reminders due, not the children registered.

    python bench/sweep.py [--sizes 100000 1000000] [--due 10000]

Builds one SQLite database per size, each with that many registered children, five
open reminders per child spread over the coming months, and the same number of
reminders due at the moment swept. Times the sweep (claim + enqueue to a real Redis,
median of three over the same due reminders) on each and prints the ratio.
Target: within 1.5x of each other.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from rq import Queue  # noqa: E402
from sqlalchemy import text  # noqa: E402

from bench.result import report  # noqa: E402
from bot import create_app  # noqa: E402
from bot.services import services  # noqa: E402
from bot.storage.migrations import alembic_config  # noqa: E402
from bot.sweep import sweep  # noqa: E402
from scripts.services import redis_server  # noqa: E402

NOW = dt.datetime(2025, 6, 2, 4, 30, tzinfo=dt.UTC)  # 10:00 IST
KINDS = ("advance", "due", "overdue-1", "overdue-2", "overdue-3")


def stamp(moment: dt.datetime) -> str:
    """How SQLAlchemy stores a UTC instant in SQLite."""
    return moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ", "microseconds")


def build(path: Path, children: int, due: int, seed: int = 7) -> int:
    """A migrated database with ``children`` families and ``due`` reminders due at NOW."""
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    rng = random.Random(seed)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("BEGIN")
    created = stamp(NOW - dt.timedelta(days=30))
    batch = 50_000
    due_ids = set(rng.sample(range(children), due))
    for start in range(0, children, batch):
        ids = range(start + 1, min(start + batch, children) + 1)
        db.executemany(
            "INSERT INTO caregiver (id, phone, language, opted_out, unreachable, reminder_slot,"
            " created_at) VALUES (?, ?, 'hi', 0, 0, 'morning', ?)",
            ((i, f"+9190{i:08d}", created) for i in ids),
        )
        db.executemany(
            "INSERT INTO child (id, caregiver_id, name, birth_date, created_at)"
            " VALUES (?, ?, 'Asha', '2025-01-01', ?)",
            ((i, i, created) for i in ids),
        )
        rows = []
        for i in ids:
            first = NOW + dt.timedelta(days=rng.randint(1, 300))
            if i - 1 in due_ids:
                first = NOW - dt.timedelta(minutes=rng.randint(0, 30))
            for n, kind in enumerate(KINDS):
                at = first + dt.timedelta(days=14 * n)
                rows.append(
                    (
                        i,
                        i,
                        at.date().isoformat(),
                        kind,
                        "opv-1 penta-1 rvv-1",
                        at.date().isoformat(),
                        stamp(at),
                        created,
                    )
                )
        db.executemany(
            "INSERT INTO reminder (child_id, caregiver_id, visit_date, kind, codes, send_on,"
            " due_at, status, attempts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, 'planned', 0, ?)",
            rows,
        )
    db.execute("COMMIT")
    db.execute("ANALYZE")
    total = db.execute("SELECT count(*) FROM reminder").fetchone()[0]
    db.close()
    return total


def time_sweep(path: Path, redis_url: str, runs: int = 3) -> tuple[float, int]:
    """The median time of ``runs`` sweeps, each over the same due reminders."""
    app = create_app(
        {"DATABASE_URL": f"sqlite:///{path}", "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING"}
    )
    tika = services(app)
    queue = Queue("bench-sweep", connection=tika.redis)
    timings = []
    for _ in range(runs):
        with tika.db.writing() as conn:  # the claimed reminders are due again
            conn.execute(
                text(
                    "UPDATE reminder SET status = 'planned', claim_token = NULL, due_at = :at"
                    " WHERE status = 'claimed'"
                ),
                {"at": stamp(NOW)},
            )
        tika.redis.flushdb()
        os.sync()  # measure the sweep, not the disk catching up with the build
        started = time.perf_counter()
        result = sweep(tika, NOW, enqueue_to=queue)
        timings.append(time.perf_counter() - started)
        assert queue.count == result.jobs
    tika.close()
    return statistics.median(timings), result.claimed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(redis_server())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-sweep-")))
        timings = []
        for size in args.sizes:
            path = folder / f"tika-{size}.sqlite3"
            started = time.perf_counter()
            reminders = build(path, size, args.due)
            built = time.perf_counter() - started
            seconds, claimed = time_sweep(path, redis_url)
            timings.append(seconds)
            print(
                f"{size:>9,} children, {reminders:>9,} open reminders (built in {built:5.1f}s): "
                f"sweep claimed {claimed:,} due in {seconds:.3f}s "
                f"({claimed / seconds:,.0f} reminders/s)"
            )
            path.unlink()
    ratio = max(timings) / min(timings)
    print(f"largest/smallest sweep time: {ratio:.2f}x  (target <= 1.5x)")
    figures = {"ratio": round(ratio, 2), "sweeps s": " / ".join(f"{t:.3f}" for t in timings)}
    report("sweep", figures, "largest/smallest <= 1.5x", ratio <= 1.5)
    return 0 if ratio <= 1.5 else 1


if __name__ == "__main__":
    sys.exit(main())
