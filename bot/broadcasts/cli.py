"""``flask --app bot broadcast ...``: community broadcasts from the command line."""

from __future__ import annotations

import datetime as dt
import json
import time

import click

from bot.broadcasts import lifecycle as broadcasts
from bot.broadcasts.audience import STATUSES, Audience, BroadcastError
from bot.channels import bulk
from bot.services import services
from bot.storage.clients import queue
from locales import LANGUAGES
from scheduler import clock


@click.group()
def broadcast() -> None:
    """Create, preview, send, cancel and follow community broadcasts."""


def _fail(problem: Exception) -> click.ClickException:
    return click.ClickException(str(problem.args[0] if problem.args else problem))


def _print_preview(preview: dict) -> None:
    click.echo(
        f'broadcast {preview["id"]} "{preview["name"]}" ({preview["status"]}): '
        f"{preview['recipients']} recipients, {preview['messages']} SMS, "
        f"Rs {preview['cost']:.2f}"
    )
    for lang, info in preview["languages"].items():
        click.echo(
            f"  {lang}: {info['recipients']} recipients, {info['segments']} segment(s) "
            f"{info['encoding']}: {info['text']}"
        )


@broadcast.command("create")
@click.option("--name", required=True)
@click.option(
    "--text",
    "texts",
    multiple=True,
    required=True,
    metavar="LANG=TEXT",
    help=f"The text in one language; give each of {', '.join(LANGUAGES)}.",
)
@click.option("--state", "states", multiple=True)
@click.option("--district", "districts", multiple=True)
@click.option("--block", "blocks", multiple=True)
@click.option("--pincode", "pincodes", multiple=True)
@click.option("--language", "languages", multiple=True, type=click.Choice(LANGUAGES))
@click.option("--age-months", metavar="FROM-TO", help="A child aged FROM to TO months.")
@click.option("--overdue", is_flag=True, help="Only families with a visit overdue.")
@click.option(
    "--status",
    "statuses",
    multiple=True,
    type=click.Choice(STATUSES),
    help="Only families with a child standing so today.",
)
@click.option("--vaccine", "vaccines", multiple=True, help="A dose due or overdue, e.g. mr-1.")
@click.option("--asha", "ashas", multiple=True, help="The families this ASHA (phone) registered.")
@click.option("--pregnant", is_flag=True, help="Only women with an ongoing pregnancy.")
def create_command(
    name,
    texts,
    states,
    districts,
    blocks,
    pincodes,
    languages,
    age_months,
    overdue,
    statuses,
    vaccines,
    ashas,
    pregnant,
) -> None:
    """Create a broadcast (a draft) and show who it would reach."""
    by_language = {}
    for entry in texts:
        lang, sep, text = entry.partition("=")
        if not sep:
            raise click.BadParameter(f"{entry!r}: write LANG=TEXT", param_hint="--text")
        by_language[lang.strip()] = text
    ages = None
    if age_months:
        low, sep, high = age_months.partition("-")
        if not (sep and low.isdigit() and high.isdigit()):
            raise click.BadParameter(
                "write FROM-TO in months, e.g. 0-24", param_hint="--age-months"
            )
        ages = [int(low), int(high)]
    try:
        audience = Audience.from_dict(
            {
                "states": states,
                "districts": districts,
                "blocks": blocks,
                "pincodes": pincodes,
                "languages": languages,
                "age_months": ages,
                "overdue": overdue,
                "statuses": statuses,
                "vaccines": vaccines,
                "asha": ashas,
                "pregnant": pregnant,
            },
            services().config["DEFAULT_REGION"],
        )
        broadcast_id = broadcasts.create(services(), name, by_language, audience, "cli")
    except BroadcastError as problem:
        raise _fail(problem) from None
    _print_preview(broadcasts.preview(services(), broadcast_id))


@broadcast.command("preview")
@click.argument("broadcast_id", type=int)
def preview_command(broadcast_id: int) -> None:
    """Each language's text, segments and recipients."""
    try:
        _print_preview(broadcasts.preview(services(), broadcast_id))
    except LookupError as problem:
        raise _fail(problem) from None


@broadcast.command("send")
@click.argument("broadcast_id", type=int)
@click.option("--at", "at_text", help="When to send (ISO 8601 with offset); default now.")
@click.option("--wait", is_flag=True, help="Follow the sending until it is done.")
def send_command(broadcast_id: int, at_text: str | None, wait: bool) -> None:
    """Send a broadcast now (queueing its jobs, with a progress bar) or schedule it."""
    tika = services()
    when = None
    if at_text:
        when = dt.datetime.fromisoformat(at_text)
        if when.tzinfo is None:
            raise click.BadParameter("give a time zone, e.g. 2025-02-10T10:30:00+05:30")
    try:
        broadcasts.schedule(tika, broadcast_id, when)
        if when and when > clock.now():
            click.echo(f"broadcast {broadcast_id} scheduled for {when.isoformat()}")
            return
        if not bulk.in_window(tika, clock.now()):
            click.echo(
                f"broadcast {broadcast_id} will start at {tika.config['BROADCAST_HOURS']}"
                " hours, India time"
            )
            return
        total = broadcasts.preview(tika, broadcast_id)["recipients"]
        with click.progressbar(length=total, label="queueing") as bar:
            done = [0]

            def progress(count: int) -> None:
                bar.update(count - done[0])
                done[0] = count

            count = broadcasts.start(tika, broadcast_id, queue(tika), progress)
    except (BroadcastError, LookupError) as problem:
        raise _fail(problem) from None
    click.echo(f"broadcast {broadcast_id}: {count} recipients queued")
    if wait:
        _follow(broadcast_id, count)


def _follow(broadcast_id: int, total: int) -> None:
    with click.progressbar(length=total, label="sending") as bar:
        shown = 0
        while True:
            stats = broadcasts.stats(services(), broadcast_id)
            finished = sum(
                n for status, n in stats["by_status"].items() if status not in ("queued", "claimed")
            )
            bar.update(finished - shown)
            shown = finished
            if stats["status"] in ("done", "cancelled"):
                break
            time.sleep(1)
    click.echo(json.dumps(broadcasts.stats(services(), broadcast_id)["by_status"]))


@broadcast.command("cancel")
@click.argument("broadcast_id", type=int)
def cancel_command(broadcast_id: int) -> None:
    """Stop a broadcast: nothing more goes out."""
    try:
        spared = broadcasts.cancel(services(), broadcast_id)
    except (BroadcastError, LookupError) as problem:
        raise _fail(problem) from None
    click.echo(f"broadcast {broadcast_id} cancelled; {spared} recipients not sent to")


@broadcast.command("stats")
@click.argument("broadcast_id", type=int)
def stats_command(broadcast_id: int) -> None:
    """Recipients by status and messages by delivery report, as JSON."""
    try:
        click.echo(json.dumps(broadcasts.stats(services(), broadcast_id), indent=2))
    except LookupError as problem:
        raise _fail(problem) from None


@broadcast.command("list")
def list_command() -> None:
    """Every broadcast, newest first."""
    for row in broadcasts.listing(services()):
        count = "-" if row["recipients"] is None else row["recipients"]
        click.echo(f"{row['id']:>5}  {row['status']:<10} {count:>8}  {row['name']}")
