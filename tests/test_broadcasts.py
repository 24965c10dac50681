"""Community broadcasts: the JSON API and the CLI, targeting, scheduling, cancelling, and
sending end to end through real workers to a Twilio-like server."""

import subprocess

import pytest
from sqlalchemy import select

from bot.models_campaigns import BroadcastRecipient
from bot.services import services
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


def api(client, method: str, path: str, json=None, token: str = TOKEN):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
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
        ({"name": "x", "texts": {"hi": "नमस्ते"}}, "missing en"),
        ({"name": "x", "texts": TEXTS, "audience": {"planets": ["Mars"]}}, "unknown audience"),
        ({"name": "x", "texts": TEXTS, "audience": {"blocks": ["Nowhere"]}}, "unknown block"),
        ({"name": "", "texts": TEXTS}, "needs a name"),
        ({"name": "x", "texts": {**TEXTS, "en": "x" * 500}}, "segments"),
    ]
    for payload, problem in bad:
        response = api(client, "post", "/broadcasts", payload)
        assert response.status_code == 400 and problem in response.json["error"], response.json
    assert api(client, "get", "/broadcasts/999").status_code == 404
    assert api(client, "post", "/broadcasts", None).json == {"error": "send a JSON object"}


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
    assert created.stdout.splitlines()[0].endswith('"Polio Sunday" (draft): 3 recipients')
    bid = created.stdout.split()[1]
    missing = flask("create", "--name", "x", "--text", "hi=नमस्ते")
    assert missing.returncode == 1 and "missing en" in missing.stderr
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
