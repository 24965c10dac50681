"""Campaigns planned from the dashboard, through the real app and its forms: the session
days shown before saving, a saved campaign announced by the sweep, an edit that moves a
round, a retired campaign that announces nothing more, and a district officer kept to
their own districts and blocks."""

import datetime as dt
import re

import pytest
from sqlalchemy import select

from bot.campaigns.records import load
from bot.services import services
from bot.storage.models.campaigns import Campaign
from bot.storage.models.core import Caregiver, Reminder
from bot.sweep import sweep
from scheduler import clock
from scheduler.calendars import campaign_data
from tests.dashboard_support import sign_in

IN_BLOCK = "+919800000021"  # Lucknow, PIN 226001 (the LUCKNOW CITY block), a left-out
OUTSIDE_BLOCK = "+919800000022"  # Lucknow, PIN 226010 (outside the block), a left-out
GORAKHPUR = "+919800000023"  # another district, a left-out
# Uttar Pradesh, from Monday 10 March 2025: Wednesdays and Saturdays are its RI days,
# Friday 14 March is Holi (a gazetted holiday), Sundays are off.
ROUND_DAYS = ["2025-03-10", "2025-03-11", "2025-03-13", "2025-03-17", "2025-03-18"]
ROUND_DAYS += ["2025-03-20", "2025-03-21"]

FORM = {
    "id": "imi-lucknow-2025",
    "name": "IMI Lucknow March 2025",
    "title_en": "Mission Indradhanush",
    "title_hi": "मिशन इंद्रधनुष",
    "districts": "lucknow",
    "blocks": "",
    "round": "2025-03-10",
    "session_days": "7",
    "announce_days_before": "2",
    "audience": "children",
}


@pytest.fixture
def left_outs(phone):
    with clock.frozen("2025-03-01T10:00"):
        phone.other(IN_BLOCK).send("REG Asha 1/1/2024 226001")
        phone.other(OUTSIDE_BLOCK).send("REG Ravi 1/1/2024 226010")
        phone.other(GORAKHPUR).send("REG Geeta 1/1/2024 273001")


def days_shown(page: str) -> list[str]:
    return re.findall(r'<time datetime="([\d-]+)"', page)


def stored(app) -> dict[str, dict]:
    with services(app).db.reading() as conn:
        rows = conn.execute(select(Campaign.__table__)).all()
    return {row.id: row for row in rows}


def announcements(app) -> list[tuple[str, str, str]]:
    """Each announcement: the number's last two digits, its round's first day, its status."""
    with services(app).db.reading() as conn:
        rows = conn.execute(
            select(Reminder.visit_date, Reminder.status, Reminder.caregiver_id).where(
                Reminder.kind.like("campaign-%")
            )
        ).all()
        phones = dict(conn.execute(select(Caregiver.id, Caregiver.phone)).all())
    return sorted((phones[r.caregiver_id][-2:], r.visit_date.isoformat(), r.status) for r in rows)


def at(moment: str) -> dt.datetime:
    return dt.datetime.fromisoformat(moment + "+05:30")


def test_session_days_are_shown_before_saving_and_the_saved_campaign_is_announced(
    app, client, left_outs
):
    staff = sign_in(app, client)
    with clock.frozen("2025-03-02T11:00"):
        form = staff.get("/dashboard/campaigns/new").get_data(as_text=True)
        assert 'id="campaign-form"' in form and 'value="7"' in form  # seven days by default
        preview = staff.post("/dashboard/campaigns/form", {**FORM, "action": "preview"})
        assert preview.status_code == 200
        page = preview.get_data(as_text=True)
        assert "Session days in Uttar Pradesh" in page and "Lucknow" in page
        assert days_shown(page) == ROUND_DAYS
        assert stored(app) == {}  # nothing saved yet
        saved = staff.post("/dashboard/campaigns/form", {**FORM, "action": "save"})
        assert saved.status_code == 302
        assert saved.headers["Location"].endswith("/dashboard/campaigns#campaign-imi-lucknow-2025")
        listing = staff.get("/dashboard/campaigns").get_data(as_text=True)
    assert "Campaign saved" in listing and "Mission Indradhanush" in listing
    assert days_shown(listing) == ROUND_DAYS
    row = stored(app)["imi-lucknow-2025"]
    assert row.saved_by == "admin@tika.example" and row.retired_at is None
    assert row.data["titles"] == {"en": "Mission Indradhanush", "hi": "मिशन इंद्रधनुष"}

    # Two days before the round, the sweep plans its announcement for both Lucknow
    # left-outs (the whole district), not for Gorakhpur.
    with clock.frozen("2025-03-08T07:00"):
        sweep(services(app), at("2025-03-08T07:00:00"))
    assert announcements(app) == [("21", "2025-03-10", "planned"), ("22", "2025-03-10", "planned")]


