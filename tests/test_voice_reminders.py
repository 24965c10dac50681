"""Reminders as phone calls for caregivers who registered by voice: the same sweep and
delivery jobs as SMS, real RQ workers, calls through the real twilio client to a local
server that answers like Twilio, and its status callbacks back over HTTP."""

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Caregiver, MessageLog, Reminder
from bot.storage.models.voice import VoiceCall
from bot.sweep import sweep
from bot.voice.calls import sweep_calls
from scheduler import clock
from tests.conftest import AUTH_TOKEN, sending_through
from tests.fake_twilio import Outcome
from tests.support import SmsPhone, at, run_worker
from tests.voice_support import VoiceLine

NUMBER = "+919812345678"


@pytest.fixture
def config(config, fake, web_port):
    """Calls and SMS go through the twilio client to the fake; callbacks come back over HTTP."""
    return {**sending_through(config, fake, web_port), "VOICE_CALLS_PER_SECOND": 1000}


def register_by_voice(line: VoiceLine, language_key: str) -> None:
    """A child born on 1 Jan 2025 registered on the keypad on 20 January, its BCG reported
    given that day: the next visit is on 12 February 2025."""
    with clock.frozen("2025-01-20T10:00"):
        menu = line.keys(line.call(), language_key, "1", "01", "01", "1", "226001", "1")
        line.keys(menu, "2", "1")


def reminders_of(app) -> list[Reminder]:
    with services(app).db.session(write=False) as session:
        return session.scalars(select(Reminder).order_by(Reminder.id)).all()


@pytest.mark.both_databases
def test_a_voice_caregiver_hears_the_reminder_and_can_hear_it_again(app, config, fake, web, line):
    register_by_voice(line, "1")  # Hindi
    tika = services(app)
    with clock.frozen("2025-02-11T10:00"):
        assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 1
        run_worker(config, "2025-02-11T10:00:05+05:30")
        assert fake.wait_for_callbacks()
        [call] = fake.calls
        assert call["to"] == NUMBER and call["url"].startswith(f"{web}/twilio/voice/answer?call=")
        heard = line.pick_up(call["url"], call["sid"])
    assert heard.digits == 1
    assert [say.get("language") for say in heard.says] == ["hi-IN"] * 3
    assert heard.lines == [
        "नमस्ते। यह टीका सेवा की ओर से टीकों की याद-दिहानी है।",
        "शिशु के टीके पोलियो 1, पेंटा 1, रोटा 1, एफआईपीवी 1, पीसीवी 1 लगेंगे बारह फ़रवरी दो हज़ार पच्चीस को।",
        "फिर से सुनने के लिए 1 दबाएँ।",
    ]
    again = line.press(heard, "1")
    assert again.lines == heard.lines[1:]
    goodbye = line.press(again, None)
    assert goodbye.hangs_up and goodbye.lines == ["टीका सेवा को कॉल करने के लिए धन्यवाद। नमस्ते।"]

    # No SMS about it (only the two sent when registering); the reminder was heard.
    assert [m["body"].split()[0] for m in fake.messages] == ["टीका:", "शिशु:"]
    advance = next(r for r in reminders_of(app) if r.kind == "advance" and r.status != "cancelled")
    with tika.db.session(write=False) as session:
        log = session.get(MessageLog, advance.message_id)
        assert (advance.status, log.channel, log.provider_sid) == ("sent", "voice", call["sid"])
        [reminder_call] = session.scalars(select(VoiceCall).where(VoiceCall.purpose == "reminder"))
        assert (reminder_call.status, reminder_call.attempts) == ("answered", 1)
    assert sweep(tika, at("2025-02-11T11:00:00+05:30")).claimed == 0


def test_an_unanswered_reminder_call_is_tried_again_then_sent_by_sms(app, config, fake, web, line):
    register_by_voice(line, "2")  # English
    fake.script(NUMBER, *[Outcome(call="no-answer")] * 3)
    tika = services(app)
    moments = ["2025-02-11T10:00", "2025-02-11T10:02", "2025-02-11T10:07"]
    with clock.frozen(moments[0]):
        assert sweep(tika, at(moments[0] + "+05:30")).claimed == 1
        run_worker(config, moments[0] + ":05+05:30")
        assert fake.wait_for_callbacks()
    for moment in moments[1:]:
        with clock.frozen(moment):
            assert sweep_calls(tika, at(moment + "+05:30")) == 1
            run_worker(config, moment + ":05+05:30")
            assert fake.wait_for_callbacks()
    with clock.frozen("2025-02-11T10:07:10"):
        run_worker(config, "2025-02-11T10:07:10+05:30")  # the SMS instead

    assert [call["status"] for call in fake.calls] == ["no-answer"] * 3
    reminder_sms = fake.messages[-1]
    assert reminder_sms["body"] == (
        "Tika reminder: Baby's vaccines OPV-1, Penta-1, RVV-1 +2: the vaccination "
        "session is on Wednesday 12 February."
    )
    advance = next(r for r in reminders_of(app) if r.kind == "advance" and r.status != "cancelled")
    with tika.db.session(write=False) as session:
        log = session.get(MessageLog, advance.message_id)
    assert (advance.status, log.channel, log.provider_sid) == ("sent", "sms", reminder_sms["sid"])


def test_a_caregiver_who_stops_between_tries_gets_no_more_calls(app, config, fake, web, line):
    register_by_voice(line, "2")
    fake.script(NUMBER, Outcome(call="busy"))
    tika = services(app)
    with clock.frozen("2025-02-11T10:00"):
        sweep(tika, at("2025-02-11T10:00:00+05:30"))
        run_worker(config, "2025-02-11T10:00:05+05:30")
        assert fake.wait_for_callbacks()
        stopped = SmsPhone(line.client, NUMBER, AUTH_TOKEN, line.base_url).send("STOP")
        assert stopped[0].startswith("You will get no more messages.")
    with clock.frozen("2025-02-11T10:02"):
        assert sweep_calls(tika, at("2025-02-11T10:02:00+05:30")) == 1
        run_worker(config, "2025-02-11T10:02:05+05:30")
    assert len(fake.calls) == 1
    advance = next(r for r in reminders_of(app) if r.kind == "advance" and r.message_id)
    assert advance.status == "cancelled"
    with tika.db.session(write=False) as session:
        assert session.scalar(select(Caregiver.opted_out))
        assert session.scalar(select(VoiceCall.status).where(VoiceCall.purpose == "reminder")) == (
            "cancelled"
        )
