"""Settings: defaults, overridden by environment variables, overridden by explicit config."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent

DEFAULTS: dict[str, Any] = {
    "DATABASE_URL": f"sqlite:///{PROJECT_ROOT / 'var' / 'tika.sqlite3'}",
    "REDIS_URL": "redis://127.0.0.1:6379/0",
    "TWILIO_ACCOUNT_SID": "",
    "TWILIO_AUTH_TOKEN": "",
    "TWILIO_FROM_NUMBER": "",
    "TWILIO_MESSAGING_SERVICE_SID": "",
    "TWILIO_API_BASE": "https://api.twilio.com",
    "PUBLIC_BASE_URL": "",
    "SMS_BACKEND": "console",
    "TIMEZONE": "Asia/Kolkata",
    "SECRET_KEY": "",
    "DEFAULT_LANGUAGE": "hi",
    "DEFAULT_REGION": "IN",
    # More than this many messages a minute from one number are throttled.
    "THROTTLE_PER_MINUTE": 20,
    # Comma-separated upper-case district names; empty means the schedule's default list.
    "JE_DISTRICTS": "",
    "LOG_LEVEL": "INFO",
    # Reminders: days before and after a visit (scheduler.reminders.ReminderPolicy).
    "REMINDER_ADVANCE_DAYS": 2,
    "REMINDER_OVERDUE_AFTER_DAYS": 7,
    "REMINDER_OVERDUE_EVERY_DAYS": 14,
    "REMINDER_OVERDUE_TIMES": 3,
    # Delivery: reminders claimed per sweep batch, per job, and how long a claim lasts.
    "SWEEP_BATCH": 2000,
    "DELIVERY_CHUNK": 200,
    "CLAIM_SECONDS": 600,
    # The gateway's account-wide limit, in message segments per second.
    "SMS_RATE_PER_SECOND": 10,
    # Messages each delivery job has in flight at once.
    "SEND_CONCURRENCY": 8,
    # ---- voice: missed calls, IVR, voice reminders (issue 5) ----
    # ---- campaigns, broadcasts, due lists (issue 6) ----
    # Routine-immunisation weekdays by state, over the shipped table: "UP=wed,sat;BR=wed,fri".
    "RI_DAYS": "",
}

INT_KEYS = {
    "THROTTLE_PER_MINUTE",
    "REMINDER_ADVANCE_DAYS",
    "REMINDER_OVERDUE_AFTER_DAYS",
    "REMINDER_OVERDUE_EVERY_DAYS",
    "REMINDER_OVERDUE_TIMES",
    "SWEEP_BATCH",
    "DELIVERY_CHUNK",
    "CLAIM_SECONDS",
    "SEND_CONCURRENCY",
}
FLOAT_KEYS = {"SMS_RATE_PER_SECOND"}


def load_config(overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Defaults, then environment variables with the same names, then ``overrides``."""
    config = dict(DEFAULTS)
    for key in DEFAULTS:
        if key in os.environ:
            config[key] = os.environ[key]
    if overrides:
        config.update(overrides)
    for key in INT_KEYS:
        config[key] = int(config[key])
    for key in FLOAT_KEYS:
        config[key] = float(config[key])
    return config
