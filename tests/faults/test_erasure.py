"""DELETE erases everything about a phone, even when the first contact was a missed call,
and a provider's webhook replayed from before it (the same MessageSid or CallSid) cannot
bring anything back. A replayed missed call never makes a second call-back."""

from __future__ import annotations

import pytest
from sqlalchemy import inspect, select, text

from bot.broadcasts import lifecycle as broadcasts
from bot.broadcasts.audience import Audience
from bot.services import services
from bot.storage.models.core import Caregiver
from bot.storage.models.voice import VoiceCall
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import sending_through
from tests.support import run_worker

pytestmark = pytest.mark.both_databases

NUMBER = "+919812345678"


@pytest.fixture
def config(config, fake, web_port):
    return {**sending_through(config, fake, web_port), "VOICE_CALLS_PER_SECOND": 1000}


def rows_holding(app, needle: str) -> list[str]:
    """Every table.column whose text holds ``needle`` somewhere (the phone's digits)."""
    engine = services(app).db.engine
    found = []
    with engine.connect() as conn:
        for table in inspect(engine).get_table_names():
            if table == "alembic_version":
                continue
            for column in inspect(engine).get_columns(table):
                name = column["name"]
                hits = conn.execute(
                    text(f'SELECT COUNT(*) FROM {table} WHERE CAST("{name}" AS TEXT) LIKE :n'),
                    {"n": f"%{needle}%"},
                ).scalar()
                if hits:
                    found.append(f"{table}.{name}")
    return found


def rows_of(app, caregiver_id: int) -> list[str]:
    """The tables that hold a row of caregiver ``caregiver_id``."""
    engine = services(app).db.engine
    found = []
    with engine.connect() as conn:
        for table in sorted(inspect(engine).get_table_names()):
            names = {column["name"] for column in inspect(engine).get_columns(table)}
            if "caregiver_id" in names:
                query = text(f"SELECT COUNT(*) FROM {table} WHERE caregiver_id = :c")
                if conn.execute(query, {"c": caregiver_id}).scalar():
                    found.append(table)
    return found


def test_delete_after_a_missed_call_first_erases_every_row_and_replays_bring_nothing_back(
    app, client, config, fake, line, phone
):
    with clock.frozen("2025-03-20T10:00"):
        line.missed_call()  # first contact: a missed call, a call-back owed
        missed = dict(line.form(), CallSid=line.call_sid)
        ivr = line.call()  # then a call to the paid line: an IVR session under its CallSid
        answered = dict(line.form(), CallSid=line.call_sid)
        registered = phone.form("REG Asha 15/3/2025 226001")
        assert phone.post(registered).status_code == 200
        assert rows_holding(app, "9812345678")  # the phone is on file
        # A broadcast to Lucknow picks her, and the sweep queues its job and her
        # reminders; none of it has gone out yet.
        tika = services(app)
        audience = Audience.from_dict({"districts": ["Lucknow"]})
        texts = {"hi": "टीका अभियान: बुधवार को सत्र है।", "en": "Vaccination drive on Wednesday."}
        broadcasts.schedule(tika, broadcasts.create(tika, "drive", texts, audience, "t"), None)
        sweep(tika, clock.now())
        with tika.db.reading() as conn:
            caregiver = conn.scalar(select(Caregiver.id).where(Caregiver.phone == NUMBER))
        held = {"broadcast_recipient", "reminder", "message_log", "child", "conversation"}
        assert held <= set(rows_of(app, caregiver))
        phone.send("DELETE")
        assert "erased" in phone.send("1")[0]
        assert rows_holding(app, "9812345678") == []
        assert rows_of(app, caregiver) == []

        # The call-back's job, still queued, dials nobody.
        run_worker(config, "2025-03-20T10:00:30+05:30")
        assert fake.calls == []

        # Every webhook from before the DELETE, replayed: nothing comes back.
        assert phone.post(registered).status_code == 200
        line.post("/twilio/voice/missed", missed)
        again = line.post("/twilio/voice", answered)
        assert again.status_code == 200
        assert "<Hangup />" in again.get_data(as_text=True)  # goodbye, and nothing asked
        line.press(ivr, "1")
        assert rows_holding(app, "9812345678") == []
        with services(app).db.reading() as conn:
            assert conn.scalar(select(VoiceCall.id)) is None
        run_worker(config, "2025-03-20T10:01:00+05:30")
        assert fake.calls == [] and fake.messages == []


def test_a_replayed_missed_call_makes_no_second_call_back(app, config, fake, web, line):
    with clock.frozen("2025-03-20T10:00"):
        line.missed_call()
        first = dict(line.form(), CallSid=line.call_sid)
        run_worker(config, "2025-03-20T10:00:05+05:30")
        [call] = fake.calls
        line.pick_up(call["url"], call["sid"])  # the call-back is answered: closed
    with clock.frozen("2025-03-20T10:30"):
        line.post("/twilio/voice/missed", first)  # the same webhook, half an hour later
        run_worker(config, "2025-03-20T10:30:05+05:30")
    assert len(fake.calls) == 1
    with services(app).db.reading() as conn:
        assert len(conn.execute(select(VoiceCall.id)).all()) == 1
