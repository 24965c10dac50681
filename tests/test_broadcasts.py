"""Community broadcasts: the JSON API and the CLI, targeting, scheduling, cancelling, and
sending end to end through real workers to a Twilio-like server."""

import subprocess

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.services import services
from bot.storage.models.campaigns import BroadcastRecipient
from bot.sweep import sweep
from scheduler import clock
from tests.conftest import sending_through
from tests.support import FLASK, ROOT, process_env, run_worker

pytestmark = pytest.mark.both_databases

TOKEN = "token-for-the-district-team"
TEXTS = {
    "hi": "टीका अभियान: इस बुधवार आपके गाँव में टीकाकरण सत्र है।",
    "en": "Vaccination drive: a session in your village this Wednesday.",
}


@pytest.fixture
def config(config, fake, web_port):
    return {**sending_through(config, fake, web_port), "API_TOKENS": f"district-team:{TOKEN}"}


def api(client, method: str, path: str, json=None, token: str = TOKEN, language: str = ""):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    if language:
        headers["Accept-Language"] = language
    return getattr(client, method)(f"/api{path}", json=json, headers=headers)


@pytest.fixture
def families(families, phone):
    """The families of conftest, with Asha's visits so far all reported."""
    with clock.frozen("2025-03-01T10:00"):
        for done in ("हो गया 1/1", "हो गया 12/2"):  # Asha's visits so far, all reported
            phone.other("+919800000001").send(done)


def test_a_broadcast_to_one_district_in_each_language_skipping_opted_out(
    app, client, config, fake, web, families
):
    with clock.frozen("2025-03-03T11:00"):
        created = api(
            client,
            "post",
            "/broadcasts",
            {
                "name": "Lucknow session day",
                "texts": TEXTS,
                "audience": {"districts": ["Lucknow"]},
            },
        )
        assert created.status_code == 201, created.json
        preview = created.json
        assert preview["recipients"] == 3  # not the one who said STOP, nor Gorakhpur
        assert preview["languages"]["hi"] == {
            "text": TEXTS["hi"],
            "segments": 1,
            "encoding": "UCS-2",
            "recipients": 2,
        }
        assert preview["languages"]["en"]["recipients"] == 1
        bid = preview["id"]
        assert api(client, "post", f"/broadcasts/{bid}/send").status_code == 202
        sweep(services(app), clock.now())  # starts it: selects recipients, queues jobs
    run_worker(config, "2025-03-03T11:00:30+05:30")

    sent = {m["to"]: m["body"] for m in fake.messages}
    assert sent == {
        "+919800000001": TEXTS["hi"],
        "+919800000002": TEXTS["hi"],
        "+919800000003": TEXTS["en"],
    }
    assert fake.wait_for_callbacks()
    with clock.frozen("2025-03-03T11:15"):
        sweep(services(app), clock.now())  # nothing left: the broadcast is done
    stats = api(client, "get", f"/broadcasts/{bid}").json
    assert (stats["status"], stats["recipients"], stats["by_status"]) == ("done", 3, {"sent": 3})
    assert stats["delivery"] == {"delivered": 3}
    # Sending it again changes nothing: a broadcast goes to each recipient once.
    assert api(client, "post", f"/broadcasts/{bid}/send").status_code == 400


def test_the_api_needs_a_token_and_checks_what_it_is_given(client, families):
    assert api(client, "get", "/broadcasts", token=None).status_code == 401
    assert api(client, "get", "/broadcasts", token="guess").status_code == 401
    bad = [
        ({"name": "x", "texts": {"hi": "नमस्ते"}}, "Missing: English (en)"),
        ({"name": "x", "texts": {**TEXTS, "fr": "Bonjour"}}, "Not a language we send in: fr"),
        ({"name": "x", "texts": TEXTS, "audience": {"planets": ["Mars"]}}, "field: planets"),
        ({"name": "x", "texts": TEXTS, "audience": {"blocks": ["Nowhere"]}}, "block: NOWHERE"),
        ({"name": "", "texts": TEXTS}, "needs a name"),
        ({"name": "x", "texts": {**TEXTS, "en": "x" * 500}}, "4 SMS segments long; at most 3"),
    ]
    for payload, problem in bad:
        response = api(client, "post", "/broadcasts", payload)
        assert response.status_code == 400 and problem in response.json["error"], response.json
    missing = api(client, "get", "/broadcasts/999")
    assert (missing.status_code, missing.json) == (404, {"error": "There is no broadcast 999."})
    assert api(client, "post", "/broadcasts", None).json == {"error": "Send a JSON object."}


