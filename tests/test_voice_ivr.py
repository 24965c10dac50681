"""The IVR end to end: signed webhooks on the real app, each <Gather> action followed,
every reply parsed as TwiML; registration, the registered caller's menu, bad input."""

import datetime as dt
import subprocess

import pytest
from sqlalchemy import select

from bot import create_app
from bot.services import services
from bot.storage.models.core import Caregiver, DoseRecord, Reminder
from bot.storage.models.voice import IvrSession, VoiceCall
from scheduler import clock
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support import FLASK, ROOT, process_env
from tests.voice_support import VoiceLine

NUMBER = "+919812345678"


@pytest.fixture
def line(client) -> VoiceLine:
    return VoiceLine(client, PUBLIC_BASE_URL, AUTH_TOKEN, NUMBER)


def caregiver(session, number=NUMBER) -> Caregiver | None:
    session.rollback()  # see what the app committed since
    return session.scalar(select(Caregiver).where(Caregiver.phone == number))


def queued_sms(session, number=NUMBER) -> list[str]:
    session.rollback()
    calls = session.scalars(
        select(VoiceCall).where(VoiceCall.phone == number, VoiceCall.purpose == "notice")
    )
    return [call.sms_body for call in calls]


def assert_keypad(twiml, digits: int) -> None:
    """A <Gather> for ``digits`` keypad digits, posting to the IVR, with every prompt in it."""
    gather = twiml.gather
    assert gather is not None and twiml.digits == digits
    assert gather.get("input") == "dtmf"
    assert gather.get("method") == "POST"
    assert gather.get("actionOnEmptyResult") == "true"
    assert gather.get("action").startswith(f"{PUBLIC_BASE_URL}/twilio/voice/ivr?turn=")
    assert list(twiml.root) == [gather]  # nothing said outside it: a key press interrupts


