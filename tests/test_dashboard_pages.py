"""The dashboard's Broadcasts, Campaigns and Due lists pages, through the real app: forms
with their CSRF tokens, a broadcast sent by real workers to a Twilio-like server, a
district officer kept to their districts."""

import csv
import io
import re

import pytest
from sqlalchemy import func, select

from bot.campaigns.records import load
from bot.services import services
from bot.storage.models.campaigns import Broadcast
from scheduler import clock
from scheduler.calendars import campaign_data
from tests.conftest import sending_through
from tests.dashboard_support import sign_in
from tests.support import run_worker

TEXTS = {
    "text_hi": "टीका अभियान: इस बुधवार आपके गाँव में टीकाकरण सत्र है।",
    "text_en": "Vaccination drive: a session in your village this Wednesday.",
}


def english(staff):
    staff.post("/language", {"lang": "en", "next": "/dashboard"})


def element(page: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}"[^>]*>([^<]*)<', page)[1].strip()


def broadcasts_stored(app) -> int:
    with services(app).db.reading() as conn:
        return conn.scalar(select(func.count()).select_from(Broadcast.__table__))


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


def test_compose_preview_send_and_see_it_delivered(app, client, config, fake, web, families):
    with clock.frozen("2025-03-03T11:00"):
        staff = sign_in(app, client)
        english(staff)
        page = staff.get("/dashboard/broadcasts").get_data(as_text=True)
        for selector in ('id="text-hi"', 'id="text-en"', 'id="districts"', 'id="save"'):
            assert selector in page
        assert staff.get("/dashboard/broadcasts/audience.json?districts=lucknow").json == {
            "recipients": 3,  # not the one who said STOP, nor Gorakhpur
            "languages": {"hi": 2, "en": 1},
        }
        # Saved as a draft first: the audience before sending, nothing queued yet.
        saved = staff.post(
            "/dashboard/broadcasts", {**TEXTS, "districts": "lucknow", "action": "save"}
        )
        assert saved.status_code == 302
        draft = staff.get(saved.headers["Location"]).get_data(as_text=True)
        assert element(draft, "audience-count") == "3"
        assert element(draft, "broadcast-status") == "draft"
        assert 'id="send-now"' in draft and 'id="cancel"' in draft
        sent = staff.post(saved.headers["Location"] + "/send", {"send_at": ""})
        assert sent.status_code == 302
        page = staff.get(sent.headers["Location"]).get_data(as_text=True)
        assert "Broadcast queued: 3 recipients." in page
        assert element(page, "broadcast-status") == "sending"
        assert element(page, "recipients-count") == "3"
        assert element(page, "delivered-count") == "0"
        stats_url = sent.headers["Location"] + "/stats.json"
    run_worker(config, "2025-03-03T11:00:30+05:30")
    assert sorted(m["to"] for m in fake.messages) == [
        "+919800000001",
        "+919800000002",
        "+919800000003",
    ]
    assert {m["body"] for m in fake.messages} == {TEXTS["text_hi"], TEXTS["text_en"]}
    assert fake.wait_for_callbacks()
    stats = staff.get(stats_url).json
    assert (stats["status"], stats["sent"], stats["delivered"]) == ("done", 3, 3)
    page = staff.get(stats_url.removesuffix("/stats.json")).get_data(as_text=True)
    assert element(page, "delivered-count") == "3"
    assert 'id="cancel"' not in page  # done: nothing to cancel
    listing = staff.get("/dashboard/broadcasts").get_data(as_text=True)
    assert "Vaccination drive: a session in your village this Wednesday." in listing


