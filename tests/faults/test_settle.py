"""Settling after a crash goes by our own message id, never by text: two messages with
the same text to the same phone, one of which reached the gateway before the worker
died, end as two messages sent once each, with their own provider ids (matching by
text adopted one provider message for both and failed on provider_sid for ever).
The real twilio client, a local Twilio-like server and its signed status callbacks."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest
from sqlalchemy import select

from bot.channels.outbox import Outbox, Outgoing
from bot.channels.receipts import callback_url
from bot.channels.senders import Outbound
from bot.services import services
from bot.storage.models.core import MessageLog
from scheduler import clock
from tests.conftest import sending_through

pytestmark = pytest.mark.both_databases

NUMBER = "+919812345678"
TEXT = "Tika: the vaccination session is tomorrow."  # the same text, twice


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


def rows(app) -> list[tuple[int, str, str | None]]:
    with services(app).db.reading() as conn:
        return conn.execute(
            select(MessageLog.id, MessageLog.status, MessageLog.provider_sid).order_by(
                MessageLog.id
            )
        ).all()


@pytest.mark.parametrize("skew_minutes", [0, -90, 90])  # the worker's clock off either way
def test_two_equal_texts_one_sent_before_a_crash_are_each_sent_once(
    app, config, fake, web, skew_minutes
):
    tika = services(app)
    start = dt.datetime(2025, 2, 11, 10, 0, tzinfo=dt.UTC) + dt.timedelta(minutes=skew_minutes)
    with clock.frozen(start):
        # The first worker logs both as "sending"; only the first reaches the gateway
        # before it dies (it never hears the answer).
        first = Outbox(tika)
        items = [Outgoing(None, NUMBER, TEXT), Outgoing(None, NUMBER, TEXT)]
        with tika.db.writing() as conn:
            first.log_sending(conn, items)

        async def send_first_only():
            async with tika.sender.session() as send:
                callback = callback_url(config["PUBLIC_BASE_URL"], items[0].message_id)
                await send(Outbound(NUMBER, TEXT, items[0].message_id, callback))

        asyncio.run(send_first_only())
        assert fake.wait_for_callbacks()  # the gateway reports on it, by our id
    # Later, another worker takes the same messages over.
    later = start + dt.timedelta(seconds=config.get("SETTLE_WAIT_SECONDS", 300) + 60)
    with clock.frozen(later):
        second = Outbox(tika)
        again = [Outgoing(None, NUMBER, TEXT, item.message_id) for item in items]
        second.settle_earlier(again)
        assert [item.settled for item in again] == [True, False]

        def record(batch):
            with tika.db.writing() as conn:
                second.record_messages(conn, batch)

        with tika.db.writing() as conn:
            second.log_sending(conn, again)
        assert asyncio.run(second.send(again, later + dt.timedelta(minutes=5), record))
    assert len(fake.messages) == 2  # each text once
    sids = [sid for _, _, sid in rows(app)]
    assert len(sids) == 3 and len(set(sids) - {None}) == 2  # the first, and the one sent again
    assert sorted(m["sid"] for m in fake.messages) == sorted(set(sids) - {None})


def test_a_message_whose_report_may_still_come_is_held_not_sent_again(app, config, fake):
    """Inside SETTLE_WAIT_SECONDS, a message with no word from the gateway is not sent."""
    tika = services(app)
    moment = dt.datetime(2025, 2, 11, 10, 0, tzinfo=dt.UTC)
    with clock.frozen(moment):
        items = [Outgoing(None, NUMBER, TEXT)]
        with tika.db.writing() as conn:
            Outbox(tika).log_sending(conn, items)
    with clock.frozen(moment + dt.timedelta(seconds=30)):
        again = [Outgoing(None, NUMBER, TEXT, items[0].message_id)]
        Outbox(tika).settle_earlier(again)
    assert again[0].settled and not fake.messages
