"""Exotel end to end: mothers text an ExoPhone, real RQ workers run the conversation and
reply through the outbox, reminders and broadcasts go out, all through our Exotel adapter
to a local server that answers like Exotel's API and calls our status callbacks.

Every SMS the fake receives carries the DLT entity id and the id of an approved template
whose content, its variables filled in (each at most 30 characters), is the body exactly.
"""

from __future__ import annotations

import logging
import re

import pytest
from sqlalchemy import select

from bot import create_app
from bot.channels.dlt import VAR, load_registry, read_approvals, write_approvals
from bot.channels.dlt_gate import REFUSED_COUNTER
from bot.channels.senders import NO_TEMPLATE
from bot.services import services
from bot.storage import alerts
from bot.storage.models.core import Caregiver, MessageLog
from bot.sweep import sweep
from flows.sms_templates import ANNOUNCE_NOTICE
from locales import VARIABLE_LIMIT, Text, render_sms
from scheduler import clock
from tests.fake_exotel import FakeExotel, Outcome
from tests.support import approve_every_template, at, run_worker

pytestmark = pytest.mark.both_databases

ACCOUNT, API_KEY, API_TOKEN = "tikahealth1", "exotel-api-key", "exotel-api-token"
WEBHOOK_TOKEN = "exotel-webhook-secret-of-the-tests"
ENTITY = "1101456789012345678"
HEADER = "TIKAHS"
EXOPHONE = "08033334444"
API = "token-for-the-district-team"


@pytest.fixture
def exotel():
    with FakeExotel(ACCOUNT, API_KEY, API_TOKEN, require_dlt=True) as fake:
        yield fake


@pytest.fixture
def approvals(tmp_path):
    """Every template approved on the portal, each with its own id."""
    return approve_every_template(tmp_path / "dlt_templates.csv")


@pytest.fixture
def config(config, exotel, web_port, approvals):
    return {
        **config,
        "SMS_BACKEND": "exotel",
        "EXOTEL_ACCOUNT_SID": ACCOUNT,
        "EXOTEL_API_KEY": API_KEY,
        "EXOTEL_API_TOKEN": API_TOKEN,
        "EXOTEL_SENDER_ID": HEADER,
        "EXOTEL_API_BASE": exotel.url,
        "EXOTEL_WEBHOOK_TOKEN": WEBHOOK_TOKEN,
        "DLT_ENTITY_ID": ENTITY,
        "DLT_TEMPLATES": str(approvals),
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "SMS_RATE_PER_SECOND": 1000,
        "API_TOKENS": f"district-team:{API}",
        # Circles are looked up in tests/test_first_language.py; these tests keep the
        # delivery timing they were written for (see the 429 storm test).
        "CIRCLE_LOOKUP": "none",
    }


class Mother:
    """A caregiver's phone texting the ExoPhone; Exotel delivers each SMS to our webhook."""

    def __init__(self, exotel: FakeExotel, web: str, national: str) -> None:
        self.exotel, self.url, self.national = exotel, f"{web}/exotel/sms/{WEBHOOK_TOKEN}", national
        self.e164 = "+91" + national.lstrip("0")
        self.count = 0

    def texts(self, body: str, sid: str | None = None, **how) -> str:
        self.count += 1
        sid = sid or f"{self.national}{self.count:04d}sid"
        assert self.exotel.inbound(self.url, self.national, EXOPHONE, body, sid, **how) == 200
        return sid

    def received(self) -> list[str]:
        return [m["body"] for m in self.exotel.messages if m["to"] == self.e164]


