"""``flask --app bot ...`` commands: database migrations, terminal chat, the RQ worker, the
sweep, and each wing's command group."""

from __future__ import annotations

import datetime as dt
import logging
import signal
import time

import click
from alembic import command as alembic_command
from flask import Flask, current_app

from bot.accounts.cli import users
from bot.broadcasts.cli import broadcast
from bot.campaigns.cli import campaigns
from bot.channels.dlt_cli import dlt
from bot.channels.twilio_sms import normalise_phone
from bot.conversation.shell import Inbound, handle_message
from bot.duelists.cli import digest_command, duelist_command, health_workers
from bot.reminders.cli import reminders
from bot.services import services
from bot.storage.migrations import alembic_config
from bot.sweep import sweep
from bot.voice.calls import sweep_calls
from bot.voice.cli import play_ivr, voice
from bot.worker import run_worker
from scheduler import clock

log = logging.getLogger(__name__)


def register_commands(app: Flask) -> None:
    """Attach the command groups to ``app``."""
    app.cli.add_command(db)
    app.cli.add_command(chat)
    app.cli.add_command(worker)
    reminders.add_command(sweep_command)
    reminders.add_command(schedule_command)
    app.cli.add_command(reminders)
    app.cli.add_command(duelist_command)
    app.cli.add_command(health_workers)
    app.cli.add_command(digest_command)
    app.cli.add_command(broadcast)
    app.cli.add_command(campaigns)
    app.cli.add_command(voice)
    app.cli.add_command(users)
    app.cli.add_command(dlt)


@click.group()
def db() -> None:
    """Create or migrate the database."""


@db.command()
@click.argument("revision", default="head")
def upgrade(revision: str) -> None:
    """Create the database or migrate it to REVISION (the latest by default)."""
    alembic_command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")


@db.command()
@click.argument("revision")
def downgrade(revision: str) -> None:
    """Migrate the database back to REVISION."""
    alembic_command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@click.command()
@click.argument("phone")
@click.option("--voice", is_flag=True, help="Call the IVR instead: type keypad digits.")
def chat(phone: str, voice: bool) -> None:
    """Talk to the bot in the terminal as the caregiver with number PHONE."""
    number = normalise_phone(phone, current_app.config["DEFAULT_REGION"])
    if number is None:
        raise click.BadParameter(f"{phone!r} is not a phone number", param_hint="PHONE")
    if voice:
        play_ivr(services(), number)
        return
    click.echo("Type a message and press Enter; an empty line or Ctrl-D ends the chat.")
    while True:
        try:
            line = input("you> ")
        except EOFError:
            break
        if not line.strip():
            break
        for reply in handle_message(services(), Inbound(number, line, "console")):
            click.echo(f"tika> {reply}")


@click.command()
@click.option("--burst", is_flag=True, help="Stop when the queues are empty.")
def worker(burst: bool) -> None:
    """Run an RQ worker on the service's queues, with this app's configuration."""
    run_worker(services(), burst=burst)


def _instant(value: str | None) -> dt.datetime:
    if value is None:
        return clock.now()
    moment = dt.datetime.fromisoformat(value)
    if moment.tzinfo is None:
        raise click.BadParameter("give a time zone, e.g. 2025-02-10T10:30:00+05:30")
    return moment.astimezone(dt.UTC)


@click.command("sweep")
@click.option("--now", "now_text", help="The moment to sweep for (ISO 8601 with offset).")
def sweep_command(now_text: str | None) -> None:
    """Claim every reminder due now and queue it for the workers."""
    result = sweep(services(), _instant(now_text))
    click.echo(f"claimed {result.claimed} reminders in {result.jobs} jobs")
    if result.failures:
        click.echo(f"{result.failures} failures: see the dashboard's scheduler alerts", err=True)


@click.command("schedule")
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