@pytest.mark.both_databases
def test_a_new_caller_registers_in_hindi_and_hears_the_next_visit(line, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        menu = line.call()
        assert_keypad(menu, 1)
        assert [(say.get("language"), say.get("voice")) for say in menu.says] == [
            ("hi-IN", "Polly.Aditi"),
            ("hi-IN", "Polly.Aditi"),
            ("en-IN", "Polly.Aditi"),
        ]
        assert menu.lines[1:] == ["हिंदी के लिए 1 दबाएँ।", "For English, press 2."]

        this_year = line.press(menu, "1")
        assert_keypad(this_year, 1)
        assert this_year.lines == [
            "किसी भी सवाल को दोबारा सुनने के लिए 9 दबाएँ, पिछले सवाल पर जाने के लिए 0 दबाएँ।",
            "क्या आपके बच्चे का जन्म इसी साल हुआ है? हाँ तो 1 दबाएँ, नहीं तो 2 दबाएँ।",
            "अगर आप गर्भवती हैं, तो 3 दबाएँ।",  # a pregnancy (tests/test_voice_pregnancy.py)
        ]
        month = line.press(this_year, "1")
        assert_keypad(month, 2)
        assert month.lines[0].startswith("बच्चे का जन्म किस महीने में हुआ?")
        day = line.press(month, "03")
        assert_keypad(day, 2)
        assert day.lines[0].startswith("बच्चे का जन्म महीने की किस तारीख़ को हुआ?")
        read_back = line.press(day, "15")
        assert_keypad(read_back, 1)
        assert read_back.lines == [
            "आपने पंद्रह मार्च दो हज़ार पच्चीस बताया। सही हो तो 1 दबाएँ, दोबारा डालने के लिए 2 दबाएँ।"
        ]
        ask_pin = line.press(read_back, "1")
        assert_keypad(ask_pin, 6)
        pin_back = line.press(ask_pin, "226001")
        assert_keypad(pin_back, 1)
        assert pin_back.lines == [
            "आपने पिन कोड दो दो छह शून्य शून्य एक बताया, लखनऊ। "
            "सही हो तो 1 दबाएँ, दोबारा डालने के लिए 2 दबाएँ।"
        ]
        registered = line.press(pin_back, "1")
        assert_keypad(registered, 1)
        assert registered.lines[:2] == [
            "धन्यवाद। शिशु का पंजीकरण हो गया। हर टीके से पहले हम याद दिलाएंगे।",
            "शिशु के टीके बीसीजी, पोलियो 0 अभी लग सकते हैं।",
        ]
        assert "याद-दिहानी बंद करने के लिए 5 दबाएँ।" in registered.lines  # the menu follows
        # The birth doses were given today: the next visit is the 6-week one.
        confirm = line.press(registered, "2")
        done = line.press(confirm, "1")
        assert done.lines[:2] == [
            "दर्ज किया: शिशु को आज बीसीजी, पोलियो 0 लगे।",
            "शिशु के अगले टीके पोलियो 1, पेंटा 1, रोटा 1, एफआईपीवी 1, पीसीवी 1 हैं, "
            "छब्बीस अप्रैल दो हज़ार पच्चीस को।",
        ]

    stored = caregiver(session)
    assert (stored.language, stored.pincode, stored.district, stored.channel) == (
        "hi",
        "226001",
        "LUCKNOW",
        "voice",
    )
    [child] = stored.children
    assert (child.name, child.birth_date) == ("शिशु", dt.date(2025, 3, 15))
    assert sorted((d.code, d.given_on, d.source) for d in child.doses) == [
        ("bcg", dt.date(2025, 3, 20), "voice"),
        ("opv-0", dt.date(2025, 3, 20), "voice"),
    ]
    planned = session.scalars(select(Reminder).where(Reminder.status == "planned")).all()
    assert {(r.kind, r.visit_date) for r in planned} >= {("advance", dt.date(2025, 4, 26))}
    assert queued_sms(session) == [
        "टीका: शिशु का पंजीकरण हो गया। हर टीके से पहले याद दिलाएंगे। मेन्यू सुनने के लिए इस नंबर पर मिस्ड कॉल दें।",
        "शिशु: बीसीजी, पोलियो-0 अभी लग सकते हैं।",
    ]


def test_a_wrong_month_or_day_is_asked_again_and_a_date_can_be_entered_again(
    line, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        month = line.keys(line.call(), "2", "1")  # English; born this year
        assert month.lines[0].startswith("In which month was your child born?")
        for keys, problem in [
            ("13", "A month is a number from 1 to 12."),
            ("04", "That month has not come yet this year. This month, March, is zero three."),
        ]:
            month = line.press(month, keys)
            assert_keypad(month, 2)
            assert month.lines == [problem, month.lines[1]]
            assert month.lines[1].startswith("In which month was your child born?")
        day = line.press(month, "2")  # one key, then the pause: February
        for keys, problem in [("30", "There is no such date."), ("32", "A day of the month ")]:
            day = line.press(day, keys)
            assert_keypad(day, 2)
            assert day.lines[0].startswith(problem)
        month = line.press(day, "0")  # back: the month again
        assert month.lines[0].startswith("In which month was your child born?")
        future = line.keys(month, "03", "25")
        assert future.lines[0] == "That date is in the future."
        read_back = line.press(future, "15")
        assert read_back.lines[0].startswith("You entered fifteen March two thousand twenty-five.")
        this_year = line.press(read_back, "2")  # no: enter it again, from the first step
        assert this_year.lines[0].startswith("Was your child born this year?")
        # Not this year: 0 months old, born on the 14th (this month, so 14 March).
        age = line.press(this_year, "2")
        assert age.lines[0].startswith("How many months old is your child?")
        read_back = line.keys(age, "00", "14")
        assert read_back.lines[0].startswith("You entered fourteen March two thousand twenty-five.")
        ask_pin = line.press(read_back, "1")
        assert line.press(ask_pin, "999999").lines[0] == "We could not find that PIN code."
        pin_back = line.keys(ask_pin, "12345", "560001")
        assert "one two three" not in pin_back.text
        assert pin_back.lines[0].startswith("You entered PIN code five six zero zero zero one, ")
        done = line.press(pin_back, "1")
        assert done.lines[0] == (
            "Thank you. Baby is registered. We will remind you before each vaccine."
        )
    [child] = caregiver(session).children
    assert child.birth_date == dt.date(2025, 3, 14)


def test_nine_repeats_a_question_and_zero_goes_back_one(line, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        language = line.call()
        this_year = line.press(language, "2")
        again = line.press(this_year, "9")
        assert again.lines == this_year.lines[1:]  # the question alone, as often as asked
        again = line.press(again, "9")
        assert again.lines == this_year.lines[1:]
        day = line.keys(again, "1", "03")
        back = line.press(day, "0")
        assert back.lines[0].startswith("In which month was your child born?")
        back = line.press(back, "0")
        assert back.lines == again.lines  # born this year?
        back = line.press(back, "0")
        assert back.lines == language.lines[1:]  # the language: the first question
        assert line.press(back, "0").lines == back.lines  # nothing before it
        # Three wrong keys and still on the call: a repeat or a back is not a wrong answer.
        for _ in range(3):
            back = line.press(back, "9")
        assert back.gather is not None and line.press(back, "2").lines == this_year.lines


def test_four_bad_answers_end_the_call_with_an_sms_on_how_to_register(line, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        month = line.keys(line.call(), "2", "1")
        for keys in ("13", "00", "99"):
            month = line.press(month, keys)
            assert_keypad(month, 2)  # asked again, up to three times
        goodbye = line.press(month, "14")
    assert goodbye.gather is None and goodbye.hangs_up
    assert goodbye.lines == [
        "A month is a number from 1 to 12.",
        "Sorry, we could not register your child on this call. "
        "We will send you an SMS that says how. Goodbye.",
    ]
    assert caregiver(session) is None  # nothing registered, nothing kept but the SMS
    assert queued_sms(session) == [
        "To register your child for free vaccine reminders, give a missed call to this number "
        "and answer when we call back. Or send HI to this number."
    ]


def test_a_silence_is_asked_again_once_then_an_sms_is_offered_in_hindi(line, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        this_year = line.keys(line.call(), "1")
        again = line.press(this_year, None)  # the Gather timed out: no Digits
        assert_keypad(again, 1)
        assert again.lines == ["माफ़ कीजिए, कोई बटन नहीं दबाया गया।", *this_year.lines[-2:]]
        month = line.keys(again, "1", None)  # a key in between: the count starts again
        assert month.lines[0] == "माफ़ कीजिए, कोई बटन नहीं दबाया गया।"
        goodbye = line.press(month, None)
    assert goodbye.hangs_up and "हम आपको एसएमएस से तरीका भेजेंगे" in goodbye.text
    [sms] = queued_sms(session)
    assert sms.startswith("बच्चे के टीकों की मुफ़्त याद-दिहानी के लिए इस नंबर पर मिस्ड कॉल दें")


@pytest.mark.both_databases
def test_the_registered_callers_menu(line, phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("REG Asha 15/3/2025 226001")  # registered by SMS, in English
        menu = line.call()
        assert menu.lines[0] == "Welcome back to Tika."
        assert menu.lines[-1] == "To get reminders as a phone call instead of SMS, press 6."
        # 1: the next visit of each child.
        heard = line.press(menu, "1")
        assert heard.lines[0] == "Asha's vaccines BCG, OPV 0 can be given now."
        # 2: the visit was done today.
        done = line.keys(heard, "2", "1")
        assert done.lines[:2] == [
            "Noted: Asha was given BCG, OPV 0 today.",
            "Asha's next vaccines are OPV 1, Penta 1, RVV 1, fIPV 1, PCV 1, "
            "on twenty-six April two thousand twenty-five.",
        ]
        # 3: another child, born on 1 March; the PIN code is known already.
        ask = line.press(done, "3")
        assert ask.lines == [
            "Was your child born this year? If yes, press 1. If no, press 2.",
            "If you are pregnant, press 3.",
        ]
        added = line.keys(ask, "1", "03", "01", "1")
        assert added.lines[0] == (
            "Thank you. Baby 2 is registered. We will remind you before each vaccine."
        )
        # 4: the language, then 6: reminders as calls.
        hindi = line.keys(added, "4", "1")
        assert hindi.lines[0] == "अब आप टीका सेवा हिंदी में सुनेंगे।"
        by_call = line.press(hindi, "6")
        assert by_call.lines[0] == "अब से याद-दिहानी फ़ोन कॉल से आएगी।"
        # 5: stop, confirmed with 1.
        stopped = line.keys(by_call, "5", "1")
        assert stopped.hangs_up and stopped.lines[0].startswith("आपकी याद-दिहानी बंद कर दी गई है।")

    stored = caregiver(session)
    assert (stored.language, stored.channel, stored.opted_out) == ("hi", "voice", True)
    assert [(c.name, c.birth_date) for c in stored.children] == [
        ("Asha", dt.date(2025, 3, 15)),
        ("Baby 2", dt.date(2025, 3, 1)),
    ]
    assert session.scalar(select(DoseRecord.code).where(DoseRecord.code == "bcg")) == "bcg"
    statuses = {r.status for r in session.scalars(select(Reminder))}
    assert "planned" not in statuses  # stopped: nothing more will be sent

    # Calling again: 5 now starts the reminders again.
    with frozen_clock("2025-03-21T10:00"):
        menu = line.call()
        assert "आपकी याद-दिहानी बंद है। फिर से शुरू करने के लिए 5 दबाएँ।" in menu.lines
        started = line.press(menu, "5")
        assert started.lines[0] == "आपकी याद-दिहानी फिर से चालू है।"
    assert not caregiver(session).opted_out


def test_a_webhook_sent_twice_changes_nothing_twice(line, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        pin_back = line.keys(line.call(), "2", "1", "03", "15", "1", "226001")
        first = line.press(pin_back, "1")
        again = line.press(pin_back, "1")  # Twilio retried the same request
        assert first.lines[0].startswith("Thank you. Baby is registered.")
        assert again.lines == first.lines[2:]  # the current question: the menu
        assert again.action == first.action
    assert len(caregiver(session).children) == 1


def test_a_child_born_more_than_six_years_ago_is_refused(line, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        age = line.keys(line.call(), "2", "2")
        refused = line.press(age, "72")
        assert line.keys(refused, "71", "20").lines[0] == (
            "You entered twenty April two thousand nineteen. If this is right, press 1. "
            "To enter it again, press 2."
        )
    assert refused.lines[0] == "Tika is for children under 6 years, that is under 72 months."


@pytest.mark.parametrize(
    "path",
    [
        "/twilio/voice/missed",
        "/twilio/voice",
        "/twilio/voice/answer?call=1",
        "/twilio/voice/ivr?turn=1",
        "/twilio/voice/status?call=1&attempt=1",
    ],
)
def test_every_voice_webhook_refuses_a_bad_signature(line, session, path):
    form = line.form(CallStatus="completed", Digits="1")
    assert line.post(path, form, signature="forged").status_code == 403
    assert line.post(path, form, signature="").status_code == 403
    session.rollback()
    assert session.scalars(select(VoiceCall)).all() == []
    assert session.scalars(select(Caregiver)).all() == []


@pytest.fixture
def recorded(config):
    """The app with recorded prompts for two keys, and another voice for Hindi."""
    app = create_app(
        {
            **config,
            "VOICE_AUDIO": "hi.ASK_BORN_THIS_YEAR=https://cdn.example.org/this-year-hi.mp3, "
            "en.WELCOME_BACK=https://cdn.example.org/welcome-back-en.mp3",
            "VOICE_SAY_VOICES": "hi=Polly.Kajal,en=Polly.Aditi",
        }
    )
    yield app.test_client()
    services(app).close()


def test_a_programme_can_replace_prompts_with_recordings(recorded, phone, frozen_clock):
    line = VoiceLine(recorded, PUBLIC_BASE_URL, AUTH_TOKEN, NUMBER)
    with frozen_clock("2025-03-20T10:00"):
        ask = line.press(line.call(), "1")
        assert ask.lines[1:] == [
            "[play https://cdn.example.org/this-year-hi.mp3]",
            "अगर आप गर्भवती हैं, तो 3 दबाएँ।",  # not recorded: spoken
        ]
        assert ask.gather.find("Play") is not None and len(ask.says) == 2  # help, pregnant
        read_back = line.keys(ask, "1", "03", "15")
        assert read_back.says[0].get("voice") == "Polly.Kajal"
        # The English recording is only for English callers' prompts.
        phone.other("+919800000001").send("REG Ravi 15/3/2025 226001")
        menu = line.other("+919800000001").call()
        assert menu.lines[0] == "[play https://cdn.example.org/welcome-back-en.mp3]"
        assert menu.lines[1] == "To hear the next vaccines, press 1."
        assert menu.says[0].get("language") == "en-IN"


def test_recordings_under_one_base_url_replace_every_fixed_prompt(config, redis, frozen_clock):
    base = "https://cdn.example.org/tika"
    app = create_app({**config, "VOICE_AUDIO_BASE_URL": base + "/"})
    line = VoiceLine(app.test_client(), PUBLIC_BASE_URL, AUTH_TOKEN, NUMBER)
    try:
        with frozen_clock("2025-03-20T10:00"):
            welcome = line.call()
            ask = line.press(welcome, "1")
            read_back = line.keys(ask, "1", "03", "15")
    finally:
        services(app).close()
    # The welcome is recorded; "For English, press 2" names a language: spoken.
    assert welcome.lines == [
        f"[play {base}/hi/WELCOME.mp3]",
        "हिंदी के लिए 1 दबाएँ।",
        "For English, press 2.",
    ]
    assert ask.lines == [
        f"[play {base}/hi/KEYS_HELP.mp3]",
        f"[play {base}/hi/ASK_BORN_THIS_YEAR.mp3]",
        f"[play {base}/hi/ASK_IF_PREGNANT.mp3]",
    ]
    assert read_back.lines[0].startswith("आपने पंद्रह मार्च दो हज़ार पच्चीस बताया।")  # a date: spoken
    # What a programme records: every fixed prompt, with its words, and nothing else.
    listed = subprocess.run(
        [FLASK, "--app", "bot", "voice", "prompts", "--lang", "hi"],
        cwd=ROOT,
        env=process_env(config),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0, listed.stderr
    rows = dict(line.split(",", 1) for line in listed.stdout.splitlines()[1:])
    assert rows["hi/ASK_BIRTH_DAY.mp3"].startswith('"बच्चे का जन्म महीने की किस तारीख़ को हुआ?')
    assert "hi/READ_BACK_DATE.mp3" not in rows and "hi/WELCOME.mp3" in rows


def test_the_ivr_in_the_terminal(config, redis, session):
    """``flask --app bot chat --voice``: prompts printed, keys typed, the same flow and store."""
    keys = ["2", "1", "03", "15", "1", "226001", "1", "", "1"]
    result = subprocess.run(
        [FLASK, "--app", "bot", "chat", "--voice", "+91 98123 45678"],
        cwd=ROOT,
        env=process_env(config, TIKA_NOW="2025-03-20T10:00:00+05:30"),
        input="\n".join(keys) + "\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "tika> For English, press 2." in out
    assert "tika> You entered fifteen March two thousand twenty-five." in out
    assert "tika> You entered PIN code two two six zero zero one, Lucknow." in out
    assert "sms> Tika: Baby is registered." in out
    assert "tika> Sorry, we did not hear a key press." in out  # the empty line: silence
    assert out.count("tika> Baby's vaccines BCG, OPV-0 can be given now.") == 2
    assert out.rstrip().endswith("(you hung up)")
    assert "9812345678" not in result.stderr
    [child] = caregiver(session).children
    assert child.birth_date == dt.date(2025, 3, 15)


@pytest.mark.both_databases
def test_delete_erases_the_calls_of_a_caregiver_registered_by_voice(line, phone, session):
    with clock.frozen("2025-03-20T10:00"):
        line.keys(line.call(), "1", "1", "13")  # a wrong month: an attempt before registering
        line.keys(line.call(), "2", "1", "03", "15", "1", "226001", "1")
        line.missed_call()
        phone.send("DELETE")
        assert phone.send("1") == ["All your data is erased. Send any message to start again."]
    session.rollback()
    assert caregiver(session) is None
    assert session.scalars(select(VoiceCall).where(VoiceCall.phone == NUMBER)).all() == []
    assert session.scalars(select(IvrSession).where(IvrSession.phone == NUMBER)).all() == []
