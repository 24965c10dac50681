"""The dashboard's Campaigns page: each campaign's rounds and session days per state
(and the districts, blocks or states it covers there), and the families its
announcements targeted (campaign reminders planned) and reached (sent); and the form
that creates, edits and retires a campaign, showing its session days before it is saved.

A district officer sees the places and families of their own districts only, and plans
campaigns in those districts (or their blocks) only.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.accounts import staff as accounts
from bot.accounts.staff import User
from bot.campaigns.announcements import BEFORE, START, announcement_days
from bot.campaigns.records import load, retire
from bot.dashboard import campaign_form, i18n
from bot.dashboard.auth import current_user
from bot.dashboard.campaign_form import FormError, block_district
from bot.dashboard.i18n import N_, _
from bot.services import services
from bot.storage.models.campaigns import Campaign as CampaignRow
from bot.storage.models.core import Caregiver, Reminder
from locales import LANGUAGES
from scheduler.calendars import blocks, ri_weekdays, state_holidays
from scheduler.campaigns import CalendarError, Campaign, campaign_from_data

blueprint = Blueprint("campaign_pages", __name__)

CAREGIVER, REMINDER, CAMPAIGN = Caregiver.__table__, Reminder.__table__, CampaignRow.__table__
KINDS = {BEFORE: N_("before the round"), START: N_("first day of the round")}
NO_CALENDAR = N_("no calendar known for this state: days shown without its RI days and holidays")
EVERYWHERE = N_("everywhere")
SAVED = N_("Campaign saved: its announcements go out on the days shown.")
RETIRED = N_("Campaign retired: %(count)s planned announcements cancelled.")


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
            places[state].append(i18n.district(district))
    for block, pins in sorted(areas.blocks.items()):
        district = block_district(pins)
        state = district and _state_of_district(district)
        if state and scope.allows(district):
            places[state].append(f"{block} ({i18n.district(district)})")
    for state in sorted(areas.states):
        if scope.everywhere:
            places[state].append(i18n.state(state))
        else:
            for district, home in mine.items():
                if home and home.upper() == state.upper():
                    places[home].append(i18n.district(district))
    if areas.everywhere:
        if scope.everywhere:
            for state in sorted(registered_states):
                places[state].append(_(EVERYWHERE))
        else:
            for district, home in mine.items():
                if home:
                    places[home].append(i18n.district(district))
    return dict(sorted(places.items()))


def _rounds(campaign: Campaign, state: str, ri_days: str) -> tuple[list[list[dt.date]], bool]:
    """Each round's session days in ``state``, and whether the state's calendar was known."""
    years = {start.year for start in campaign.rounds}
    try:
        holidays = state_holidays(state, [*years, max(years) + 1])
        return campaign.round_days(ri_weekdays(state, ri_days), holidays), True
    except CalendarError:
        return campaign.round_days(), False


def _families(user: User, names: dict[str, str]) -> dict[str, dict]:
    """Per campaign id: families targeted and reached, overall, by district and by
    announcement day. ``names`` maps a campaign's name to its id, for announcements
    planned before they named their campaign's id."""
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
        detail = detail or {}
        entry = result[detail.get("campaign") or names.get(detail.get("name", ""), "")]
        entry["targeted"].add(caregiver_id)
        entry["districts"][district or "–"][0].add(caregiver_id)
        entry["days"][(send_on, kind)][0] += 1
        if status == "sent":
            entry["reached"].add(caregiver_id)
            entry["districts"][district or "–"][1].add(caregiver_id)
            entry["days"][(send_on, kind)][1] += 1
    return result


def _registered_states() -> set[str]:
    with services().db.reading() as conn:
        return set(
            conn.scalars(select(CAREGIVER.c.state).where(CAREGIVER.c.state.is_not(None)).distinct())
        )


def _session_days(campaign: Campaign, user: User, registered: set[str]) -> list[dict]:
    """Per state the user may see: the campaign's places there and each round's days."""
    states = []
    for state, places in _places(campaign, user, registered).items():
        rounds, known = _rounds(campaign, state, services().config["RI_DAYS"])
        states.append({"state": state, "places": places, "rounds": rounds, "known": known})
    return states


