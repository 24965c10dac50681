"""Exotel voice end to end: a missed call on the ExoPhone, the call-back through
Calls/connect, and the IVR as Exotel's loop of applets (Greeting → Gather → Passthru)
fetching our URLs; tests/fake_exotel_voice.py plays Exotel's part, real RQ workers ours.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Caregiver, Child
from bot.storage.models.voice import VoiceCall
from bot.sweep import sweep
from bot.voice.calls import sweep_calls
from scheduler import clock
from tests.fake_exotel import FakeExotel
from tests.fake_exotel_voice import FakeExotelVoice
from tests.fake_exotel_voice_data import HANGUP, Applet, CallOutcome, FlowSpec
from tests.support import approve_every_template, at, run_worker

pytestmark = pytest.mark.both_databases

ACCOUNT, API_KEY, API_TOKEN = "tikahealth1", "exotel-api-key", "exotel-api-token"
TOKEN = "exotel-webhook-secret-of-the-tests"
EXOPHONE, FLOW = "08033334444", "246810"
CAREGIVER = "09812345678"


def flow(web: str) -> FlowSpec:
    """The call-back's flow as an operator draws it (README): a loop of dynamic applets."""
    url = f"{web}/exotel/voice/{{}}/{TOKEN}"
    return FlowSpec(
        [
            Applet("greeting", url.format("say"), name="say"),
            Applet("gather", url.format("gather"), name="ask"),
            Applet("passthru", url.format("digits"), name="keys", on_200="say", on_302="bye"),
            Applet("greeting", url.format("say"), name="bye", next=HANGUP),
        ],
        flow_id=FLOW,
    )


@pytest.fixture
def exotel():
    with FakeExotel(ACCOUNT, API_KEY, API_TOKEN) as fake:
        yield fake


@pytest.fixture
def voice(exotel, web_port):
    web = f"http://127.0.0.1:{web_port}"
    with FakeExotelVoice(ACCOUNT, API_KEY, API_TOKEN, flows=flow(web), sms_url=exotel.url) as fake:
        yield fake


@pytest.fixture
def config(config, voice, web_port, tmp_path):
    return {
        **config,
        "DLT_ENTITY_ID": "1101456789012345678",
        "DLT_TEMPLATES": str(approve_every_template(tmp_path / "dlt_templates.csv")),
        "SMS_BACKEND": "exotel",
        "EXOTEL_ACCOUNT_SID": ACCOUNT,
        "EXOTEL_API_KEY": API_KEY,
        "EXOTEL_API_TOKEN": API_TOKEN,
        "EXOTEL_SENDER_ID": "TIKAHS",
        "EXOTEL_API_BASE": voice.url,
        "EXOTEL_WEBHOOK_TOKEN": TOKEN,
        "EXOTEL_CALLER_ID": EXOPHONE,
        "EXOTEL_IVR_FLOW_ID": FLOW,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "SMS_RATE_PER_SECOND": 1000,
    }


def heard(steps: list[dict]) -> str:
    """What the caller heard, applet by applet: each Greeting's text, each Gather's question."""
    return " ".join(s["text"] or (s["prompt"] or {}).get("text", "") for s in steps)


