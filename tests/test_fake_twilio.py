"""The fake Twilio server, driven through the real twilio client (no patching)."""

from __future__ import annotations

import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.fake_twilio import FakeTwilio, Outcome
from tests.fake_twilio_data import num_segments

ACCOUNT_SID = "AC" + "1f" * 16
AUTH_TOKEN = "fake-twilio-test-token"
SENDER = "+15005550006"
SERVICE = "MG" + "2e" * 16
ALICE, BOB = "+919812345601", "+919812345602"
IST = timezone(timedelta(hours=5, minutes=30))


class Receiver(ThreadingHTTPServer):
    """A local webhook endpoint that records (method, url, form, signature) of each request."""

    daemon_threads = False  # server_close() joins the handler threads

    def __init__(self, protocol: str) -> None:
        handler = type("Handler", (_Handler,), {"protocol_version": protocol})
        super().__init__(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.server_port}"
        self.received: list[tuple[str, str, dict[str, str], str]] = []
        self.thread = threading.Thread(target=self.serve_forever, args=(0.01,))

    def valid(self, method: str, url: str, form: dict[str, str], signature: str) -> bool:
        params = form if method == "POST" else {}
        return RequestValidator(AUTH_TOKEN).validate(url, params, signature)


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        self._record(dict(parse_qsl(body, keep_blank_values=True)))

    def do_GET(self) -> None:
        self._record(dict(parse_qsl(self.path.partition("?")[2])))

    def _record(self, form: dict[str, str]) -> None:
        url = self.server.url + self.path
        signature = self.headers.get("X-Twilio-Signature", "")
        self.server.received.append((self.command, url, form, signature))
        self.send_response(204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(params=["HTTP/1.0", "HTTP/1.1"])
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    server = Receiver(request.param)
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()
    server.thread.join()


@pytest.fixture
def fake() -> Iterator[FakeTwilio]:
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def hooked(receiver: Receiver) -> Iterator[tuple[FakeTwilio, Receiver]]:
    """A fake posting callbacks to a receiver; the fake stops first (it holds keep-alives)."""
    with FakeTwilio(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server, receiver


def make_client(url: str, token: str = AUTH_TOKEN, timeout: float = 5.0) -> Client:
    client = Client(ACCOUNT_SID, token, http_client=TwilioHttpClient(timeout=timeout))
    client.api.base_url = url
    return client


@pytest.fixture
def client(fake: FakeTwilio) -> Iterator[Client]:
    client = make_client(fake.url)
    yield client
    client.http_client.session.close()


def test_create_from_a_number(fake: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to=ALICE, from_=SENDER, body="Reminder: Penta-2 due")
    assert re.fullmatch(r"SM[0-9a-f]{32}", message.sid)
    assert (message.status, message.direction, message.api_version) == (
        "queued",
        "outbound-api",
        "2010-04-01",
    )
    assert (message.account_sid, message.to, message.from_) == (ACCOUNT_SID, ALICE, SENDER)
    assert (message.num_segments, message.num_media, message.price_unit) == ("1", "0", "USD")
    assert message.error_code is None and message.price is None
    assert abs(message.date_created - datetime.now(UTC)) < timedelta(seconds=5)
    assert message.uri.endswith(f"/Messages/{message.sid}.json")
    [recorded] = fake.messages
    assert recorded["sid"] == message.sid and recorded["body"] == "Reminder: Penta-2 due"
    assert recorded["from_"] == SENDER and recorded["messaging_service_sid"] is None
    assert fake.requests[0]["status"] == 201 and fake.requests[0]["sid"] == message.sid


def test_create_through_a_messaging_service(fake: FakeTwilio, client: Client) -> None:
    message = client.messages.create(to=ALICE, messaging_service_sid=SERVICE, body="hi")
    assert (message.status, message.messaging_service_sid, message.from_) == (
        "accepted",
        SERVICE,
        None,
    )
    assert fake.messages[0]["messaging_service_sid"] == SERVICE


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"to": ALICE, "body": "no sender"}, 21603),
        ({"to": "9812345601", "from_": SENDER, "body": "not E.164"}, 21211),
        ({"to": ALICE, "from_": SENDER}, 21602),
        ({"to": ALICE, "from_": SENDER, "body": "x" * 1601}, 21617),
    ],
)
def test_invalid_requests_are_refused(fake: FakeTwilio, client: Client, kwargs, code) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(**kwargs)
    assert (raised.value.status, raised.value.code) == (400, code)
    assert fake.messages == []
    assert [(r["status"], r["code"]) for r in fake.requests] == [(400, code)]


