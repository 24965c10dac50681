"""The conversation as mothers write it, end to end through the SMS webhook: names that
are not names refused, an age instead of a birth date, a typo that is a name, and the
language menu never sent twice in a loop."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.storage.models.core import Caregiver
from locales.segments import segment_count

pytestmark = pytest.mark.both_databases

ASK_NAME = "आपके बच्चे का नाम क्या है? नाम न रखा हो तो 'बच्चा' लिखें।"


def caregiver(session, number="+919812345678") -> Caregiver | None:
    session.rollback()
    return session.scalar(select(Caregiver).where(Caregiver.phone == number))


def test_a_mother_who_gives_an_age_and_says_her_sons_name_in_a_sentence(
    phone, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("namaste ji")
        assert phone.send("hindi me")[0].startswith("बच्चे के टीकों के लिए 1")
        assert phone.send("baccha") == [ASK_NAME]  # for a child
        refused = phone.send("15/3/2025")  # a date is not a name: asked again, nothing kept
        assert len(refused) == 1 and refused[0] != ASK_NAME
        assert phone.send("STOP") == ["अब आपको कोई संदेश नहीं आएगा। फिर से शुरू करने के लिए 'शुरू' भेजें।"]
        phone.send("shuru karo")
        phone.send("mera beta Aarav hai")
        asked = phone.send("do mahine ka hai")  # an age: the card's date, else counted
        assert asked == [
            "कृपया टीका कार्ड (MCP कार्ड) से जन्म की तारीख भेजें, जैसे 15/3/2025। "
            "कार्ड नहीं है तो 1 भेजें, हम जनवरी 2025 से गिनेंगे।"
        ]
        assert phone.send("1")[0].startswith("टीका कार्ड पर आखिरी टीका कब का है?")  # 10 weeks
        assert phone.send("1") == [  # the birth doses
            "आपका 6 अंकों का पिन कोड क्या है? जैसे 226001। पता न हो तो अपना जिला भेजें।"
        ]
        confirm = phone.send("226001")
        assert confirm[0].startswith("जाँच लें: Aarav, जन्म 5 जनवरी 2025")
        assert phone.send("ha ji")[0].startswith("Aarav का पंजीकरण हो गया")
    stored = caregiver(session)
    [child] = stored.children
    # Two months old on 20 March: born between 20 December and 20 January; counted from
    # the middle of that month.
    assert (child.name, child.birth_date) == ("Aarav", dt.date(2025, 1, 5))


def test_a_date_from_the_card_after_an_age_is_the_birth_date(phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("hi")
        phone.send("2")
        phone.send("beti ka naam Ananya hai")
        assert phone.send("teen mahine ki hai")[0].startswith(
            "Please send the birth date from the MCP card, e.g. 15/3/2025. No card? Send 1 "
            "and we will count from December 2024."
        )
        assert phone.send("12 dec 2024")[0].startswith("Which is the last visit on the MCP card?")
        assert phone.send("dont know")[0].startswith("What is your 6-digit PIN code?")
        phone.send("226001")
        phone.send("theek hai")
    [child] = caregiver(session).children
    assert (child.name, child.birth_date) == ("Ananya", dt.date(2024, 12, 12))


def test_a_name_one_typo_from_a_keyword_is_a_name_at_the_name_question(
    phone, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("hello")
        phone.send("2")
        assert phone.send("Dona")[0].startswith("When was Dona born?")  # not DONE


def test_the_language_menu_is_not_sent_again_and_again(phone, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        first = phone.send("kya hai ye")
        again = [phone.send("??"), phone.send("kaun ho aap")]
    assert first == ["टीका: टीकों की मुफ़्त याद। हिंदी के लिए 1 भेजें। For English, send 2."]
    assert segment_count(first[0]) == 1  # 69 UCS-2 characters
    short = "अपनी भाषा चुनें: हिंदी के लिए 1 भेजें। For English, send 2."
    assert again == [[short], [short]]
    assert segment_count(short) == 1
