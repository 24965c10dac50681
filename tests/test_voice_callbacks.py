"""Missed calls and call-backs end to end: signed webhooks, real RQ workers, the real twilio
client placing calls on a local server that answers like Twilio's Calls API, and that
server's signed status callbacks coming back over HTTP."""

import datetime as dt
import subprocess
import time

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.clients import queue
from bot.storage.models.core import Caregiver, MessageLog
from bot.storage.models.voice import VoiceCall
from bot.voice.calls import sweep_calls
from scheduler import clock
from tests.conftest import TWILIO_FROM, sending_through
from tests.fake_twilio import Outcome
from tests.support import FLASK, ROOT, at, process_env, run_worker

NUMBER = "+919812345678"


@pytest.fixture
def config(config, fake, web_port):
    """Calls and SMS go through the twilio client to the fake; callbacks come back over HTTP."""
    return {**sending_through(config, fake, web_port), "VOICE_CALLS_PER_SECOND": 1000}


def calls_of(app) -> list[VoiceCall]:
    with services(app).db.session(write=False) as session:
        return session.scalars(select(VoiceCall).order_by(VoiceCall.id)).all()


def log_of(app) -> list[tuple[str, str, str]]:
    with services(app).db.session(write=False) as session:
        rows = session.scalars(select(MessageLog).order_by(MessageLog.id))
        return [(m.channel, m.status, m.body) for m in rows]


def assert_rejected_busy(twiml) -> None:
    assert [(verb.tag, verb.attrib) for verb in twiml.root] == [("Reject", {"reason": "busy"})]


@pytest.mark.both_databases
def test_a_missed_call_is_called_back_and_the_caller_registers(app, config, fake, web, line):
    with clock.frozen("2025-03-20T10:00"):
        assert_rejected_busy(line.missed_call())
        run_worker(config, "2025-03-20T10:00:05+05:30")
        [call] = fake.calls
        assert (call["to"], call["from_"], call["method"]) == (NUMBER, TWILIO_FROM, "POST")
        assert call["url"].startswith(f"{web}/twilio/voice/answer?call=")
        assert call["status_callback"].startswith(f"{web}/twilio/voice/status?call=")
        assert call["status_callback_events"] == ["initiated", "ringing", "answered", "completed"]
        assert fake.wait_for_callbacks()
        assert {status for _, _, status in fake.callback_results} == {204}

        # Twilio fetches the call's URL when it is answered; the caller registers.
        menu = line.pick_up(call["url"], call["sid"])
        assert menu.digits == 1 and "For English, press 2." in menu.lines
        registered = line.keys(menu, "2", "1", "03", "15", "1", "226001", "1")
        assert registered.lines[:2] == [
            "Thank you. Baby is registered. We will remind you before each vaccine.",
            "Baby's vaccines BCG, OPV 0 can be given now.",
        ]
        done = line.keys(registered, "2", "1")
        assert done.lines[1] == (
            "Baby's next vaccines are OPV 1, Penta 1, RVV 1, fIPV 1, PCV 1, "
            "on twenty-six April two thousand twenty-five."
        )
        # The confirmation SMS go out through a worker.
        run_worker(config, "2025-03-20T10:01:00+05:30")

    assert [m["body"] for m in fake.messages] == [
        "Tika: Baby is registered. We will remind you before each vaccine. "
        "To hear the menu, give a missed call to this number.",
        "Baby: BCG, OPV-0 can be given now.",
    ]
    callback = calls_of(app)[0]
    assert (callback.purpose, callback.status, callback.attempts) == ("callback", "answered", 1)
    with services(app).db.session(write=False) as session:
        caregiver = session.scalar(select(Caregiver))
        assert (caregiver.phone, caregiver.channel, caregiver.language) == (NUMBER, "voice", "en")
        assert [c.birth_date for c in caregiver.children] == [dt.date(2025, 3, 15)]
        assert callback.caregiver_id == caregiver.id
        voice = session.scalars(select(MessageLog).where(MessageLog.channel == "voice")).all()
        assert [(m.direction, m.status) for m in voice] == [
            ("in", "missed call"),  # logged under its CallSid: a replay is recognised
            ("out", "completed"),
        ]
        assert voice[1].provider_sid == call["sid"]


@pytest.mark.both_databases
def test_twenty_missed_calls_in_a_minute_get_one_call_back(app, config, fake, line):
    fake.callbacks_enabled = False  # the call-back is still ringing while they ring us
    for second in range(20):
        with clock.frozen(f"2025-03-20T10:00:{second * 3:02d}"):
            assert_rejected_busy(line.missed_call())
        if second == 9:  # a worker gets to it while the caller keeps ringing
            run_worker(config, "2025-03-20T10:00:28+05:30")
    # The rings after the first queued no more work, and nothing more is due.
    assert queue(services(app)).count == 0
    assert sweep_calls(services(app), at("2025-03-20T10:01:00+05:30")) == 0
    assert [call["to"] for call in fake.calls] == [NUMBER]
    [callback] = calls_of(app)
    assert (callback.missed_calls, callback.attempts, callback.status) == (20, 1, "ringing")


