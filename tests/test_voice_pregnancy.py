"""A pregnancy on the keypad (issue 28): at the first registration question, 3 is "I am
pregnant"; then the month of pregnancy (1-9), Td in an earlier pregnancy, the PIN code.
Her Td reminders come as calls, checked day by day with the sweep; she reports a dose by
giving a call and pressing 2. Signed webhooks on the real app, real RQ workers, calls
through the real twilio client to a local server that answers like Twilio."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Caregiver
from bot.sweep import sweep
from scheduler import clock
from tests import test_voice_reminders
from tests.support import at, run_worker
from tests.voice_support import VoiceLine

pytestmark = pytest.mark.both_databases

NUMBER = test_voice_reminders.NUMBER
config = test_voice_reminders.config  # calls and SMS through the fake Twilio


def heard_each_day(app, config, fake, line: VoiceLine, first: dt.date, last: dt.date, on_day):
    """A sweep every morning; each reminder call the service places is answered and
    heard. The lines heard, by day; ``on_day(day)`` may call in."""
    tika, seen, heard = services(app), 0, {}
    day = first
    while day <= last:
        moment = f"{day.isoformat()}T10:30:00+05:30"
        with clock.frozen(moment):
            if sweep(tika, at(moment)).claimed:
                run_worker(config, f"{day.isoformat()}T10:30:30+05:30")
                assert fake.wait_for_callbacks()
            for call in fake.calls[seen:]:
                heard[day] = line.pick_up(call["url"], call["sid"]).lines
            seen = len(fake.calls)
        with clock.frozen(f"{day.isoformat()}T12:00"):
            on_day(day)
        day += dt.timedelta(days=1)
    return heard


def test_a_pregnancy_by_keypad_from_the_month_gets_td1_and_td2_calls(
    app, config, fake, web, line, session
):
    with clock.frozen("2025-03-01T10:00"):  # a Saturday
        first = line.press(line.call(), "1")  # हिंदी
        assert first.lines[-1] == "अगर आप गर्भवती हैं, तो 3 दबाएँ।"
        month = line.press(first, "3")
        assert month.lines == ["आपका गर्भ कौन-सा महीना चल रहा है? 1 से 9 तक का बटन दबाएँ।"]
        td = line.press(month, "3")  # the third month: her last period began 15 December
        assert td.lines[0].startswith("पिछले 3 साल में किसी गर्भावस्था में")
        pin_back = line.keys(td, "2", "800001")  # Patna
        registered = line.press(pin_back, "1")
        assert registered.lines[:2] == [
            "धन्यवाद। आपकी गर्भावस्था का पंजीकरण हो गया; बच्चा लगभग इक्कीस सितंबर दो हज़ार "
            "पच्चीस को होगा। हर Td टीके से पहले हम याद दिलाएंगे।",
            "माँ के टीके टीडी 1 (गर्भ) अभी लग सकते हैं।",
        ]
    session.rollback()
    [pregnancy] = session.scalar(select(Caregiver).where(Caregiver.phone == NUMBER)).children
    assert (pregnancy.schedule, pregnancy.birth_date) == ("uip-pregnancy", dt.date(2024, 12, 15))

    def reports(day: dt.date) -> None:
        if day in (dt.date(2025, 3, 5), dt.date(2025, 4, 2)):  # after the session: 2, then 1
            line.keys(line.call(), "2", "1")

    heard = heard_each_day(
        app, config, fake, line, dt.date(2025, 3, 2), dt.date(2025, 4, 30), reports
    )
    # Patna's sessions are on Wednesdays and Fridays: Td-1 on Wednesday 5 March, the day
    # before and on the day; Td-2 four weeks later, on Wednesday 2 April.
    days = {day: " ".join(lines) for day, lines in heard.items()}
    assert list(days) == [
        dt.date(2025, 3, 4),
        dt.date(2025, 3, 5),
        dt.date(2025, 4, 1),
        dt.date(2025, 4, 2),
    ]
    assert all("टीडी 1" in days[day] for day in list(days)[:2])
    assert all("टीडी 2" in days[day] for day in list(days)[2:])
    session.rollback()
    [pregnancy] = session.scalar(select(Caregiver).where(Caregiver.phone == NUMBER)).children
    assert sorted((d.code, d.given_on) for d in pregnancy.doses) == [
        ("td-p1", dt.date(2025, 3, 5)),
        ("td-p2", dt.date(2025, 4, 2)),
    ]