def test_the_api_says_what_is_wrong_in_the_language_asked_for(client, families):
    untranslated = {"name": "x", "texts": {"en": TEXTS["en"]}}
    refused = api(client, "post", "/broadcasts", untranslated, language="hi-IN,hi;q=0.9")
    assert refused.status_code == 400
    assert refused.json["error"] == "हर भाषा में संदेश चाहिए। इनमें नहीं है: हिंदी (hi)"
    missing = api(client, "get", "/broadcasts/999", language="hi")
    assert missing.json["error"] == "प्रसारण 999 नहीं मिला।"
    unsigned = api(client, "get", "/broadcasts", token=None, language="hi")
    assert unsigned.status_code == 401 and "मान्य API टोकन" in unsigned.json["error"]
    # A language we do not ship gets English.
    refused = api(client, "post", "/broadcasts", untranslated, language="fr")
    assert refused.json["error"] == "A text is needed in every language. Missing: हिंदी (hi)"
    created = api(client, "post", "/broadcasts", {"name": "x", "texts": TEXTS}).json["id"]
    assert api(client, "post", f"/broadcasts/{created}/cancel").status_code == 200
    late = api(client, "post", f"/broadcasts/{created}/send", language="hi")
    assert late.json["error"] == (
        f"प्रसारण {created} की स्थिति: रद्द। केवल मसौदा या निर्धारित प्रसारण भेजा जा सकता है।"
    )
    twice = api(client, "post", f"/broadcasts/{created}/cancel")
    assert twice.json["error"] == f"Broadcast {created} is already cancelled."


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 300) | st.integers() | st.floats() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=6,
)
AUDIENCE_FIELDS = (
    "states",
    "districts",
    "blocks",
    "pincodes",
    "languages",
    "age_months",
    "statuses",
    "vaccines",
    "asha",
)
NAMES = st.lists(
    st.sampled_from(["LUCKNOW", "Patna Sadar", "hi", "226001", "left_out", "mr-1", "+919800000001"])
    | st.text(),
    max_size=3,
)
MOMENTS = st.datetimes(timezones=st.none() | st.timezones()).map(lambda d: d.isoformat())


def mostly(plausible: st.SearchStrategy) -> st.SearchStrategy:
    """Three times in four a value of the right shape, else any JSON at all."""
    return st.integers(0, 3).flatmap(lambda n: JSON if n == 0 else plausible)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    name=mostly(st.text(max_size=130)),
    texts=mostly(st.fixed_dictionaries({"hi": st.text(max_size=400), "en": st.text(max_size=400)})),
    audience=mostly(
        st.dictionaries(
            st.sampled_from((*AUDIENCE_FIELDS, "overdue", "pregnant")),
            mostly(NAMES | st.lists(st.integers(-1, 300), max_size=2) | st.booleans()),
        )
    ),
    send=mostly(st.fixed_dictionaries({"at": mostly(MOMENTS)})),
)
@example(  # a NUL byte, which PostgreSQL refuses in a text
    name="Drive\x00", texts={"hi": "टीका\x00", "en": "Drive\x00"}, audience={}, send={}
)
@example(
    name="x",
    texts=TEXTS,
    audience={"districts": ["LUCKNOW\x00"], "age_months": [0, 10**30]},
    send={"at": "2025-03-04T10:30:00+05:30\x00"},
)
@example(name="x", texts=TEXTS, audience={}, send={"at": "9999-12-31T23:00:00-05:00"})
@example(name="x", texts=TEXTS, audience={}, send={"at": 0})
def test_any_request_body_is_refused_with_a_reason_never_an_error(
    client, name, texts, audience, send
):
    created = api(
        client, "post", "/broadcasts", {"name": name, "texts": texts, "audience": audience}
    )
    assert created.status_code in (201, 400), created.get_data(as_text=True)
    if created.status_code == 400:
        assert created.json["error"]
        return
    sent = api(client, "post", f"/broadcasts/{created.json['id']}/send", send)
    assert sent.status_code in (202, 400), sent.get_data(as_text=True)
    for body in (texts, audience, send, [send]):
        refused = api(client, "post", "/broadcasts", body)
        assert refused.status_code in (201, 400), refused.get_data(as_text=True)


