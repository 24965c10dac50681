"""The dashboard's Campaigns page: each loaded campaign's rounds and session days per
state (and the districts, blocks or states it covers there), and the families its
announcements targeted (campaign reminders planned) and reached (sent).

A district officer sees the places and families of their own districts only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import Blueprint, render_template
from sqlalchemy import select

from bot.accounts import staff as accounts
from bot.accounts.staff import User
from bot.campaigns.announcements import BEFORE, START, announcement_days
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _
from bot.services import services
from bot.storage.models.campaigns import Campaign as CampaignRow
from bot.storage.models.core import Caregiver, Reminder
from scheduler.calendars import ri_weekdays, state_holidays
from scheduler.campaigns import CalendarError, Campaign, campaign_from_data

blueprint = Blueprint("campaign_pages", __name__)

CAREGIVER, REMINDER, CAMPAIGN = Caregiver.__table__, Reminder.__table__, CampaignRow.__table__
KINDS = {BEFORE: N_("before the round"), START: N_("first day of the round")}
NO_CALENDAR = N_("no calendar known for this state: days shown without its RI days and holidays")
EVERYWHERE = N_("everywhere")


def _state_of_district(district: str) -> str | None:
    return accounts.known_districts().get(district.upper())


def _places(campaign: Campaign, user: User, registered_states: set[str]) -> dict[str, list[str]]:
    """State -> the places of the campaign there (districts, blocks, the state itself)
    that this user may see."""
    scope, areas = user.scope, campaign.areas
    places: dict[str, list[str]] = defaultdict(list)
    mine = {d: _state_of_district(d) for d in user.districts} if not scope.everywhere else {}
    for district in sorted(areas.districts):
        state = _state_of_district(district)
        if state and scope.allows(district):
            places[state].append(district)
    for block, pins in sorted(areas.blocks.items()):
        district = next((d for pin in sorted(pins) if (d := accounts.pincode_district(pin))), None)
        state = district and _state_of_district(district)
        if state and scope.allows(district):
            places[state].append(f"{block} ({district})")
    for state in sorted(areas.states):
        if scope.everywhere:
            places[state].append(state)
        else:
            for district, home in mine.items():
                if home and home.upper() == state.upper():
                    places[home].append(district)
    if areas.everywhere:
        if scope.everywhere:
            for state in sorted(registered_states):
                places[state].append(_(EVERYWHERE))
        else:
            for district, home in mine.items():
                if home:
                    places[home].append(district)
    return dict(sorted(places.items()))


def _rounds(campaign: Campaign, state: str, ri_days: str) -> tuple[list[list[dt.date]], bool]:
    """Each round's session days in ``state``, and whether the state's calendar was known."""
    years = {start.year for start in campaign.rounds}
    try:
        holidays = state_holidays(state, [*years, max(years) + 1])
        return campaign.round_days(ri_weekdays(state, ri_days), holidays), True
    except CalendarError:
        return campaign.round_days(), False


def _families(user: User) -> dict[str, dict]:
    """Per campaign name: families targeted and reached, overall, by district and by
    announcement day."""
    query = (
        select(
            REMINDER.c.caregiver_id,
            REMINDER.c.status,
            REMINDER.c.kind,
            REMINDER.c.send_on,
            REMINDER.c.detail,
            CAREGIVER.c.district,
        )
        .join(CAREGIVER, CAREGIVER.c.id == REMINDER.c.caregiver_id)
        .where(REMINDER.c.kind.in_((BEFORE, START)), REMINDER.c.status != "cancelled")
    )
    if not user.scope.everywhere:
        query = query.where(user.scope.where(CAREGIVER.c.district))
    result: dict[str, dict] = defaultdict(
        lambda: {
            "targeted": set(),
            "reached": set(),
            "districts": defaultdict(lambda: [set(), set()]),
            "days": defaultdict(lambda: [0, 0]),
        }
    )
    with services().db.reading() as conn:
        rows = conn.execute(query).all()
    for caregiver_id, status, kind, send_on, detail, district in rows:
        entry = result[(detail or {}).get("name", "")]
        entry["targeted"].add(caregiver_id)
        entry["districts"][district or "–"][0].add(caregiver_id)
        entry["days"][(send_on, kind)][0] += 1
        if status == "sent":
            entry["reached"].add(caregiver_id)
            entry["districts"][district or "–"][1].add(caregiver_id)
            entry["days"][(send_on, kind)][1] += 1
    return result


@blueprint.get("/dashboard/campaigns")
def index() -> str:
    user = current_user()
    assert user is not None
    tika = services()
    with tika.db.reading() as conn:
        rows = conn.execute(
            select(CAMPAIGN.c.id, CAMPAIGN.c.data, CAMPAIGN.c.loaded_at).order_by(CAMPAIGN.c.id)
        ).all()
        registered = set(
            conn.scalars(select(CAREGIVER.c.state).where(CAREGIVER.c.state.is_not(None)).distinct())
        )
    families = _families(user)
    campaigns = []
    for campaign_id, data, loaded_at in rows:
        try:
            campaign = campaign_from_data(data)
        except CalendarError:
            continue
        states = []
        for state, places in _places(campaign, user, registered).items():
            rounds, known = _rounds(campaign, state, tika.config["RI_DAYS"])
            states.append({"state": state, "places": places, "rounds": rounds, "known": known})
        counts = families.get(campaign.name)
        campaigns.append(
            {
                "id": campaign_id,
                "campaign": campaign,
                "loaded_at": loaded_at,
                "states": states,
                "announcements": announcement_days(campaign),
                "targeted": len(counts["targeted"]) if counts else 0,
                "reached": len(counts["reached"]) if counts else 0,
                "districts": sorted(
                    (d, len(t), len(r)) for d, (t, r) in (counts or {}).get("districts", {}).items()
                ),
                "days": {key: tuple(v) for key, v in (counts or {}).get("days", {}).items()},
            }
        )
    return render_template(
        "dashboard/campaigns.html", campaigns=campaigns, kinds=KINDS, no_calendar=NO_CALENDAR
    )
