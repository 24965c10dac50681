"""Registering a child by SMS, end to end: signed webhooks, the real app, real SQLite and Redis."""

import datetime as dt
import logging

import pytest
from sqlalchemy import func, select

from bot.storage.models.core import (
    Caregiver,
    Child,
    Conversation,
    DoseRecord,
    MessageLog,
    Reminder,
)

pytestmark = pytest.mark.both_databases


def caregiver(session, number="+919812345678") -> Caregiver | None:
    session.rollback()  # end the snapshot: see what the app committed since
    return session.scalar(select(Caregiver).where(Caregiver.phone == number))


def test_hindi_registration_then_next_names_the_visit(phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        menu = phone.send("नमस्ते")
        assert len(menu) == 1
        assert "हिंदी के लिए 1 भेजें" in menu[0] and "For English, send 2" in menu[0]

        assert phone.send("1") == [
            "बच्चे के टीकों के लिए 1, गर्भावस्था के टीकों के लिए 2 भेजें। या बच्चे का नाम भेजें।"
        ]
        assert phone.send("1") == ["आपके बच्चे का नाम क्या है? नाम न रखा हो तो 'बच्चा' लिखें।"]
        assert phone.send("आशा") == ["आशा का जन्म कब हुआ? दिन/महीना/साल भेजें, जैसे 15/3/2025"]
        assert phone.send("१५/०३/२०२५") == [
            "आपका 6 अंकों का पिन कोड क्या है? जैसे 226001। पता न हो तो अपना जिला भेजें।"
        ]
        assert phone.send("226001") == [
            "जाँच लें: आशा, जन्म 15 मार्च 2025, पिन 226001 (Lucknow)। सही हो तो 1, बदलना हो तो 2 भेजें।"
        ]
        # Five days old: Hep-B's 24 hours are over; BCG and OPV-0 can still be given.
        assert phone.send("1") == [
            "आशा का पंजीकरण हो गया; हर टीके से पहले हम याद दिलाएंगे।",
            # Uttar Pradesh's RI session days are Wednesday and Saturday (ri_days.yaml).
            "आशा: बीसीजी, पोलियो-0, शनिवार 22 मार्च को लगवाएं।",
        ]
        # The birth doses were given on the day of birth.
        done = phone.send("हो गया 15/3")
        assert done[0] == "दर्ज: आशा को बीसीजी +2 लगे, तारीख़ 15 मार्च 2025।"
        # NEXT: six weeks after birth, the 6-week visit, at that day's session.
        assert phone.send("अगला") == ["आशा: अगले टीके पोलियो-1, पेंटा-1, रोटा-1 +2, शनिवार 26 अप्रैल को।"]

    stored = caregiver(session)
    assert (stored.language, stored.pincode, stored.state, stored.district) == (
        "hi",
        "226001",
        "UTTAR PRADESH",
        "LUCKNOW",
    )
    [child] = stored.children
    assert (child.name, child.birth_date) == ("आशा", dt.date(2025, 3, 15))
    assert sorted((d.code, d.given_on) for d in child.doses) == [
        ("bcg", dt.date(2025, 3, 15)),
        ("hepb-0", dt.date(2025, 3, 15)),
        ("opv-0", dt.date(2025, 3, 15)),
    ]


def test_english_registration_then_next(phone, session, frozen_clock):
    with frozen_clock("2025-02-01T18:30"):
        phone.send("Hi")
        assert phone.send("2") == [
            "Send 1 for a child's vaccines, 2 for a pregnancy's. Or send the child's name."
        ]
        # The child's name straight away, at the question "child or pregnancy?".
        assert phone.send("ravi") == ["When was Ravi born? Send day/month/year, e.g. 15/3/2025."]
        assert phone.send("1 January 2025") == [
            "What is your 6-digit PIN code? e.g. 226001. Not known? Send your district."
        ]
        assert phone.send("560001") == [
            "Please check: Ravi, born 1 January 2025, PIN 560001 (Bengaluru Urban). "
            "Send 1 if right, 2 to change."
        ]
        # A month old: only BCG can still be given (OPV-0's 15 days are over).
        assert phone.send("yes") == [
            "Ravi is registered; we will remind you before each vaccine.",
            "Ravi: BCG can be given now.",
        ]
        assert phone.send("DONE 1/1")[0] == (
            "Noted for Ravi: BCG, Hep-B birth dose, OPV-0 given on 1 January 2025."
        )
        assert phone.send("NEXT") == [
            "Ravi: next vaccines OPV-1, Penta-1, RVV-1 +2 on 12 February 2025."
        ]
    stored = caregiver(session)
    assert stored.language == "en"
    assert stored.children[0].name == "Ravi"


def test_saying_no_at_the_read_back_asks_again(phone, session, frozen_clock):
    with frozen_clock("2025-02-01T10:00"):
        for text in ("hello", "2", "Ravi", "1/1/2025", "560001"):
            phone.send(text)
        assert phone.send("2") == ["What is your child's name? If not named yet, send BABY."]
        for text in ("Ravi Kumar", "2/1/2025", "226001"):
            phone.send(text)
        phone.send("1")
    [child] = caregiver(session).children
    assert (child.name, child.birth_date) == ("Ravi Kumar", dt.date(2025, 1, 2))
    assert caregiver(session).district == "LUCKNOW"


def test_bad_birth_dates_are_explained_in_hindi_and_nothing_is_lost(phone, session, frozen_clock):
    with frozen_clock("2025-06-01T10:00"):
        for text in ("नमस्ते", "1", "आशा"):
            phone.send(text)
        assert phone.send("31/02/2025") == [
            "ऐसी कोई तारीख नहीं होती। दिन/महीना/साल भेजें, जैसे 15/3/2025"
        ]
        assert phone.send("1/1/2026") == ["यह तारीख आगे की है। जन्म की तारीख दिन/महीना/साल में भेजें।"]
        assert phone.send("1/1/2018") == [
            "यह तारीख 6 साल से पुरानी है; यह सेवा 6 साल से छोटे बच्चों के लिए है। कृपया साल जाँच लें।"
        ]
        assert phone.send("कल परसों") == ["तारीख समझ नहीं आई। दिन/महीना/साल भेजें, जैसे 15/3/2025"]
        # The name given before the mistakes is still there. Eleven weeks old: what the
        # MCP card shows is asked (nothing known).
        assert phone.send("15 मार्च 2025")[0].startswith("टीका कार्ड पर आखिरी टीका कब का है?")
        assert phone.send("पता नहीं") == [
            "आपका 6 अंकों का पिन कोड क्या है? जैसे 226001। पता न हो तो अपना जिला भेजें।"
        ]
        assert phone.send("99999") == ["पिन कोड 6 अंकों का होता है, जैसे 226001। कृपया फिर से भेजें।"]
        assert phone.send("999999") == ["पिन कोड 999999 नहीं मिला। जाँच कर फिर से भेजें।"]
        assert "आशा" in phone.send("226001")[0]
        assert phone.send("शायद") == ["हाँ के लिए 1, ना के लिए 2 भेजें।"]
        phone.send("हाँ")
    assert caregiver(session).children[0].birth_date == dt.date(2025, 3, 15)


def test_one_line_registration_in_english_and_hindi(phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        assert phone.send("REG Asha Devi 15 March 2025 226001") == [
            "Asha Devi is registered; we will remind you before each vaccine.",
            "Asha Devi: BCG, OPV-0 can be given now, at the next session on Saturday 22 March.",
        ]
        hindi = phone.other("+919812340000")
        assert hindi.send("पंजीकरण आशा 15/3/2025 273001")[0] == (
            "आशा का पंजीकरण हो गया; हर टीके से पहले हम याद दिलाएंगे।"
        )
        assert phone.send("REG Asha 15/3/2025") == [
            "To register in one message send: REG name day/month/year PIN, "
            "e.g. REG Asha 15/3/2025 226001"
        ]
        assert phone.send("REG Asha 31/2/2025 226001") == [
            "There is no such date. Send day/month/year, e.g. 15/3/2025."
        ]
    english = caregiver(session)
    assert english.language == "en"
    assert [c.name for c in english.children] == ["Asha Devi"]
    hindi_caregiver = caregiver(session, "+919812340000")
    assert (hindi_caregiver.language, hindi_caregiver.district) == ("hi", "GORAKHPUR")


def test_a_one_line_registration_in_a_je_district_includes_je(phone, session, frozen_clock):
    with frozen_clock("2025-10-20T10:00"):
        # Nine months old in Gorakhpur, a JE district: JE-1 comes with MR-1.
        reply = phone.send("REG Asha 15/1/2025 273001")[1]
        lucknow = phone.other("+919812340001")
        reply_lucknow = lucknow.send("REG Asha 15/1/2025 226001")[1]
        assert phone.send("NEXT") == [reply]
    # Nine vaccines are due at once: as many as fit an SMS variable are named, the rest
    # counted, and Gorakhpur's reply counts one more: JE-1.
    assert "BCG, OPV-1, Penta-1, RVV-1 +5" in reply
    assert "BCG, OPV-1, Penta-1, RVV-1 +4" in reply_lucknow
    planned = {
        phone: codes.split()
        for phone, codes in session.execute(
            select(Caregiver.phone, Reminder.codes).join(Reminder).where(Reminder.kind == "due")
        )
    }
    assert {"je-1", "mr-1", "vita-1"} <= set(planned[phone.number])
    assert "je-1" not in planned[lucknow.number] and "mr-1" in planned[lucknow.number]


def test_commands(phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("REG Asha 15/3/2025 226001")
        assert phone.send("HELP") == [
            "Send: NEXT next vaccines, DONE vaccines given, ADD another child, LANG language, "
            "TIME reminder time, STOP stop messages, DELETE erase your data."
        ]
        # ADD: a second child; PIN and language are already known.
        assert phone.send("ADD") == ["What is your child's name? If not named yet, send BABY."]
        phone.send("Ravi")
        phone.send("1/6/2024")
        assert "PIN 226001 (Lucknow)" in phone.send("0")[0]  # nothing known from a card
        phone.send("1")
        assert [c.name for c in caregiver(session).children] == ["Asha", "Ravi"]
        assert len(phone.send("NEXT")) == 2
        # LANG: switch to Hindi.
        assert phone.send("LANG") == ["अपनी भाषा चुनें: हिंदी के लिए 1 भेजें। For English, send 2."]
        assert phone.send("1") == ["भाषा हिंदी चुनी गई।"]
        assert caregiver(session).language == "hi"
        # STOP: opted out; other messages only say how to start again.
        assert phone.send("STOP") == ["अब आपको कोई संदेश नहीं आएगा। फिर से शुरू करने के लिए 'शुरू' भेजें।"]
        assert caregiver(session).opted_out
        assert phone.send("अगला") == ["आपके संदेश बंद हैं। फिर से पाने के लिए 'शुरू' भेजें।"]
        assert phone.send("शुरू") == ["याद-दिहानी फिर से चालू है। मदद के लिए 'मदद' भेजें।"]
        assert not caregiver(session).opted_out
        assert phone.send("kuch bhi") == [
            "माफ़ कीजिए, समझ नहीं आया। आप भेज सकते हैं: अगला, हो गया, जोड़ें, बंद या मदद।"
        ]


def test_done_records_the_current_visit_and_retimes_the_next(phone, session, frozen_clock):
    with frozen_clock("2025-05-10T10:00"):
        phone.send("REG Asha 15/3/2025 226001")
        phone.send("DONE 15/3")  # birth doses
        # Penta-1's visit was due on 26 April; it was given late, on 3 May.
        replies = phone.send("DONE 3/5")
        assert replies[0].startswith("Noted for Asha: OPV-1, Penta-1, RVV-1 +2 given on 3 May")
        # The 10-week visit is timed from the late dose: 3 May + 4 weeks = 31 May, a
        # Saturday: Uttar Pradesh's RI session day.
        assert replies[1] == (
            "Asha: next vaccines OPV-2, Penta-2, RVV-2 at the session on Saturday 31 May."
        )
        assert phone.send("DONE 12/13") == [
            "Send the date the vaccines were given like DONE 12/4. It cannot be in the future."
        ]
        assert phone.send("DONE 9/5") == [
            "Asha has no vaccine due on 9 May 2025, so nothing was noted."
        ]
    doses = caregiver(session).children[0].doses
    assert len(doses) == 8


def test_delete_erases_everything_after_confirmation(phone, client, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("REG Asha 15/3/2025 226001")
        phone.send("DONE 15/3")
        assert phone.send("DELETE") == [
            "This erases your number, your children and their records. Send 1 to erase, 2 to keep."
        ]
        assert phone.send("2") == ["Nothing was erased."]
        assert caregiver(session) is not None
        phone.send("DELETE")
        assert phone.send("1") == ["All your data is erased. Send any message to start again."]

    session.rollback()  # end the snapshot: see what the app committed since
    for table in (Caregiver, Child, DoseRecord, Conversation):
        assert session.scalar(select(func.count()).select_from(table)) == 0
    # What is left of the message log: the provider's id of each message received (so that
    # a replayed webhook is recognised), and the last replies, with nothing personal.
    rows = session.scalars(select(MessageLog)).all()
    assert all(row.caregiver_id is None for row in rows)
    inbound = [row for row in rows if row.direction == "in"]
    assert len(inbound) == 6
    assert {(row.body, row.status) for row in inbound} == {("", "erased")}
    assert all(row.provider_sid for row in inbound)


def test_nothing_personal_in_the_logs(phone, frozen_clock, caplog):
    caplog.set_level(logging.DEBUG)
    with frozen_clock("2025-03-20T10:00"):
        phone.send("REG Lakshmi 15/3/2025 226001")
        phone.send("NEXT")
    assert caplog.records, "the conversation should be logged"
    assert "9812345678" not in caplog.text
    assert "Lakshmi" not in caplog.text
