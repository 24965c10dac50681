"""Campaign-day announcements end to end: IMI 2.0 loaded with ``flask --app bot campaigns
load``, the sweep plans the round's announcements, real RQ worker processes send them
through the real twilio client to a local Twilio-like server.

Only families in the campaign's districts whose children have overdue doses hear of the
round, in their language, inside their time slot, once per announcement day, never
after STOP.
"""

import datetime as dt

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Reminder
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import sending_through
from tests.support import run_worker

pytestmark = pytest.mark.both_databases

LEFT_OUT = "+919800000011"  # Bahraich, nothing given since birth, English
DROP_OUT = "+919800000012"  # Bahraich, Penta-1 given and Penta-2 overdue, Hindi, evening
ON_TIME = "+919800000013"  # Bahraich, a newborn whose birth doses are given
ELSEWHERE = "+919800000014"  # Lucknow, not a campaign district, nothing given
STOPPED = "+919800000015"  # Bahraich, nothing given, said STOP
ROUND_DAYS = "2, 3, 5, 6, 9, 10, 12 December"  # Sundays and UP's Wed/Sat RI days left out


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


@pytest.fixture
def families(phone):
    with clock.frozen("2019-11-25T10:00"):
        phone.other(LEFT_OUT).send("REG Asha 1/1/2019 271801")
        drop_out = phone.other(DROP_OUT)
        drop_out.send("पंजीकरण रवि 1/3/2019 271801")
        drop_out.send("हो गया 1/3")  # the birth doses
        drop_out.send("हो गया 15/4")  # Penta-1 and the rest of the 6-week visit
        drop_out.send("TIME evening")
        on_time = phone.other(ON_TIME)
        on_time.send("REG Kiran 20/11/2019 271801")
        on_time.send("DONE 20/11")
        phone.other(ELSEWHERE).send("REG Meena 1/1/2019 226001")
        phone.other(STOPPED).send("REG Sunil 1/1/2019 271801")
        phone.other(STOPPED).send("STOP")


def at(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment + "+05:30")


def announced(fake) -> dict[str, str]:
    """Each number's message that announces the campaign."""
    return {
        m["to"]: m["body"]
        for m in fake.messages
        if "Mission Indradhanush" in m["body"] or "मिशन इंद्रधनुष" in m["body"]
    }


def test_a_round_is_announced_only_to_families_with_overdue_doses(app, config, fake, web, families):
    with app.app_context():
        loaded = app.test_cli_runner().invoke(args=["campaigns", "load", "imi-2.0"])
    assert loaded.exit_code == 0, loaded.output
    assert "2019-11-30 (campaign-before, round of 2019-12-02)" in loaded.output
    tika = services(app)

    # Two days before the first round, in the morning slot: the English left-out family.
    with clock.frozen("2019-11-30T10:00"):
        sweep(tika, at("2019-11-30T10:00:00"))
        run_worker(config, "2019-11-30T10:00:30+05:30")
    assert announced(fake) == {
        LEFT_OUT: (
            "Tika reminder: Mission Indradhanush, vaccination days in your area: "
            # Nine vaccines: as many as fit a DLT variable (30 characters), the rest counted.
            f"{ROUND_DAYS}. Asha's pending vaccines: BCG, OPV-1, Penta-1, RVV-1 +5. "
            "Send DONE when given."
        )
    }

    # In the evening slot: the Hindi drop-out family hears it in Hindi, Penta-2 pending.
    with clock.frozen("2019-11-30T18:00"):
        sweep(tika, at("2019-11-30T18:00:00"))
        run_worker(config, "2019-11-30T18:00:30+05:30")
    hindi = announced(fake)[DROP_OUT]
    assert hindi.startswith("टीका: मिशन इंद्रधनुष: आपके यहाँ टीकाकरण 2, 3, 5, 6, 9, 10, 12 दिसंबर।")
    assert "रवि: " in hindi and "पेंटा-2" in hindi and "पेंटा-1" not in hindi
    assert set(announced(fake)) == {LEFT_OUT, DROP_OUT}
    assert not [m for m in fake.messages if m["to"] == STOPPED]

    # A second sweep that day sends nothing again; the round's first day announces again.
    sent_before = len(fake.messages)
    with clock.frozen("2019-11-30T19:00"):
        assert sweep(tika, at("2019-11-30T19:00:00")).claimed == 0
    assert len(fake.messages) == sent_before
    with clock.frozen("2019-12-02T10:00"):
        sweep(tika, at("2019-12-02T10:00:00"))
        run_worker(config, "2019-12-02T10:00:30+05:30")
    with tika.db.session(write=False) as session:
        kinds = session.execute(
            select(Reminder.kind, Reminder.status).where(Reminder.kind.like("campaign-%"))
        ).all()
    assert sorted(kinds) == [
        ("campaign-before", "sent"),
        ("campaign-before", "sent"),
        ("campaign-start", "planned"),  # the evening family's, later that day
        ("campaign-start", "sent"),
    ]
    starts = [m for m in fake.messages[sent_before:] if m["to"] == LEFT_OUT]
    assert len(starts) == 1 and ROUND_DAYS in starts[0]["body"]