@blueprint.get("/dashboard/campaigns")
def index() -> str:
    user = current_user()
    assert user is not None
    with services().db.reading() as conn:
        rows = conn.execute(
            select(
                CAMPAIGN.c.id,
                CAMPAIGN.c.data,
                CAMPAIGN.c.loaded_at,
                CAMPAIGN.c.saved_by,
                CAMPAIGN.c.retired_at,
            ).order_by(CAMPAIGN.c.retired_at.is_not(None), CAMPAIGN.c.id)
        ).all()
    registered = _registered_states()
    families = _families(user, {row.data.get("name", ""): row.id for row in rows})
    campaigns = []
    for row in rows:
        try:
            campaign = campaign_from_data(row.data)
        except CalendarError:
            continue
        counts = families.get(campaign.id)
        campaigns.append(
            {
                "id": row.id,
                "campaign": campaign,
                "loaded_at": row.loaded_at,
                "saved_by": row.saved_by,
                "retired_at": row.retired_at,
                "editable": campaign_form.may_change(user, row.data),
                "states": _session_days(campaign, user, registered),
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


# ---- the form ----------------------------------------------------------------------------


def _stored(campaign_id: str) -> dict:
    """A stored campaign's data, if this user may change it; else 404."""
    with services().db.reading() as conn:
        data = conn.scalar(select(CAMPAIGN.c.data).where(CAMPAIGN.c.id == campaign_id))
    user = current_user()
    if data is None or user is None or not campaign_form.may_change(user, data):
        abort(404)
    return data


def _form(
    values: dict[str, str],
    rounds: list[str],
    editing: str = "",
    preview: list[dict] | None = None,
    error: str | None = None,
    status: int = 200,
) -> tuple[str, int]:
    rounds = rounds + [""] * (campaign_form.ROUND_FIELDS - len(rounds))
    page = render_template(
        "dashboard/campaign_form.html",
        values=values,
        rounds=rounds,
        editing=editing,
        preview=preview,
        error=error,
        known_blocks=sorted(blocks()),
        languages=LANGUAGES,
        no_calendar=NO_CALENDAR,
    )
    return page, status


@blueprint.get("/dashboard/campaigns/new")
def new() -> tuple[str, int]:
    user = current_user()
    assert user is not None
    districts = "" if user.scope.everywhere else ", ".join(sorted(user.districts))
    values = {"session_days": "7", "announce_days_before": "2", "districts": districts}
    return _form(values, [])


@blueprint.get("/dashboard/campaigns/<campaign_id>/edit")
def edit(campaign_id: str) -> tuple[str, int]:
    data = _stored(campaign_id)
    return _form(campaign_form.form_values(data), list(map(str, data["rounds"])), campaign_id)


@blueprint.post("/dashboard/campaigns/form")
def submit():
    """Show the session days the form's campaign would have (action=preview), or save it."""
    user = current_user()
    assert user is not None
    form = request.form
    editing = form.get("editing", "")
    values = dict(form.items())
    if editing:
        _stored(editing)
        values["id"] = editing  # the short name of a saved campaign stays
    rounds = [r for r in form.getlist("round") if r.strip()]
    try:
        data = campaign_form.campaign_data(values, form.getlist("round"), user)
        campaign = campaign_from_data(data)
        if not editing and _exists(campaign.id):
            raise FormError(campaign_form.ID_TAKEN, id=campaign.id)
    except (FormError, CalendarError) as problem:
        return _form(values, rounds, editing, error=str(problem), status=400)
    if form.get("action") != "save":
        days = _session_days(campaign, user, _registered_states())
        return _form(values, data["rounds"], editing, days)
    load(services(), data, saved_by=user.email)
    flash(_(SAVED))
    return redirect(url_for(".index") + f"#campaign-{campaign.id}")


def _exists(campaign_id: str) -> bool:
    with services().db.reading() as conn:
        return conn.scalar(select(CAMPAIGN.c.id).where(CAMPAIGN.c.id == campaign_id)) is not None


@blueprint.post("/dashboard/campaigns/<campaign_id>/retire")
def retire_campaign(campaign_id: str):
    _stored(campaign_id)
    count = retire(services(), campaign_id)
    flash(_(RETIRED, count=count))
    return redirect(url_for(".index") + f"#campaign-{campaign_id}")
