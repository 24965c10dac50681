"""The SMS webhook: signatures, replays, throttling, and bad input that never breaks it."""

import string

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.storage.models.core import Caregiver, Conversation, MessageLog
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support import SmsPhone, new_phone_number, sign, twiml_messages

pytestmark = pytest.mark.both_databases


def counts(session) -> tuple[int, int, int]:
    session.rollback()  # end the snapshot: see what the app committed since
    return tuple(
        session.scalar(select(func.count()).select_from(table))
        for table in (Caregiver, Conversation, MessageLog)
    )


def test_unsigned_and_forged_requests_are_refused_and_change_nothing(phone, session):
    form = phone.form("REG Asha 15/3/2025 226001")
    url = phone.base_url + "/twilio/sms"
    forged = [
        phone.client.post("/twilio/sms", data=form),  # no signature at all
        phone.post(form, signature=""),
        phone.post(form, signature="bm90IGEgc2lnbmF0dXJl"),
        phone.post(form, signature=sign("some-other-token", url, form)),
        # Signed, then the body was changed on the way.
        phone.post({**form, "Body": "DELETE"}, signature=sign(phone.auth_token, url, form)),
        # Signed for another URL.
        phone.post(form, signature=sign(phone.auth_token, phone.base_url + "/elsewhere", form)),
    ]
    assert [response.status_code for response in forged] == [403] * len(forged)
    assert counts(session) == (0, 0, 0)


def test_a_replayed_message_sid_gets_the_same_reply_and_changes_nothing(
    phone, session, frozen_clock
):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("REG Asha 15/3/2025 226001")
        form = phone.form("ADD")
        first = twiml_messages(phone.post(form).get_data(as_text=True))
        before = counts(session)
        state = session.get(Conversation, 1)
        state_before = (state.flow, state.step, dict(state.data))
        for _ in range(3):
            again = phone.post(form)
            assert again.status_code == 200
            assert twiml_messages(again.get_data(as_text=True)) == first
        assert counts(session) == before
        session.rollback()  # end the snapshot: see what the app committed since
        state = session.get(Conversation, 1)
        assert (state.flow, state.step, dict(state.data)) == state_before


