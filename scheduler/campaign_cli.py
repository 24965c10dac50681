"""``python -m scheduler campaign-days``: the session days of one campaign round."""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

from scheduler.calendars import ri_weekdays, state_holidays
from scheduler.campaigns import CalendarError, parse_weekdays, session_days
from scheduler.cli_args import iso_date


def register_campaign_days(commands: argparse._SubParsersAction) -> None:
    """``campaign-days``: which days of a round count as session days."""
    parser = commands.add_parser(
        "campaign-days",
        help="the session days of a campaign round",
        description=(
            "List the session days of a round: from the start date, skipping Sundays, the "
            "state's holidays and its routine-immunisation (RI) weekdays, until there are "
            "enough."
        ),
    )
    parser.add_argument("--start", type=iso_date, required=True, metavar="YYYY-MM-DD")
    parser.add_argument("--days", type=int, required=True, help="session days in the round")
    parser.add_argument(
        "--ri-days",
        metavar="DAYS",
        help="RI weekdays to skip, e.g. wed,sat (default: the state's, from RI_DAYS)",
    )
    parser.add_argument("--state", help="state code or name, for its holidays and RI days")
    parser.add_argument(
        "--include-ri-days", action="store_true", help="RI days count as session days too"
    )
    parser.add_argument("--json", action="store_true", help='print {"days": [...]}')
    parser.set_defaults(run=run_campaign_days)


def run_campaign_days(args: argparse.Namespace, out: TextIO) -> int:
    """Print the session days, one a line or as JSON."""
    try:
        ri = (
            parse_weekdays(args.ri_days)
            if args.ri_days is not None
            else ri_weekdays(args.state, os.environ.get("RI_DAYS", ""))
        )
        years = range(args.start.year, args.start.year + 2)
        holidays = state_holidays(args.state, years)
        days = session_days(
            args.start,
            args.days,
            ri_weekdays=ri,
            include_ri_days=args.include_ri_days,
            holidays=holidays,
        )
    except CalendarError as error:
        print(f"python -m scheduler campaign-days: error: {error}", file=sys.stderr)
        return 2
    if args.json:
        json.dump({"days": [day.isoformat() for day in days]}, out)
        out.write("\n")
    else:
        for day in days:
            out.write(f"{day.isoformat()} {day.strftime('%a')}\n")
    return 0
