"""``flask --app bot campaigns ...``: load campaign files, see their calendars."""

from __future__ import annotations

import click

from bot.campaigns.announcements import announcement_days
from bot.campaigns.records import load
from bot.services import services
from locales import format_date
from scheduler import clock
from scheduler.calendars import campaign_data, load_campaign, ri_weekdays, state_holidays
from scheduler.campaigns import CalendarError


@click.group()
def campaigns() -> None:
    """Campaigns: their rounds, session days and announcements."""


@campaigns.command("load")
@click.argument("campaign")
def load_command(campaign: str) -> None:
    """Load (or reload) a campaign: its announcements are planned on their days."""
    try:
        loaded = load(services(), campaign_data(campaign))
    except CalendarError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"campaign {loaded.id}: {len(loaded.rounds)} rounds, announcements on:")
    today = clock.today()
    for day, start, kind in announcement_days(loaded):
        passed = ": passed, not announced" if day < today else ""
        click.echo(f"  {day.isoformat()} ({kind}, round of {start.isoformat()}){passed}")


@campaigns.command("days")
@click.argument("campaign")
@click.option("--state", required=True, help="State code or name.")
@click.option("--lang", default="en", type=click.Choice(["hi", "en"]), show_default=True)
def days_command(campaign: str, state: str, lang: str) -> None:
    """Each round's session days in a state."""
    try:
        loaded = load_campaign(campaign)
        years = {start.year for start in loaded.rounds}
        holidays = state_holidays(state, [*years, max(years) + 1])
        rounds = loaded.round_days(ri_weekdays(state, services().config["RI_DAYS"]), holidays)
    except CalendarError as error:
        raise click.ClickException(str(error)) from None
    click.echo(f"{loaded.name}, {state}:")
    for number, days in enumerate(rounds, start=1):
        click.echo(
            f"  round {number}: " + ", ".join(format_date(d, lang, "EEE d MMM y") for d in days)
        )
