"""Adults register themselves for COVID-19 dose reminders (Har Ghar Dastak): the second
dose and the precaution dose, through the same conversation and reminder pipeline."""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.storage.models.core import Child, Reminder

pytestmark = pytest.mark.both_databases


def reminders_of(session, name):
    session.rollback()
    child = session.scalar(select(Child).where(Child.name == name))
    rows = session.scalars(
        select(Reminder).where(Reminder.child_id == child.id, Reminder.status == "planned")
    )
    return [(r.kind, r.send_on) for r in sorted(rows, key=lambda r: r.send_on)]


def test_an_adult_registers_in_hindi_and_hears_of_the_second_dose(phone, session, frozen_clock):
    with frozen_clock("2022-02-01T10:00"):
        menu = phone.send("कोविड")
        assert "हिंदी के लिए 1 भेजें" in menu[0]
        assert phone.send("1") == [
            "पहली खुराक कौन सा कोविड-19 टीका था? कोविशील्ड के लिए 1, कोवैक्सीन के लिए 2, "
            "कॉर्बेवैक्स के लिए 3 भेजें।"
        ]
        assert phone.send("कोविशील्ड")[0].startswith("पहली खुराक किस तारीख को लगी थी?")
        assert phone.send("1/1/2020") == [
            "भारत में कोविड-19 टीकाकरण 16 जनवरी 2021 को शुरू हुआ। कृपया तारीख जाँच लें।"
        ]
        assert phone.send("1/1/2022") == ["आपका नाम क्या है?"]
        assert phone.send("रमेश") == [
            "आपका 6 अंकों का पिन कोड क्या है? जैसे 226001। पता न हो तो अपना जिला भेजें।"
        ]
        assert phone.send("226001") == [
            "जाँच लें: रमेश, कोविशील्ड खुराक 1, तारीख़ 1 जनवरी 2022, पिन 226001 (Lucknow)। "
            "सही हो तो 1, बदलना हो तो 2 भेजें।"
        ]
        # Covishield: the second dose 12 weeks after the first.
        assert phone.send("1") == [
            "रमेश का पंजीकरण हो गया; अगली कोविड-19 खुराक से पहले हम याद दिलाएंगे।",
            "रमेश: अगले टीके कोविशील्ड खुराक 2, 26 मार्च 2022 को।",
        ]
    assert reminders_of(session, "रमेश") == [
        ("advance", dt.date(2022, 3, 24)),
        ("due", dt.date(2022, 3, 26)),
        ("overdue-1", dt.date(2022, 4, 2)),
        ("overdue-2", dt.date(2022, 4, 16)),
        ("overdue-3", dt.date(2022, 4, 30)),
        ("next", dt.date(2022, 5, 14)),
    ]
    # The second dose given: the precaution dose is 26 weeks later.
    with frozen_clock("2022-03-28T10:00"):
        replies = phone.send("हो गया 26/3")
    assert replies[1] == "रमेश: अगले टीके कोविड-19 एहतियाती खुराक, 24 सितंबर 2022 को।"
    assert reminders_of(session, "रमेश")[:2] == [
        ("advance", dt.date(2022, 9, 22)),
        ("due", dt.date(2022, 9, 24)),
    ]


def test_a_parent_can_register_a_child_and_themselves(phone, frozen_clock):
    with frozen_clock("2022-02-01T10:00"):
        phone.send("REG Asha 1/1/2022 226001")
        phone.send("DONE 1/1")
        assert phone.send("COVID")[0].startswith("Which COVID-19 vaccine was your first dose?")
        phone.send("2")  # Covaxin: the second dose 4 to 6 weeks after the first
        phone.send("20/1/2022")
        phone.send("Sunita")
        # PIN code already known: straight to the read-back.
        assert phone.send("1")[-1] == "Sunita: next vaccines Covaxin dose 2 on 17 February 2022."
        # The child's visit is at a routine-immunisation session (Saturday, in Uttar
        # Pradesh); the adult's COVID-19 dose is not.
        assert phone.send("NEXT") == [
            "Asha: next vaccines OPV-1, Penta-1, RVV-1 +2 at the session on Saturday 12 February.",
            "Sunita: next vaccines Covaxin dose 2 on 17 February 2022.",
        ]


def test_an_adults_overdue_second_dose_can_be_given_now(phone, frozen_clock):
    with frozen_clock("2022-06-01T10:00"):
        for text in ("COVID", "2", "3", "1/1/2022", "Imran", "800001", "1"):
            replies = phone.send(text)
    # Corbevax's second dose (28 days) is long overdue.
    assert replies[-1] == "Imran: Corbevax dose 2 can be given now."
