"""The fake Exotel voice API and flow engine, against a tiny Flask IVR served on 127.0.0.1."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server

from tests.fake_exotel_voice import HANGUP, Applet, CallOutcome, FakeExotelVoice, FlowSpec

SID, KEY, TOKEN = "tika1", "fake-exotel-key", "fake-exotel-token"
CAREGIVER, EXOPHONE, FLOW_ID = "+919812345601", "08033334444", "4242"
FLOW_URL = f"http://my.exotel.com/{SID}/exoml/start_voice/{FLOW_ID}"
HEX32 = re.compile(r"[0-9a-f]{32}")
DATE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d")
GATHER = {
    "gather_prompt": {"text": "Press 1 to hear again, 9 to stop."},
    "max_input_digits": 1,
    "finish_on_key": "#",
    "input_timeout": 5,
    "repeat_menu": 0,
}


class Ivr:
    """A Flask app playing Tika's voice endpoints; records every request it got."""

    def __init__(self) -> None:
        self.got: list[dict[str, Any]] = []
        self.gather: dict[str, Any] = dict(GATHER)
        self.say: str = "Namaste. Your child's next vaccine is due on Monday."
        app = Flask(__name__)
        app.add_url_rule("/exotel/voice/say/<token>", view_func=self._say, methods=["GET"])
        app.add_url_rule("/exotel/voice/gather/<token>", view_func=self._gather)
        app.add_url_rule("/exotel/voice/digits/<token>", view_func=self._digits)
        app.add_url_rule("/exotel/missed/<token>", view_func=self._missed)
        app.add_url_rule("/exotel/status", view_func=self._status, methods=["POST"])
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,))

    def _note(self, kind: str) -> None:
        self.got.append(
            {
                "kind": kind,
                "method": request.method,
                "args": request.args.to_dict(),
                "raw_query": request.query_string.decode(),
                "form": request.form.to_dict(),
                "version": request.headers.get("Exotel-Version"),
            }
        )

    def _say(self, token: str) -> Response:
        self._note("say")
        return Response(self.say, content_type="text/plain")

    def _gather(self, token: str) -> Response:
        self._note("gather")
        if token == "broken":
            return Response("<Response/>", content_type="application/xml")
        return Response(json.dumps(self.gather), content_type="application/json")

    def _digits(self, token: str) -> Response:
        self._note("digits")
        return Response("", status=302 if request.args.get("digits") == '"9"' else 200)

    def _missed(self, token: str) -> Response:
        self._note("missed")
        return Response("", status=200)

    def _status(self) -> Response:
        self._note("status")
        return Response("ok")

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [got for got in self.got if got["kind"] == kind]


@pytest.fixture
def ivr() -> Iterator[Ivr]:
    app = Ivr()
    app.thread.start()
    try:
        yield app
    finally:
        app.server.shutdown()
        app.thread.join()


def flow(ivr: Ivr, gather: str = "t0k3n", **options: Any) -> FlowSpec:
    applets = [
        ("greeting", f"{ivr.url}/exotel/voice/say/t0k3n"),
        ("gather", f"{ivr.url}/exotel/voice/gather/{gather}"),
        ("passthru", f"{ivr.url}/exotel/voice/digits/t0k3n"),
    ]
    return FlowSpec(applets, FLOW_ID, **options)


@pytest.fixture
def fake(ivr: Ivr) -> Iterator[FakeExotelVoice]:
    with FakeExotelVoice(SID, KEY, TOKEN, flows=flow(ivr)) as running:
        yield running


def connect(fake: FakeExotelVoice, suffix: str = ".json", **fields: Any) -> requests.Response:
    data = {"From": CAREGIVER, "CallerId": EXOPHONE, "Url": FLOW_URL, "CustomField": "call-7"}
    data.update(fields)
    return requests.post(
        f"{fake.url}/v1/Accounts/{SID}/Calls/connect{suffix}",
        auth=(KEY, TOKEN),
        data={k: v for k, v in data.items() if v is not None},
        timeout=5,
    )


def test_bad_credentials_or_account_are_refused(fake: FakeExotelVoice) -> None:
    wrong = requests.post(
        f"{fake.url}/v1/Accounts/{SID}/Calls/connect.json", auth=(KEY, "nope"), timeout=5
    )
    assert wrong.status_code == 401 and wrong.json()["RestException"]["Status"] == 401
    other = requests.post(
        f"{fake.url}/v1/Accounts/other/Calls/connect.json", auth=(KEY, TOKEN), timeout=5
    )
    assert other.status_code == 401
    assert fake.calls == [] and fake.requests == []


