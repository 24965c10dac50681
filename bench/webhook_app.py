"""The WSGI app the webhook benchmark serves: Tika, plus a minimal Flask baseline
mounted on the same server at /baseline (same gunicorn, same workers, same run), at
/floor Tika's webhook with the conversation taken out, and at /least the floor plus the
least database work a message needs, written by hand."""

from __future__ import annotations

import datetime as dt
import gc
import os
import threading
import time
from pathlib import Path

from flask import Flask, Response, request
from sqlalchemy.engine import make_url
from sqlalchemy.pool import PoolProxiedConnection
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import create_app
from bot.channels.signature import twilio_signed
from bot.channels.twilio_sms import normalise_phone, twiml
from bot.config import load_config
from bot.conversation.shell import ATTEMPTS
from bot.storage.db import CHECKPOINT_EVERY, WriteLock, make_engine
from bot.storage.store import Conflict
from flows import texts
from locales import Text, render
from scheduler import clock


def baseline_app() -> Flask:
    """The least a Flask SMS webhook can do: read the form, answer fixed TwiML."""
    app = Flask("baseline")

    @app.post("/twilio/sms")
    def sms() -> Response:
        body = request.form.get("Body", "")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Message>{len(body)}</Message></Response>"
        )
        return Response(xml, mimetype="text/xml")

    return app


def floor_app() -> Flask:
    """Tika's webhook without the conversation: the same signature check, phone check and
    TwiML reply, but no database, no flows, one fixed Hindi reply. What /twilio/sms costs
    beyond this is the conversation's own work."""
    app = Flask("floor")
    app.config.update(load_config())
    reply = render(Text(texts.HELP), "hi")

    @app.post("/twilio/sms")
    @twilio_signed
    def sms() -> Response | tuple[str, int]:
        if normalise_phone(request.form.get("From", "")) is None:
            return "missing From", 400
        return twiml([reply])

    return app


# What store.load reads: the sender, their conversation, children and doses, and how
# many messages they sent in the last minute.
READ_SENDER = """
SELECT caregiver.id, caregiver.language, caregiver.pincode, caregiver.state,
       caregiver.district, caregiver.opted_out, conversation.flow, conversation.step,
       conversation.data, conversation.version,
       (SELECT count(*) FROM message_log WHERE message_log.caregiver_id = caregiver.id
        AND message_log.direction = 'in' AND message_log.created_at > ?),
       child.id, child.name, child.birth_date, child.schedule, dose_record.code,
       dose_record.given_on
FROM caregiver LEFT JOIN conversation ON conversation.caregiver_id = caregiver.id
LEFT JOIN child ON child.caregiver_id = caregiver.id
LEFT JOIN dose_record ON dose_record.child_id = child.id
WHERE caregiver.phone = ?"""
ADD_CAREGIVER = """
INSERT INTO caregiver (phone, opted_out, unreachable, reminder_slot, channel, simulated,
                       created_at)
VALUES (?, 0, 0, 'morning', 'sms', 0, ?)
ON CONFLICT (phone) DO NOTHING RETURNING id"""
ADD_STATE = """
INSERT INTO conversation (caregiver_id, flow, step, data, version, updated_at)
VALUES (?, 'register', 'language', '{}', 1, ?)"""
NEXT_STATE = """
UPDATE conversation SET step = 'next', data = '{"language": "hi"}', version = version + 1,
       updated_at = ?
WHERE caregiver_id = ? AND version = ?"""
ADD_MESSAGE = """
INSERT INTO message_log (caregiver_id, direction, channel, body, provider_sid, reply_to_id,
                         status, segments, created_at, updated_at)
VALUES (?, ?, 'sms', ?, ?, ?, ?, 1, ?, ?)
ON CONFLICT (provider_sid) DO NOTHING RETURNING id"""


