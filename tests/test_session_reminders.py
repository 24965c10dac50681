"""Reminders on session days, over two weeks of sweeps: where a state's routine-
immunisation weekdays are known, the advance reminder goes the day before the session
on or after the due date (in the caregiver's slot) and a short one on the session's
morning; elsewhere, two days before the due date and on it. Real RQ worker processes,
the real twilio client, a local Twilio-like server."""

import datetime as dt

import pytest

from bot.services import services
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import sending_through
from tests.support import at, run_worker

pytestmark = pytest.mark.both_databases

LUCKNOW = "+919800000061"  # UP: sessions on Wednesdays and Saturdays; evening slot
PATNA = "+919800000062"  # Bihar: Wednesdays and Fridays
BENGALURU = "+919800000063"  # Karnataka: session days not known to Tika
FIRST_DAY = dt.date(2025, 2, 3)
SLOTS = ("10:00", "14:00", "18:00")


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


@pytest.fixture
def families(phone):
    with clock.frozen("2025-01-25T10:00"):
        lucknow = phone.other(LUCKNOW)
        lucknow.send("REG Asha 30/12/2024 226001")  # 6 weeks: Monday 10 February
        lucknow.send("DONE 30/12")
        lucknow.send("TIME evening")
        patna = phone.other(PATNA)
        patna.send("REG Geeta 3/1/2025 800001")  # 6 weeks: Friday 14 February
        patna.send("DONE 3/1")
        bengaluru = phone.other(BENGALURU)
        bengaluru.send("REG Ravi 1/1/2025 560001")  # 6 weeks: Wednesday 12 February
        bengaluru.send("DONE 1/1")


def two_weeks_of_sweeps(app, config, fake) -> dict[str, list[tuple[str, str]]]:
    """Sweep at the start of each slot for 14 days; each phone's messages, by moment."""
    tika, seen, received = services(app), 0, {}
    for n in range(14):
        day = FIRST_DAY + dt.timedelta(days=n)
        for hour in SLOTS:
            moment = f"{day.isoformat()}T{hour}:00+05:30"
            with clock.frozen(moment):
                if sweep(tika, at(moment)).claimed:
                    run_worker(config, moment.replace(":00+", ":30+"))
            for message in fake.messages[seen:]:
                received.setdefault(message["to"], []).append((f"{day} {hour}", message["body"]))
            seen = len(fake.messages)
    return received


def test_reminders_fall_on_the_session_days(app, config, fake, families):
    received = two_weeks_of_sweeps(app, config, fake)
    vaccines = "OPV-1, Penta-1, RVV-1 +2"  # five: as many as fit a DLT variable, then +N
    assert received[LUCKNOW] == [
        # The day before Wednesday's session, in her evening slot ...
        (
            "2025-02-11 18:00",
            f"Tika reminder: Asha's vaccines {vaccines}: the vaccination session is on "
            "Wednesday 12 February.",
        ),
        # ... and on the session's morning.
        (
            "2025-02-12 10:00",
            f"Tika reminder: Asha's vaccines {vaccines}: the vaccination session is today. "
            "Send DONE when given.",
        ),
    ]
    assert [moment for moment, _ in received[PATNA]] == ["2025-02-13 10:00", "2025-02-14 10:00"]
    assert "session is on Friday 14 February" in received[PATNA][0][1]
    assert "session is today" in received[PATNA][1][1]
    # Where the state's session days are not known: two days before the due date, and on it.
    assert received[BENGALURU] == [
        (
            "2025-02-10 10:00",
            f"Tika reminder: Ravi's vaccines {vaccines} are due on 12 February.",
        ),
        (
            "2025-02-12 10:00",
            f"Tika reminder: Ravi's vaccines {vaccines} are due today. Send DONE when given.",
        ),
    ]


def test_next_names_the_session_day(phone, frozen_clock, families):
    with frozen_clock("2025-02-01T10:00"):
        assert phone.other(LUCKNOW).send("NEXT") == [
            "Asha: next vaccines OPV-1, Penta-1, RVV-1 +2 at the session on Wednesday 12 February."
        ]
        assert phone.other(BENGALURU).send("NEXT") == [
            "Ravi: next vaccines OPV-1, Penta-1, RVV-1 +2 on 12 February 2025."
        ]
