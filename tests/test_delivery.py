"""Reminders end to end: the sweep, real RQ worker processes, the real twilio client
talking to a local server that answers like Twilio, and delivery reports back.

Each reminder is sent once: across sweeps, duplicated jobs and a worker killed
mid-chunk; never after DONE or STOP; and every delivery report is recorded.
"""

import os
import signal
import time

import pytest
from rq import Queue
from sqlalchemy import select

from bot import create_app
from bot.services import services
from bot.storage.clients import queue
from bot.storage.models.core import Caregiver, MessageLog, Reminder
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import AUTH_TOKEN, TWILIO_FROM, sending_through
from tests.fake_twilio import Outcome
from tests.support import SmsPhone, at, run_worker, start_worker

pytestmark = pytest.mark.both_databases

NAMES = ["Asha", "Ravi", "Kiran", "Meena", "Sunil", "Geeta"]
FROM = TWILIO_FROM


@pytest.fixture
def config(config, fake, web_port):
    """The app sends through the twilio client to the fake; reports come back over HTTP."""
    return sending_through(config, fake, web_port)


def phone_of(client, config, number="+919812345678") -> SmsPhone:
    return SmsPhone(client, number, AUTH_TOKEN, config["PUBLIC_BASE_URL"])


def register(client, config, number: str, name: str = "Asha") -> None:
    """A child born on 1 Jan 2025, its birth doses recorded: next visit 12 Feb 2025."""
    phone = phone_of(client, config, number)
    with clock.frozen("2025-01-20T10:00"):
        assert "registered" in phone.send(f"REG {name} 1/1/2025 226001")[0]
        assert phone.send("DONE 1/1")[0].startswith("Noted")


def reminder_rows(app):
    with services(app).db.session(write=False) as session:
        return session.scalars(select(Reminder).order_by(Reminder.id)).all()


def test_one_advance_reminder_at_the_right_moment_with_delivery_reports(
    app, client, config, fake, web
):
    register(client, config, "+919812345678")
    tika = services(app)
    # The visit is on 12 February, a Wednesday: a session day in Uttar Pradesh. The
    # advance reminder goes the day before, at 10:00 IST.
    assert sweep(tika, at("2025-02-11T09:59:59+05:30")).claimed == 0
    assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 1
    run_worker(config, "2025-02-11T10:00:30+05:30")

    [message] = fake.messages
    assert message["to"] == "+919812345678"
    assert message["from_"] == FROM
    # Uttar Pradesh holds routine-immunisation sessions on Wednesdays and Saturdays:
    # the reminder names the session day (12 February 2025 is a Wednesday).
    assert message["body"] == (
        "Tika reminder: Asha's vaccines OPV-1, Penta-1, RVV-1 +2: the vaccination "
        "session is on Wednesday 12 February."
    )
    assert fake.wait_for_callbacks()
    assert [status for _, _, status in fake.callback_results] == [204, 204]
    with tika.db.session(write=False) as session:
        log = session.scalar(select(MessageLog).where(MessageLog.provider_sid == message["sid"]))
        assert (log.status, log.direction, log.segments) == ("delivered", "out", 1)
        # The callback names our message, so a report racing the send's answer is kept.
        assert message["status_callback"] == f"{web}/twilio/sms/status?m={log.id}"
        advance = session.scalar(
            select(Reminder).where(Reminder.kind == "advance", Reminder.status != "cancelled")
        )
        assert (advance.status, advance.message_id) == ("sent", log.id)
    # Later sweeps that day find nothing more to send.
    assert sweep(tika, at("2025-02-11T11:00:00+05:30")).claimed == 0


def test_nothing_after_done_or_stop(app, client, config, fake):
    for number in ("+919800000001", "+919800000002", "+919800000003"):
        register(client, config, number)
    tika = services(app)
    sweep(tika, at("2025-02-11T10:00:00+05:30"))
    run_worker(config, "2025-02-11T10:00:30+05:30")
    assert len(fake.messages) == 3  # the advance reminders
    with clock.frozen("2025-02-12T08:00"):
        # The visit's day, before the due reminder (UIP: not a day before; no grace period).
        phone_of(client, config, "+919800000001").send("DONE")
        phone_of(client, config, "+919800000002").send("STOP")
    assert sweep(tika, at("2025-02-12T10:00:00+05:30")).claimed == 1  # only the third's
    # Claimed, and then the caregiver says STOP before a worker gets to it.
    with clock.frozen("2025-02-12T10:00:10"):
        phone_of(client, config, "+919800000003").send("STOP")
    run_worker(config, "2025-02-12T10:00:30+05:30")
    assert len(fake.messages) == 3
    statuses = {(r.caregiver_id, r.kind, r.status) for r in reminder_rows(app)}
    assert (3, "due", "cancelled") in statuses
    # The caregiver who said DONE hears about the next visit (10 weeks), not this one.
    assert {kind for c, kind, status in statuses if c == 1 and status == "planned"} >= {"advance"}


