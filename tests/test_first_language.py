"""A new phone's first reply in the language its state speaks (issue 27, item 6).

Exotel's number metadata API tells a number's telecom circle; where the circle is in a
Hindi-speaking state, a mother new to Tika is welcomed in Hindi and asked at once whether
it is for a child or a pregnancy, with "For English, send ENGLISH" in the same SMS.
Elsewhere, or where the circle is not known, she gets the language menu first. End to
end: the webhook, a real RQ worker, our Exotel adapters and a local server that answers
like Exotel's API.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Caregiver
from flows.engine import process
from flows.turn import Profile, State
from locales import render_sms
from locales.places import circle_state
from locales.segments import segment_count
from scheduler import clock
from tests import test_exotel
from tests.support import run_worker
from tests.test_exotel import Mother, assert_every_sms_fills_an_approved_template

# The Exotel tests' fixtures: a fake Exotel, every template approved.
exotel, approvals = test_exotel.exotel, test_exotel.approvals
exotel_config = test_exotel.config


@pytest.fixture
def config(exotel_config):
    """The service on the fake Exotel, looking up new numbers' circles there."""
    return {**exotel_config, "CIRCLE_LOOKUP": "exotel"}


pytestmark = pytest.mark.both_databases

UP_EAST = ("UE", "Uttar Pradesh (East) Telecom Circle")
KARNATAKA = ("KA", "Karnataka Telecom Circle")
DEVANAGARI = re.compile("[\u0900-\u097f]")


def converse(mother: Mother, config: dict, *texts: str) -> list[str]:
    """Each text in turn, a worker handling it; the replies she received."""
    for n, text in enumerate(texts):
        with clock.frozen(f"2025-01-20T10:{n:02d}"):
            mother.texts(text)
        run_worker(config, f"2025-01-20T10:{n:02d}:30+05:30")
    return mother.received()


def language_of(app, phone: str) -> str | None:
    with services(app).db.session(write=False) as session:
        return session.scalars(select(Caregiver.language).where(Caregiver.phone == phone)).one()


def test_a_mother_in_a_hindi_circle_is_welcomed_in_hindi_without_the_language_menu(
    app, config, exotel, web, approvals
):
    mother = Mother(exotel, web, "09812399001")
    exotel.circle(mother.national, *UP_EAST)
    replies = converse(mother, config, "Namaste", "सीता", "1/1/2025", "226001", "1")
    first = replies[0]
    assert "बच्चे के लिए 1, गर्भावस्था के लिए 2" in first
    assert "For English, send ENGLISH." in first and "हिंदी के लिए 1" not in first
    assert segment_count(first) == 2
    assert "सीता" in replies[1] and DEVANAGARI.search(replies[1])  # the birth date, in Hindi
    assert all(DEVANAGARI.search(reply) for reply in replies)
    assert language_of(app, mother.e164) == "hi"
    assert exotel.lookups == [mother.national]  # asked once: her number was new then
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == len(replies)


def test_she_can_choose_english_instead(app, config, exotel, web):
    mother = Mother(exotel, web, "09812399002")
    exotel.circle(mother.national, *UP_EAST)
    replies = converse(mother, config, "hello", "English", "1", "Asha", "1/1/2025", "226001", "1")
    assert replies[1].startswith("Send 1 for a child's vaccines, 2 for a pregnancy's.")
    assert replies[2].startswith("What is your child's name?")
    assert replies[3].startswith("When was Asha born?")
    assert any(reply.startswith("Asha is registered") for reply in replies)
    assert language_of(app, mother.e164) == "en"


def test_outside_the_hindi_states_or_without_a_circle_the_language_menu_comes_first(
    config, exotel, web
):
    bengaluru = Mother(exotel, web, "09812399003")
    exotel.circle(bengaluru.national, *KARNATAKA)
    unknown = Mother(exotel, web, "09812399004")  # the API answers 404 for it
    for mother in (bengaluru, unknown):
        [menu] = converse(mother, config, "Hi")
        assert "हिंदी के लिए 1 भेजें" in menu and "For English, send 2." in menu


def test_a_one_message_registration_from_a_hindi_circle_is_answered_in_hindi(
    app, config, exotel, web
):
    mother = Mother(exotel, web, "09812399005")
    exotel.circle(mother.national, "BR", "Bihar & Jharkhand Telecom Circle")
    replies = converse(mother, config, "REG Geeta 1/1/2025 800001")
    assert replies and all(DEVANAGARI.search(reply) for reply in replies)
    assert language_of(app, mother.e164) == "hi"


def test_a_known_sender_is_not_looked_up_again(config, exotel, web):
    mother = Mother(exotel, web, "09812399006")
    exotel.circle(mother.national, *UP_EAST)
    converse(mother, config, "Hi", "Ravi")
    assert exotel.lookups == [mother.national]


@pytest.mark.parametrize(
    ("code", "name", "state"),
    [
        ("UE", "", "UTTAR PRADESH"),
        ("UW", "Uttar Pradesh (West) Telecom Circle", "UTTAR PRADESH"),
        ("BR", "", "BIHAR"),
        ("MU", "Mumbai Metro", "MAHARASHTRA"),
        ("GJ", "Gujarat Telecom Circle (includes Daman & Diu)", "GUJARAT"),
        ("XX", "Madhya Pradesh & Chhattisgarh", "MADHYA PRADESH"),  # read from the name
        ("", "", None),
        ("ZZ", "Somewhere else", None),
    ],
)
def test_a_circle_stands_for_a_state(code, name, state):
    assert circle_state(code, name) == state


def test_a_language_chosen_before_wins_over_the_circle():
    profile = Profile(language="en", region="UTTAR PRADESH")
    outcome = process(profile, State(), "hi", dt.date(2025, 1, 20))
    [reply] = [render_sms(text, outcome.language) for text in outcome.replies]
    assert not DEVANAGARI.search(reply)