def test_connect_answers_a_call_resource_and_records_the_call(fake: FakeExotelVoice) -> None:
    response = connect(fake, StatusCallbackEvents=None, TimeLimit="300", TimeOut="30")
    assert response.status_code == 200
    call = response.json()["Call"]
    assert HEX32.fullmatch(call["Sid"]) and call["Status"] == "in-progress"
    assert call["From"] == "09812345601" and call["PhoneNumberSid"] == EXOPHONE
    assert call["To"] is None and call["Direction"] == "outbound-api"
    assert DATE.fullmatch(call["DateCreated"]) and call["Uri"].endswith(
        f"/Calls/{call['Sid']}.json"
    )
    [record] = fake.calls
    assert record["sid"] == call["Sid"] and record["flow_id"] == FLOW_ID
    assert record["custom_field"] == "call-7" and record["time_limit"] == "300"
    assert record["status"] == "in-progress" and record["steps"] == []  # rings until answer()
    details = requests.get(
        f"{fake.url}/v1/Accounts/{SID}/Calls/{call['Sid']}.json", auth=(KEY, TOKEN), timeout=5
    )
    assert details.json()["Call"]["Sid"] == call["Sid"]
    xml = requests.get(f"{fake.url}/v1/Accounts/{SID}/Calls/{call['Sid']}", auth=(KEY, TOKEN))
    assert xml.text.count(f"<Sid>{call['Sid']}</Sid>") == 1 and "<TwilioResponse>" in xml.text
    missing = requests.get(f"{fake.url}/v1/Accounts/{SID}/Calls/nope.json", auth=(KEY, TOKEN))
    assert missing.status_code == 404


@pytest.mark.parametrize(
    "fields",
    [
        {"Url": f"http://my.exotel.com/someone-else/exoml/start_voice/{FLOW_ID}"},
        {"Url": "http://example.org/flow"},
        {"CallerId": None},
        {"From": "not-a-number"},
        {"TimeLimit": "20000"},
        {"StatusCallbackEvents[0]": "ringing"},
    ],
)
def test_connect_refuses_what_exotel_would(fake: FakeExotelVoice, fields: dict[str, Any]) -> None:
    response = connect(fake, **fields)
    assert response.status_code == 400 and "RestException" in response.json()
    assert fake.calls == [] and fake.requests[0]["status"] == 400


def test_answer_walks_the_flow_with_quoted_digits_until_302(
    fake: FakeExotelVoice, ivr: Ivr
) -> None:
    sid = connect(
        fake,
        StatusCallback=f"{ivr.url}/exotel/status?call=7",
        **{"StatusCallbackEvents[0]": "terminal", "StatusCallbackEvents[1]": "answered"},
    ).json()["Call"]["Sid"]
    steps = fake.answer(sid, keys=["1", "", "9"])
    assert [(s["applet"], s["next"]) for s in steps] == [
        ("greeting", "gather"),
        ("gather", "passthru"),
        ("passthru", "greeting"),
    ] * 2 + [("greeting", "gather"), ("gather", "passthru"), ("passthru", HANGUP)]
    assert [s["digits"] for s in steps if s["applet"] == "passthru"] == ["1", "", "9"]
    assert [got["args"]["digits"] for got in ivr.of("digits")] == ['"1"', '""', '"9"']
    assert "digits=%229%22" in ivr.of("digits")[-1]["raw_query"]
    assert [got["method"] for got in ivr.of("say")] == ["HEAD", "GET"] * 3
    assert {got["version"] for got in ivr.of("gather")} == {"1.0"}
    query = ivr.of("gather")[0]["args"]
    assert query["CallSid"] == sid and query["CallFrom"] == "09812345601"
    assert query["CallTo"] == EXOPHONE and query["CustomField"] == "call-7"
    assert query["flow_id"] == FLOW_ID and query["EndTime"] == "1970-01-01 05:30:00"
    greeting, gather = steps[0], steps[1]
    assert greeting["text"].startswith("Namaste") and greeting["content_type"] == "text/plain"
    assert gather["prompt"] == {"text": GATHER["gather_prompt"]["text"]}
    assert gather["settings"]["max_input_digits"] == 1 and gather["pressed"] == ["1"]
    call = fake.call(sid)
    assert call is not None and call["status"] == "completed" and call["ended_by"] == "flow"
    assert fake.errors == []

    assert fake.wait_for_callbacks()
    answered, terminal = (got["form"] for got in ivr.of("status"))
    assert answered["EventType"] == "answered" and answered["Status"] == "in-progress"
    assert "CustomField" not in answered
    assert terminal["EventType"] == "terminal" and terminal["Status"] == "completed"
    assert terminal["CallSid"] == sid and terminal["CustomField"] == "call-7"
    assert terminal["Legs[0][Status]"] == "completed" and terminal["RecordingUrl"] == ""
    assert DATE.fullmatch(terminal["DateUpdated"])
    assert [status for _, _, status in fake.callback_results] == [200, 200]
    with pytest.raises(ValueError, match="already answered"):
        fake.answer(sid, keys=["1"])


