"""Test helpers: signing webhooks the way Twilio does, and reading TwiML replies."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools
import os
import subprocess
import sys
import threading
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

from twilio.request_validator import RequestValidator
from werkzeug.serving import make_server

_sids = itertools.count(1)
_numbers = itertools.count(1)


def new_message_sid() -> str:
    """A fresh Twilio-style message id (SM + 32 hex digits)."""
    return f"SM{next(_sids):032x}"


def new_phone_number() -> str:
    """A mobile number no other test has used."""
    return f"+9197{next(_numbers):08d}"


def sign(auth_token: str, url: str, form: dict[str, str]) -> str:
    """The X-Twilio-Signature Twilio would send for ``form`` posted to ``url``."""
    return RequestValidator(auth_token).compute_signature(url, form)


def twiml_messages(xml_text: str) -> list[str]:
    """The text of every <Message> in a TwiML response, parsed as XML."""
    root = ET.fromstring(xml_text)
    assert root.tag == "Response", xml_text
    return [message.text or "" for message in root.iter("Message")]


class SmsPhone:
    """A caregiver's phone texting the service through signed ``/twilio/sms`` webhooks."""

    def __init__(self, client, number: str, auth_token: str, base_url: str) -> None:
        self.client = client
        self.number = number
        self.auth_token = auth_token
        self.base_url = base_url

    def form(self, body: str, sid: str | None = None) -> dict[str, str]:
        return {
            "MessageSid": sid or new_message_sid(),
            "AccountSid": "AC" + "0" * 32,
            "From": self.number,
            "To": "+15005550006",
            "Body": body,
            "NumMedia": "0",
        }

    def post(self, form: dict[str, str], signature: str | None = None, path: str = "/twilio/sms"):
        """POST ``form``, signed correctly unless ``signature`` is given."""
        if signature is None:
            signature = sign(self.auth_token, self.base_url + path, form)
        return self.client.post(path, data=form, headers={"X-Twilio-Signature": signature})

    def send(self, body: str) -> list[str]:
        """Text ``body`` to the service; returns its replies."""
        response = self.post(self.form(body))
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "text/xml"
        return twiml_messages(response.get_data(as_text=True))

    def other(self, number: str) -> SmsPhone:
        """Another phone on the same service."""
        return SmsPhone(self.client, number, self.auth_token, self.base_url)


ROOT = Path(__file__).resolve().parent.parent
FLASK = str(Path(sys.executable).parent / "flask")


# Registered by SMS on 1 March 2025. Lucknow: two in Hindi, one in English, and Sunil's
# family, who then send STOP; Gorakhpur: one.
SEED_FAMILIES = [
    ("+919800000001", "पंजीकरण आशा 1/1/2025 226001"),
    ("+919800000002", "पंजीकरण रवि 1/6/2024 226010"),
    ("+919800000003", "REG Meena 1/10/2024 226001"),
    ("+919800000004", "REG Sunil 1/1/2024 226001"),
    ("+919800000005", "REG Geeta 1/2/2025 273001"),
]
SEED_OPTED_OUT = "+919800000004"


def register_seed_families(phone: SmsPhone, with_opted_out: bool = True) -> None:
    """Register SEED_FAMILIES through the webhook; the opted-out family sends STOP, or is
    left out altogether."""
    from scheduler import clock

    with clock.frozen("2025-03-01T10:00"):
        for number, text in SEED_FAMILIES:
            if with_opted_out or number != SEED_OPTED_OUT:
                phone.other(number).send(text)
        if with_opted_out:
            phone.other(SEED_OPTED_OUT).send("STOP")


@contextlib.contextmanager
def serving(app, port: int) -> Iterator[str]:
    """Serve ``app`` over HTTP on 127.0.0.1:``port`` in a thread (for provider callbacks)."""
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.shutdown()
        thread.join(10)
        server.server_close()


def process_env(config: dict, **extra: str) -> dict[str, str]:
    """The environment for a service process (worker, CLI) with the test app's settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TWILIO_", "TIKA_"))}
    env.update({key: str(value) for key, value in config.items()})
    env.update(PYTHONPATH=str(ROOT), LOG_LEVEL="INFO", **extra)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
    return env


def start_worker(config: dict, now: str) -> subprocess.Popen:
    """An RQ worker process (``flask --app bot worker --burst``) whose clock reads ``now``."""
    return subprocess.Popen(
        [FLASK, "--app", "bot", "worker", "--burst"],
        cwd=ROOT,
        env=process_env(config, TIKA_NOW=now),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def run_worker(config: dict, now: str, timeout: float = 120) -> str:
    """Run a burst worker until the queue is empty; returns its output."""
    worker = start_worker(config, now)
    output, _ = worker.communicate(timeout=timeout)
    assert worker.returncode == 0, output
    return output


def at(moment: str) -> dt.datetime:
    """An instant written with its offset (``"2025-03-20T10:01:00+05:30"``), in UTC."""
    return dt.datetime.fromisoformat(moment).astimezone(dt.UTC)


def approve_every_template(path: Path) -> Path:
    """The DLT portal, simulated: every template of ours approved, each with its own id,
    written to ``path`` as `flask --app bot dlt import` would (for DLT_TEMPLATES)."""
    from bot.channels.dlt import Registry, write_approvals

    names = [template.name for template in Registry.build().templates]
    write_approvals(path, {name: (f"1107{n:015d}", "Approved") for n, name in enumerate(names, 1)})
    return path


def run_flask(config: dict, *args: str, now: str | None = None) -> subprocess.CompletedProcess:
    """``flask --app bot ARGS`` as its own process on the test's config (at ``now``)."""
    return subprocess.run(
        [FLASK, "--app", "bot", *args],
        cwd=ROOT,
        env=process_env(config, **({"TIKA_NOW": now} if now else {})),
        capture_output=True,
        text=True,
        timeout=60,
    )
