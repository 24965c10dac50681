"""A pregnancy by SMS (issue 28): registered in Hindi from the last period's date or from
the month of pregnancy, reminded of Td-1 and Td-2 (or the one booster) on the right days,
sweep by sweep, day after day, asked near the expected date whether the baby is born, and
turned into the baby's registration at BORN. Real RQ worker processes, the real twilio
client, a local Twilio-like server."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Caregiver, Reminder
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import sending_through
from tests.support import at, run_worker

pytestmark = pytest.mark.both_databases

MOTHER = "+919800000071"


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


def days_of_sweeps(app, config, fake, first: dt.date, last: dt.date, phone, on_day=None):
    """A sweep every morning from ``first`` to ``last`` (a worker when it claimed
    something); ``on_day(day, texts)`` may answer. The mother's texts, by day."""
    tika, seen, received = services(app), len(fake.messages), {}
    day = first
    while day <= last:
        moment = f"{day.isoformat()}T10:30:00+05:30"
        with clock.frozen(moment):
            if sweep(tika, at(moment)).claimed:
                run_worker(config, f"{day.isoformat()}T10:30:30+05:30")
        texts = [m["body"] for m in fake.messages[seen:] if m["to"] == MOTHER]
        seen = len(fake.messages)
        if texts:
            received[day] = texts
        if on_day is not None:
            with clock.frozen(f"{day.isoformat()}T11:00"):
                on_day(day, texts)
        day += dt.timedelta(days=1)
    return received


def reminders_of(session, phone: str) -> list[Reminder]:
    session.rollback()
    caregiver = session.scalar(select(Caregiver).where(Caregiver.phone == phone))
    return session.scalars(select(Reminder).where(Reminder.caregiver_id == caregiver.id)).all()


def test_a_pregnancy_from_the_last_period_gets_td1_td2_then_is_asked_about_the_birth(
    app, config, fake, phone, session
):
    mother = phone.other(MOTHER)
    with clock.frozen("2025-01-20T10:00"):
        mother.send("नमस्ते")
        assert mother.send("1")[0].startswith("बच्चे के टीकों के लिए 1, गर्भावस्था के टीकों के लिए 2")
        assert mother.send("2") == ["आपका नाम क्या है?"]
        assert mother.send("सुनीता")[0].startswith("आख़िरी माहवारी कब शुरू हुई थी?")
        assert mother.send("1/1/2025")[0].startswith("पिछले 3 साल में किसी गर्भावस्था में")
        mother.send("2")  # no Td in an earlier pregnancy
        confirm = mother.send("226001")
        # 1 January + 280 days: 8 October.
        assert confirm[0].startswith("जाँच लें: सुनीता, बच्चा लगभग 8 अक्टूबर 2025 को")
        registered = mother.send("1")
        assert registered[0].startswith("सुनीता का पंजीकरण हो गया: बच्चा लगभग 8 अक्टूबर 2025 को")
        assert registered[1].startswith("सुनीता: टीडी-1 (गर्भ)")  # early pregnancy: now
    replies = {}

    def answers(day: dt.date, texts: list[str]) -> None:
        if day in (dt.date(2025, 1, 25), dt.date(2025, 2, 22)):  # sessions she went to
            replies[day] = mother.send("हो गया")
        if day == dt.date(2025, 10, 16):
            replies[day] = mother.send("जन्म 14/10/2025")

    received = days_of_sweeps(
        app, config, fake, dt.date(2025, 1, 21), dt.date(2025, 11, 20), mother, answers
    )
    by_day = {day: texts[0] for day, texts in received.items() if len(texts) == 1}
    assert len(by_day) == len(received)  # one SMS a day at most
    # Td-1: Lucknow's RI sessions are on Wednesdays and Saturdays; the day before, and on
    # the morning of, Wednesday 22 January.
    assert by_day[dt.date(2025, 1, 21)] == "टीका: सुनीता: टीडी-1 (गर्भ), टीका दिवस बुधवार 22 जनवरी को।"
    assert by_day[dt.date(2025, 1, 22)].startswith("टीका: सुनीता: टीडी-1 (गर्भ), आज टीका दिवस है।")
    assert replies[dt.date(2025, 1, 25)][0] == "दर्ज: सुनीता को टीडी-1 (गर्भ) लगे, तारीख़ 25 जनवरी 2025।"
    # Td-2: 4 weeks after Td-1 (25 January): Saturday 22 February, a session day.
    assert (
        by_day[dt.date(2025, 2, 21)] == "टीका: सुनीता: टीडी-2 (गर्भ), टीका दिवस शनिवार 22 फ़रवरी को।"
    )
    assert by_day[dt.date(2025, 2, 22)].startswith("टीका: सुनीता: टीडी-2 (गर्भ), आज टीका दिवस है।")
    tds = [day for day, text in by_day.items() if "टीडी" in text]
    assert tds == [
        dt.date(2025, 1, 21),
        dt.date(2025, 1, 22),
        dt.date(2025, 2, 21),
        dt.date(2025, 2, 22),
    ]  # nothing more once both are given
    # Near the expected date (8 October): is the baby born? Weekly, until she answers.
    asked = [day for day, text in by_day.items() if "क्या बच्चा हो गया?" in text]
    assert asked == [dt.date(2025, 10, 8), dt.date(2025, 10, 15)]
    born = replies[dt.date(2025, 10, 16)]
    assert born[0] == (
        "बधाई हो! 14 अक्टूबर 2025 को जन्मे शिशु का पंजीकरण हो गया। हर टीके से पहले याद दिलाएंगे।"
    )
    assert born[1].startswith("शिशु: बीसीजी, पोलियो-0")  # the birth doses, at once
    later = [text for day, text in by_day.items() if day > dt.date(2025, 10, 16)]
    assert later and all(text.startswith("टीका: शिशु") for text in later)  # the baby's
    session.rollback()
    caregiver = session.scalar(select(Caregiver).where(Caregiver.phone == MOTHER))
    people = {person.schedule: person for person in caregiver.children}
    assert people["uip-pregnancy"].name == "सुनीता"  # her record stays
    assert {d.code for d in people["uip-pregnancy"].doses} == {"td-p1", "td-p2"}
    assert people["uip"].birth_date == dt.date(2025, 10, 14)
    open_checks = [
        r
        for r in reminders_of(session, MOTHER)
        if r.kind.startswith("birth-check") and r.status == "planned"
    ]
    assert open_checks == []


