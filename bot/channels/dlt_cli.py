"""``flask --app bot dlt ...``: the DLT templates, to the portal and back.

- ``dlt export [--lang hi] [-o FILE]``: every template as the portal's bulk upload wants
  it (CSV: template_name, communication_type, content_category, header,
  template_message_type, content);
- ``dlt import FILE``: the portal's export (template_name, template_id, status; other
  columns, a BOM, any capitalisation welcome) merged into the ``DLT_TEMPLATES`` file;
- ``dlt check [--strict]``: every template without an approved id, every text over the
  limits, every language missing (:meth:`bot.channels.dlt.Registry.problems`); exit 1 on
  an error (``--strict``: on a warning too).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from bot.channels.dlt import (
    EXPORT_COLUMNS,
    PortalFileError,
    Registry,
    merge_approvals,
    read_approvals,
    read_portal_rows,
    templates_file,
    write_approvals,
)
from locales import LANGUAGES


@click.group(cls=AppGroup)
def dlt() -> None:
    """DLT templates: export them to the portal, import its ids, check them."""


def _header() -> str:
    """The sender id (header) the templates are registered under: EXOTEL_SENDER_ID."""
    return current_app.config["EXOTEL_SENDER_ID"]


def _registry() -> Registry:
    path = templates_file(current_app.config)
    try:
        return Registry.load(path)
    except PortalFileError as error:
        raise click.ClickException(f"{path}: {error}") from None


@dlt.command("export")
@click.option("--lang", type=click.Choice(LANGUAGES), help="Only this language's templates.")
@click.option("-o", "--output", type=click.Path(dir_okay=False), help="The CSV file to write.")
def export_command(lang: str | None, output: str | None) -> None:
    """Every template as a CSV for the portal's bulk upload (stdout without -o)."""
    header = _header()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_COLUMNS)
    rows = 0
    for template in Registry.build().templates:
        if lang and template.lang != lang:
            continue
        writer.writerow(
            [
                template.name,
                template.communication_label,
                template.content_category,
                header,
                template.message_type,
                template.content,
            ]
        )
        rows += 1
    if output is None:
        click.echo(out.getvalue(), nl=False)
        return
    Path(output).parent.mkdir(parents=True, exist_ok=True)
    Path(output).write_text(out.getvalue(), encoding="utf-8")
    click.echo(f"{rows} templates written to {output}", err=True)


@dlt.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
def import_command(file: str) -> None:
    """Merge the portal's export FILE (template_name, template_id, status) into the
    DLT_TEMPLATES file."""
    try:
        rows = read_portal_rows(Path(file).read_bytes())
    except PortalFileError as error:
        raise click.ClickException(f"{file}: {error}") from None
    path = templates_file(current_app.config)
    try:
        kept = read_approvals(path) if path.exists() else {}
    except PortalFileError:
        kept = {}
    known = {template.name for template in Registry.build().templates}
    merged, report = merge_approvals(kept, rows, known)
    write_approvals(path, merged)
    click.echo(
        f"{len(report.approved)} approved, {len(report.not_approved)} not approved, "
        f"{len(report.unknown)} unknown names; written to {path}"
    )
    for name, status in report.not_approved:
        click.echo(f"  not approved: {name} ({status})")
    for name in report.unknown:
        click.echo(f"  unknown name: {name}")
    for name, bad in report.bad_ids:
        click.echo(f"  not a template id, left out: {name} {bad!r} (export the ids as text)")


@dlt.command("check")
@click.option("--strict", is_flag=True, help="Fail on warnings too.")
def check_command(strict: bool) -> None:
    """Every template without an approved id, every text over the limits, every language
    missing; exit 1 if any."""
    registry = _registry()
    problems = registry.problems()
    for problem in problems:
        click.echo(str(problem))
    errors = sum(problem.severity == "error" for problem in problems)
    warnings = len(problems) - errors
    total = len(registry.templates)
    approved = sum(template.approved for template in registry.templates)
    click.echo(
        f"{total} templates, {approved} approved: {errors} errors, {warnings} warnings",
        err=True,
    )
    if errors or (strict and warnings):
        raise SystemExit(1)