def test_audiences(client, families, frozen_clock):
    def recipients(audience):
        with frozen_clock("2025-03-03T11:00"):
            response = api(
                client, "post", "/broadcasts", {"name": "x", "texts": TEXTS, "audience": audience}
            )
        return response.json["recipients"]

    assert recipients({}) == 4  # everyone who has not said STOP
    assert recipients({"languages": ["en"]}) == 2  # Meena and Geeta
    assert recipients({"pincodes": ["226010"]}) == 1
    assert recipients({"states": ["Uttar Pradesh"], "districts": ["Gorakhpur"]}) == 4
    assert recipients({"age_months": [0, 3]}) == 2  # Asha (2 months), Geeta (1 month)
    assert recipients({"age_months": [3, 12], "districts": ["Lucknow"]}) == 2  # Meena, Ravi
    # Visits passed with nothing reported: Meena and Ravi (Asha's next is not due yet).
    assert recipients({"overdue": True, "districts": ["Lucknow"]}) == 2


def test_scheduling_and_cancelling(app, client, config, fake, families):
    with clock.frozen("2025-03-03T09:00"):
        bid = api(
            client, "post", "/broadcasts", {"name": "later", "texts": TEXTS, "audience": {}}
        ).json["id"]
        response = api(
            client, "post", f"/broadcasts/{bid}/send", {"at": "2025-03-04T10:30:00+05:30"}
        )
        assert response.json["status"] == "scheduled"
    with clock.frozen("2025-03-04T10:29"):
        sweep(services(app), clock.now())
        assert api(client, "get", f"/broadcasts/{bid}").json["recipients"] == 0
    with clock.frozen("2025-03-04T10:31"):
        sweep(services(app), clock.now())
        assert api(client, "get", f"/broadcasts/{bid}").json["recipients"] == 4
        cancelled = api(client, "post", f"/broadcasts/{bid}/cancel").json
        assert (cancelled["status"], cancelled["spared"]) == ("cancelled", 4)
    run_worker(config, "2025-03-04T10:31:30+05:30")
    assert fake.messages == []


def test_nothing_goes_out_at_night(app, client, config, fake, families):
    with clock.frozen("2025-03-03T21:30"):
        bid = api(
            client, "post", "/broadcasts", {"name": "night", "texts": TEXTS, "audience": {}}
        ).json["id"]
        api(client, "post", f"/broadcasts/{bid}/send")
        sweep(services(app), clock.now())
    run_worker(config, "2025-03-03T21:31:00+05:30")
    assert fake.messages == []
    # The next morning the sweep starts it.
    with clock.frozen("2025-03-04T10:00"):
        sweep(services(app), clock.now())
    run_worker(config, "2025-03-04T10:00:30+05:30")
    assert len(fake.messages) == 4


def test_the_cli(app, config, fake, families):
    def flask(*args: str, now: str = "2025-03-03T11:00:00+05:30"):
        return subprocess.run(
            [FLASK, "--app", "bot", "broadcast", *args],
            cwd=ROOT,
            env=process_env(config, TIKA_NOW=now),
            capture_output=True,
            text=True,
            timeout=60,
        )

    created = flask(
        "create",
        "--name",
        "Polio Sunday",
        "--text",
        f"hi={TEXTS['hi']}",
        "--text",
        f"en={TEXTS['en']}",
        "--district",
        "LUCKNOW",
    )
    assert created.returncode == 0, created.stderr
    assert created.stdout.splitlines()[0].endswith(
        '"Polio Sunday" (draft): 3 recipients, 3 SMS, Rs 0.45'
    )
    bid = created.stdout.split()[1]
    missing = flask("create", "--name", "x", "--text", "hi=नमस्ते")
    assert missing.returncode == 1 and "Missing: English (en)" in missing.stderr
    sent = flask("send", bid)
    assert sent.returncode == 0, sent.stderr
    assert f"broadcast {bid}: 3 recipients queued" in sent.stdout
    assert "queueing" in sent.stdout  # the progress bar
    run_worker(config, "2025-03-03T11:00:30+05:30")
    assert len(fake.messages) == 3
    listing = flask("list")
    assert "Polio Sunday" in listing.stdout
    with services(app).db.session(write=False) as session:
        statuses = set(session.scalars(select(BroadcastRecipient.status)))
    assert statuses == {"sent"}