def test_a_pregnancy_from_the_month_with_two_earlier_td_gets_one_booster(
    app, config, fake, phone, session
):
    mother = phone.other(MOTHER)
    with clock.frozen("2025-03-01T10:00"):
        assert mother.send("गर्भ") == ["आपका नाम क्या है?"]  # Hindi keyword, Hindi questions
        mother.send("रीना")
        mother.send("3")  # in the third month: her last period began about 76 days ago
        assert mother.send("हाँ")[0].startswith("आपका 6 अंकों का पिन कोड")
        confirm = mother.send("800001")
        assert confirm[0].startswith("जाँच लें: रीना, बच्चा लगभग 21 सितंबर 2025 को")
        registered = mother.send("1")
        assert registered[1].startswith("रीना: टीडी बूस्टर (गर्भ)")
    received = days_of_sweeps(app, config, fake, dt.date(2025, 3, 2), dt.date(2025, 4, 30), mother)
    texts = [text for day_texts in received.values() for text in day_texts]
    assert texts and all("टीडी बूस्टर (गर्भ)" in text for text in texts)
    assert not any("टीडी-1" in text or "टीडी-2" in text for text in texts)


def test_a_missing_td_is_still_reminded_after_36_weeks(app, config, fake, phone, session):
    mother = phone.other(MOTHER)
    with clock.frozen("2025-01-20T10:00"):
        for text in ("PREG", "Meena", "1/1/2025", "2", "560001", "1"):
            mother.send(text)

    def gets_td1(day: dt.date, texts: list[str]) -> None:
        if day == dt.date(2025, 1, 24):
            mother.send("DONE")

    received = days_of_sweeps(
        app, config, fake, dt.date(2025, 1, 21), dt.date(2025, 10, 7), mother, gets_td1
    )
    week_36 = dt.date(2025, 1, 1) + dt.timedelta(weeks=36)
    td2 = [day for day, texts in received.items() if any("Td-2" in t for t in texts)]
    assert td2[0] == dt.date(2025, 2, 19)  # due 4 weeks after Td-1 (Bengaluru: no RI days)
    # The usual chain (the day before, the day, and three times overdue), then nothing
    # until 36 weeks, when it is still to be given (uip-pregnancy.yaml, footnote *).
    assert td2 == [
        dt.date(2025, 2, 19),
        dt.date(2025, 2, 21),
        dt.date(2025, 2, 28),
        dt.date(2025, 3, 14),
        dt.date(2025, 3, 28),
        week_36,
    ]
    assert received[week_36] == [
        "Tika reminder: Meena's vaccines Td-2 (pregnancy) are still due: please get them now. "
        "Send DONE when given."
    ]
