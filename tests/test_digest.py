"""The weekly due-list digest for health workers: registered with a CLI, sent once a
week through the broadcast pipeline, in the worker's language."""

import pytest

from bot.services import services
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import sending_through
from tests.support import run_flask, run_worker

pytestmark = pytest.mark.both_databases


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


def flask(config, *args: str, now: str = "2025-03-03T09:00:00+05:30"):
    return run_flask(config, *args, now=now)


@pytest.fixture
def area(phone):
    """Lucknow families: two children due this week (Wednesday 5 and Saturday 8 March)."""
    with clock.frozen("2025-03-01T10:00"):
        phone.other("+919800000001").send("REG Ravi 1/6/2024 226001")
        for text in ("REG Asha 21/1/2025 226010", "DONE 21/1"):  # 6 weeks: 4 March
            phone.other("+919800000002").send(text)


def test_health_workers_get_one_digest_a_week(app, config, fake, area, phone):
    added = flask(
        config,
        "health-workers",
        "add",
        "9812300000",
        "--name",
        "Sunita",
        "--district",
        "lucknow",
        "--lang",
        "hi",
    )
    assert added.returncode == 0, added.stderr
    assert "9812300000" not in added.stdout  # masked
    english = flask(
        config,
        "health-workers",
        "add",
        "+919812300001",
        "--name",
        "Mary",
        "--pincode",
        "226010",
        "--lang",
        "en",
    )
    assert english.returncode == 0, english.stderr
    assert "Sunita" in flask(config, "health-workers", "list").stdout

    tika = services(app)
    with clock.frozen("2025-03-03T09:59"):  # Monday, before the digest hour
        sweep(tika, clock.now())
    with clock.frozen("2025-03-03T10:00"):
        sweep(tika, clock.now())
        sweep(tika, clock.now())  # a second sweep in the same week queues nothing more
    run_worker(config, "2025-03-03T10:00:30+05:30")
    digests = {m["to"]: m["body"] for m in fake.messages if m["to"].startswith("+9198123")}
    assert digests == {
        "+919812300000": "टीका ड्यू लिस्ट, Lucknow, इस सप्ताह बाकी बच्चे: बुध 5: 2।",
        "+919812300001": "Tika due list for PIN 226010 this week, children due: Wed 5: 1.",
    }
    with clock.frozen("2025-03-10T10:00"):  # the next Monday: the next week's digest
        flask(config, "health-workers", "remove", "+919812300001")
        sweep(tika, clock.now())
    run_worker(config, "2025-03-10T10:00:30+05:30")
    assert [m["to"] for m in fake.messages].count("+919812300000") == 2
    assert [m["to"] for m in fake.messages].count("+919812300001") == 1
    with clock.frozen("2025-03-17T09:00"):  # a health worker who said STOP gets no more
        phone.other("+919812300000").send("STOP")
    with clock.frozen("2025-03-17T10:00"):
        sweep(tika, clock.now())
    run_worker(config, "2025-03-17T10:00:30+05:30")
    assert [m["to"] for m in fake.messages].count("+919812300000") == 2


def test_registering_a_health_worker_needs_an_area(config):
    result = flask(config, "health-workers", "add", "9812300000", "--name", "Sunita")
    assert result.returncode == 2 and "give --district, --block or --pincode" in result.stderr
    bad = flask(config, "health-workers", "add", "123", "--name", "X", "--district", "LUCKNOW")
    assert bad.returncode == 2 and "not a phone number" in bad.stderr