def register_adult(phone, number: str, first_dose: str, pincode: str) -> None:
    """An English-speaking adult who had a first Covishield dose on ``first_dose``."""
    adult = phone.other(number)
    adult.send("COVID")
    adult.send("2")  # English
    adult.send("1")  # Covishield: the second dose from 12 weeks after the first
    adult.send(first_dose)
    adult.send("Sunita")
    adult.send(pincode)
    assert "registered" in adult.send("1")[0]


def test_a_door_to_door_drive_announces_its_days_to_adults_with_a_dose_due(
    app, config, fake, web, phone
):
    with clock.frozen("2021-10-20T10:00"):
        register_adult(phone, "+919800000021", "1/7/2021", "226001")  # due since 23 Sep
        register_adult(phone, "+919800000022", "15/10/2021", "226001")  # not before January
        register_adult(phone, "+919800000023", "1/7/2021", "271801")  # Bahraich: not a target
    with app.app_context():
        loaded = app.test_cli_runner().invoke(args=["campaigns", "load", "har-ghar-dastak-example"])
    assert loaded.exit_code == 0, loaded.output
    with clock.frozen("2021-11-01T10:00"):
        sweep(services(app), at("2021-11-01T10:00:00"))
        run_worker(config, "2021-11-01T10:00:30+05:30")
    drive = [m for m in fake.messages if "Har Ghar Dastak" in m["body"]]
    assert [(m["to"], m["body"]) for m in drive] == [
        (
            "+919800000021",
            # Ten days, too many to list in a DLT variable (30 characters): the first and the
            # last. The overdue-dose reminder of the same day is not repeated, and names no
            # RI session (COVID-19 doses are not given there).
            "Tika reminder: Har Ghar Dastak, vaccination days in your area: 3 November - "
            "13 November. Sunita's pending vaccines: Covishield dose 2. Send DONE when given.",
        )
    ]


def test_campaign_days_per_state_in_the_cli(app):
    with app.app_context():
        result = app.test_cli_runner().invoke(
            args=["campaigns", "days", "imi-2.0", "--state", "UP", "--lang", "hi"]
        )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Intensified Mission Indradhanush 2.0, UP:"
    assert len(lines) == 5 and all(line.count(",") == 6 for line in lines[1:])
    assert lines[1].startswith("  round 1: सोम 2 दिस॰ 2019, मंगल 3 दिस॰ 2019, गुरु 5 दिस॰ 2019")
    with app.app_context():
        unknown = app.test_cli_runner().invoke(args=["campaigns", "load", "no-such-campaign"])
    assert unknown.exit_code != 0 and "no-such-campaign" in unknown.output