def test_a_missed_call_is_called_back_once_and_the_caller_registers_by_keypad(
    app, config, voice, exotel, web
):
    missed = f"{web}/exotel/voice/missed/{TOKEN}"
    # Hindi (1); "born this year?" heard again (9), yes (1); March (03), then back (0) to
    # the month and March again; silence at the day, heard again, the 15th; yes to the
    # date read back; the PIN and yes: registered. Then "vaccines given today?" no (2).
    keys = ["1", "9", "1", "03", "0", "03", "", "15", "1", "226001", "1", "2"]
    voice.script(CAREGIVER, CallOutcome(keys=keys))
    with clock.frozen("2025-03-20T10:00"):
        sid = "a1b2c3d4e5f60718293a4b5c6d7e8f90"
        assert voice.missed_call(missed, CAREGIVER, EXOPHONE, sid=sid) == 200
        assert voice.missed_call(missed, CAREGIVER, EXOPHONE, sid=sid) == 200  # replayed
        run_worker(config, "2025-03-20T10:00:05+05:30")
        assert voice.missed_call(missed, CAREGIVER, EXOPHONE, sid=sid) == 200  # and again
        run_worker(config, "2025-03-20T10:00:10+05:30")
    assert voice.wait_for_callbacks(10)
    [call] = voice.calls
    assert call["from_"] in ("+919812345678", CAREGIVER)
    assert call["caller_id"] == EXOPHONE and call["flow_id"] == FLOW
    assert call["status_callback"].startswith(f"{web}/exotel/voice/status/{TOKEN}?call=")
    steps = voice.steps(call["sid"])
    said = heard(steps)
    assert "हिंदी के लिए 1 दबाएँ" in said and "For English, press 2." in said
    assert said.count("क्या आपके बच्चे का जन्म इसी साल हुआ है?") == 2  # asked, then 9
    assert said.count("बच्चे का जन्म किस महीने में हुआ?") == 2  # asked, then 0 from the day
    assert said.count("बच्चे का जन्म महीने की किस तारीख़ को हुआ?") == 3  # and the silence
    assert "माफ़ कीजिए, कोई बटन नहीं दबाया गया।" in said
    assert "आपने पंद्रह मार्च दो हज़ार पच्चीस बताया" in said  # the date read back
    assert "आपने पिन कोड दो दो छह शून्य शून्य एक बताया, लखनऊ।" in said  # the place, in Hindi
    assert "शिशु का पंजीकरण हो गया" in said
    assert [s["digits"] for s in steps if s["applet"] == "passthru"] == keys
    tika = services(app)
    with tika.db.session(write=False) as session:
        [caregiver] = session.scalars(select(Caregiver)).all()
        [child] = session.scalars(select(Child)).all()
        placed = session.scalars(select(VoiceCall).order_by(VoiceCall.id)).all()
        assert caregiver.phone == "+919812345678" and caregiver.district == "LUCKNOW"
        assert caregiver.language == "hi"
        assert str(child.birth_date) == "2025-03-15"
        # One call-back; and the IVR's confirmations, texted.
        assert [(c.purpose, c.status) for c in placed][1:] == [("notice", "texted")] * 2
        assert placed[0].purpose == "callback"
    assert {status for _, _, status in voice.callback_results} == {204}
    # The confirmations went through Exotel's SMS API, each with its DLT template's id.
    texts = [m for m in exotel.messages if m["to"] == "+919812345678"]
    assert len(texts) == 2 and all(m["dlt_template_id"] for m in texts)
    assert texts[0]["body"].startswith("टीका: शिशु का पंजीकरण हो गया।")


# Registering a child born this year, by keypad, before the redesign: 1 language, the
# birth date as 8 digits, 1, the PIN (6), 1 (measured on e334dd3: 5 questions, 17 keys).
BASELINE_QUESTIONS, BASELINE_KEYS = 5, 17


def test_registering_a_child_born_this_year_takes_fewer_keys_than_the_eight_digit_date(
    config, voice, web
):
    """The shortest way through for a new caller: count what they press and hear."""
    keys = ["1", "1", "03", "15", "1", "226001", "1"]
    voice.script(CAREGIVER, CallOutcome(keys=keys))
    with clock.frozen("2025-03-20T10:00"):
        voice.missed_call(f"{web}/exotel/voice/missed/{TOKEN}", CAREGIVER, EXOPHONE)
        run_worker(config, "2025-03-20T10:00:05+05:30")
    assert voice.wait_for_callbacks(10)
    [call] = voice.calls
    steps = voice.steps(call["sid"])
    registered = next(i for i, s in enumerate(steps) if "पंजीकरण हो गया" in (s["text"] or ""))
    before = steps[:registered]
    questions = [s for s in before if s["applet"] == "gather"]
    pressed = "".join(s["digits"] or "" for s in before if s["applet"] == "passthru")
    greetings = [s for s in before if s["applet"] == "greeting" and s["text"]]
    print(
        f"\nto register: {len(questions)} questions, {len(pressed)} keys, "
        f"{len(greetings)} greetings, {len(heard(before).split())} words heard "
        f"(baseline: {BASELINE_QUESTIONS} questions, {BASELINE_KEYS} keys)"
    )
    # Two more questions than the 8-digit date, each of one or two keys: three keys fewer.
    assert (len(questions), len(pressed)) == (7, 14)
    assert len(pressed) < BASELINE_KEYS
    assert max(len(s["digits"]) for s in before if s["applet"] == "passthru") == 6  # the PIN