def test_nothing_is_sent_twice_across_sweeps_and_duplicated_jobs(app, client, config, fake):
    for n in range(4):
        register(client, config, f"+91980000001{n}", name=NAMES[n])
    first, second = create_app(config), create_app(config)
    moment = at("2025-02-11T10:00:00+05:30")
    claims = [sweep(services(first), moment), sweep(services(second), moment)]
    assert sorted(c.claimed for c in claims) == [0, 4]
    # The same job enqueued again (say, by a retry) sends nothing more.
    rq = queue(services(app))
    [job] = rq.get_jobs()
    rq.enqueue_call(job.func_name, args=job.args)
    run_worker(config, "2025-02-11T10:00:30+05:30")
    assert sorted(m["to"] for m in fake.messages) == [f"+91980000001{n}" for n in range(4)]
    # Redis loses everything; the database still knows nothing is left to send.
    services(app).redis.flushdb()
    assert sweep(services(app), at("2025-02-11T11:30:00+05:30")).claimed == 0
    for extra in (first, second):
        services(extra).close()


def test_a_killed_worker_is_finished_by_another_without_a_duplicate(app, client, config, fake, web):
    """The gateway's status callbacks (``web``) name our message ids: what reached the
    gateway before the kill is settled by them, the rest is sent once."""
    numbers = [f"+91980000002{n}" for n in range(6)]
    for n, number in enumerate(numbers):
        register(client, config, number, name=NAMES[n])
    tika = services(app)
    assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 6
    fake.delay = 2.0  # every answer is slow: the worker is mid-chunk when killed
    # Two messages in flight at a time: some have reached the gateway, some not.
    worker = start_worker({**config, "SEND_CONCURRENCY": 2}, "2025-02-11T10:00:30+05:30")
    deadline = time.monotonic() + 60
    while len(fake.messages) < 2:
        assert time.monotonic() < deadline and worker.poll() is None, worker.stdout.read()
        time.sleep(0.05)
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait()
    assert fake.wait_for_callbacks()
    sent_before_kill = {m["to"] for m in fake.messages}
    assert 2 <= len(sent_before_kill) < 6
    fake.delay = 0.0
    # The claim runs out; the next sweep claims the chunk again and a new worker ends it,
    # adopting what the gateway already sent instead of sending it again.
    Queue("tika", connection=tika.redis).empty()
    assert sweep(tika, at("2025-02-11T10:11:00+05:30")).claimed == 6
    run_worker(config, "2025-02-11T10:11:30+05:30")
    assert sorted(m["to"] for m in fake.messages) == sorted(numbers)
    rows = reminder_rows(app)
    assert {r.status for r in rows if r.kind == "advance" and r.visit_date.month == 2} == {"sent"}


def test_gateway_refusals(app, client, config, fake):
    numbers = {
        "busy": "+919800000031",  # 429 twice, then accepted
        "down": "+919800000032",  # 500, then accepted
        "stopped": "+919800000033",  # 21610: replied STOP to the sender
        "invalid": "+919800000034",  # 21211: not a valid number
    }
    for n, number in enumerate(numbers.values()):
        register(client, config, number, name=NAMES[n])
    fake.script(numbers["busy"], Outcome(status=429), Outcome(status=429))
    fake.script(numbers["down"], Outcome(status=500))
    fake.script(numbers["stopped"], Outcome(status=400, code=21610))
    fake.script(numbers["invalid"], Outcome(status=400, code=21211))
    tika = services(app)
    assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 4
    run_worker(config, "2025-02-11T10:00:30+05:30")

    assert sorted(m["to"] for m in fake.messages) == [numbers["busy"], numbers["down"]]
    with tika.db.session(write=False) as session:
        people = {c.phone: c for c in session.scalars(select(Caregiver))}
        assert people[numbers["stopped"]].opted_out and not people[numbers["stopped"]].unreachable
        assert people[numbers["invalid"]].unreachable
        refused = {
            (r.caregiver_id, r.kind): (r.status, r.error_code)
            for r in session.scalars(select(Reminder))
        }
    stopped_id = people[numbers["stopped"]].id
    assert refused[(stopped_id, "advance")] == ("failed", 21610)
    # Nothing more is planned for either: their other reminders are cancelled.
    for who in ("stopped", "invalid"):
        cid = people[numbers[who]].id
        assert {
            status for (c, kind), (status, _) in refused.items() if c == cid and kind != "advance"
        } == {"cancelled"}