@pytest.mark.parametrize(
    ("body", "segments"),
    [
        ("a" * 160, 1),
        ("a" * 161, 2),
        ("a" * 306, 2),
        ("a" * 307, 3),
        ("{" * 80, 1),  # extension characters take two units
        ("{" * 81, 2),
        ("न" * 70, 1),
        ("न" * 71, 2),
        ("न" * 134, 2),
        ("न" * 135, 3),
        ("😀" * 35, 1),  # two UTF-16 units each
        ("😀" * 36, 2),
    ],
)
def test_segments(body: str, segments: int) -> None:
    assert num_segments(body) == segments


def test_segments_reach_the_client(client: Client) -> None:
    hindi = "आपके बच्चे का पेंटा-2 टीका 12 फ़रवरी को आंगनवाड़ी में है। कृपया समय पर आएँ।"
    assert client.messages.create(to=ALICE, from_=SENDER, body=hindi).num_segments == "2"


@pytest.mark.parametrize(
    ("outcome", "status", "code"),
    [
        (Outcome(status=429, code=20429), 429, 20429),
        (Outcome(status=400, code=21610), 400, 21610),
        (Outcome(status=400, code=21211), 400, 21211),
        (Outcome(status=400, code=21614), 400, 21614),
        (Outcome(status=500), 500, 20500),
        (Outcome(status=503), 503, 20503),
    ],
)
def test_scripted_errors(fake: FakeTwilio, client: Client, outcome, status, code) -> None:
    fake.script(ALICE, outcome)
    with pytest.raises(TwilioRestException) as raised:
        client.messages.create(to=ALICE, from_=SENDER, body="hi")
    assert (raised.value.status, raised.value.code) == (status, code)
    client.messages.create(to=ALICE, from_=SENDER, body="hi again")  # the script is used up
    assert [r["status"] for r in fake.requests] == [status, 201]
    assert [m["body"] for m in fake.messages] == ["hi again"]


def test_script_order_and_script_all(fake: FakeTwilio, client: Client) -> None:
    fake.script(ALICE, Outcome(status=429), Outcome(status=500))
    fake.script_all(Outcome(status=503))
    statuses = []
    for to in (ALICE, BOB, ALICE, ALICE, BOB):
        try:
            client.messages.create(to=to, from_=SENDER, body="hi")
            statuses.append((to, 201))
        except TwilioRestException as error:
            statuses.append((to, error.status))
    assert statuses == [(ALICE, 429), (BOB, 503), (ALICE, 500), (ALICE, 201), (BOB, 201)]


def test_call_outcomes_are_left_for_calls(fake: FakeTwilio, client: Client) -> None:
    fake.script(ALICE, Outcome(call="no-answer"), Outcome(delivery="failed"))
    client.messages.create(to=ALICE, from_=SENDER, body="hi")
    assert fake.messages[0]["status"] == "failed"
    client.calls.create(to=ALICE, from_=SENDER, url="https://tika.example.org/voice")
    assert _wait(lambda: fake.calls[0]["status"] == "no-answer")


