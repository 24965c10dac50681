"""Ways in, each shown shut: open redirects, sign-in limits under parallel guesses (a real
threaded gunicorn), the client's address behind a proxy, sessions ended on the server,
security headers, body and number limits, and logs without names or numbers."""

from __future__ import annotations

import concurrent.futures
import contextlib
import http.client
import logging
import re
import time

import pytest
import requests

from bot import create_app
from bot.accounts.staff import create_user, set_password
from bot.channels.senders import Outbound
from bot.services import services
from tests.dashboard_support import PASSWORD, csrf_token, sign_in
from tests.faults.processes import gunicorn
from tests.support import SmsPhone

ADMIN = "admin@tika.example"


@pytest.mark.parametrize(
    "target",
    [
        "/%09/evil.com",
        "/\t/evil.com",
        "//evil.com",
        "/\\evil.com",
        "https://evil.com/",
        "/\n/evil.com",
        "/ /evil.com",
        "javascript:alert(1)",
        "/\u200b/evil.com",
    ],
)
def test_sign_in_never_sends_anyone_to_another_site(app, client, target):
    create_user(services(app), ADMIN, PASSWORD, "admin", [])
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login?next=" + requests.utils.quote(target, safe=""),
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/dashboard"


def test_sign_in_keeps_a_path_of_this_site(app, client):
    create_user(services(app), ADMIN, PASSWORD, "admin", [])
    page = client.get("/login").get_data(as_text=True)
    answer = client.post(
        "/login?next=/dashboard/duelists%3Fweek%3D2025-W07",
        data={"email": ADMIN, "password": PASSWORD, "csrf_token": csrf_token(page)},
    )
    assert answer.headers["Location"] == "/dashboard/duelists?week=2025-W07"


def _guess(url: str, email: str) -> int:
    """One wrong sign-in from a browser of its own: its status code."""
    browser = requests.Session()
    token = csrf_token(browser.get(f"{url}/login", timeout=30).text)
    answer = browser.post(
        f"{url}/login",
        data={"email": email, "password": "not the password", "csrf_token": token},
        allow_redirects=False,
        timeout=60,
    )
    return answer.status_code


def test_parallel_guesses_cannot_pass_the_sign_in_limit(app, config):
    """Under gunicorn with 2 workers of 4 threads, 16 guesses at once against a limit of
    5 per account: 5 are checked (401), the rest refused unchecked (429)."""
    create_user(services(app), ADMIN, PASSWORD, "admin", [])
    settings = {**config, "LOGIN_ATTEMPTS_PER_EMAIL": 5, "LOGIN_ATTEMPTS_PER_IP": 100}
    with (
        gunicorn(settings, workers=2, threads=4) as url,
        concurrent.futures.ThreadPoolExecutor(16) as pool,
    ):
        codes = list(pool.map(lambda _: _guess(url, ADMIN), range(16)))
    assert sorted(codes) == [401] * 5 + [429] * 11


def test_the_limit_per_address_sees_the_client_behind_a_trusted_proxy(app, config):
    create_user(services(app), ADMIN, PASSWORD, "admin", [])
    limited = {**config, "LOGIN_ATTEMPTS_PER_EMAIL": 100, "LOGIN_ATTEMPTS_PER_IP": 2}

    def guesses(settings: dict, forwarded_for: str) -> list[int]:
        behind = create_app(settings)
        try:
            client = behind.test_client()
            codes = []
            for n in range(3):
                headers = {"X-Forwarded-For": f"{forwarded_for}{n}"}
                token = csrf_token(client.get("/login").get_data(as_text=True))
                answer = client.post(
                    "/login",
                    data={"email": ADMIN, "password": "wrong", "csrf_token": token},
                    headers=headers,
                )
                codes.append(answer.status_code)
            return codes
        finally:
            services(behind).close()

    # No trusted proxy (the default): the header is ignored, all come from one address.
    assert guesses(limited, "203.0.113.") == [401, 401, 429]
    # One trusted hop: each guess is from the address the proxy saw.
    assert guesses({**limited, "TRUSTED_PROXY_HOPS": 1}, "198.51.100.") == [401, 401, 401]


def test_a_copied_cookie_stops_working_at_sign_out_and_at_a_password_change(app, client):
    staff = sign_in(app, client)
    cookie = client.get_cookie("session").value
    copy = app.test_client()
    copy.set_cookie("session", cookie)
    assert copy.get("/dashboard").status_code == 200
    staff.post("/logout")
    assert copy.get("/dashboard").status_code == 302  # to the sign-in page
    # Signed in again, and the password changed elsewhere: that session ends too.
    staff = sign_in(app, client, email="officer@tika.example", role="admin")
    assert client.get("/dashboard").status_code == 200
    set_password(services(app), "officer@tika.example", "a brand new password")
    assert client.get("/dashboard").status_code == 302


