"""Load test: 200 SMS/s for 60 s through gunicorn (2 workers x 4 threads), nothing lost.

    .venv/bin/python bench/load.py              (SQLite; starts its own Redis)
    .venv/bin/python bench/load.py --postgres   (and its own PostgreSQL server)

An open-loop client sends each message when it is due, at a fixed rate, and counts its
latency from that moment, so a server that falls behind cannot hide its queue. Every
message is a distinct, correctly signed step of a caregiver's registration conversation
(the same conversations as bench/webhook.py), so the webhook does all its work: the
inbox row first, then the flows, the schedule engine and the reminders' plan.

First the same load, for the same time, on the same server, goes to the minimal Flask
endpoint at /baseline/twilio/sms: its latency is what the machine and the client cost
by themselves. Then Tika's /twilio/sms. Afterwards the database is read: every message
must be in the inbox once, handled, in the message log once, and have exactly the replies
in the log that its HTTP answer carried. Target: p99 < 100 ms, nothing lost or doubled.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402

from bench.harness import SCRIPT, conversations, fixed_rate, gunicorn, server_env  # noqa: E402
from bench.result import report  # noqa: E402
from bot.storage.migrations import alembic_config  # noqa: E402
from scripts.services import postgres_server, redis_server  # noqa: E402

TARGET_P99_MS = 100.0
REPLY = re.compile(r"<Message>")


def audit(database_url: str, forms: list[dict[str, str]], answers: list[tuple[int, str]]) -> dict:
    """What the database shows of ``forms``, against the HTTP ``answers`` they got (the
    warm-up's messages count only where one was left unhandled)."""
    sids = {form["MessageSid"] for form in forms}
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            inbox = conn.execute(text("SELECT provider_sid, status FROM inbox")).all()
            logged = conn.execute(
                text(
                    "SELECT m.provider_sid, (SELECT count(*) FROM message_log r "
                    "WHERE r.reply_to_id = m.id) FROM message_log m WHERE m.direction = 'in'"
                )
            ).all()
    finally:
        engine.dispose()
    inbox_sids = Counter(sid for sid, _ in inbox)
    log_sids = Counter(sid for sid, _ in logged)
    replies_logged = {sid: count for sid, count in logged}
    replies_sent = {
        form["MessageSid"]: len(REPLY.findall(body))
        for form, (status, body) in zip(forms, answers, strict=True)
        if status == 200
    }
    return {
        "sent": len(forms),
        "answered_200": len(replies_sent),
        "in_inbox": sum(1 for sid in sids if inbox_sids[sid] == 1),
        "inbox_twice": sum(1 for count in inbox_sids.values() if count > 1),
        "not_handled": Counter(status for _, status in inbox if status != "handled"),
        "in_log": sum(1 for sid in sids if log_sids[sid] == 1),
        "log_twice": sum(1 for count in log_sids.values() if count > 1),
        "unanswered": sum(1 for count in replies_sent.values() if count == 0),
        "replies_differ": sum(
            1 for sid, count in replies_sent.items() if replies_logged.get(sid) != count
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=200.0, help="messages per second")
    parser.add_argument("--seconds", type=int, default=60, help="of load, for each endpoint")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per worker")
    parser.add_argument(
        "--postgres",
        action="store_true",
        help="on a PostgreSQL server of its own (default: a new SQLite file)",
    )
    args = parser.parse_args()

    with contextlib.ExitStack() as stack:
        redis_url = os.environ.get("REDIS_URL") or stack.enter_context(redis_server())
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tika-load-")))
        if args.postgres:
            database_url = stack.enter_context(postgres_server())
        else:
            database_url = f"sqlite:///{folder / 'tika.sqlite3'}"
        command.upgrade(alembic_config(database_url), "head")
        steps = len(SCRIPT[0])
        phones = int(args.rate * args.seconds) // steps + 1
        forms = conversations(0, phones)[: int(args.rate * args.seconds)]
        warm_up = conversations(phones, 40)

        env = server_env(database_url, redis_url)
        _, base = stack.enter_context(gunicorn(env, args.workers, args.threads))
        asyncio.run(fixed_rate(base + "/twilio/sms", warm_up, args.rate))
        # The prepared requests are kept for the whole run: frozen, the client's garbage
        # collection does not walk them (and stop the paced sender) at every pass.
        gc.collect()
        gc.freeze()
        baseline = asyncio.run(fixed_rate(base + "/baseline/twilio/sms", forms, args.rate))
        tika = asyncio.run(fixed_rate(base + "/twilio/sms", forms, args.rate, keep_answers=True))
        found = audit(database_url, forms, tika["answers"])

    print(
        f"gunicorn (bot.gunicorn_config): {args.workers} workers x {args.threads} threads; "
        f"{args.rate:.0f} SMS/s offered for {args.seconds} s to each endpoint; "
        f"{os.cpu_count()} CPUs; {'PostgreSQL' if args.postgres else 'SQLite'}"
    )
    for name, result in (("baseline (minimal Flask)", baseline), ("tika /twilio/sms", tika)):
        print(
            f"{name:26s} {result['requests']:6d} requests  {result['rps']:5.0f} req/s served  "
            f"p50 {result['p50_ms']:6.1f} ms  p99 {result['p99_ms']:6.1f} ms  "
            f"max {result['max_ms']:7.1f} ms  non-200 {result['failures']}"
        )
    print(
        f"database: {found['in_inbox']} of {found['sent']} in the inbox once "
        f"({found['inbox_twice']} twice), {found['in_log']} in the message log once "
        f"({found['log_twice']} twice); not handled: {dict(found['not_handled']) or 0}; "
        f"answered 200: {found['answered_200']}, of them with no reply {found['unanswered']}, "
        f"with other replies logged than sent {found['replies_differ']}"
    )
    nothing_lost = (
        found["in_inbox"] == found["in_log"] == found["answered_200"] == found["sent"]
        and found["inbox_twice"] == found["log_twice"] == found["unanswered"] == 0
        and found["replies_differ"] == 0
        and not found["not_handled"]
    )
    fast = tika["p99_ms"] < TARGET_P99_MS
    print(
        f"tika p99 {tika['p99_ms']:.1f} ms (target < {TARGET_P99_MS:.0f} ms; the baseline's "
        f"{baseline['p99_ms']:.1f} ms); every message recorded and answered once: "
        f"{'yes' if nothing_lost else 'NO'}"
    )
    report(
        "load",
        {
            "p99 ms": round(tika["p99_ms"], 1),
            "baseline p99 ms": round(baseline["p99_ms"], 1),
            "nothing lost": nothing_lost,
        },
        f"p99 < {TARGET_P99_MS:.0f} ms, nothing lost or doubled",
        nothing_lost and fast,
    )
    return 0 if nothing_lost and fast else 1


if __name__ == "__main__":
    sys.exit(main())
