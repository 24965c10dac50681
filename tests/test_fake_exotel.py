"""The fake Exotel SMS API, driven with plain ``requests`` (no Redis, no app)."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
import requests

from tests.fake_exotel import FakeExotel, Outcome

SID, KEY, TOKEN = "tika1", "fake-exotel-key", "fake-exotel-token"
ALICE, BOB = "+919812345601", "+919812345602"
SENDER = "TIKAHM"
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")


class Receiver(ThreadingHTTPServer):
    """A local webhook endpoint recording (method, path, fields, content type) of each request."""

    daemon_threads = False

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.url = f"http://127.0.0.1:{self.server_port}"
        self.received: list[tuple[str, str, dict[str, str], str]] = []
        self.thread = threading.Thread(target=self.serve_forever, args=(0.01,))


class _Handler(BaseHTTPRequestHandler):
    server: Receiver
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        kind = self.headers.get("Content-Type", "")
        fields = json.loads(body) if "json" in kind else dict(parse_qsl(body))
        self._record(fields, kind)

    def do_GET(self) -> None:
        self._record(dict(parse_qsl(urlsplit(self.path).query)), "")

    def do_HEAD(self) -> None:
        self._record({}, "")

    def _record(self, fields: dict[str, str], kind: str) -> None:
        path = urlsplit(self.path).path
        self.server.received.append((self.command, path, fields, kind))
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    server.thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def fake() -> Iterator[FakeExotel]:
    with FakeExotel(SID, KEY, TOKEN) as server:
        yield server


def send(fake: FakeExotel, path: str = "Sms/send.json", auth=(KEY, TOKEN), **fields: str):
    data = {"From": SENDER, "To": ALICE, "Body": "Tika reminder", **fields}
    url = f"{fake.url}/v1/Accounts/{SID}/{path}"
    return requests.post(url, data=data, auth=auth, timeout=5)


def test_refuses_bad_credentials_and_accounts(fake: FakeExotel) -> None:
    for auth in [(KEY, "wrong"), ("wrong", TOKEN), None]:
        response = send(fake, auth=auth)
        assert response.status_code == 401
        assert response.json()["RestException"]["Status"] == 401
    other = requests.post(
        f"{fake.url}/v1/Accounts/someone-else/Sms/send.json",
        data={"From": SENDER, "To": ALICE, "Body": "x"},
        auth=(KEY, TOKEN),
        timeout=5,
    )
    assert other.status_code == 401
    assert fake.messages == []


@pytest.mark.parametrize(
    "fields, message",
    [
        ({"From": ""}, "Missing parameter From"),
        ({"To": ""}, "Missing parameter To"),
        ({"Body": ""}, "Missing parameter Body"),
        ({"To": "not-a-number"}, "Invalid Recipient [not-a-number]"),
        ({"Body": "x" * 2001}, "Body is longer than 2000 characters"),
        ({"EncodingType": "utf8"}, "Invalid EncodingType [utf8]"),
    ],
)
def test_checks_fields(fake: FakeExotel, fields: dict[str, str], message: str) -> None:
    response = send(fake, **fields)
    assert response.status_code == 400
    assert response.json() == {"RestException": {"Status": 400, "Message": message}}
    assert fake.messages == []
    assert fake.requests[0]["status"] == 400


def test_require_dlt(fake: FakeExotel) -> None:
    fake.require_dlt = True
    assert send(fake).status_code == 400
    assert send(fake, DltEntityId="1101").status_code == 200


def test_answers_and_records_like_exotel(fake: FakeExotel) -> None:
    body = "टीका कल है"
    response = send(
        fake,
        Body=body,
        EncodingType="unicode",
        DltEntityId="1101",
        DltTemplateId="1107",
        CustomField="msg-42",
        StatusCallback="",
    )
    assert response.status_code == 200
    message = response.json()["SMSMessage"]
    assert re.fullmatch(r"[0-9a-f]{32}", message["Sid"])
    assert message["Status"] == "queued"
    assert (message["DetailedStatusCode"], message["DetailedStatus"]) == (
        21010,
        "PENDING_TO_OPERATOR",
    )
    assert message["To"] == "09812345601"  # Exotel writes Indian numbers back 0-prefixed
    assert (message["From"], message["Body"], message["AccountSid"]) == (SENDER, body, SID)
    assert DATE.fullmatch(message["DateCreated"]) and message["DateSent"] is None
    assert message["Uri"] == f"/v1/Accounts/{SID}/SMS/Messages/{message['Sid']}"
    assert message["Direction"] == "outbound-api" and message["SmsUnits"] == 1
    [record] = fake.messages
    assert record["sid"] == message["Sid"] and record["to"] == ALICE
    assert (record["from_"], record["body"], record["encoding_type"]) == (SENDER, body, "unicode")
    assert (record["dlt_entity_id"], record["dlt_template_id"]) == ("1101", "1107")
    assert record["custom_field"] == "msg-42" and not record["status_callback"]
    assert record["status"] == "sent"  # no callback URL: it reaches its final status at once

    for folder in ("SMS", "Sms"):
        url = f"{fake.url}/v1/Accounts/{SID}/{folder}/Messages/{message['Sid']}.json"
        details = requests.get(url, auth=(KEY, TOKEN), timeout=5)
        assert details.json()["SMSMessage"]["Status"] == "sent"
    missing = requests.get(
        f"{fake.url}/v1/Accounts/{SID}/SMS/Messages/{'0' * 32}.json", auth=(KEY, TOKEN), timeout=5
    )
    assert missing.status_code == 404 and "RestException" in missing.json()


def test_answers_xml_without_json_suffix(fake: FakeExotel) -> None:
    response = send(fake, path="Sms/send")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/xml")
    assert "<TwilioResponse><SMSMessage><Sid>" in response.text
    refused = send(fake, path="Sms/send", From="")
    assert "<RestException><Status>400</Status>" in refused.text


def test_scripted_refusals_then_success(fake: FakeExotel) -> None:
    fake.script(
        "09812345601",  # any spelling of ALICE
        Outcome(status=429, retry_after=7),
        Outcome(status=503, retry_after=2.5),
        Outcome(status=400, code=34001, message="Template mismatch"),
        Outcome(status=500),
    )
    first = send(fake)
    assert first.status_code == 429 and first.headers["Retry-After"] == "7"
    assert first.json() == {"RestException": {"Status": 429, "Message": "Too Many Requests"}}
    second = send(fake)
    assert second.status_code == 503 and second.headers["Retry-After"] == "2.5"
    third = send(fake)
    assert third.status_code == 400 and "Retry-After" not in third.headers
    assert third.json()["RestException"] == {
        "Status": 400,
        "Message": "Template mismatch",
        "Code": 34001,
    }
    assert send(fake).status_code == 500
    assert send(fake, To=BOB).status_code == 200  # BOB has no script
    assert send(fake).status_code == 200
    assert [r["status"] for r in fake.requests] == [429, 503, 400, 500, 200, 200]


def test_storm_and_script_all(fake: FakeExotel) -> None:
    fake.storm(2, retry_after=3)
    fake.script_all(Outcome(status=502))
    for _ in range(2):
        response = send(fake)
        assert response.status_code == 429 and response.headers["Retry-After"] == "3"
    assert send(fake, To=BOB).status_code == 502
    assert send(fake).status_code == 200


def test_rate_limit_answers_429_with_retry_after(fake: FakeExotel) -> None:
    fake.rate_limit = 5
    statuses = [send(fake).status_code for _ in range(5)]
    over = send(fake)
    assert statuses == [200] * 5
    assert over.status_code == 429 and int(over.headers["Retry-After"]) >= 1
    time.sleep(1.05)
    assert send(fake).status_code == 200
    stats = requests.get(f"{fake.url}/_fake/stats", timeout=5).json()
    assert (stats["messages"], stats["throttled_requests"]) == (6, 1)


def test_status_callback_with_the_final_status(receiver: Receiver, fake: FakeExotel) -> None:
    fake.script(BOB, Outcome(final="failed_dnd"))
    hook = f"{receiver.url}/exotel/status/secret"
    sids = [
        send(fake, To=to, StatusCallback=hook, CustomField=f"id-{to[-1]}").json()["SMSMessage"][
            "Sid"
        ]
        for to in (ALICE, BOB)
    ]
    assert fake.wait_for_callbacks()
    forms = {form["SmsSid"]: form for _, _, form, _ in receiver.received}
    assert set(forms) == set(sids) and len(receiver.received) == 2  # one callback per message
    alice, bob = forms[sids[0]], forms[sids[1]]
    assert (alice["Status"], alice["DetailedStatusCode"]) == ("sent", "20005")
    assert alice["DetailedStatus"] == "DELIVERED_TO_HANDSET"
    assert (alice["To"], alice["CustomField"], alice["SmsUnits"]) == ("09812345601", "id-1", "1")
    assert DATE.fullmatch(alice["DateSent"])
    assert (bob["Status"], bob["DetailedStatus"]) == ("failed_dnd", "FAILED_DND")
    assert all(m == "POST" and p == "/exotel/status/secret" for m, p, _, _ in receiver.received)
    assert [status for _, _, status in fake.callback_results] == [200, 200]
    assert fake.message(sids[1])["status"] == "failed_dnd"


def test_intermediate_delayed_and_disabled_callbacks(receiver: Receiver, fake: FakeExotel) -> None:
    hook = f"{receiver.url}/status"
    fake.script(ALICE, Outcome(intermediate=("sending", "submitted"), final="failed"))
    send(fake, StatusCallback=hook)
    assert fake.wait_for_callbacks()
    assert [form["Status"] for _, _, form, _ in receiver.received] == [
        "sending",
        "submitted",
        "failed",
    ]
    fake.callback_delay = 0.3
    sid = send(fake, StatusCallback=hook).json()["SMSMessage"]["Sid"]
    assert fake.message(sid)["status"] == "queued"
    assert fake.wait_for_callbacks() and fake.message(sid)["status"] == "sent"
    fake.callbacks_enabled = False
    sid = send(fake, StatusCallback=hook).json()["SMSMessage"]["Sid"]
    assert fake.message(sid)["status"] == "sent" and len(receiver.received) == 4


def test_bulk_send_in_messages_form(fake: FakeExotel) -> None:
    fake.script(BOB, Outcome(status=400, message="Invalid Recipient"))
    data = {
        "From": SENDER,
        "DltEntityId": "1101",
        "Messages[0][To]": ALICE,
        "Messages[0][Body]": "Asha: टीका कल",
        "Messages[1][To]": BOB,
        "Messages[1][Body]": "Ravi: टीका परसों",
        "Messages[2][To]": "+919812345603",
        "Messages[2][Body]": "Meena",
        "Messages[2][From]": "OTHER",
    }
    url = f"{fake.url}/v1/Accounts/{SID}/Sms/bulksend.json"
    response = requests.post(url, data=data, auth=(KEY, TOKEN), timeout=5)
    assert response.status_code == 200
    first, second, third = response.json()
    assert first["SMSMessage"]["Body"] == "Asha: टीका कल"
    assert second == {"RestException": {"Status": 400, "Message": "Invalid Recipient"}}
    assert third["SMSMessage"]["From"] == "OTHER"
    assert [(m["to"], m["from_"], m["dlt_entity_id"]) for m in fake.messages] == [
        (ALICE, SENDER, "1101"),
        ("+919812345603", "OTHER", "1101"),
    ]
    assert all(m["endpoint"] == "bulksend" for m in fake.messages)

    too_many = {f"Messages[{i}][To]": ALICE for i in range(101)}
    too_many.update({f"Messages[{i}][Body]": "x" for i in range(101)})
    assert requests.post(url, data=too_many, auth=(KEY, TOKEN), timeout=5).status_code == 400


def test_bulk_whole_request_refusal_keeps_other_scripts(fake: FakeExotel) -> None:
    fake.script(ALICE, Outcome(final="failed"))
    fake.script(BOB, Outcome(status=429, retry_after=4))
    url = f"{fake.url}/v1/Accounts/{SID}/Sms/bulksend.json"
    payload = {"From": SENDER, "sms": [{"To": ALICE, "Body": "a"}, {"To": BOB, "Body": "b"}]}
    refused = requests.post(url, json=payload, auth=(KEY, TOKEN), timeout=5)
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "4"
    assert fake.messages == []
    accepted = requests.post(url, json=payload, auth=(KEY, TOKEN), timeout=5)
    assert accepted.status_code == 200 and len(accepted.json()) == 2
    assert [m["status"] for m in fake.messages] == ["failed", "sent"]  # ALICE's script kept


def test_static_bulk_to_several_numbers(fake: FakeExotel) -> None:
    response = send(fake, To=f"{ALICE}, {BOB}")
    assert response.status_code == 200
    assert [item["SMSMessage"]["To"] for item in response.json()] == [
        "09812345601",
        "09812345602",
    ]


def test_inbound_sms_reaches_the_webhook(receiver: Receiver, fake: FakeExotel) -> None:
    hook = f"{receiver.url}/exotel/sms/token"
    assert fake.inbound(hook, "09812345601", "08033334444", "HELP", sid="in-1") == 200
    assert fake.inbound(hook, "9812345601", "08033334444", "मदद", method="GET", head_first=True)
    assert fake.inbound(hook, "09812345601", "08033334444", "NEXT", json=True) == 200
    (m1, _, form, kind1), (m2, _, _, _), (m3, _, query, _), (m4, _, data, kind4) = receiver.received
    assert (m1, kind1) == ("POST", "application/x-www-form-urlencoded")
    assert form["SmsSid"] == "in-1" and (form["From"], form["To"], form["Body"]) == (
        "09812345601",
        "08033334444",
        "HELP",
    )
    assert DATE.fullmatch(form["Date"])
    assert (m2, m3, query["Body"], query["From"]) == ("HEAD", "GET", "मदद", "9812345601")
    assert (m4, kind4, data["Body"]) == ("POST", "application/json", "NEXT")
    assert [r["status"] for r in fake.inbound_results] == [200, 200, 200]
    with pytest.raises(ValueError):
        fake.inbound("http://example.com/hook", ALICE, "08033334444", "HELP")


def test_runs_as_a_process_until_sigterm(receiver: Receiver) -> None:
    command = [sys.executable, "-m", "tests.fake_exotel", "--account-sid", SID]
    command += ["--api-key", KEY, "--api-token", TOKEN, "--rate-limit", "50"]
    root = Path(__file__).resolve().parent.parent
    process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        url = process.stdout.readline().strip()
        assert url.startswith("http://127.0.0.1:")
        response = requests.post(
            f"{url}/v1/Accounts/{SID}/Sms/send.json",
            data={"From": SENDER, "To": ALICE, "Body": "x"},
            auth=(KEY, TOKEN),
            timeout=5,
        )
        assert response.status_code == 200
        inbound = {"url": f"{receiver.url}/in", "from": ALICE, "to": "0803", "body": "HI"}
        assert requests.post(f"{url}/_fake/inbound", json=inbound, timeout=5).json() == {
            "status": 200
        }
        stats = requests.get(f"{url}/_fake/stats", timeout=5).json()
        assert (stats["messages"], stats["requests"], stats["inbound"]) == (1, 1, 1)
    finally:
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