def least_app(database_url: str) -> Flask:
    """The floor plus the least a message must do in the database, on the driver itself:
    read the sender as store.load does, then in one write transaction add them if new,
    move their conversation on and record the message and one reply. No flows, no texts,
    no SQLAlchemy at run time. It shows what any conversation that records each message
    before it answers costs at least. On its own (migrated, empty) SQLite database, so
    that it starts from where Tika's webhook starts."""
    app = Flask("least")
    app.config.update(load_config())
    reply = render(Text(texts.HELP), "hi")
    engine = make_engine(database_url)  # for its connection settings, the same as Tika's
    lock = WriteLock(f"{make_url(database_url).database}.writelock")
    # One connection per worker thread, kept out of the pool: gunicorn --threads serves
    # several requests of a process at once, and a connection holds one transaction.
    checked_out: dict[tuple[int, int], PoolProxiedConnection] = {}
    writes = 0  # by this process; counted under the write lock

    @app.post("/twilio/sms")
    @twilio_signed
    def sms() -> Response | tuple[str, int]:
        nonlocal writes
        phone = normalise_phone(request.form.get("From", ""))
        if phone is None:
            return "missing From", 400
        key = (os.getpid(), threading.get_ident())
        if key not in checked_out:
            checked_out[key] = engine.raw_connection()
        db = checked_out[key].driver_connection
        sid, body = request.form.get("MessageSid"), request.form.get("Body", "")
        now = clock.now().astimezone(dt.UTC).replace(tzinfo=None)
        stamp, since = str(now), str(now - dt.timedelta(minutes=1))
        for _ in range(ATTEMPTS):  # as Tika does, read again when another message got in first
            db.execute("BEGIN")
            try:
                sender = db.execute(READ_SENDER, (since, phone)).fetchall()
            finally:
                db.execute("COMMIT")
            with lock:
                db.execute("BEGIN IMMEDIATE")
                try:
                    received = _record(db, phone, sender, sid, body, reply, stamp)
                except Conflict:
                    db.execute("ROLLBACK")
                    continue
                except BaseException:
                    db.execute("ROLLBACK")  # the connection stays usable for the next request
                    raise
                db.execute("COMMIT" if received else "ROLLBACK")  # no row: a replay
                writes += 1
                checkpoint = writes % CHECKPOINT_EVERY == 0
            if checkpoint:
                db.execute("PRAGMA wal_checkpoint(PASSIVE)")
            return twiml([reply])
        return "raced too often", 503

    return app


def _record(db, phone: str, sender: list, sid: str | None, body: str, reply: str, stamp: str):
    """/least's writes: add the sender if new, move their conversation on, record the
    message and one reply. Returns the message's row, or None when it was a replay;
    Conflict when another message from the sender got in since it was read."""
    if sender:
        caregiver = sender[0][0]
        if not db.execute(NEXT_STATE, (stamp, caregiver, sender[0][9])).rowcount:
            raise Conflict(phone)
    else:
        added = db.execute(ADD_CAREGIVER, (phone, stamp)).fetchone()
        if added is None:
            raise Conflict(phone)
        caregiver = added[0]
        db.execute(ADD_STATE, (caregiver, stamp))
    received = db.execute(
        ADD_MESSAGE, (caregiver, "in", body, sid, None, "received", stamp, stamp)
    ).fetchone()
    if received is not None:
        values = (caregiver, "out", reply, None, received[0], "replied", stamp, stamp)
        db.execute(ADD_MESSAGE, values)
    return received


def record_full_collections(folder: Path) -> None:
    """Write when each full garbage collection started (Unix time) and how long it stopped
    this process (ms) to a file of its own in ``folder``."""
    path = folder / f"gc-{os.getpid()}.txt"
    started = at = 0.0

    def watch(phase: str, info: dict) -> None:
        nonlocal started, at
        if info["generation"] != 2:
            return
        if phase == "start":
            started, at = time.perf_counter(), time.time()
        else:
            with path.open("a") as out:
                out.write(f"{at:.3f} {(time.perf_counter() - started) * 1000:.1f}\n")

    gc.callbacks.append(watch)


def application_factory():
    """Gunicorn entry point: ``gunicorn 'bench.webhook_app:application_factory()'``.

    With BENCH_GC_LOG set to a folder, each worker records its full collections there;
    with BENCH_LEAST_DATABASE_URL set to a SQLite database, /least is served on it.
    """
    if os.environ.get("BENCH_GC_LOG"):
        record_full_collections(Path(os.environ["BENCH_GC_LOG"]))
    mounted = {"/baseline": baseline_app(), "/floor": floor_app()}
    if os.environ.get("BENCH_LEAST_DATABASE_URL"):
        mounted["/least"] = least_app(os.environ["BENCH_LEAST_DATABASE_URL"])
    return DispatcherMiddleware(create_app(), mounted)