def test_an_unanswered_call_back_is_tried_twice_more_then_an_sms(app, config, fake, web, line):
    fake.script(NUMBER, Outcome(call="no-answer"), Outcome(call="busy"), Outcome(call="no-answer"))
    tika = services(app)
    with clock.frozen("2025-03-20T10:00"):
        line.missed_call()
        run_worker(config, "2025-03-20T10:00:05+05:30")
        assert fake.wait_for_callbacks()
    # The next try waits two minutes (VOICE_RETRY_MINUTES "2,5").
    assert sweep_calls(tika, at("2025-03-20T10:01:59+05:30")) == 0
    with clock.frozen("2025-03-20T10:02"):
        assert sweep_calls(tika, at("2025-03-20T10:02:00+05:30")) == 1
        run_worker(config, "2025-03-20T10:02:05+05:30")
        assert fake.wait_for_callbacks()
    assert sweep_calls(tika, at("2025-03-20T10:06:59+05:30")) == 0
    with clock.frozen("2025-03-20T10:07"):
        assert sweep_calls(tika, at("2025-03-20T10:07:00+05:30")) == 1
        run_worker(config, "2025-03-20T10:07:05+05:30")
        assert fake.wait_for_callbacks()
        # After the third: the SMS, queued at once by the status callback.
        run_worker(config, "2025-03-20T10:07:10+05:30")
        assert fake.wait_for_callbacks()

    assert [call["status"] for call in fake.calls] == ["no-answer", "busy", "no-answer"]
    [sms] = fake.messages
    assert sms["to"] == NUMBER
    assert sms["body"].startswith("टीका ने आपको कॉल किया पर बात नहीं हो सकी।")  # Hindi by default
    [callback] = calls_of(app)
    assert (callback.status, callback.attempts) == ("texted", 3)
    assert [(channel, status) for channel, status, _ in log_of(app)] == [
        ("voice", "missed call"),
        ("voice", "no-answer"),
        ("voice", "busy"),
        ("voice", "no-answer"),
        ("sms", "delivered"),
    ]
    assert sweep_calls(tika, at("2025-03-20T11:00:00+05:30")) == 0  # nothing more owed


def test_a_lost_job_does_not_lose_the_call_back(app, config, fake, web, line):
    with clock.frozen("2025-03-20T10:00"):
        line.missed_call()
    services(app).redis.flushdb()  # the job is gone
    run_worker(config, "2025-03-20T10:00:05+05:30")
    assert fake.calls == []
    # The next sweep (every minute) finds the call-back in the database.
    with clock.frozen("2025-03-20T10:01"):
        assert sweep_calls(services(app), at("2025-03-20T10:01:00+05:30")) == 1
        run_worker(config, "2025-03-20T10:01:05+05:30")
        assert fake.wait_for_callbacks()
    assert [call["to"] for call in fake.calls] == [NUMBER]


def test_a_refused_call_is_tried_later_and_the_concurrency_limit_holds(app, config, fake, line):
    """The gateway says 429 once; VOICE_MAX_CALLS=1 leaves the second caller waiting while
    the first call is in progress (no status callbacks come back here)."""
    fake.callbacks_enabled = False
    fake.script(NUMBER, Outcome(status=429))
    limited = {**config, "VOICE_MAX_CALLS": 1}
    with clock.frozen("2025-03-20T10:00"):
        line.missed_call()
        line.other("+919800000002").missed_call()
    run_worker(limited, "2025-03-20T10:00:05+05:30")
    # The first was refused for now; the second got the only slot.
    assert [(r["to"], r["status"]) for r in fake.call_requests] == [
        (NUMBER, 429),
        ("+919800000002", 201),
    ]
    assert sweep_calls(services(app), at("2025-03-20T10:01:05+05:30")) == 1
    run_worker(limited, "2025-03-20T10:01:06+05:30")
    assert len(fake.call_requests) == 2  # still one call in progress: the first waits
    assert queue(services(app)).count == 0
    first = calls_of(app)[0]
    assert (first.status, first.attempts) == ("waiting", 0)


def test_the_scheduler_process_sweeps_due_calls(app, config, line, redis):
    """``voice sweep`` claims due calls; the Procfile's scheduler claims them every minute,
    so a call-back whose job was lost is queued again once its claim runs out."""
    with clock.frozen("2025-03-20T10:00"):
        line.missed_call()
    redis.flushdb()
    env = process_env(config)
    swept = subprocess.run(
        [FLASK, "--app", "bot", "voice", "sweep", "--now", "2025-03-20T10:00:30+05:30"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert swept.returncode == 0 and swept.stdout.strip() == "claimed 1 voice calls"
    redis.flushdb()  # that job is lost too
    scheduler = subprocess.Popen(
        [FLASK, "--app", "bot", "reminders", "schedule", "--every", "1"],
        cwd=ROOT,
        env={**env, "TIKA_NOW": "2025-03-20T10:02:00+05:30"},  # the claim has run out
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while queue(services(app)).count == 0:
            assert time.monotonic() < deadline and scheduler.poll() is None
            time.sleep(0.1)
    finally:
        scheduler.terminate()
        scheduler.wait(10)
    [job] = queue(services(app)).get_jobs()
    assert job.func_name == "bot.voice.placing.work_calls"
    assert job.args[0] == [calls_of(app)[0].id]
