"""``flask --app bot ...`` commands: database migrations, terminal chat, RQ worker."""

from __future__ import annotations

import click
from alembic import command as alembic_command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from bot.channels.sms import normalise_phone
from bot.config import PROJECT_ROOT
from bot.conversation import Inbound, handle_message
from bot.services import services


def alembic_config(database_url: str) -> AlembicConfig:
    """Alembic's configuration for our migrations folder and ``database_url``."""
    config = AlembicConfig()
    config.set_main_option("script_location", str(PROJECT_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    return config


def register_commands(app: Flask) -> None:
    """Attach the command groups to ``app``."""
    from bot.broadcast_cli import broadcast
    from bot.campaign_cli import campaigns
    from bot.duelist_cli import digest_command, duelist_command, health_workers
    from bot.reminder_cli import reminders
    from bot.users_cli import users
    from bot.voice_cli import voice

    app.cli.add_command(db)
    app.cli.add_command(chat)
    app.cli.add_command(worker)
    app.cli.add_command(reminders)
    app.cli.add_command(duelist_command)
    app.cli.add_command(health_workers)
    app.cli.add_command(digest_command)
    app.cli.add_command(broadcast)
    app.cli.add_command(campaigns)
    app.cli.add_command(voice)
    app.cli.add_command(users)


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
        from bot.voice_cli import play_ivr

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
    from bot.worker import run_worker

    run_worker(services(), burst=burst)
