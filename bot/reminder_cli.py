"""``flask --app bot reminders ...``: sweep, run the sweep every minute, preview a day."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time
from collections import Counter

import click
from sqlalchemy import select

from bot.models import Caregiver, Child, Reminder
from bot.privacy import mask_phone
from bot.reminder_texts import PlannedReminder, child_reminders, reminder_message
from bot.segments import segment_count
from bot.services import services
from bot.sweep import sweep
from bot.voice_calls import sweep_calls
from locales import normalise_language
from scheduler import clock
from scheduler.reminders import NEXT

log = logging.getLogger(__name__)


@click.group()
def reminders() -> None:
    """Send reminders, or see what will be sent."""


def _instant(value: str | None) -> dt.datetime:
    if value is None:
        return clock.now()
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2025-02-10T10:30:00+05:30")
    return moment.astimezone(dt.UTC)


@reminders.command("sweep")
@click.option("--now", "now_text", help="The moment to sweep for (ISO 8601 with offset).")
def sweep_command(now_text: str | None) -> None:
    """Claim every reminder due now and queue it for the workers."""
    result = sweep(services(), _instant(now_text))
    click.echo(f"claimed {result.claimed} reminders in {result.jobs} jobs")
    if result.failures:
        click.echo(f"{result.failures} failures: see the dashboard's scheduler alerts", err=True)


@reminders.command("schedule")
@click.option("--every", default=60, show_default=True, help="Seconds between sweeps.")
def schedule_command(every: int) -> None:
    """Sweep at the start of every minute until stopped (the Procfile's scheduler): due
    reminders, and due voice calls (call-backs, retries of unanswered calls)."""
    stopping = []
    signal.signal(signal.SIGTERM, lambda *_: stopping.append(True))
    click.echo(f"sweeping every {every}s")
    while not stopping:
        try:
            sweep(services(), clock.now())
        except Exception:  # a bad sweep must not stop the next one
            log.exception("sweep failed")
        try:
            sweep_calls(services(), clock.now())
        except Exception:
            log.exception("voice sweep failed")
        deadline = time.time() // every * every + every
        while not stopping and time.time() < deadline:
            time.sleep(min(1.0, deadline - time.time()))


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
    messages: dict[int, tuple[str, str, str | None, list[PlannedReminder]]] = {}
    with services().db.reading() as conn:
        for cid, phone, language, state, kind, visit, codes, *child in conn.execute(query):
            entry = messages.setdefault(cid, (phone, normalise_language(language), state, []))
            entry[3].append(PlannedReminder(kind, visit, tuple(codes.split()), *child))
    counts: Counter[tuple[str, int]] = Counter()
    reminders_total = 0
    lines = []
    ri_days = services().config["RI_DAYS"]
    for phone, language, state, planned in messages.values():
        items = child_reminders(planned, language, state, on, ri_days)
        body = reminder_message(items, language)
        segments = segment_count(body)
        counts[(language, segments)] += 1
        reminders_total += len(items)
        lines.append(f"  {mask_phone(phone)}  {language}  {segments} seg  {body}")
    total_segments = sum(lang_seg[1] * n for lang_seg, n in counts.items())
    click.echo(
        f"{on.isoformat()}: {len(messages)} messages ({reminders_total} reminders), "
        f"{total_segments} segments"
    )
    click.echo("language  segments  messages")
    for (language, segments), n in sorted(counts.items()):
        click.echo(f"{language:8s}  {segments:8d}  {n:8d}")
    for line in lines:
        click.echo(line)