def test_a_replayed_delete_does_not_start_over(phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00"):
        phone.send("REG Asha 15/3/2025 226001")
        phone.send("DELETE")
        confirm = phone.form("1")
        first = twiml_messages(phone.post(confirm).get_data(as_text=True))
        assert first == ["All your data is erased. Send any message to start again."]
        assert twiml_messages(phone.post(confirm).get_data(as_text=True)) == first
    assert counts(session)[0] == 0


def test_a_message_with_a_nul_byte_is_handled_and_kept(phone, session):
    """PostgreSQL refuses NUL in a text column: the message is kept with U+FFFD instead."""
    replies = phone.send("REG Asha\x00 15/3/2025 226001")
    assert "Asha" in replies[0] and "Asha\x00" not in replies[0]
    session.rollback()
    bodies = session.scalars(select(MessageLog.body).where(MessageLog.direction == "in")).all()
    assert bodies == ["REG Asha\ufffd 15/3/2025 226001"]
    assert counts(session)[2] == 1 + len(replies)


def test_a_delivery_report_with_a_nul_byte_is_refused_and_changes_nothing(phone, session):
    before = counts(session)
    form = {"AccountSid": "AC" + "0" * 32, "MessageSid": "SM\x00" + "1" * 32}
    response = phone.post(form | {"MessageStatus": "delivered"}, path="/twilio/sms/status")
    assert response.status_code == 400
    assert counts(session) == before


def test_a_report_naming_our_message_with_another_messages_sid_changes_neither(phone, session):
    """A report on our reply (``?m=``) that carries the sid of the caregiver's own text
    is about neither: both rows stay as they were (it used to fail on the unique sid)."""
    form = phone.form("hello")
    assert phone.post(form).status_code == 200
    session.rollback()
    rows = session.scalars(select(MessageLog).order_by(MessageLog.id)).all()
    [inbound] = [row for row in rows if row.direction == "in"]
    reply = next(row for row in rows if row.direction == "out")
    before = [(row.provider_sid, row.status) for row in rows]
    report = {"MessageSid": form["MessageSid"], "MessageStatus": "delivered"}
    response = phone.post(report, path=f"/twilio/sms/status?m={reply.id}")
    assert response.status_code == 204
    session.rollback()
    rows = session.scalars(select(MessageLog).order_by(MessageLog.id)).all()
    assert [(row.provider_sid, row.status) for row in rows] == before
    assert inbound.provider_sid == form["MessageSid"]


def test_missing_fields_are_a_clear_400(phone):
    form = phone.form("hello")
    del form["From"]
    response = phone.post(form)
    assert response.status_code == 400


def test_public_base_url_is_what_signatures_are_checked_against(phone):
    # Behind a proxy the app sees http://localhost; Twilio signed the public https URL.
    form = phone.form("hello")
    local = sign(phone.auth_token, "http://localhost/twilio/sms", form)
    assert phone.post(form, signature=local).status_code == 403
    assert phone.post(form).status_code == 200


def test_a_flood_from_one_number_gets_one_notice(phone, session, frozen_clock):
    with frozen_clock("2025-03-20T10:00:05"):
        replies = [phone.send(f"hello {i}") for i in range(25)]
    assert all(reply for reply in replies[:20])
    assert replies[20] == ["बहुत सारे संदेश आए। कृपया कुछ मिनट रुककर भेजें।"]
    assert replies[21:] == [[], [], [], []]
    # Nothing is lost: every message is in the log, the excess marked.
    statuses = session.scalars(select(MessageLog.status).where(MessageLog.direction == "in")).all()
    assert statuses.count("throttled") == 5 and len(statuses) == 25
    # Another number is not held back, and a minute later this one is heard again.
    with frozen_clock("2025-03-20T10:00:30"):
        assert phone.other("+919800000001").send("hello")
    with frozen_clock("2025-03-20T10:01:05"):
        assert phone.send("hello")


DEVANAGARI = "अआइईउऊएऐओऔकखगघचछजझटठडढतथदधनपफबभमयरलवशसह्ािीुूेैोौंः।०१२३४५६७८९😀"
NASTY = [
    "",
    " ",
    "\x00\x01\x02",
    "😀😀😀",
    "<Response><Say>x</Say></Response>",
    "]]>&amp;<",
    "'; DROP TABLE caregiver; --",
    "1' OR '1'='1",
    "%(name)s %s {0}",
    "\u202eevil",
    "x" * 2000,
    "REG",
    "REG 😀 😀 😀",
    "DONE 99/99",
    "DONE aaj aaj",
    "LANG klingon",
    "१२३४५६७८९०",
    "पंजीकरण",
    "ADD " * 50,
    "\n\n\n",
    "\r\nSTOP\r\n",
]


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    body=st.one_of(
        st.sampled_from(NASTY),
        st.text(max_size=300),
        st.text(alphabet=string.printable + DEVANAGARI, max_size=80),
    ),
    registered=st.booleans(),
    language=st.sampled_from(["hi", "en"]),
)
def test_any_text_gets_a_helpful_reply_never_an_error(client, app, body, registered, language):
    phone = SmsPhone(client, new_phone_number(), AUTH_TOKEN, PUBLIC_BASE_URL)
    if registered:
        keyword = "REG" if language == "en" else "पंजीकरण"
        phone.send(f"{keyword} Asha 15/3/2025 226001")
    response = phone.post(phone.form(body))
    assert response.status_code == 200
    replies = twiml_messages(response.get_data(as_text=True))
    assert replies, f"no reply to {body!r}"
    for reply in replies:
        assert reply.strip()
        assert "Traceback" not in reply and "%(" not in reply
        if registered and language == "hi":
            assert any("\u0900" <= ch <= "\u097f" for ch in reply), reply
