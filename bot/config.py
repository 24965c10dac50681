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
    # console (the log), twilio or exotel.
    "SMS_BACKEND": "console",
    # ---- Exotel (issue 25): secrets from the environment only ----
    "EXOTEL_ACCOUNT_SID": "",
    "EXOTEL_API_KEY": "",
    "EXOTEL_API_TOKEN": "",
    # The DLT header (6 characters) messages go out under.
    "EXOTEL_SENDER_ID": "",
    # https://api.exotel.com (Singapore cluster) or https://api.in.exotel.com (Mumbai).
    "EXOTEL_API_BASE": "https://api.exotel.com",
    # The secret last part of every Exotel callback URL (Exotel signs none).
    "EXOTEL_WEBHOOK_TOKEN": "",
    # Calls: the ExoPhone shown to the caregiver, and the IVR flow (app id) it connects to.
    "EXOTEL_CALLER_ID": "",
    "EXOTEL_IVR_FLOW_ID": "",
    # A new number's telecom circle, to write first in its state's language: "exotel"
    # (Exotel's number metadata API) or "none"; empty: Exotel's when SMS_BACKEND is exotel.
    "CIRCLE_LOOKUP": "",
    # ---- DLT: India's registry of senders and templates ----
    # The principal entity id; when set, a message no approved template matches is not sent.
    "DLT_ENTITY_ID": "",
    # The templates' approved ids, as `flask --app bot dlt import` writes them.
    "DLT_TEMPLATES": str(PROJECT_ROOT / "var" / "dlt_templates.csv"),
    "TIMEZONE": "Asia/Kolkata",
    "SECRET_KEY": "",
    "DEFAULT_LANGUAGE": "hi",
    "DEFAULT_REGION": "IN",
    # More than this many messages a minute from one number are throttled.
    "THROTTLE_PER_MINUTE": 20,
    # The children's schedule new families follow: uip (the government's), iap or who.
    # A family can change its own with SCHEDULE IAP.
    "SCHEDULE": "uip",
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
    # <Say> voice and language per language: "hi=Polly.Aditi,en=Polly.Aditi".
    "VOICE_SAY_VOICES": "hi=Polly.Aditi,en=Polly.Aditi",
    "VOICE_SAY_LANGUAGES": "hi=hi-IN,en=en-IN",
    # Recorded prompts played instead of speech: every prompt without a value in it at
    # "{VOICE_AUDIO_BASE_URL}/{language}/{KEY}.mp3" (`flask voice prompts` lists them), or
    # one by one: "hi.ASK_BIRTH_MONTH=https://.../month.mp3,..." (these win).
    "VOICE_AUDIO_BASE_URL": "",
    "VOICE_AUDIO": "",
    # The caller ID of outbound calls; TWILIO_FROM_NUMBER when empty.
    "VOICE_CALLER_ID": "",
    # Seconds of silence before a keypad question counts as unanswered.
    "VOICE_GATHER_TIMEOUT": 6,
    # Minutes between an unanswered call and the next try; after the last, an SMS.
    "VOICE_RETRY_MINUTES": "2,5",
    # Seconds an outbound call rings before it counts as unanswered.
    "VOICE_RING_SECONDS": 30,
    # Outbound calls in progress at once, and placed per second, across all workers.
    "VOICE_MAX_CALLS": 10,
    "VOICE_CALLS_PER_SECOND": 1,
    # A call not reported ended after this long is asked about (and stops counting).
    "VOICE_CALL_MAX_SECONDS": 900,
    # How long a worker's claim on a voice call lasts.
    "VOICE_CLAIM_SECONDS": 60,
    # ---- campaigns, broadcasts, due lists (issue 6) ----
    # Routine-immunisation weekdays by state, over the shipped table: "UP=wed,sat;BR=wed,fri".
    "RI_DAYS": "",
    # Hours (India time) broadcasts may go out; TRAI allows such messages 10:00-21:00.
    "BROADCAST_HOURS": "10-21",
    # What the gateway charges for one SMS segment, in rupees: a broadcast's preview shows
    # its cost (recipients x segments x this).
    "SMS_PRICE_PER_SEGMENT": 0.15,
    # Tokens for the JSON API, "name:token,name:token" (secrets: from the environment only).
    "API_TOKENS": "",
    # The weekly due-list digest to health workers: the day, and the hour from which it goes.
    "DIGEST_DAY": "mon",
    "DIGEST_HOUR": 10,
    # ---- dashboard (issue 7) ----
    # Failed sign-ins allowed per email and per IP address within LOGIN_WINDOW_SECONDS.
    "LOGIN_ATTEMPTS_PER_EMAIL": 5,
    "LOGIN_ATTEMPTS_PER_IP": 20,
    "LOGIN_WINDOW_SECONDS": 900,
    # How long a dashboard session lasts; 1: the session cookie is sent over HTTPS only.
    "DASHBOARD_SESSION_HOURS": 12,
    "DASHBOARD_SECURE_COOKIE": 0,
    # The overview's numbers are cached this long; children's statuses (a forecast each)
    # per district this long, computed in the request for at most the budget (seconds),
    # the rest by a worker.
    "DASHBOARD_CACHE_SECONDS": 60,
    "DASHBOARD_STATUS_MAX_AGE": 900,
    "DASHBOARD_STATUS_BUDGET": 2.0,
    # ---- limits and faults (issue 23) ----
    # The largest request body read (bytes): webhooks and forms are far smaller.
    "MAX_CONTENT_LENGTH": 65536,
    # Proxies in front of the app whose X-Forwarded-For/-Proto are trusted (0: none).
    "TRUSTED_PROXY_HOPS": 0,
    # The longest a writer waits for the database (milliseconds); a webhook answers within
    # it and keeps what it could not write in Redis, for the sweep to write later.
    "DB_BUSY_TIMEOUT_MS": 5000,
    # A message a crashed worker left "sending" waits this long for its status callback
    # (which names our id) before it is taken as never sent, and sent again.
    "SETTLE_WAIT_SECONDS": 300,
}

INT_KEYS = {
    "DIGEST_HOUR",
    "THROTTLE_PER_MINUTE",
    "REMINDER_ADVANCE_DAYS",
    "REMINDER_OVERDUE_AFTER_DAYS",
    "REMINDER_OVERDUE_EVERY_DAYS",
    "REMINDER_OVERDUE_TIMES",
    "SWEEP_BATCH",
    "DELIVERY_CHUNK",
    "CLAIM_SECONDS",
    "SEND_CONCURRENCY",
    "VOICE_GATHER_TIMEOUT",
    "VOICE_RING_SECONDS",
    "VOICE_MAX_CALLS",
    "VOICE_CALL_MAX_SECONDS",
    "VOICE_CLAIM_SECONDS",
    "LOGIN_ATTEMPTS_PER_EMAIL",
    "LOGIN_ATTEMPTS_PER_IP",
    "LOGIN_WINDOW_SECONDS",
    "DASHBOARD_SESSION_HOURS",
    "DASHBOARD_SECURE_COOKIE",
    "DASHBOARD_CACHE_SECONDS",
    "DASHBOARD_STATUS_MAX_AGE",
    "MAX_CONTENT_LENGTH",
    "TRUSTED_PROXY_HOPS",
    "DB_BUSY_TIMEOUT_MS",
    "SETTLE_WAIT_SECONDS",
}
FLOAT_KEYS = {
    "SMS_RATE_PER_SECOND",
    "VOICE_CALLS_PER_SECOND",
    "DASHBOARD_STATUS_BUDGET",
    "SMS_PRICE_PER_SEGMENT",
}


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
