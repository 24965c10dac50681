"""``flask --app bot reminders preview``: what would be sent on a day. (The group's
``sweep`` and ``schedule`` commands run every wing's part of the sweep: ``bot.cli``.)"""

from __future__ import annotations

import datetime as dt
from collections import Counter

import click
from sqlalchemy import select

from bot.services import services
from bot.storage.models.core import Caregiver, Child, Reminder
from bot.storage.privacy import mask_phone
from flows.reminder_texts import PlannedReminder, by_message, child_reminders, reminder_message
from locales import normalise_language
from locales.segments import segment_count
from scheduler.reminders import NEXT


@click.group()
def reminders() -> None:
    """Send reminders, or see what will be sent."""


@reminders.command("preview")
@click.option("--on", "day", required=True, type=click.DateTime(["%Y-%m-%d"]), help="YYYY-MM-DD")
def preview_command(day: dt.datetime) -> None:
    """What would be sent on a day: each message, and counts by language and segments."""
    on = day.date()
    r, cg, ch = Reminder.__table__, Caregiver.__table__, Child.__table__
    query = (
        select(
            cg.c.id,
            cg.c.phone,
            cg.c.language,
            cg.c.state,
            cg.c.session_site,
            r.c.kind,
            r.c.visit_date,
            r.c.codes,
            r.c.detail,
            ch.c.id,
            ch.c.name,
            ch.c.schedule,
        )
        .select_from(r.join(ch).join(cg, cg.c.id == r.c.caregiver_id))
        .where(
            r.c.send_on == on,
            r.c.status.in_(("planned", "claimed")),
            r.c.kind != NEXT,
            cg.c.opted_out.is_(False),
            cg.c.unreachable.is_(False),
        )
        .order_by(cg.c.id, ch.c.id)
    )
    messages: dict[int, tuple[str, str, str | None, str, list[PlannedReminder]]] = {}
    with services().db.reading() as conn:
        for cid, phone, language, state, site, kind, visit, codes, *child in conn.execute(query):
            entry = messages.setdefault(
                cid, (phone, normalise_language(language), state, site or "", [])
            )
            entry[4].append(PlannedReminder(kind, visit, tuple(codes.split()), *child))
    counts: Counter[tuple[str, int]] = Counter()
    reminders_total = 0
    lines = []
    ri_days = services().config["RI_DAYS"]
    sms = 0
    for phone, language, state, site, planned in messages.values():
        for part in by_message(planned):
            items = child_reminders(part, language, state, on, ri_days, site)
            body = reminder_message(items, language)
            segments = segment_count(body)
            counts[(language, segments)] += 1
            reminders_total += len(items)
            sms += 1
            lines.append(f"  {mask_phone(phone)}  {language}  {segments} seg  {body}")
    total_segments = sum(lang_seg[1] * n for lang_seg, n in counts.items())
    click.echo(
        f"{on.isoformat()}: {sms} messages ({reminders_total} reminders), {total_segments} segments"
    )
    click.echo("language  segments  messages")
    for (language, segments), n in sorted(counts.items()):
        click.echo(f"{language:8s}  {segments:8d}  {n:8d}")
    for line in lines:
        click.echo(line)