def test_plain_status_callback_has_the_four_documented_fields(
    fake: FakeExotelVoice, ivr: Ivr
) -> None:
    sid = connect(fake, StatusCallback=f"{ivr.url}/exotel/status").json()["Call"]["Sid"]
    fake.answer(sid, keys=["9"])
    [got] = ivr.of("status")
    assert set(got["form"]) == {"CallSid", "Status", "DateUpdated", "RecordingUrl"}
    assert got["form"]["Status"] == "completed"


def test_silence_repeats_the_prompt_and_running_out_of_keys_hangs_up(
    fake: FakeExotelVoice, ivr: Ivr
) -> None:
    ivr.gather = {**GATHER, "repeat_menu": 1, "repeat_gather_prompt": {"text": "Once more."}}
    sid = connect(fake).json()["Call"]["Sid"]
    steps = fake.answer(sid, keys=["", "", "12#"])
    gathers = [s for s in steps if s["applet"] == "gather"]
    assert gathers[0]["plays"] == [
        {"text": GATHER["gather_prompt"]["text"]},
        {"text": "Once more."},
    ]
    assert gathers[0]["pressed"] == ["", ""] and gathers[0]["digits"] == ""
    assert gathers[1]["pressed"] == ["12#"] and gathers[1]["digits"] == "1"  # max_input_digits 1
    assert gathers[2]["next"] == "<caller>" and steps[-1]["applet"] == "gather"
    assert fake.call(sid)["ended_by"] == "caller"  # type: ignore[index]


def test_max_loops_and_configurable_targets(ivr: Ivr) -> None:
    say, digits = f"{ivr.url}/exotel/voice/say/t", f"{ivr.url}/exotel/voice/digits/t"
    applets = [
        Applet("greeting", say, name="welcome"),
        ("greeting", say, {"name": "menu"}),
        ("gather", f"{ivr.url}/exotel/voice/gather/t"),
        ("passthru", digits, {"on_200": "menu", "on_302": "bye"}),
        Applet("greeting", say, name="bye", next=HANGUP),
    ]
    with FakeExotelVoice(SID, KEY, TOKEN, flows=FlowSpec(applets, max_loops=3)) as fake:
        sid = connect(fake).json()["Call"]["Sid"]
        steps = fake.answer(sid, keys=["1"] * 10)
        assert [s["name"] for s in steps][:5] == ["welcome", "menu", "gather", "passthru", "menu"]
        assert sum(s["name"] == "passthru" for s in steps) == 3
        assert fake.call(sid)["ended_by"] == "max-loops"  # type: ignore[index]
        sid = connect(fake).json()["Call"]["Sid"]
        names = [s["name"] for s in fake.answer(sid, keys=["9"])]
        assert names == ["welcome", "menu", "gather", "passthru", "bye"]


def test_flow_spec_names_and_targets() -> None:
    spec = FlowSpec([("gather", "u"), ("gather", "v"), ("passthru", "w", {"on_200": "gather2"})])
    assert [a.name for a in spec.applets] == ["gather1", "gather2", "passthru"]
    with pytest.raises(ValueError, match="unknown target"):
        FlowSpec([("passthru", "w", {"on_302": "nowhere"})])
    with pytest.raises(ValueError, match="kind"):
        FlowSpec([("menu", "u")])


def test_a_broken_gather_answer_drops_the_call(ivr: Ivr) -> None:
    with FakeExotelVoice(SID, KEY, TOKEN, flows=flow(ivr, gather="broken")) as fake:
        sid = connect(fake).json()["Call"]["Sid"]
        steps = fake.answer(sid, keys=["1"])
        assert [s["applet"] for s in steps] == ["greeting", "gather"]
        assert fake.call(sid)["ended_by"] == "error"  # type: ignore[index]
        [(call_sid, name, error)] = fake.errors
        assert call_sid == sid and name == "gather" and "Content-Type" in error


