"""``flask --app bot duelist``, ``health-workers`` and ``digest``: due lists for a
district, block or PIN codes, and the weekly digest for health workers."""

from __future__ import annotations

import datetime as dt

import click
from flask import current_app
from sqlalchemy import select

from bot.channels.twilio_sms import normalise_phone
from bot.duelists.digests import send_weekly
from bot.duelists.lists import SORTS, AreaFilter, Sort, as_csv, as_html, due_list
from bot.services import services
from bot.storage.clients import queue
from bot.storage.models.campaigns import HealthWorker
from bot.storage.models.core import Caregiver
from bot.storage.privacy import mask_phone
from locales import LANGUAGES
from scheduler import clock
from scheduler.calendars import block_pincodes
from scheduler.campaigns import CalendarError


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _area_pincodes(district: str | None, block: str | None, pincodes: tuple[str, ...]) -> set[str]:
    """The PIN codes an area names directly or through its block; it must name something."""
    pins = {p.strip() for value in pincodes for p in value.split(",") if p.strip()}
    try:
        if block:
            pins |= block_pincodes(block)
    except CalendarError as error:
        raise click.BadParameter(str(error), param_hint="--block") from None
    if not (district or pins):
        raise click.UsageError("give --district, --block or --pincode")
    return pins


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
@click.option("--sort", type=click.Choice(SORTS), default=SORTS[0], show_default=True)
@click.option("--order", type=click.Choice(["asc", "desc"]), default="asc", show_default=True)
@click.option(
    "--output",
    type=click.File("w", encoding="utf-8"),
    default="-",
    help="File to write (default: standard output).",
)
def duelist_command(district, block, pincodes, start, end, fmt, lang, sort, order, output) -> None:
    """Children due or overdue at each session day of a period, left-outs and drop-outs
    marked: CSV, or HTML that prints on A4."""
    first, last = _date(start), _date(end)
    if last < first:
        raise click.BadParameter("--to is before --from")
    if (last - first).days > 92:
        raise click.BadParameter("a due list covers at most three months")
    pins = _area_pincodes(district, block, pincodes)
    label = ", ".join(
        filter(
            None, [district and district.upper(), block and block.upper(), *sorted(set(pincodes))]
        )
    )
    area = AreaFilter(district=district, pincodes=frozenset(pins), label=label)
    tika = services()
    with tika.db.reading() as conn:
        entries = due_list(conn, area, first, last, tika.schedule, tika.config["RI_DAYS"])
    ordered = Sort.parse(sort, order)
    if fmt == "csv":
        output.write(as_csv(entries, lang, ordered))
    else:
        output.write(as_html(current_app, entries, area, first, last, lang, ordered))


@click.group("health-workers")
def health_workers() -> None:
    """ASHAs and ANMs who get the weekly due-list digest by SMS."""


@health_workers.command("add")
@click.argument("phone")
@click.option("--name", required=True)
@click.option("--district", help="District, as India Post writes it.")
@click.option("--pincode", "pincodes", multiple=True, help="PIN code served; repeat for several.")
@click.option("--block", help="Block, as named in scheduler/campaigns/blocks.yaml.")
@click.option("--lang", type=click.Choice(LANGUAGES), default="hi", show_default=True)
def add_health_worker(phone, name, district, pincodes, block, lang) -> None:
    """Register a health worker (or update one) for the weekly digest."""
    number = normalise_phone(phone, current_app.config["DEFAULT_REGION"])
    if number is None:
        raise click.BadParameter(f"{phone!r} is not a phone number", param_hint="PHONE")
    pins = _area_pincodes(district, block, pincodes)
    with services().db.session() as session:
        caregiver = session.scalar(select(Caregiver).where(Caregiver.phone == number))
        if caregiver is None:
            caregiver = Caregiver(phone=number, language=lang, children=[])
            session.add(caregiver)
            session.flush()
        worker = session.scalar(
            select(HealthWorker).where(HealthWorker.caregiver_id == caregiver.id)
        ) or HealthWorker(caregiver_id=caregiver.id)
        worker.name, worker.district, worker.active = name, district and district.upper(), True
        worker.pincodes = " ".join(sorted(pins))
        caregiver.language = lang
        session.add(worker)
    click.echo(f"health worker {mask_phone(number)} ({name}) gets the weekly digest")


@health_workers.command("list")
def list_health_workers() -> None:
    """Every registered health worker."""
    with services().db.session(write=False) as session:
        rows = session.execute(
            select(
                Caregiver.phone,
                HealthWorker.name,
                HealthWorker.district,
                HealthWorker.pincodes,
                HealthWorker.active,
            )
            .join(Caregiver, Caregiver.id == HealthWorker.caregiver_id)
            .order_by(HealthWorker.id)
        ).all()
    for phone, name, district, pincodes, active in rows:
        state = "active" if active else "stopped"
        click.echo(f"{mask_phone(phone)}  {name}  {district or ''} {pincodes}  {state}")


@health_workers.command("remove")
@click.argument("phone")
def remove_health_worker(phone) -> None:
    """Stop a health worker's digest."""
    number = normalise_phone(phone, current_app.config["DEFAULT_REGION"]) or phone
    with services().db.session() as session:
        worker = session.scalar(
            select(HealthWorker)
            .join(Caregiver, Caregiver.id == HealthWorker.caregiver_id)
            .where(Caregiver.phone == number)
        )
        if worker is None:
            raise click.ClickException(f"no health worker with number {mask_phone(number)}")
        worker.active = False
    click.echo(f"health worker {mask_phone(number)} will get no more digests")


@click.command("digest")
def digest_command() -> None:
    """Send this week's due-list digest now to health workers who have not had it."""
    tika = services()
    count = send_weekly(tika, clock.now(), queue(tika))
    click.echo(f"weekly digest queued for {count} health workers")