def test_send_from_the_compose_form_and_cancel_a_scheduled_one(app, client, families):
    with clock.frozen("2025-03-03T11:00"):
        staff = sign_in(app, client)
        english(staff)
        # Scheduled for the evening: nothing is selected or queued yet; then cancelled.
        later = staff.post(
            "/dashboard/broadcasts",
            {
                **TEXTS,
                "name": "Evening",
                "districts": "GORAKHPUR",
                "send_at": "2025-03-03T18:30",
                "action": "send",
            },
        )
        page = staff.get(later.headers["Location"]).get_data(as_text=True)
        assert "Broadcast scheduled for 2025-03-03 18:30 (India time)." in page
        assert element(page, "broadcast-status") == "scheduled"
        assert element(page, "audience-count") == "1"
        cancelled = staff.post(later.headers["Location"] + "/cancel")
        page = staff.get(cancelled.headers["Location"]).get_data(as_text=True)
        assert element(page, "broadcast-status") == "cancelled"
        # Sent at once: its recipients are chosen and queued.
        now = staff.post(
            "/dashboard/broadcasts", {**TEXTS, "districts": "LUCKNOW, GORAKHPUR", "action": "send"}
        )
        page = staff.get(now.headers["Location"]).get_data(as_text=True)
        assert element(page, "recipients-count") == "4"
        assert staff.get(now.headers["Location"] + "/stats.json").json["by_status"] == {"queued": 4}
        # A text too long, or a district that does not exist, is refused with the form kept.
        refused = staff.post(
            "/dashboard/broadcasts", {**TEXTS, "districts": "ATLANTIS", "action": "send"}
        )
        assert refused.status_code == 400
        assert "ATLANTIS" in element(refused.get_data(as_text=True), "form-error")
    assert broadcasts_stored(app) == 2


def test_an_officer_reading_hindi_is_told_in_hindi_what_is_wrong(app, client, families):
    with clock.frozen("2025-03-03T11:00"):
        staff = sign_in(app, client, "officer@tika.example", "district", ["LUCKNOW"])
        staff.post("/language", {"lang": "hi", "next": "/dashboard"})
        untranslated = staff.post(
            "/dashboard/broadcasts", {**TEXTS, "text_hi": " ", "action": "send"}
        )
        assert untranslated.status_code == 400
        assert element(untranslated.get_data(as_text=True), "form-error") == (
            "हर भाषा में संदेश चाहिए। इनमें नहीं है: हिंदी (hi)"
        )
        too_long = staff.post(
            "/dashboard/broadcasts", {**TEXTS, "text_hi": "टीका " * 60, "action": "send"}
        )
        assert element(too_long.get_data(as_text=True), "form-error") == (
            "हिंदी (hi) संदेश 5 SMS हिस्सों का है; अधिकतम 3 हो सकते हैं।"
        )
        assert broadcasts_stored(app) == 0
        saved = staff.post("/dashboard/broadcasts", {**TEXTS, "action": "save"})
        never = staff.post(saved.headers["Location"] + "/send", {"send_at": "0001-01-01T00:00"})
        page = staff.get(never.headers["Location"]).get_data(as_text=True)
        assert "यह नहीं हो सकता: भेजने का समय सही तारीख और समय नहीं है।" in page
        assert element(page, "broadcast-status") == "मसौदा"
        staff.post(saved.headers["Location"] + "/cancel")
        again = staff.post(saved.headers["Location"] + "/cancel")
        page = staff.get(again.headers["Location"]).get_data(as_text=True)
        number = saved.headers["Location"].rsplit("/", 1)[1]
        assert f"यह नहीं हो सकता: प्रसारण {number} की स्थिति पहले से: रद्द।" in page


def test_a_district_officer_cannot_target_or_see_another_district(app, client, families):
    with clock.frozen("2025-03-03T11:00"):
        admin = sign_in(app, app.test_client())
        to_gorakhpur = admin.post(
            "/dashboard/broadcasts", {**TEXTS, "districts": "GORAKHPUR", "action": "save"}
        ).headers["Location"]
        officer = sign_in(app, client, "officer@tika.example", "district", ["LUCKNOW"])
        english(officer)
        for districts in ("GORAKHPUR", "LUCKNOW, GORAKHPUR"):
            refused = officer.post(
                "/dashboard/broadcasts", {**TEXTS, "districts": districts, "action": "send"}
            )
            assert refused.status_code == 400
            assert "You may only send to your districts: LUCKNOW" in refused.get_data(as_text=True)
        assert broadcasts_stored(app) == 1
        audience = officer.get("/dashboard/broadcasts/audience.json?districts=GORAKHPUR")
        assert audience.status_code == 400
        # The admin's broadcast to Gorakhpur is not theirs to see, send or cancel.
        assert client.get(to_gorakhpur).status_code == 404
        assert officer.post(to_gorakhpur + "/send").status_code == 404
        assert officer.post(to_gorakhpur + "/cancel").status_code == 404
        assert to_gorakhpur not in officer.get("/dashboard/broadcasts").get_data(as_text=True)
        # No districts typed: their own.
        own = officer.post("/dashboard/broadcasts", {**TEXTS, "districts": "", "action": "save"})
        page = officer.get(own.headers["Location"]).get_data(as_text=True)
        assert element(page, "audience-count") == "3"
        assert own.headers["Location"] in officer.get("/dashboard/broadcasts").get_data(
            as_text=True
        )
        # Nor another district's due list.
        assert client.get("/dashboard/duelists?district=GORAKHPUR").status_code == 403
        assert client.get("/dashboard/duelists.csv?district=GORAKHPUR").status_code == 403