def assert_every_sms_fills_an_approved_template(exotel: FakeExotel, approvals) -> int:
    """Each message: the entity id, an approved template's id, and the body that template
    gives with its variables (each 1-30 characters) filled in. Returns how many."""
    registry = load_registry(approvals)
    by_id = {t.template_id: t for t in registry.templates}
    for message in exotel.messages:
        assert message["dlt_entity_id"] == ENTITY
        assert message["from_"] == HEADER
        template = by_id[message["dlt_template_id"]]
        pattern = f"(.{{1,{VARIABLE_LIMIT}}})"
        literal = [re.escape(part) for part in template.content.split(VAR)]
        found = re.fullmatch(pattern.join(literal), message["body"], flags=re.S)
        assert found, (template.name, message["body"])
        filled = template.content
        for value in found.groups():
            assert len(value) <= VARIABLE_LIMIT
            filled = filled.replace(VAR, value, 1)
        assert filled == message["body"]
        unicode = any(ord(ch) > 127 for ch in message["body"])
        assert (message["encoding_type"] == "unicode") == unicode
    return len(exotel.messages)


def statuses(app) -> dict[str, tuple[str, int | None]]:
    with services(app).db.session(write=False) as session:
        rows = session.scalars(select(MessageLog).where(MessageLog.direction == "out")).all()
        return {row.provider_sid: (row.status, row.error_code) for row in rows}


def test_a_mother_registers_in_hindi_and_gets_replies_from_a_worker(
    app, config, exotel, web, approvals
):
    mother = Mother(exotel, web, "09812345678")
    with clock.frozen("2025-01-20T10:00"):
        mother.texts("पंजीकरण आशा 1/1/2025 226001", method="GET", head_first=True)
    assert exotel.messages == []  # the webhook only records and queues
    run_worker(config, "2025-01-20T10:00:05+05:30")
    replies = mother.received()
    assert replies and "आशा" in replies[0]
    assert all(re.search("[\u0900-\u097f]", reply) for reply in replies)  # in Hindi
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == len(replies)
    with services(app).db.session(write=False) as session:
        [caregiver] = session.scalars(select(Caregiver)).all()
        assert caregiver.phone == mother.e164  # 0-prefixed, stored in E.164
        # Her consent, which broadcasts (DLT's service-explicit messages) rest on: when, how.
        assert caregiver.consent_at == at("2025-01-20T10:00:05+05:30")  # handled then
        assert caregiver.consent_channel == "sms"


def test_a_mother_registers_in_english_step_by_step_and_stops(app, config, exotel, web, approvals):
    mother = Mother(exotel, web, "09812300001")
    with clock.frozen("2025-01-20T10:00"):
        for text in ("Hi", "2", "Asha", "1/1/2025", "226001", "1"):
            mother.texts(text, json=True)
    run_worker(config, "2025-01-20T10:00:05+05:30")
    replies = mother.received()
    assert "For English, send 2." in replies[0]  # the menu: one template, in Hindi first
    assert replies[1].startswith("Send 1 for a child's vaccines")  # in English from then on
    assert any(reply.startswith("Asha is registered") for reply in replies)
    with clock.frozen("2025-01-20T10:05"):
        mother.texts("STOP")
    run_worker(config, "2025-01-20T10:05:05+05:30")
    assert mother.received()[-1].startswith("You will get no more messages")
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == len(replies) + 1
    # Stopped: the reminder the sweep would have sent is not.
    tika = services(app)
    sweep(tika, at("2025-02-11T18:00:00+05:30"))
    run_worker(config, "2025-02-11T18:00:30+05:30")
    assert len(mother.received()) == len(replies) + 1


def test_a_replayed_sms_sid_is_answered_once(app, config, exotel, web):
    mother = Mother(exotel, web, "09812300002")
    with clock.frozen("2025-01-20T10:00"):
        sid = mother.texts("REG Asha 1/1/2025 226001")
        mother.texts("REG Asha 1/1/2025 226001", sid=sid)  # Exotel delivers it again
    run_worker(config, "2025-01-20T10:00:05+05:30")
    with clock.frozen("2025-01-20T10:01"):
        mother.texts("REG Asha 1/1/2025 226001", sid=sid)  # and once more, later
    run_worker(config, "2025-01-20T10:01:05+05:30")
    first = mother.received()
    assert first and all(first.count(reply) == 1 for reply in first)
    with services(app).db.session(write=False) as session:
        inbound = session.scalars(select(MessageLog).where(MessageLog.direction == "in")).all()
        assert [m.provider_sid for m in inbound] == [sid]


