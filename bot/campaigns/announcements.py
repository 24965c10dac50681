"""Campaign-day announcements: before each round of a campaign and on its first day,
families in its areas whose children have overdue doses (left-outs and drop-outs) — or,
for an adults' drive, adults with a COVID-19 dose due — hear the round's session days
and their pending vaccines.

Announcements are reminders (kinds "campaign-before" and "campaign-start"), so they go
through the reminder pipeline: the caregiver's slot, the rate limit, one message per
caregiver and day, never twice, never after STOP. Each announcement day is planned on
that day, so it names the vaccines pending then; a day that has passed is not announced.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging

from sqlalchemy import Connection, and_, or_, select, true, update

from bot.services import Services
from bot.storage.alerts import Guard
from bot.storage.db import conflict_insert
from bot.storage.models.campaigns import Campaign as CampaignRow
from bot.storage.models.core import Caregiver, Reminder
from bot.storage.people import people_in
from scheduler import Area, ScheduleError, forecast, load_schedule
from scheduler.calendars import state_calendar
from scheduler.campaigns import Areas, Campaign, campaign_from_data
from scheduler.reminders import INDIA, next_window, window
from scheduler.results import DUE, OVERDUE

log = logging.getLogger(__name__)

CAREGIVER, REMINDER, CAMPAIGN = Caregiver.__table__, Reminder.__table__, CampaignRow.__table__
BEFORE, START = "campaign-before", "campaign-start"


def announcement_days(campaign: Campaign) -> list[tuple[dt.date, dt.date, str]]:
    """(day, round start, kind) of every announcement of a campaign, in order."""
    days = []
    for start in campaign.rounds:
        days.append((start - dt.timedelta(days=campaign.announce_days_before), start, BEFORE))
        days.append((start, start, START))
    return sorted(days)


def announce(services: Services, now: dt.datetime, guard: Guard | None = None) -> int:
    """Plan the announcements of today that are not planned yet (the sweep's part).

    Only today's: a day that has passed is never announced (a campaign loaded after its
    rounds, or a sweep that did not run that day). A campaign that cannot be planned, or
    a child who cannot be forecast, is an alert; the others are planned. Returns how many
    reminders it planned.
    """
    guard = guard or Guard(services)
    today = now.astimezone(INDIA).date()
    with services.db.reading() as conn:
        campaigns = conn.execute(
            select(CAMPAIGN.c.id, CAMPAIGN.c.data, CAMPAIGN.c.planned_through).where(
                CAMPAIGN.c.retired_at.is_(None)
            )
        ).all()
    planned = 0
    for campaign_id, data, planned_through in campaigns:
        if planned_through is not None and planned_through >= today:
            continue
        planned += (
            guard.run(
                "campaign",
                campaign_id,
                lambda c=campaign_id, d=data: _announce_today(services, guard, c, d, today, now),
            )
            or 0
        )
    return planned


def _announce_today(
    services: Services, guard: Guard, campaign_id: str, data: dict, today: dt.date, now
) -> int:
    """Today's announcements of one campaign, if today is one of its days."""
    campaign = campaign_from_data(data)
    planned = 0
    for day, start, kind in announcement_days(campaign):
        if day != today:
            continue
        with services.db.writing() as conn:
            count, failed = plan_day(services, conn, campaign, day, start, kind, now)
            conn.execute(
                update(CAMPAIGN).where(CAMPAIGN.c.id == campaign_id).values(planned_through=day)
            )
        planned += count
        for child_id, district, error in failed:
            guard.failed("child", child_id, error, district)
    return planned


def plan_day(
    services: Services,
    conn: Connection,
    campaign: Campaign,
    day: dt.date,
    start: dt.date,
    kind: str,
    now: dt.datetime,
) -> tuple[int, list[tuple[int, str | None, ScheduleError]]]:
    """The announcements of one day of one campaign, as reminders in the database: how
    many, and the children who could not be forecast (id, district, error). Nobody is
    announced a day before they were born."""
    where = and_(
        _in_areas(campaign.areas),
        CAREGIVER.c.opted_out.is_(False),
        CAREGIVER.c.unreachable.is_(False),
        CAREGIVER.c.simulated.is_(False),  # the dashboard's phone simulator
    )
    adults = campaign.audience == "adults"
    # Who hears of it: a child with an overdue dose (an adult with a dose due); what it
    # names: every dose that can be given at the session, due or overdue.
    qualifying = (DUE, OVERDUE) if adults else (OVERDUE,)
    rows, failed = [], []
    for person in people_in(conn, where, adults=adults):
        if person.birth_date > day:
            continue
        # Children: the UIP's doses, whatever schedule the family follows (a family on
        # IAP still hears of the UIP's campaign days).
        uip = services.schedule if services.schedule.id == "uip" else load_schedule("uip")
        schedule = load_schedule(person.schedule) if adults else uip
        area = Area(district=person.district, state=person.state)
        try:
            result = forecast(person.birth_date, person.doses, day, area, schedule)
        except ScheduleError as error:
            failed.append((person.child_id, person.district, error))
            continue
        if not any(d.status in qualifying for d in result.doses):
            continue
        pending = tuple(d.code for d in result.doses if d.status in (DUE, OVERDUE))
        days = _round_days(campaign, start, person.state, services.config["RI_DAYS"])
        opens, closes = window(day, person.slot)
        rows.append(
            {
                "child_id": person.child_id,
                "caregiver_id": person.caregiver_id,
                "visit_date": start,
                "kind": kind,
                "codes": " ".join(pending),
                "send_on": day,
                "due_at": opens if closes > now else next_window(now, person.slot)[0],
                "status": "planned",
                "claim_token": None,
                "attempts": 0,
                "created_at": now,
                "detail": {
                    "campaign": campaign.id,
                    "name": campaign.name,
                    "titles": dict(campaign.titles),
                    "days": [d.isoformat() for d in days],
                },
            }
        )
    if rows:
        conn.execute(conflict_insert(conn.dialect.name, REMINDER).on_conflict_do_nothing(), rows)
    log.info("campaign %s: %d announcements for %s", campaign.id, len(rows), day)
    return len(rows), failed


def _in_areas(areas: Areas):
    if areas.everywhere:
        return true()
    places = []
    if areas.states:
        places.append(CAREGIVER.c.state.in_(sorted(areas.states)))
    if areas.districts:
        places.append(CAREGIVER.c.district.in_(sorted(areas.districts)))
    if pins := areas.all_pincodes():
        places.append(CAREGIVER.c.pincode.in_(sorted(pins)))
    return or_(*places)


def _round_days(
    campaign: Campaign, start: dt.date, state: str | None, ri_days: str
) -> list[dt.date]:
    """The session days of the round starting on ``start``, in ``state``."""
    weekdays, holidays = state_calendar(state, start.year, ri_days)
    return dataclasses.replace(campaign, rounds=(start,)).round_days(weekdays, holidays)[0]