def test_the_campaign_page_lists_imi_session_days_and_families(app, client, families):
    staff = sign_in(app, client)
    english(staff)
    empty = staff.get("/dashboard/campaigns").get_data(as_text=True)
    assert "No campaign yet" in empty
    load(services(app), campaign_data("imi-2.0"))
    page = staff.get("/dashboard/campaigns").get_data(as_text=True)
    assert "Intensified Mission Indradhanush 2.0" in page
    assert "Session days in Uttar Pradesh" in page and "Bahraich" in page
    assert "Session days in Bihar" in page and "PATNA SADAR" in page
    assert len(re.findall(r'<time datetime="', page)) == 2 * 4 * 7  # 2 states, 4 rounds of 7
    days = re.findall(r'<time datetime="([\d-]+)"', page.split("Session days in Uttar Pradesh")[1])
    # UP's first round: seven days from 2 December 2019, skipping its RI days (Wednesday,
    # Saturday) and Sundays.
    assert days[:7] == [
        "2019-12-02",
        "2019-12-03",
        "2019-12-05",
        "2019-12-06",
        "2019-12-09",
        "2019-12-10",
        "2019-12-12",
    ]
    assert days[-1] == "2020-03-13"  # the last round skips Holi (10 March 2020)


def test_due_list_for_a_district_and_its_csv(app, client, families):
    with clock.frozen("2025-03-03T11:00"):
        staff = sign_in(app, client, "officer@tika.example", "district", ["LUCKNOW"])
        english(staff)
        page = staff.get("/dashboard/duelists?district=LUCKNOW&week=2025-W11")
        assert page.status_code == 200
        html = page.get_data(as_text=True)
        assert 'id="download-csv"' in html and 'id="print-view"' in html
        download = staff.get("/dashboard/duelists.csv?district=LUCKNOW&week=2025-W11")
        assert download.status_code == 200 and download.mimetype == "text/csv"
        assert "due-list-lucknow-2025-03-10.csv" in download.headers["Content-Disposition"]
        table = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
        assert table[0][:3] == ["Session day", "Child", "Born"]
        # Lucknow's four children (not Gorakhpur's Geeta), each at the week's first RI
        # session day (Wednesday), all of them behind.
        assert sorted(row[1] for row in table[1:]) == ["Meena", "Sunil", "आशा", "रवि"]
        assert {(row[0], row[6]) for row in table[1:]} == {("12 March 2025", "overdue")}
        for row in table[1:]:
            assert row[1] in html
        printed = client.get("/dashboard/duelists/print?district=LUCKNOW&week=2025-W11")
        assert printed.status_code == 200 and "Due list" in printed.get_data(as_text=True)


@pytest.mark.parametrize(
    "path", ["/dashboard/broadcasts", "/dashboard/campaigns", "/dashboard/duelists"]
)
def test_the_pages_open_in_hindi_for_an_officer(app, client, families, path):
    load(services(app), campaign_data("imi-2.0"))
    staff = sign_in(app, client, "officer@tika.example", "district", ["LUCKNOW"])
    staff.post("/language", {"lang": "hi", "next": "/dashboard"})
    page = staff.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert '<html lang="hi">' in html and 'name="viewport"' in html
    if path == "/dashboard/duelists":  # an officer picks among their own districts only
        assert re.findall(r'<option value="([^"]+)"', html) == ["LUCKNOW"]