def test_delivery_failures_are_recorded(app, client, config, fake, web):
    register(client, config, "+919800000041")
    register(client, config, "+919800000042", name="Ravi")
    fake.script("+919800000041", Outcome(delivery="undelivered", code=30003))
    fake.script("+919800000042", Outcome(delivery="undelivered", code=30005))
    tika = services(app)
    sweep(tika, at("2025-02-11T10:00:00+05:30"))
    run_worker(config, "2025-02-11T10:00:30+05:30")
    assert fake.wait_for_callbacks()
    with tika.db.session(write=False) as session:
        logs = {
            m.caregiver_id: (m.status, m.error_code)
            for m in session.scalars(select(MessageLog).where(MessageLog.provider_sid.is_not(None)))
        }
        people = {c.id: c.unreachable for c in session.scalars(select(Caregiver))}
    assert sorted(logs.values()) == [("undelivered", 30003), ("undelivered", 30005)]
    # A handset that is off (30003) stays reachable; an unknown one (30005) does not.
    assert sorted(people.values()) == [False, True]


def test_siblings_get_a_message_each_and_only_in_their_slot(app, client, config, fake):
    phone = phone_of(client, config, "+919800000051")
    with clock.frozen("2025-01-20T10:00"):
        phone.send("REG Asha 1/1/2025 226001")
        phone.send("ADD")
        phone.send("Ravi")
        phone.send("1/1/2025")
        phone.send("1")
        phone.send("DONE 1/1")  # the birth visit: which child?
        phone.send("ALL")  # both
        phone.send("TIME evening")
    tika = services(app)
    # The day before the session: at 10:00 nothing is due for an evening caregiver; at
    # 18:00 both children's advance reminders are.
    assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 0
    assert sweep(tika, at("2025-02-11T18:00:00+05:30")).claimed == 2
    # The worker only gets to them after the window closed: they wait for the next.
    run_worker(config, "2025-02-11T20:05:00+05:30")
    assert fake.messages == []
    # The session's morning, whatever the caregiver's slot: a message for each child, each
    # one registered template (its vaccine list within a DLT variable's 30 characters).
    assert sweep(tika, at("2025-02-12T10:00:00+05:30")).claimed == 2
    run_worker(config, "2025-02-12T10:00:30+05:30")
    assert sorted(message["body"] for message in fake.messages) == [
        f"Tika reminder: {name}'s vaccines OPV-1, Penta-1, RVV-1 +2: the vaccination session "
        "is today. Send DONE when given."
        for name in ("Asha", "Ravi")
    ]
    # The advance reminders that missed their day are not sent after it.
    assert sweep(tika, at("2025-02-12T18:00:00+05:30")).claimed == 2
    run_worker(config, "2025-02-12T18:00:30+05:30")
    assert len(fake.messages) == 2
    kinds = {(r.kind, r.status) for r in reminder_rows(app) if r.visit_date.month == 2}
    assert {("advance", "cancelled"), ("due", "sent")} <= kinds


def test_redis_lost_nothing_lost(app, client, config, fake):
    register(client, config, "+919800000061")
    tika = services(app)
    assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 1
    tika.redis.flushdb()  # the queued job is gone
    run_worker(config, "2025-02-11T10:01:00+05:30")
    assert fake.messages == []
    # The claim runs out and the reminder is claimed and sent again.
    assert sweep(tika, at("2025-02-11T10:11:00+05:30")).claimed == 1
    run_worker(config, "2025-02-11T10:11:30+05:30")
    assert [m["to"] for m in fake.messages] == ["+919800000061"]