def saved_and_announced(app, client):
    """An admin saves the campaign of FORM; the sweep plans its announcement two days
    before the round. Returns the admin's session."""
    staff = sign_in(app, client)
    with clock.frozen("2025-03-02T11:00"):
        staff.get("/dashboard/campaigns/new")
        staff.post("/dashboard/campaigns/form", {**FORM, "action": "save"})
    with clock.frozen("2025-03-08T07:00"):
        sweep(services(app), at("2025-03-08T07:00:00"))
    return staff


def test_editing_a_round_cancels_the_announcements_of_the_old_days(app, client, left_outs):
    staff = saved_and_announced(app, client)
    with clock.frozen("2025-03-08T07:10"):
        edit = staff.get("/dashboard/campaigns/imi-lucknow-2025/edit").get_data(as_text=True)
        assert 'value="2025-03-10"' in edit and "readonly" in edit  # its short name stays
        moved = {**FORM, "round": "2025-03-24", "editing": "imi-lucknow-2025", "id": "other"}
        assert (
            staff.post("/dashboard/campaigns/form", {**moved, "action": "save"}).status_code == 302
        )
    assert set(stored(app)) == {"imi-lucknow-2025"}
    assert stored(app)["imi-lucknow-2025"].data["rounds"] == ["2025-03-24"]
    # The announcements of the round of 10 March will not go out; the new round's will.
    assert announcements(app) == [
        ("21", "2025-03-10", "cancelled"),
        ("22", "2025-03-10", "cancelled"),
    ]
    with clock.frozen("2025-03-22T07:00"):
        sweep(services(app), at("2025-03-22T07:00:00"))
    assert [(n, day) for n, day, status in announcements(app) if status != "cancelled"] == [
        ("21", "2025-03-24"),
        ("22", "2025-03-24"),
    ]


def test_a_retired_campaign_announces_nothing_more(app, client, left_outs):
    staff = saved_and_announced(app, client)
    assert len(announcements(app)) == 2
    with clock.frozen("2025-03-08T07:10"):
        staff.get("/dashboard/campaigns")
        retired = staff.post("/dashboard/campaigns/imi-lucknow-2025/retire")
        assert retired.status_code == 302
        page = staff.get("/dashboard/campaigns").get_data(as_text=True)
    assert "Campaign retired: 2 planned announcements cancelled." in page
    assert "Retired on" in page and "/dashboard/campaigns/imi-lucknow-2025/edit" not in page
    assert {status for _n, _day, status in announcements(app)} == {"cancelled"}
    with clock.frozen("2025-03-10T07:00"):  # the round's first day: no announcement
        sweep(services(app), at("2025-03-10T07:00:00"))
    assert len(announcements(app)) == 2
    # An operator loading it again from a file brings it back.
    data = {**stored(app)["imi-lucknow-2025"].data, "rounds": ["2025-03-24"]}
    load(services(app), data)
    assert stored(app)["imi-lucknow-2025"].retired_at is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"id": "IMI 2025"}, "The short name uses small English letters"),
        ({"name": "  "}, "Give the campaign a name."),
        ({"round": ""}, "Give the first day of at least one round."),
        ({"round": "10/03/2025"}, "10/03/2025 is not a date."),
        ({"session_days": "0"}, "Session days per round is a whole number from 1 to 15."),
        ({"districts": "LAKHNAU"}, "Unknown district: LAKHNAU."),
        ({"blocks": "NOWHERE"}, "Unknown block: NOWHERE. Known blocks: LUCKNOW CITY, PATNA SADAR."),
        ({"districts": "", "title_hi": "a\x07b"}, "Name families hear has a character"),
    ],
)
def test_a_wrong_field_is_named_and_nothing_is_saved(app, client, change, message):
    staff = sign_in(app, client)
    staff.get("/dashboard/campaigns/new")
    response = staff.post("/dashboard/campaigns/form", {**FORM, **change, "action": "save"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert 'name="name" id="campaign-name" required maxlength="120" value="' in page  # kept
    assert stored(app) == {}


def test_a_wrong_field_is_named_in_hindi_on_a_hindi_page(app, client):
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "hi", "next": "/dashboard"})
    staff.get("/dashboard/campaigns/new", headers={"Accept-Language": "hi"})
    response = staff.post(
        "/dashboard/campaigns/form",
        {**FORM, "round": "", "action": "save"},
        headers={"Accept-Language": "hi"},
    )
    assert response.status_code == 400
    assert "कम से कम एक चरण का पहला दिन लिखें।" in response.get_data(as_text=True)


