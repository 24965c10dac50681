"""The phone simulator: SMS and IVR keys from the dashboard through the real flows and
store, on a simulated number kept apart from real caregivers, with nothing sent."""

import datetime as dt
import re

import pytest
from rq import Queue
from sqlalchemy import func, select

from bot.services import services
from bot.storage.models.core import Caregiver, Child, MessageLog, Reminder
from bot.storage.models.voice import IvrSession, VoiceCall
from scheduler import clock
from tests.dashboard_support import Staff, sign_in

pytestmark = pytest.mark.both_databases

REAL = "+919812345678"


class Simulator:
    """A signed-in member of staff using the simulator page's JSON endpoints."""

    def __init__(self, staff: Staff) -> None:
        self.staff = staff
        page = staff.get("/simulator")
        assert page.status_code == 200
        self.html = page.get_data(as_text=True)
        self.number = re.search(r'id="sim-phone">([^<]+)<', self.html)[1]

    def post(self, path: str, body: dict | None = None):
        return self.staff.client.post(
            path, json=body or {}, headers={"X-CSRFToken": self.staff.token}
        )

    def sms(self, text: str) -> list[str]:
        response = self.post("/simulator/sms", {"body": text})
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.json["phone"] == self.number
        return response.json["replies"]

    def call(self) -> dict:
        response = self.post("/simulator/voice/call")
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json

    def press(self, digits: str) -> dict:
        response = self.post("/simulator/voice/keys", {"digits": digits})
        assert response.status_code == 200, response.get_data(as_text=True)
        return response.json


@pytest.fixture
def simulator(app, client) -> Simulator:
    return Simulator(sign_in(app, client))


def caregiver(session, number: str) -> Caregiver | None:
    session.rollback()  # see what the app committed since
    return session.scalar(select(Caregiver).where(Caregiver.phone == number))


def reminders(session, caregiver_id: int) -> list[tuple]:
    session.rollback()
    rows = session.scalars(
        select(Reminder).where(Reminder.caregiver_id == caregiver_id).order_by(Reminder.id)
    )
    return [(r.id, r.kind, r.visit_date, r.status) for r in rows]


def messages(session, caregiver_id: int) -> list[tuple[str, str, str]]:
    session.rollback()
    rows = session.scalars(
        select(MessageLog).where(MessageLog.caregiver_id == caregiver_id).order_by(MessageLog.id)
    )
    return [(m.direction, m.channel, m.body) for m in rows]


def assert_nothing_sent(app, session, number: str) -> None:
    """No SMS or call through the gateway, queued, or waiting in the database."""
    tika = services(app)
    assert tika.sender._sent == {}  # the console gateway records what it would send
    assert session.scalars(select(VoiceCall).where(VoiceCall.phone == number)).all() == []
    for name in ("default", "sms", "voice", "broadcasts", "high", "low"):
        assert Queue(name, connection=tika.redis).count == 0


def test_the_page_gives_each_session_its_own_simulated_number(app, client, session):
    first = Simulator(sign_in(app, client))
    assert re.fullmatch(r"\+915550\d{6}", first.number)
    for selector in ('id="sim-input"', 'id="sim-send"', 'id="sim-thread"', 'id="sim-call"'):
        assert selector in first.html
    assert 'name="csrf-token"' in first.html
    assert Simulator(first.staff).number == first.number  # the same for the whole session
    other = Simulator(sign_in(app, app.test_client(), "officer@tika.example"))
    assert other.number != first.number
    for number in (first.number, other.number):
        row = caregiver(session, number)
        assert row.simulated is True and row.children == []


def test_registering_by_sms_in_the_simulator(app, simulator, phone, session):
    with clock.frozen("2025-03-20T10:00"):
        phone.send("REG Asha 15/3/2025 226001")  # a real caregiver, by the real webhook
        real = caregiver(session, REAL)
        real_reminders, real_messages = reminders(session, real.id), messages(session, real.id)
        assert real_reminders  # a real registration is planned its reminders

        assert simulator.sms("REG Asha 1/1/2025 226001") == [
            "Asha is registered; we will remind you before each vaccine.",
            "Asha: BCG, OPV-1, Penta-1, RVV-1 +2 can be given now, "
            "at the next session on Saturday 22 March.",
        ]
        assert simulator.sms("NEXT")[0].startswith("Asha: ")

    row = caregiver(session, simulator.number)
    assert row.simulated is True and (row.language, row.district) == ("en", "LUCKNOW")
    [child] = row.children
    assert (child.name, child.birth_date) == ("Asha", dt.date(2025, 1, 1))
    assert reminders(session, row.id) == []
    assert messages(session, row.id)[:3] == [
        ("in", "simulator", "REG Asha 1/1/2025 226001"),
        ("out", "simulator", "Asha is registered; we will remind you before each vaccine."),
        (
            "out",
            "simulator",
            "Asha: BCG, OPV-1, Penta-1, RVV-1 +2 can be given now, "
            "at the next session on Saturday 22 March.",
        ),
    ]
    assert_nothing_sent(app, session, simulator.number)
    # The real caregiver: untouched, and still not simulated.
    real = caregiver(session, REAL)
    assert real.simulated is False and [c.name for c in real.children] == ["Asha"]
    assert reminders(session, real.id) == real_reminders
    assert messages(session, real.id) == real_messages

    # The page shows the conversation again when reloaded.
    page = simulator.staff.get("/simulator").get_data(as_text=True)
    assert '<p class="bubble bot">Asha is registered; we will remind you' in page


