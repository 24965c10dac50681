"""The operator's commands: ``flask --app bot reminders sweep|preview`` and the console sender."""

import pytest
from sqlalchemy import select

from bot.channels.ratelimit import RateLimit
from bot.services import services
from bot.storage.models.core import MessageLog
from scheduler import clock
from tests.support import run_flask, run_worker

pytestmark = pytest.mark.both_databases


flask = run_flask


def register_family(phone):
    with clock.frozen("2025-01-20T10:00"):
        phone.send("REG Asha 1/1/2025 226001")
        phone.send("DONE 1/1")
    hindi = phone.other("+919812340000")
    with clock.frozen("2025-01-20T10:00"):
        hindi.send("पंजीकरण आशा 1/1/2025 273001")
        hindi.send("हो गया 1/1")


def test_preview_lists_the_day_by_language_and_segments(config, phone):
    register_family(phone)
    result = flask(config, "reminders", "preview", "--on", "2025-02-11")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2025-02-11: 2 messages (2 reminders), 2 segments"
    assert lines[1:4] == [  # the Hindi reminder in one segment (70 characters)
        "language  segments  messages",
        "en               1         1",
        "hi               1         1",
    ]
    assert any("+91******5678  en  1 seg  Tika reminder: Asha's vaccines" in line for line in lines)
    assert any("टीका: आशा: " in line and "टीका दिवस बुधवार" in line for line in lines)
    assert "9812345678" not in result.stdout
    nothing = flask(config, "reminders", "preview", "--on", "2025-02-09")
    assert nothing.stdout.splitlines()[0] == "2025-02-09: 0 messages (0 reminders), 0 segments"


def test_sweep_command_and_console_sender(app, config, phone):
    register_family(phone)
    bad = flask(config, "reminders", "sweep", "--now", "2025-02-11T10:00:00")
    assert bad.returncode == 2 and "time zone" in bad.stderr
    early = flask(config, "reminders", "sweep", "--now", "2025-02-11T09:00:00+05:30")
    assert early.stdout.strip() == "claimed 0 reminders in 0 jobs"
    result = flask(config, "reminders", "sweep", "--now", "2025-02-11T10:00:00+05:30")
    assert result.stdout.strip() == "claimed 2 reminders in 1 jobs"
    output = run_worker(config, "2025-02-11T10:00:30+05:30")
    # The console sender writes the message to the log: the number masked, no text.
    assert "SMS to +91******5678: " in output and " characters" in output
    assert "9812345678" not in output and "Asha" not in output
    with services(app).db.session(write=False) as session:
        sids = session.scalars(
            select(MessageLog.provider_sid).where(MessageLog.status == "sent")
        ).all()
    assert len(sids) == 2 and all(sid.startswith("CONSOLE") for sid in sids)


def test_the_rate_limit_is_shared_through_redis(redis):
    # Two workers' limiters on one key: together they get the account's rate.
    first = RateLimit(redis, "test:rate", per_second=10, burst_seconds=1)
    second = RateLimit(redis, "test:rate", per_second=10, burst_seconds=1)
    allowed = [limit.try_acquire(1) for limit in (first, second) * 5]
    assert allowed == [0.0] * 10  # a second's burst
    wait = second.try_acquire(1)
    assert 0.05 < wait <= 0.1  # then one every tenth of a second
    # A long message (3 segments) waits three times as long.
    assert 0.25 < first.try_acquire(3) <= 0.3