def test_a_wrong_token_is_not_found_and_its_body_never_logged(client, exotel, caplog):
    caplog.set_level(logging.INFO)
    for path in ("/exotel/sms/not-the-token", "/exotel/sms/status/not-the-token"):
        answer = client.post(path, data={"SmsSid": "x1", "From": "09812345678", "Body": "Ravi"})
        assert answer.status_code == 404
    assert "Ravi" not in caplog.text and "not-the-token" not in caplog.text
    assert "wrong token" in caplog.text
    with services(client.application).db.session(write=False) as session:
        assert session.scalars(select(MessageLog)).all() == []


def test_the_service_refuses_to_start_on_exotel_without_a_webhook_token(config):
    with pytest.raises(ValueError, match="EXOTEL_WEBHOOK_TOKEN"):
        create_app({**config, "EXOTEL_WEBHOOK_TOKEN": ""})


def test_a_reminder_goes_through_exotel_and_every_delivery_report_is_recorded(
    app, client, config, exotel, web, approvals
):
    finals = {"09812300011": "sent", "09812300012": "failed", "09812300013": "failed_dnd"}
    mothers = [Mother(exotel, web, number) for number in finals]
    with clock.frozen("2025-01-20T10:00"):
        for mother in mothers:
            mother.texts("REG Asha 1/1/2025 226001")
            mother.texts("DONE 1/1")
    run_worker(config, "2025-01-20T10:00:05+05:30")
    exotel.wait_for_callbacks()
    replies = len(exotel.messages)
    for number, final in finals.items():
        exotel.script(number, Outcome(final=final, intermediate=("sending", "submitted")))
    tika = services(app)
    assert sweep(tika, at("2025-02-11T10:00:00+05:30")).claimed == 3
    run_worker(config, "2025-02-11T10:00:30+05:30")
    assert exotel.wait_for_callbacks()
    reminders = exotel.messages[replies:]
    assert len(reminders) == 3
    assert all(m["body"].startswith("Tika reminder: Asha's vaccines") for m in reminders)
    assert all(m["custom_field"] and m["status_callback"] for m in reminders)
    recorded = statuses(app)
    assert sorted(recorded[m["sid"]][0] for m in reminders) == [
        "delivered",  # Exotel's "sent": delivered to the handset
        "failed",
        "failed_dnd",  # shown as such
    ]
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == replies + 3
    # Each of Exotel's statuses, reported by hand on one message: a later one is never
    # undone by an earlier one arriving late.
    sid = reminders[0]["sid"]
    path = f"/exotel/sms/status/{WEBHOOK_TOKEN}"
    expected = {
        "queued": "delivered",
        "sending": "delivered",
        "submitted": "delivered",
        "sent": "delivered",
        "failed": "failed",
        "failed_dnd": "failed_dnd",
    }
    for status, then in expected.items():
        form = {"SmsSid": sid, "To": "09812300011", "Status": status, "DetailedStatusCode": "1"}
        assert client.post(path, data=form).status_code == 204
        assert statuses(app)[sid][0] == then
    assert client.post(path, data={"SmsSid": sid, "Status": "lost"}).status_code == 400