def test_pages_and_files_carry_security_headers_and_are_never_cached(app, client, phone):
    signed_out = app.test_client().get("/login")
    staff = sign_in(app, client)
    for path in ("/login", "/dashboard", "/dashboard/duelists.csv?district=LUCKNOW"):
        answer = signed_out if path == "/login" else staff.get(path)
        assert answer.status_code == 200, path
        headers = answer.headers
        policy = headers["Content-Security-Policy"]
        assert "frame-ancestors 'none'" in policy and "script-src 'self'" in policy
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["Cache-Control"] == "no-store"
    # A webhook's answer (a reply names the child) is not cached either.
    assert phone.post(phone.form("hello")).headers["Cache-Control"] == "no-store"
    # The stylesheet may be.
    assert "no-store" not in client.get("/dashboard/static/dashboard.css").headers.get(
        "Cache-Control", ""
    )


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return int(re.search(r"VmRSS:\s+(\d+)", status.read())[1])


def test_a_huge_body_is_refused_without_being_read(app, config):
    """A forged 300 MB body to the SMS webhook: 413 at once, and the worker's memory
    stays where it was (the body is not read)."""
    with gunicorn(config, workers=1, threads=2) as url:
        port = int(url.rsplit(":", 1)[1])
        workers = _worker_pids(url)
        before = sum(_rss_kib(pid) for pid in workers)
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        connection.putrequest("POST", "/twilio/sms")
        connection.putheader("Content-Type", "application/x-www-form-urlencoded")
        connection.putheader("X-Twilio-Signature", "forged")  # read before checking, today
        connection.putheader("Content-Length", str(300 * 1024 * 1024))
        connection.endheaders()
        started = time.monotonic()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.send(b"Body=" + b"a" * (4 * 1024 * 1024))  # it stops reading: good
        answer = connection.getresponse()
        assert answer.status == 413
        assert time.monotonic() - started < 10
        after = sum(_rss_kib(pid) for pid in workers)
        assert after - before < 20 * 1024  # KiB: far from 300 MB
        connection.close()


def _worker_pids(url: str) -> list[int]:
    import subprocess

    port = url.rsplit(":", 1)[1]
    found = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True, text=True)
    return [int(pid) for pid in found.stdout.split()]


@pytest.mark.parametrize(
    ("path", "form"),
    [
        (
            "/twilio/sms/status",
            {"MessageSid": "SM1", "MessageStatus": "delivered", "ErrorCode": "²"},
        ),
        ("/twilio/sms/status?m=" + "9" * 40, {"MessageSid": "SM1", "MessageStatus": "sent"}),
        ("/twilio/sms/status?m=%D9%A1%D9%A2", {"MessageSid": "SM1", "MessageStatus": "sent"}),
        (
            "/twilio/voice/status?call=" + "9" * 40 + "&attempt=1",
            {"CallSid": "CA1", "CallStatus": "busy"},
        ),
        ("/twilio/voice/ivr?turn=" + "9" * 40, {"CallSid": "CA1", "Digits": "1"}),
    ],
)
def test_numbers_out_of_bounds_are_a_client_error_never_a_500(app, client, config, path, form):
    phone = SmsPhone(
        client, "+919812345678", config["TWILIO_AUTH_TOKEN"], config["PUBLIC_BASE_URL"]
    )
    answer = phone.post(form, path=path)
    assert answer.status_code < 500, answer.get_data(as_text=True)


def test_a_broadcast_id_too_big_for_the_database_is_not_found(app, client):
    sign_in(app, client)
    assert client.get("/dashboard/broadcasts/" + "9" * 30).status_code == 404
    headers = {"Authorization": "Bearer x"}
    assert client.get("/api/broadcasts/" + "9" * 30, headers=headers).status_code in (401, 404)


def test_the_console_backend_logs_neither_names_nor_whole_numbers(app, client, phone, caplog):
    """A reminder sent through the console backend: the log has the masked number and the
    length, never the child's name or the text."""
    import asyncio

    sender = services(app).sender
    caplog.set_level(logging.INFO)

    async def send():
        async with sender.session() as send_one:
            await send_one(
                Outbound("+919800000001", "Tika reminder: Rajalakshmi's vaccines are due.", 1)
            )

    asyncio.run(send())
    logged = caplog.text
    assert "+91******0001" in logged
    assert "Rajalakshmi" not in logged and "9800000001" not in logged