def test_registering_by_ivr_keys_in_the_simulator(app, simulator, session):
    with clock.frozen("2025-03-20T10:00"):
        menu = simulator.call()
        assert menu["digits"] == 1 and not menu["ended"]
        assert "For English, press 2." in menu["prompts"]
        this_year = simulator.press("2")
        assert this_year["digits"] == 1
        assert simulator.press("1")["digits"] == 2  # the month
        simulator.press("03")
        read_back = simulator.press("15")  # the day
        assert read_back["digits"] == 1 and "fifteen" in read_back["prompts"][0].lower()
        ask_pin = simulator.press("1")
        assert ask_pin["digits"] == 6
        pin_back = simulator.press("226001")
        assert "Lucknow" in pin_back["prompts"][0]
        registered = simulator.press("1")
        assert registered["prompts"][0].startswith("Thank you.")
        assert "is registered" in registered["prompts"][0]
        assert registered["sms"]  # shown on the page: the SMS the caller would get
        assert not registered["ended"]

    row = caregiver(session, simulator.number)
    assert row.simulated is True and row.channel == "voice"
    [child] = row.children
    assert child.birth_date == dt.date(2025, 3, 15)
    assert reminders(session, row.id) == []
    assert_nothing_sent(app, session, simulator.number)  # not even the SMS notices
    [call] = session.scalars(select(IvrSession).where(IvrSession.phone == simulator.number))
    assert call.caregiver_id == row.id


def test_an_ended_call_takes_no_more_keys(app, simulator):
    with clock.frozen("2025-03-20T10:00"):
        simulator.call()
        hung = simulator.post("/simulator/voice/hangup")
        assert hung.status_code == 200
        refused = simulator.post("/simulator/voice/keys", {"digits": "2"})
        assert refused.status_code == 409 and refused.json["error"]
        bad = simulator.post("/simulator/voice/keys", {"digits": "12a"})
        assert bad.status_code == 400


def test_a_simulated_caregiver_erased_comes_back_simulated(app, simulator, session):
    with clock.frozen("2025-03-20T10:00"):
        simulator.sms("REG Asha 1/1/2025 226001")
        simulator.sms("DELETE")
        assert simulator.sms("1") == ["All your data is erased. Send any message to start again."]
        session.rollback()
        assert session.scalar(select(Child).where(Child.name == "Asha")) is None
        simulator.sms("REG Asha 1/1/2025 226001")
    row = caregiver(session, simulator.number)
    assert row.simulated is True and reminders(session, row.id) == []


def test_a_new_phone_erases_the_old_one(app, simulator, session):
    with clock.frozen("2025-03-20T10:00"):
        simulator.sms("REG Asha 1/1/2025 226001")
    old = simulator.number
    response = simulator.staff.post("/simulator/reset")
    assert response.status_code == 302
    assert caregiver(session, old) is None
    fresh = Simulator(simulator.staff)
    assert fresh.number != old and caregiver(session, fresh.number).children == []
    thread = fresh.html.split('id="sim-thread"')[1].split("</div>")[0]
    assert "bubble note" in thread and "bubble bot" not in thread and "bubble me" not in thread


def test_without_the_csrf_token_or_sign_in_nothing_happens(app, client, session):
    visitor = Staff(client)
    visitor.get("/login")  # a valid token, but nobody signed in
    signed_out = client.post(
        "/simulator/sms", json={"body": "HELLO"}, headers={"X-CSRFToken": visitor.token}
    )
    assert signed_out.status_code == 401
    staff = sign_in(app, client)
    Simulator(staff)
    refused = client.post("/simulator/sms", json={"body": "HELLO"})
    assert refused.status_code == 400
    session.rollback()
    assert session.scalar(select(func.count()).select_from(MessageLog)) == 0


def test_the_page_in_hindi_and_english(app, simulator):
    english = simulator.staff.get("/simulator").get_data(as_text=True)
    assert '<html lang="en">' in english or '<html lang="hi">' in english
    simulator.staff.post("/language", {"lang": "hi", "next": "/simulator"})
    hindi = simulator.staff.get("/simulator").get_data(as_text=True)
    assert '<html lang="hi">' in hindi and 'id="sim-input"' in hindi
    with clock.frozen("2025-03-20T10:00"):
        replies = simulator.sms("पंजीकरण आशा 15/3/2025 273001")  # the caregiver's language
    assert replies[0] == "आशा का पंजीकरण हो गया; हर टीके से पहले हम याद दिलाएंगे।"
    simulator.staff.post("/language", {"lang": "en", "next": "/simulator"})
    assert '<html lang="en">' in simulator.staff.get("/simulator").get_data(as_text=True)
