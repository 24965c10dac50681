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
}

INT_KEYS = {"THROTTLE_PER_MINUTE"}


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
    return config