def test_bad_credentials(fake: FakeTwilio) -> None:
    wrong_token = make_client(fake.url, token="wrong")
    with pytest.raises(TwilioRestException) as raised:
        wrong_token.messages.create(to=ALICE, from_=SENDER, body="hi")
    assert (raised.value.status, raised.value.code) == (401, 20003)
    other_account = make_client(fake.url)
    with pytest.raises(TwilioRestException) as raised:
        other_account.api.v2010.accounts("AC" + "0" * 32).messages.create(
            to=ALICE, from_=SENDER, body="hi"
        )
    assert raised.value.status == 401
    # A list page that fails raises the base TwilioException, with no status or code.
    with pytest.raises(TwilioException) as raised_list:
        wrong_token.messages.list(to=ALICE)
    assert not isinstance(raised_list.value, TwilioRestException)
    assert fake.messages == []


def test_list_filters_and_pages(fake: FakeTwilio, client: Client) -> None:
    for n in range(5):
        client.messages.create(to=ALICE, from_=SENDER, body=f"alice {n}")
    client.messages.create(to=BOB, from_="+15005550007", body="bob")
    assert [m.body for m in client.messages.list(to=ALICE, page_size=2)] == [
        f"alice {n}" for n in (4, 3, 2, 1, 0)
    ]
    assert [m.body for m in client.messages.list(from_="+15005550007")] == ["bob"]
    assert len(client.messages.list(limit=3)) == 3
    assert len(list(client.messages.stream(page_size=4))) == 6


def test_paging_is_stable_while_messages_arrive(client: Client) -> None:
    for n in range(4):
        client.messages.create(to=ALICE, from_=SENDER, body=f"old {n}")
    first = client.messages.page(to=ALICE, page_size=2)
    client.messages.create(to=ALICE, from_=SENDER, body="new")
    second = first.next_page()
    assert [m.body for m in second] == ["old 1", "old 0"]
    assert second.next_page() is None
    assert [m.body for m in second.previous_page()] == ["old 3", "old 2"]


def test_list_by_date_sent(client: Client) -> None:
    client.messages.create(to=ALICE, from_=SENDER, body="hi")
    now = datetime.now(UTC).replace(tzinfo=None)  # the library formats datetimes as given
    minute = timedelta(minutes=1)
    assert len(client.messages.list(to=ALICE, date_sent_after=now - minute)) == 1
    assert len(client.messages.list(to=ALICE, date_sent_after=now + minute)) == 0
    assert len(client.messages.list(to=ALICE, date_sent_before=now - minute)) == 0
    assert len(client.messages.list(to=ALICE, date_sent=now.strftime("%Y-%m-%d"))) == 1
    # An aware datetime goes out as its wall time marked Z: IST reads 5h30 in the future.
    assert len(client.messages.list(to=ALICE, date_sent_after=datetime.now(IST) - minute)) == 0


def test_fetch(client: Client) -> None:
    sid = client.messages.create(to=ALICE, from_=SENDER, body="hi").sid
    fetched = client.messages(sid).fetch()
    assert (fetched.sid, fetched.status, fetched.body) == (sid, "delivered", "hi")
    with pytest.raises(TwilioRestException) as raised:
        client.messages("SM" + "0" * 32).fetch()
    assert (raised.value.status, raised.value.code) == (404, 20404)


def test_status_callbacks_are_signed(hooked: tuple[FakeTwilio, Receiver]) -> None:
    fake, receiver = hooked
    client = make_client(fake.url)
    url = f"{receiver.url}/twilio/sms/status?batch=7"
    message = client.messages.create(to=ALICE, from_=SENDER, body="hi", status_callback=url)
    assert fake.wait_for_callbacks()
    assert [form["MessageStatus"] for _, _, form, _ in receiver.received] == ["sent", "delivered"]
    for method, received_url, form, signature in receiver.received:
        assert (method, received_url) == ("POST", url)
        assert receiver.valid(method, received_url, form, signature)
        assert form["MessageSid"] == form["SmsSid"] == message.sid
        assert form["SmsStatus"] == form["MessageStatus"]
        assert (form["AccountSid"], form["From"], form["To"]) == (ACCOUNT_SID, SENDER, ALICE)
        assert form["ApiVersion"] == "2010-04-01" and "ErrorCode" not in form
    assert [status for _, _, status in fake.callback_results] == [204, 204]
    assert client.messages(message.sid).fetch().status == "delivered"