def test_an_unanswered_call_back_is_tried_again_then_texted(app, config, voice, exotel, web):
    results = ("no-answer", "busy", "no-answer")
    voice.script(CAREGIVER, *[CallOutcome(result=result) for result in results])
    tika = services(app)
    with clock.frozen("2025-03-20T10:00"):
        voice.missed_call(f"{web}/exotel/voice/missed/{TOKEN}", CAREGIVER, EXOPHONE)
        run_worker(config, "2025-03-20T10:00:05+05:30")
        assert voice.wait_for_callbacks(10)
    for minute in ("10:02", "10:07"):  # VOICE_RETRY_MINUTES "2,5"
        with clock.frozen(f"2025-03-20T{minute}"):
            assert sweep_calls(tika, at(f"2025-03-20T{minute}:00+05:30")) == 1
            run_worker(config, f"2025-03-20T{minute}:05+05:30")
            assert voice.wait_for_callbacks(10)
    run_worker(config, "2025-03-20T10:07:10+05:30")  # after the third: the SMS
    assert [call["status"] for call in voice.calls] == list(results)
    [sms] = exotel.messages
    assert sms["to"] == "+919812345678"
    assert sms["body"].startswith("टीका ने आपको कॉल किया पर बात नहीं हो सकी।")


def test_a_wrong_token_is_not_found_and_an_unknown_call_is_ignored(client, voice):
    assert (
        client.get("/exotel/voice/missed/wrong?CallSid=x&CallFrom=09812345678").status_code == 404
    )
    assert client.get("/exotel/voice/say/wrong?CallSid=x").status_code == 404
    unknown = client.post(
        f"/exotel/voice/status/{TOKEN}?call=424242&attempt=7",
        data={"CallSid": "f" * 32, "Status": "completed"},
    )
    assert unknown.status_code == 204
    # Applets of a call that is not ours: silence, an empty question, the end; never a 500.
    stranger = f"CallSid={'e' * 32}&CustomField=999999"
    assert client.get(f"/exotel/voice/say/{TOKEN}?{stranger}").get_data(as_text=True) == ""
    assert client.get(f"/exotel/voice/gather/{TOKEN}?{stranger}").json["max_input_digits"] == 1
    assert client.get(f"/exotel/voice/digits/{TOKEN}?{stranger}&digits=%221%22").status_code == 302
    with services(client.application).db.session(write=False) as session:
        assert session.scalars(select(VoiceCall)).all() == []
        assert session.scalars(select(Caregiver)).all() == []


def test_an_unanswered_reminder_call_is_tried_again_then_texted_with_its_template(
    app, config, voice, exotel, web
):
    # Registered by a call-back (from then on reminded by phone): born 1 January 2025, the
    # birth doses given ("vaccines given today?" no, then back), next visit 12 February.
    keys = ["2", "1", "01", "01", "1", "226001", "1"]
    voice.script(CAREGIVER, CallOutcome(keys=keys), *[CallOutcome(result="no-answer")] * 3)
    tika = services(app)
    with clock.frozen("2025-01-20T10:00"):
        voice.missed_call(f"{web}/exotel/voice/missed/{TOKEN}", CAREGIVER, EXOPHONE)
        run_worker(config, "2025-01-20T10:00:05+05:30")
        assert voice.wait_for_callbacks(10)
        run_worker(config, "2025-01-20T10:00:10+05:30")  # the confirmations
    texted = len(exotel.messages)
    moments = ["2025-02-11T10:00", "2025-02-11T10:02", "2025-02-11T10:07"]
    with clock.frozen(moments[0]):
        assert sweep(tika, at(moments[0] + "+05:30")).claimed >= 1
        run_worker(config, moments[0] + ":05+05:30")
        assert voice.wait_for_callbacks(10)
    for moment in moments[1:]:
        with clock.frozen(moment):
            assert sweep_calls(tika, at(moment + "+05:30")) == 1
            run_worker(config, moment + ":05+05:30")
            assert voice.wait_for_callbacks(10)
    run_worker(config, "2025-02-11T10:07:10+05:30")  # the SMS instead
    assert [call["status"] for call in voice.calls][1:] == ["no-answer"] * 3
    [reminder] = exotel.messages[texted:]
    assert reminder["body"].startswith("Tika reminder: Baby's vaccines")
    assert reminder["dlt_template_id"] and reminder["to"] == "+919812345678"