def test_a_broadcast_fills_an_announcement_template_and_goes_in_bulk(
    app, client, config, exotel, web, approvals
):
    mothers = [Mother(exotel, web, f"0981230002{n}") for n in range(3)]
    with clock.frozen("2025-03-03T10:30"):
        registrations = (
            "पंजीकरण आशा 1/1/2025 226001",
            "REG Ravi 1/1/2025 226001",
            "REG Kiran 1/1/2025 226001",
        )
        for mother, text in zip(mothers, registrations, strict=True):
            mother.texts(text)
    run_worker(config, "2025-03-03T10:30:05+05:30")
    before = len(exotel.messages)
    notice = {"hi": "बुधवार को टीकाकरण सत्र", "en": "session on Wednesday"}
    texts = {lang: render_sms(Text(ANNOUNCE_NOTICE, notice=notice[lang]), lang) for lang in notice}
    headers = {"Authorization": f"Bearer {API}"}
    free_text = {"hi": "कल टीका लगेगा", "en": "Vaccines tomorrow"}
    refused = client.post(
        "/api/broadcasts",
        json={"name": "free", "texts": free_text, "audience": {"districts": ["Lucknow"]}},
        headers=headers,
    )
    assert refused.status_code == 400
    assert "DLT" in refused.json["error"]
    with clock.frozen("2025-03-03T11:00"):
        created = client.post(
            "/api/broadcasts",
            json={"name": "Wednesday", "texts": texts, "audience": {"districts": ["Lucknow"]}},
            headers=headers,
        )
        assert created.status_code == 201, created.json
        assert created.json["recipients"] == 3
        bid = created.json["id"]
        assert client.post(f"/api/broadcasts/{bid}/send", headers=headers).status_code == 202
        sweep(services(app), clock.now())
    exotel.storm(2, retry_after=1)  # the first bulk request is refused twice: 429
    run_worker(config, "2025-03-03T11:00:30+05:30")
    sent = exotel.messages[before:]
    assert sorted(m["body"] for m in sent) == sorted([texts["hi"], texts["en"], texts["en"]])
    # Through Exotel's bulk API: one request per encoding, each message with its own ids.
    assert {m["endpoint"] for m in sent} == {"bulksend"}
    bulk = [r["status"] for r in exotel.requests if r["endpoint"] == "bulksend"]
    assert bulk == [429, 429, 200, 200]
    assert len({m["custom_field"] for m in sent}) == 3
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == before + 3


def test_a_429_storm_delays_the_replies_but_loses_none(app, config, exotel, web, approvals):
    mothers = [Mother(exotel, web, f"0981230003{n}") for n in range(5)]
    exotel.storm(6, retry_after=1)  # the next six requests: 429, Retry-After: 1
    with clock.frozen("2025-01-20T10:00"):
        for mother in mothers:
            mother.texts("REG Asha 1/1/2025 226001")
    run_worker(config, "2025-01-20T10:00:05+05:30")
    throttled = [r for r in exotel.requests if r.get("status") == 429]
    assert len(throttled) == 6
    for mother in mothers:
        replies = mother.received()
        assert replies and all(replies.count(reply) == 1 for reply in replies)
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == len(exotel.messages)
    assert exotel.wait_for_callbacks(10)  # the delivery reports come after the worker is done
    assert all(status == "delivered" for status, _ in statuses(app).values())


def test_a_text_without_an_approved_template_is_not_sent_but_shown_to_officers(
    app, config, exotel, web, approvals
):
    names = read_approvals(approvals)
    del names["tika_help_hi"]  # the portal has not approved the Hindi HELP reply yet
    write_approvals(approvals, names)
    mother = Mother(exotel, web, "09812300041")
    with clock.frozen("2025-01-20T10:00"):
        mother.texts("पंजीकरण आशा 1/1/2025 226001")
        mother.texts("मदद")
    run_worker(config, "2025-01-20T10:00:05+05:30")
    replies = mother.received()
    assert replies and not any(reply.startswith("भेजें") for reply in replies)  # no HELP
    tika = services(app)
    with tika.db.session(write=False) as session:
        refused = session.scalars(select(MessageLog).where(MessageLog.error_code == NO_TEMPLATE))
        [message] = refused.all()
        assert message.status == "failed" and message.body.startswith("भेजें")
    [alert] = alerts.recent(tika, at("2025-01-01T00:00:00+05:30"))
    assert (alert.source, alert.subject) == ("dlt", "tika_help_hi")
    assert "no approved DLT id" in alert.error
    assert int(tika.redis.get(REFUSED_COUNTER)) == 1
    assert assert_every_sms_fills_an_approved_template(exotel, approvals) == len(replies)