@pytest.mark.parametrize(
    ("outcome", "status", "code"),
    [
        (Outcome(delivery="undelivered"), "undelivered", 30003),
        (Outcome(delivery="undelivered", code=30005), "undelivered", 30005),
        (Outcome(delivery="undelivered", code=30006), "undelivered", 30006),
        (Outcome(delivery="failed"), "failed", 30008),
    ],
)
def test_failed_delivery(hooked: tuple[FakeTwilio, Receiver], outcome, status, code) -> None:
    fake, receiver = hooked
    fake.script(ALICE, outcome)
    client = make_client(fake.url)
    message = client.messages.create(
        to=ALICE, from_=SENDER, body="hi", status_callback=f"{receiver.url}/status"
    )
    assert fake.wait_for_callbacks()
    final = receiver.received[-1][2]
    assert (final["MessageStatus"], final["ErrorCode"]) == (status, str(code))
    fetched = client.messages(message.sid).fetch()
    assert (fetched.status, fetched.error_code) == (status, code)


def test_callbacks_can_be_turned_off(hooked: tuple[FakeTwilio, Receiver]) -> None:
    fake, receiver = hooked
    fake.callbacks_enabled = False
    client = make_client(fake.url)
    sid = client.messages.create(
        to=ALICE, from_=SENDER, body="hi", status_callback=f"{receiver.url}/status"
    ).sid
    assert fake.wait_for_callbacks()
    assert receiver.received == [] and fake.callback_results == []
    assert client.messages(sid).fetch().status == "delivered"


def test_unreachable_callback_is_recorded(fake: FakeTwilio, client: Client) -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{closed.getsockname()[1]}/status"
    client.messages.create(to=ALICE, from_=SENDER, body="hi", status_callback=url)
    assert fake.wait_for_callbacks()
    assert [status for _, _, status in fake.callback_results] == [None, None]


def test_call_with_all_progress_events(hooked: tuple[FakeTwilio, Receiver]) -> None:
    fake, receiver = hooked
    client = make_client(fake.url)
    call = client.calls.create(
        to=ALICE,
        from_=SENDER,
        url="https://tika.example.org/twilio/voice/callback",
        status_callback=f"{receiver.url}/twilio/voice/status",
        status_callback_event=["initiated", "ringing", "answered", "completed"],
        machine_detection="Enable",
        timeout=20,
    )
    assert re.fullmatch(r"CA[0-9a-f]{32}", call.sid)
    assert (call.status, call.direction, call.to, call._from) == (
        "queued",
        "outbound-api",
        ALICE,
        SENDER,
    )
    assert fake.wait_for_callbacks()
    forms = [form for _, _, form, _ in receiver.received]
    assert [f["CallStatus"] for f in forms] == ["initiated", "ringing", "in-progress", "completed"]
    assert [f["SequenceNumber"] for f in forms] == ["0", "1", "2", "3"]
    assert all(receiver.valid(*received) for received in receiver.received)
    assert all(f["CallSid"] == call.sid and f["Direction"] == "outbound-api" for f in forms)
    assert (forms[-1]["CallDuration"], forms[-1]["AnsweredBy"]) == ("30", "human")
    fetched = client.calls(call.sid).fetch()
    assert (fetched.status, fetched.duration, fetched.answered_by) == ("completed", "30", "human")
    recorded = fake.calls[0]
    assert recorded["url"] == "https://tika.example.org/twilio/voice/callback"
    assert (recorded["timeout"], recorded["machine_detection"]) == (20, "Enable")


@pytest.mark.parametrize("result", ["no-answer", "busy", "failed", "canceled"])
def test_unanswered_calls(hooked: tuple[FakeTwilio, Receiver], result: str) -> None:
    fake, receiver = hooked
    fake.script(ALICE, Outcome(call=result))
    client = make_client(fake.url)
    sid = client.calls.create(
        to=ALICE, from_=SENDER, twiml="<Response/>", status_callback=f"{receiver.url}/status"
    ).sid
    assert fake.wait_for_callbacks()
    [(_, _, form, _)] = receiver.received  # by default Twilio posts only the completed event
    assert (form["CallStatus"], form["CallDuration"]) == (result, "0")
    assert client.calls(sid).fetch().status == result


