"""Campaigns as stored: loaded from a file by an operator, saved or retired from the
dashboard. A changed campaign keeps the announcements still on its days and cancels the
planned ones that are not; a retired campaign announces nothing more."""

from __future__ import annotations

import datetime as dt
import json
import logging

from sqlalchemy import Connection, insert, select, update

from bot.campaigns.announcements import BEFORE, START, announcement_days
from bot.services import Services
from bot.storage.models.campaigns import Campaign as CampaignRow
from bot.storage.models.core import Reminder
from scheduler import clock
from scheduler.campaigns import Campaign, campaign_from_data
from scheduler.reminders import INDIA

log = logging.getLogger(__name__)

REMINDER, CAMPAIGN = Reminder.__table__, CampaignRow.__table__


def load(services: Services, data: dict, saved_by: str = "cli") -> Campaign:
    """Store (or replace) a campaign from its file's or form's contents; returns it.

    Storing a campaign again brings a retired one back. Planned announcements of days
    the campaign no longer has are cancelled, and today's are planned again if its
    rounds changed."""
    campaign = campaign_from_data(data)
    # YAML reads dates as dates; the JSON column keeps them as ISO strings.
    stored = json.loads(json.dumps(data, default=lambda value: value.isoformat()))
    now = clock.now()
    with services.db.writing() as conn:
        old = conn.execute(
            select(CAMPAIGN.c.data, CAMPAIGN.c.planned_through).where(CAMPAIGN.c.id == campaign.id)
        ).first()
        values = {"name": campaign.name, "data": stored, "saved_by": saved_by, "retired_at": None}
        if old is None:
            conn.execute(insert(CAMPAIGN).values(id=campaign.id, **values))
            return campaign
        previous = campaign_from_data(old.data)
        if announcement_days(previous) != announcement_days(campaign):
            today = now.astimezone(INDIA).date()
            if old.planned_through is not None and old.planned_through >= today:
                values["planned_through"] = today - dt.timedelta(days=1)
        conn.execute(update(CAMPAIGN).where(CAMPAIGN.c.id == campaign.id).values(values))
        keep = {(start, kind) for _day, start, kind in announcement_days(campaign)}
        cancelled = _cancel_planned(conn, previous, lambda start, kind: (start, kind) not in keep)
    if cancelled:
        log.info("campaign %s: %d planned announcements cancelled", campaign.id, cancelled)
    return campaign


def retire(services: Services, campaign_id: str) -> int:
    """Retire a campaign: no announcement of it is planned or sent from now on. Returns
    how many planned announcements were cancelled."""
    with services.db.writing() as conn:
        data = conn.scalar(select(CAMPAIGN.c.data).where(CAMPAIGN.c.id == campaign_id))
        if data is None:
            raise LookupError(campaign_id)
        conn.execute(
            update(CAMPAIGN).where(CAMPAIGN.c.id == campaign_id).values(retired_at=clock.now())
        )
        cancelled = _cancel_planned(conn, campaign_from_data(data), lambda start, kind: True)
    log.info("campaign %s retired: %d planned announcements cancelled", campaign_id, cancelled)
    return cancelled


def _cancel_planned(conn: Connection, campaign: Campaign, obsolete) -> int:
    """Cancel the campaign's planned (not yet claimed) announcements for which
    ``obsolete(round start, kind)`` holds; returns how many."""
    rows = conn.execute(
        select(REMINDER.c.id, REMINDER.c.visit_date, REMINDER.c.kind, REMINDER.c.detail).where(
            REMINDER.c.kind.in_((BEFORE, START)), REMINDER.c.status == "planned"
        )
    ).all()
    ids = [
        row.id
        for row in rows
        if _of(campaign, row.detail or {}) and obsolete(row.visit_date, row.kind)
    ]
    if ids:
        conn.execute(
            update(REMINDER)
            .where(REMINDER.c.id.in_(ids), REMINDER.c.status == "planned")
            .values(status="cancelled")
        )
    return len(ids)


def _of(campaign: Campaign, detail: dict) -> bool:
    """Whether an announcement's detail is of this campaign (older ones name it only)."""
    if "campaign" in detail:
        return detail["campaign"] == campaign.id
    return detail.get("name") == campaign.name