def test_the_same_short_name_twice_is_refused(app, client):
    staff = sign_in(app, client)
    with clock.frozen("2025-03-02T11:00"):
        staff.get("/dashboard/campaigns/new")
        staff.post("/dashboard/campaigns/form", {**FORM, "action": "save"})
        again = staff.post("/dashboard/campaigns/form", {**FORM, "name": "Other", "action": "save"})
    assert again.status_code == 400
    assert "A campaign named imi-lucknow-2025 exists already" in again.get_data(as_text=True)
    assert stored(app)["imi-lucknow-2025"].name == "IMI Lucknow March 2025"


def test_an_officer_plans_in_their_own_districts_and_blocks_only(app, client, left_outs):
    load(services(app), campaign_data("imi-2.0"))  # an admin's: UP districts and a Bihar block
    officer = sign_in(app, client, "officer@tika.example", "district", ["LUCKNOW"])
    with clock.frozen("2025-03-02T11:00"):
        form = officer.get("/dashboard/campaigns/new").get_data(as_text=True)
        assert 'name="districts" id="campaign-districts" autocomplete="off" value="LUCKNOW"' in form
        assert 'name="states"' not in form  # a whole state is beyond a district officer
        for change, message in [
            ({"districts": "GORAKHPUR"}, "You can only plan campaigns in your districts: LUCKNOW."),
            ({"districts": "", "blocks": "PATNA SADAR"}, "You can only plan campaigns in"),
            (
                {"districts": "", "states": "UTTAR PRADESH"},
                "A whole state is beyond your districts",
            ),
            ({"districts": ""}, "Name the districts or blocks the campaign covers."),
        ]:
            refused = officer.post(
                "/dashboard/campaigns/form", {**FORM, **change, "action": "save"}
            )
            assert refused.status_code == 400 and message in refused.get_data(as_text=True)
        block = {**FORM, "districts": "", "blocks": "lucknow city"}
        assert (
            officer.post("/dashboard/campaigns/form", {**block, "action": "save"}).status_code
            == 302
        )
        page = officer.get("/dashboard/campaigns").get_data(as_text=True)
        # Their campaign can be edited; the admin's IMI 2.0 is shown for their district's
        # part only, and cannot be edited or retired by them.
        assert "/dashboard/campaigns/imi-lucknow-2025/edit" in page
        assert "/dashboard/campaigns/imi-2.0/edit" not in page
        assert officer.get("/dashboard/campaigns/imi-2.0/edit").status_code == 404
        assert officer.post("/dashboard/campaigns/imi-2.0/retire").status_code == 404
    assert stored(app)["imi-2.0"].retired_at is None
    with clock.frozen("2025-03-08T07:00"):
        sweep(services(app), at("2025-03-08T07:00:00"))
    assert announcements(app) == [("21", "2025-03-10", "planned")]  # the block's family only
