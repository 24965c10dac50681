"""No inbound message is dropped, and a locked database slows the service but never breaks
it. Real processes: gunicorn with threaded workers, a second connection holding SQLite's
write lock, RQ workers, the real twilio client and a local Twilio-like server."""

from __future__ import annotations

import concurrent.futures
import datetime as dt
import sqlite3
import threading
import time
from urllib.parse import urlencode

import requests
from sqlalchemy import func, select

from bot.inbox_jobs import write_down_deferred
from bot.services import services
from bot.storage import inbox
from bot.storage.models.core import MessageLog
from bot.storage.models.inbox import InboxMessage
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import AUTH_TOKEN, sending_through
from tests.faults.processes import gunicorn
from tests.support import new_message_sid, run_worker, sign, twiml_messages

NUMBER = "+919812345678"


def post_sms(url: str, body: str, sid: str | None = None, number: str = NUMBER):
    form = {
        "MessageSid": sid or new_message_sid(),
        "AccountSid": "AC" + "0" * 32,
        "From": number,
        "To": "+15005550006",
        "Body": body,
    }
    return _post(url, "/twilio/sms", form)


def _post(url: str, path: str, form: dict[str, str]):
    signature = sign(AUTH_TOKEN, url + path, form)
    return requests.post(
        url + path,
        data=urlencode(form),
        headers={
            "X-Twilio-Signature": signature,
            "Content-Type": "application/x-www-form-urlencoded",
        },
        timeout=60,
    )


def inbox_rows(app) -> list[tuple[str, str]]:
    with services(app).db.reading() as conn:
        return conn.execute(select(InboxMessage.provider_sid, InboxMessage.status)).all()


def inbound_sids(app) -> list[str]:
    with services(app).db.reading() as conn:
        return conn.scalars(
            select(MessageLog.provider_sid).where(
                MessageLog.direction == "in", MessageLog.channel == "sms"
            )
        ).all()


def test_no_message_is_dropped_under_threads_even_when_writes_conflict(app, config):
    """Forty messages at once from one phone (each write of one conflicts with the others)
    under gunicorn, 2 workers of 4 threads: every one is answered, recorded in the inbox
    at once, and handled, in the request or by the inbox job after it."""
    settings = {**config, "THROTTLE_PER_MINUTE": 1000}
    sids = [new_message_sid() for _ in range(40)]
    with gunicorn(settings, workers=2, threads=4) as url:
        post_sms(url, "REG Asha 15/3/2025 226001")
        with concurrent.futures.ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(lambda sid: post_sms(url, "NEXT", sid), sids))
    assert {answer.status_code for answer in answers} == {200}
    recorded = dict(inbox_rows(app))
    assert set(sids) <= set(recorded)  # written down before anything else
    # Whatever the conflicts left new is handled by the inbox job later.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    tika = services(app)
    if any(recorded[sid] == "new" for sid in sids):
        sweep(tika, later)
        run_worker(settings, later.isoformat())
    recorded = dict(inbox_rows(app))
    assert {recorded[sid] for sid in sids} == {"handled"}
    logged = inbound_sids(app)
    assert sorted(sid for sid in logged if sid in sids) == sorted(sids)  # each exactly once


class HeldLock:
    """A second connection holding SQLite's write lock (as a backup or a stray sqlite3
    shell would), for ``seconds``."""

    def __init__(self, path: str, seconds: float) -> None:
        self.path, self.seconds = path, seconds
        self.held = threading.Event()
        self.thread = threading.Thread(target=self._hold, daemon=True)

    def _hold(self) -> None:
        connection = sqlite3.connect(self.path, isolation_level=None)
        connection.execute("BEGIN IMMEDIATE")
        self.held.set()
        time.sleep(self.seconds)
        connection.execute("ROLLBACK")
        connection.close()

    def __enter__(self) -> HeldLock:
        self.thread.start()
        self.held.wait(10)
        return self

    def __exit__(self, *exc) -> None:
        self.thread.join(self.seconds + 10)


def test_a_locked_database_slows_every_webhook_but_breaks_none(
    app, config, fake, web_port, database_url
):
    """With the SQLite file held by another connection, an SMS, a delivery report and a
    missed call are each answered within the busy timeout (1 s here), none with a 500;
    Redis keeps them, and once the lock is gone the inbox job writes them down, handles
    the SMS and texts its replies."""
    settings = {**sending_through(config, fake, web_port), "DB_BUSY_TIMEOUT_MS": 1000}
    path = database_url.removeprefix("sqlite:///")
    with gunicorn(settings, workers=2, threads=2) as url:
        # Something sent earlier, whose delivery report will come while the file is locked.
        post_sms(url, "REG Ravi 1/1/2025 226001", number="+919800000077")
        with services(app).db.reading() as conn:
            reported = conn.scalar(select(func.max(MessageLog.id)))
        timings = {}
        with HeldLock(path, seconds=8):
            started = time.monotonic()
            sms = post_sms(url, "REG Asha 15/3/2025 226001")
            timings["sms"] = time.monotonic() - started
            started = time.monotonic()
            status = _post(
                url,
                f"/twilio/sms/status?m={reported}",
                {"MessageSid": "SM" + "7" * 32, "MessageStatus": "delivered"},
            )
            timings["status"] = time.monotonic() - started
            started = time.monotonic()
            missed = _post(
                url,
                "/twilio/voice/missed",
                {"CallSid": "CA" + "7" * 32, "From": "+919800000078", "To": "+15005550006"},
            )
            timings["missed"] = time.monotonic() - started
    assert (sms.status_code, status.status_code, missed.status_code) == (200, 204, 200)
    assert twiml_messages(sms.text) == []  # no reply now: it comes by SMS once handled
    assert max(timings.values()) < 2.5, timings
    tika = services(app)
    assert tika.redis.llen("tika:deferred") == 3

    # The lock is gone; the sweep queues the inbox job, which writes everything down.
    later = dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)
    with clock.frozen(later):
        sweep(tika, later)
    run_worker(settings, later.isoformat())
    assert tika.redis.llen("tika:deferred") == 0
    with tika.db.reading() as conn:
        assert conn.scalar(select(MessageLog.status).where(MessageLog.id == reported)) == (
            "delivered"
        )
    texted = [m["body"] for m in fake.messages if m["to"] == NUMBER]
    assert texted and texted[0].startswith("Asha is registered")
    assert any(call["to"] == "+919800000078" for call in fake.calls)  # the call-back


def test_two_inbox_jobs_at_once_write_down_every_kept_webhook_once(app):
    """Two inbox jobs running at once (the second minute's job starts while the first
    still writes down) lose none of what Redis kept, and write none of it twice."""
    tika = services(app)
    kept = [f"SM{n:032x}" for n in range(300)]
    for n, sid in enumerate(kept):
        inbox.defer(
            tika,
            "sms",
            {
                "phone": f"+9198{n:08d}",
                "body": "hi",
                "sid": sid,
                "received_at": "2025-03-20T10:00:00+05:30",
            },
        )
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        written = list(pool.map(lambda _: write_down_deferred(tika), range(2)))
    assert sorted(sid for sid, _ in inbox_rows(app)) == kept
    assert sum(written) == len(kept)
    assert tika.redis.llen("tika:deferred") == 0
