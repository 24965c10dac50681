"""``flask --app bot duelist``: a due list for a district, block or PIN codes."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app

from bot.duelists import AreaFilter, as_csv, as_html, due_list
from bot.services import services
from locales import LANGUAGES
from scheduler.calendars import block_pincodes
from scheduler.campaigns import CalendarError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


@click.command("duelist")
@click.option("--district", help="District, as India Post writes it (e.g. LUCKNOW).")
@click.option("--block", help="Block, as named in scheduler/campaigns/blocks.yaml.")
@click.option("--pincode", "pincodes", multiple=True, help="PIN code; repeat for several.")
@click.option("--from", "start", required=True, help="First day, YYYY-MM-DD.")
@click.option("--to", "end", required=True, help="Last day, YYYY-MM-DD.")
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "html"]), default="csv", show_default=True
)
@click.option("--lang", type=click.Choice(LANGUAGES), default="en", show_default=True)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
def duelist_command(district, block, pincodes, start, end, fmt, lang, output) -> None:
    """Children due or overdue at each session day of a period, left-outs and drop-outs
    marked: CSV, or HTML that prints on A4."""
    first, last = _date(start), _date(end)
    if last < first:
        raise click.BadParameter("--to is before --from")
    if (last - first).days > 92:
        raise click.BadParameter("a due list covers at most three months")
    pins = {p.strip() for value in pincodes for p in value.split(",") if p.strip()}
    try:
        if block:
            pins |= block_pincodes(block)
    except CalendarError as error:
        raise click.BadParameter(str(error), param_hint="--block") from None
    if not (district or pins):
        raise click.UsageError("give --district, --block or --pincode")
    label = ", ".join(
        filter(
            None, [district and district.upper(), block and block.upper(), *sorted(set(pincodes))]
        )
    )
    area = AreaFilter(district=district, pincodes=frozenset(pins), label=label)
    tika = services()
    with tika.db.reading() as conn:
        entries = due_list(conn, area, first, last, tika.schedule, tika.config["RI_DAYS"])
    if fmt == "csv":
        output.write(as_csv(entries, lang))
    else:
        output.write(as_html(current_app, entries, area, first, last, lang))