def test_scripted_keys_walk_at_once_and_audio_greetings(fake: FakeExotelVoice, ivr: Ivr) -> None:
    ivr.say = "http://127.0.0.1/a/first.wav\nhttp://127.0.0.1/a/second.wav\n"
    fake.script(CAREGIVER, CallOutcome(keys=["9"]))
    sid = connect(fake, From="09812345601").json()["Call"]["Sid"]
    assert fake.wait_for_callbacks()
    steps = fake.steps(sid)
    assert steps[0]["audio_urls"] == [
        "http://127.0.0.1/a/first.wav",
        "http://127.0.0.1/a/second.wav",
    ]
    assert steps[0]["text"] is None and steps[-1]["status"] == 302
    assert fake.call(sid)["status"] == "completed"  # type: ignore[index]


@pytest.mark.parametrize("result", ["no-answer", "busy", "failed"])
def test_unanswered_calls_only_report(fake: FakeExotelVoice, ivr: Ivr, result: str) -> None:
    fake.script_all(CallOutcome(result))
    sid = connect(fake, StatusCallback=f"{ivr.url}/exotel/status").json()["Call"]["Sid"]
    assert fake.wait_for_callbacks()
    [got] = ivr.of("status")
    assert got["form"]["Status"] == result and got["form"]["CallSid"] == sid
    assert fake.steps(sid) == [] and ivr.of("say") == []
    details = requests.get(
        f"{fake.url}/v1/Accounts/{SID}/Calls/{sid}.json", auth=(KEY, TOKEN), timeout=5
    )
    assert details.json()["Call"]["Status"] == result
    with pytest.raises(ValueError, match="scripted"):
        fake.answer(sid)


def test_throttling_carries_retry_after(fake: FakeExotelVoice) -> None:
    fake.script(CAREGIVER, CallOutcome(status=429, retry_after=7))
    fake.storm(1, retry_after=2, status=503)
    first, second, third = connect(fake), connect(fake), connect(fake)
    assert (first.status_code, first.headers["Retry-After"]) == (503, "2")
    assert (second.status_code, second.headers["Retry-After"]) == (429, "7")
    assert second.json()["RestException"]["Status"] == 429
    assert third.status_code == 200
    assert [r["status"] for r in fake.requests] == [503, 429, 200] and len(fake.calls) == 1


def test_missed_call_gets_the_passthru_url(fake: FakeExotelVoice, ivr: Ivr) -> None:
    status = fake.missed_call(f"{ivr.url}/exotel/missed/t0k3n?x=1", "+919812345601", EXOPHONE)
    assert status == 200
    [got] = ivr.of("missed")
    args = got["args"]
    assert HEX32.fullmatch(args["CallSid"]) and args["x"] == "1"
    assert args["CallFrom"] == args["From"] == "09812345601" and args["CallTo"] == EXOPHONE
    assert args["Direction"] == "incoming" and args["CallType"] == "call-attempt"
    assert fake.missed_call_results[0]["status"] == 200
    with pytest.raises(ValueError, match=r"127\.0\.0\.1"):
        fake.missed_call("http://example.org/missed", CAREGIVER, EXOPHONE)


def test_process_mode_serves_until_sigterm(ivr: Ivr) -> None:
    command = [sys.executable, "-m", "tests.fake_exotel_voice", "--account-sid", SID]
    command += ["--api-key", KEY, "--api-token", TOKEN, "--auto-walk", "--keys", "9"]
    for kind, path in (("greeting", "say"), ("gather", "gather"), ("passthru", "digits")):
        command += [f"--{kind}-url", f"{ivr.url}/exotel/voice/{path}/t"]
    root = Path(__file__).resolve().parent.parent
    with subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            url = process.stdout.readline().strip()
            response = requests.post(
                f"{url}/v1/Accounts/{SID}/Calls/connect.json",
                auth=(KEY, TOKEN),
                data={"From": CAREGIVER, "CallerId": EXOPHONE, "Url": FLOW_URL},
                timeout=5,
            )
            assert response.status_code == 200
            for _ in range(100):
                stats = requests.get(f"{url}/_fake/stats", timeout=5).json()
                if stats["ended"]:
                    break
                threading.Event().wait(0.02)
            assert stats["calls"] == 1 and stats["ended"] == 1 and stats["steps"] == 3
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
