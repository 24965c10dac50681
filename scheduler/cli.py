"""Command line for operators and health workers: ``python -m scheduler <command> ...``.

Each command is a ``register_*`` function that adds a subparser and sets ``run`` to a
function taking the parsed arguments and returning an exit code; add new ones to
:data:`COMMANDS`. Bad input is one line on stderr and exit code 2, as argparse does.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import unicodedata
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

from locales import DEFAULT_LANGUAGE, LANGUAGES, N_, Text, format_date, render
from scheduler import clock
from scheduler.campaign_cli import register_campaign_days
from scheduler.cli_args import iso_date
from scheduler.engine import compute
from scheduler.errors import ScheduleError
from scheduler.loader import load_schedule, schedule_names
from scheduler.model import Area
from scheduler.results import PAST_MAX_AGE, SERIES_COMPLETE, TOO_EARLY, TOO_SOON, Forecast
from scheduler.vaccines import dose_name, dose_names, status_name

PROG = "python -m scheduler"

REFERENCE_LABELS = {
    "birth": N_("Date of birth"),
    "pregnancy start": N_("Start of pregnancy (first day of last period)"),
}
AS_OF_LABEL = N_("As of")
COLUMNS = (
    N_("Vaccine"),
    N_("Status"),
    N_("Earliest"),
    N_("Due date"),
    N_("Latest"),
    N_("Given on"),
)
NEXT_VISIT = N_("Next visit: %(date)s — %(vaccines)s (give by %(latest)s)")
NEXT_VISIT_OPEN = N_("Next visit: %(date)s — %(vaccines)s")
NOTHING_LEFT = N_("Nothing left to give.")
INVALID_HEADING = N_("Recorded doses that do not count:")
INVALID_REASONS = {
    TOO_EARLY: N_("%(vaccine)s on %(date)s: given before the minimum age"),
    TOO_SOON: N_("%(vaccine)s on %(date)s: given too soon after the previous dose"),
    PAST_MAX_AGE: N_("%(vaccine)s on %(date)s: given after the maximum age"),
    SERIES_COMPLETE: N_("%(vaccine)s on %(date)s: extra dose, the series was already complete"),
}


class Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit code 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


def given_dose(text: str) -> tuple[str, dt.date]:
    """A CODE=YYYY-MM-DD pair, for argparse."""
    code, sep, when = text.partition("=")
    if not sep or not code.strip():
        raise argparse.ArgumentTypeError(
            f"malformed dose {text!r} (expected CODE=YYYY-MM-DD, e.g. penta-1=2025-03-01)"
        )
    try:
        return code.strip(), dt.date.fromisoformat(when.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"malformed date in {text!r} (expected CODE=YYYY-MM-DD)"
        ) from None


def register_forecast(commands: argparse._SubParsersAction) -> None:
    """``forecast``: the doses of one person and the next visit."""
    parser = commands.add_parser(
        "forecast",
        help="doses given, due, overdue, upcoming or missed, and the next visit",
        description="Forecast the vaccine doses of one person on one day.",
    )
    parser.add_argument(
        "--dob",
        type=iso_date,
        required=True,
        metavar="YYYY-MM-DD",
        help="date of birth (for uip-pregnancy: first day of the last period)",
    )
    parser.add_argument(
        "--given",
        type=given_dose,
        action="append",
        default=[],
        metavar="CODE=YYYY-MM-DD",
        help="a recorded dose; repeat for each",
    )
    parser.add_argument(
        "--on",
        type=iso_date,
        metavar="YYYY-MM-DD",
        help="the day to forecast for (default: today in India)",
    )
    parser.add_argument("--district", help="district of residence (for JE), e.g. GORAKHPUR")
    parser.add_argument(
        "--lang",
        choices=LANGUAGES,
        default=DEFAULT_LANGUAGE,
        help=f"language of the table (default: {DEFAULT_LANGUAGE})",
    )
    parser.add_argument("--json", action="store_true", help="print the forecast as JSON")
    parser.add_argument(
        "--schedule", choices=schedule_names(), default="uip", help="schedule (default: uip)"
    )
    parser.set_defaults(run=run_forecast)


#: Every command's register function; a new command adds its own here.
COMMANDS: list[Callable[[argparse._SubParsersAction], None]] = [
    register_forecast,
    register_campaign_days,
]


def build_parser() -> Parser:
    """The parser with every command of :data:`COMMANDS`."""
    parser = Parser(prog=PROG, description="Tika schedule engine.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for register in COMMANDS:
        register(commands)
    return parser


def run_forecast(args: argparse.Namespace, out: TextIO) -> int:
    """Print the forecast for ``args`` as a table or as JSON."""
    je_districts = os.environ.get("JE_DISTRICTS", "").strip() or None
    schedule = load_schedule(args.schedule, je_districts=je_districts)
    as_of = args.on or clock.today()
    area = Area(district=args.district) if args.district else None
    result = compute(schedule, args.dob, args.given, as_of, area)
    if args.json:
        json.dump(result.to_json(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        out.write(format_table(result, args.lang, schedule.reference))
    return 0


def _width(text: str) -> int:
    """Columns ``text`` takes in a terminal (combining marks take none)."""
    return sum(unicodedata.category(c) not in ("Mn", "Me", "Cf") for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def format_table(result: Forecast, lang: str, reference: str = "birth") -> str:
    """The forecast as a readable table in ``lang``, with the next visit and invalid doses."""

    def when(value: dt.date | None) -> str:
        return format_date(value, lang) if value else "—"

    label = REFERENCE_LABELS.get(reference, REFERENCE_LABELS["birth"])
    lines = [
        f"{render(label, lang)}: {when(result.birth_date)}    "
        f"{render(AS_OF_LABEL, lang)}: {when(result.as_of)}",
        "",
    ]
    table = [[render(c, lang) for c in COLUMNS]]
    for d in result.doses:
        table.append(
            [
                dose_name(d.code, lang),
                status_name(d.status, lang),
                when(d.earliest),
                when(d.due),
                when(d.latest),
                when(d.given),
            ]
        )
    widths = [max(_width(row[c]) for row in table) for c in range(len(COLUMNS))]
    for row in table:
        lines.append("  ".join(_pad(cell, w) for cell, w in zip(row, widths, strict=True)).rstrip())
    lines.append("")
    visit = result.next_visit
    if visit is None:
        lines.append(render(NOTHING_LEFT, lang))
    else:
        vaccines = dose_names(visit.codes, lang)
        text = (
            Text(NEXT_VISIT, date=visit.date, vaccines=vaccines, latest=visit.latest)
            if visit.latest
            else Text(NEXT_VISIT_OPEN, date=visit.date, vaccines=vaccines)
        )
        lines.append(render(text, lang))
    if result.invalid:
        lines.append("")
        lines.append(render(INVALID_HEADING, lang))
        for bad in result.invalid:
            text = Text(
                INVALID_REASONS[bad.reason], vaccine=dose_name(bad.code, lang), date=bad.date
            )
            lines.append("  " + render(text, lang))
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args, out or sys.stdout)
    except ScheduleError as exc:
        parser.exit(2, f"{PROG}: error: {exc}\n")