def test_call_callback_by_get(hooked: tuple[FakeTwilio, Receiver]) -> None:
    fake, receiver = hooked
    client = make_client(fake.url)
    client.calls.create(
        to=ALICE,
        from_=SENDER,
        url="https://tika.example.org/voice",
        status_callback=f"{receiver.url}/status",
        status_callback_method="GET",
    )
    assert fake.wait_for_callbacks()
    [(method, url, form, signature)] = receiver.received
    assert method == "GET" and form["CallStatus"] == "completed"
    assert receiver.valid(method, url, form, signature)


def test_call_refusals(fake: FakeTwilio, client: Client) -> None:
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(to=ALICE, from_=SENDER)
    assert (raised.value.status, raised.value.code) == (400, 21205)
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(to="12345", from_=SENDER, url="https://tika.example.org/voice")
    assert raised.value.code == 21211
    fake.script(ALICE, Outcome(status=429, code=20429))
    with pytest.raises(TwilioRestException) as raised:
        client.calls.create(to=ALICE, from_=SENDER, url="https://tika.example.org/voice")
    assert (raised.value.status, raised.value.code) == (429, 20429)
    with pytest.raises(TwilioRestException) as raised:
        client.calls("CA" + "0" * 32).fetch()
    assert raised.value.status == 404
    assert [r["code"] for r in fake.call_requests] == [21205, 21211, 20429]
    assert fake.calls == []


def test_delay_records_before_responding(fake: FakeTwilio) -> None:
    fake.delay = 1.0
    impatient = make_client(fake.url, timeout=0.2)
    started = time.monotonic()
    with pytest.raises(requests.exceptions.Timeout):  # the library does not wrap it
        impatient.messages.create(to=ALICE, from_=SENDER, body="sent anyway")
    assert time.monotonic() - started < 0.9
    assert [m["body"] for m in fake.messages] == ["sent anyway"]


def test_reset(fake: FakeTwilio, client: Client) -> None:
    client.messages.create(to=ALICE, from_=SENDER, body="hi")
    client.calls.create(to=ALICE, from_=SENDER, url="https://tika.example.org/voice")
    fake.script(ALICE, Outcome(status=500))
    fake.script_all(Outcome(status=503))
    fake.reset()
    assert (fake.messages, fake.requests, fake.calls, fake.call_requests) == ([], [], [], [])
    client.messages.create(to=ALICE, from_=SENDER, body="hi")
    assert client.messages.list() and len(fake.messages) == 1


def test_stop_closes_the_port_and_joins_the_thread() -> None:
    threads = threading.active_count()
    fake = FakeTwilio(ACCOUNT_SID, AUTH_TOKEN).start()
    make_client(fake.url).messages.create(to=ALICE, from_=SENDER, body="hi")
    fake.stop()
    assert threading.active_count() == threads
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", fake.port)):
        pass


def test_command_line_server() -> None:
    command = [sys.executable, "-m", "tests.fake_twilio", "--account-sid", ACCOUNT_SID]
    command += ["--auth-token", AUTH_TOKEN, "--port", "0"]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    watchdog = threading.Timer(15, process.kill)  # never hang on a server that did not start
    watchdog.start()
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url)
        client = make_client(url)
        client.messages.create(to=ALICE, from_=SENDER, body="hi")
        assert len(client.messages.list(to=ALICE)) == 1
        assert requests.get(f"{url}/_fake/stats", timeout=5).json()["messages"] == 1
        process.terminate()
        assert process.wait(timeout=10) == 0
    finally:
        watchdog.cancel()
        watchdog.join()
        process.kill()
        process.wait()
        if process.stdout is not None:
            process.stdout.close()


def _wait(condition, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.005)
    return True
