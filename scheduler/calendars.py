"""What campaign calendars need from outside: states, their holidays and RI weekdays,
and campaign files. The calendar logic itself is in :mod:`scheduler.campaigns`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import holidays
import yaml

from scheduler.campaigns import (
    CalendarError,
    Campaign,
    campaign_from_data,
    next_session_day,
    parse_weekdays,
)

log = logging.getLogger(__name__)

CAMPAIGN_DIR = Path(__file__).resolve().parent / "campaigns"
RI_DAYS_FILE = CAMPAIGN_DIR / "ri_days.yaml"
BLOCKS_FILE = CAMPAIGN_DIR / "blocks.yaml"


@cache
def _state_codes() -> dict[str, str]:
    """State and union territory names (upper-case, as India Post writes them) -> codes."""
    names = {code: code for code in holidays.India.subdivisions}
    for name, code in holidays.India.subdivisions_aliases.items():
        if name.isascii():
            names[name.upper()] = code
    names["THE DADRA AND NAGAR HAVELI AND DAMAN AND DIU"] = "DH"
    return names


def state_code(state: str | None) -> str | None:
    """The two-letter code (ISO 3166-2:IN, as the holidays package uses) of a state."""
    if not state:
        return None
    code = _state_codes().get(state.strip().upper())
    if code is None:
        raise CalendarError(f"unknown state {state!r}: use a code such as UP or a name")
    return code


def state_holidays(state: str | None, years: Iterable[int]) -> frozenset[dt.date]:
    """The public (gazetted) holidays of a state, or India's when no state is given."""
    code = state_code(state)
    calendar = holidays.India(subdiv=code, years=sorted(set(years)))
    return frozenset(calendar.keys())


@cache
def state_calendar(
    state: str | None, year: int, ri_override: str = ""
) -> tuple[frozenset[int], frozenset[dt.date]]:
    """A state's RI weekdays and its holidays of ``year`` and the next (cached). A state
    not known here has neither: its messages give dates instead of session days."""
    try:
        return ri_weekdays(state, ri_override), state_holidays(state, (year, year + 1))
    except CalendarError as error:
        log.warning("no RI calendar: %s", error)
        return frozenset(), frozenset()


def next_ri_session(state: str | None, day: dt.date, ri_override: str = "") -> dt.date | None:
    """The routine-immunisation session day on or after ``day`` in ``state``: its RI
    weekday that is not a holiday (None where the state's RI weekdays are not known)."""
    weekdays, holidays = state_calendar(state, day.year, ri_override)
    return next_session_day(day, weekdays, holidays)


def ri_weekdays(state: str | None, override: str = "") -> frozenset[int]:
    """The state's routine-immunisation weekdays: from ``override`` (the RI_DAYS setting,
    e.g. "UP=wed,sat;BR=wed,fri") or the shipped table; none when unknown."""
    code = state_code(state)
    if code is None:
        return frozenset()
    table = dict(_default_ri_days())
    for part in override.split(";"):
        key, sep, days = part.partition("=")
        if sep:
            table[state_code(key)] = parse_weekdays(days)
    return table.get(code, frozenset())


@cache
def _default_ri_days() -> dict[str, frozenset[int]]:
    data = yaml.safe_load(RI_DAYS_FILE.read_text(encoding="utf-8")) or {}
    return {state_code(state): parse_weekdays(days) for state, days in data.items()}


def load_campaign(name_or_path: str | Path) -> Campaign:
    """A campaign file by path, or by name from the shipped ones (e.g. "imi-2.0")."""
    return campaign_from_data(campaign_data(name_or_path))


def campaign_data(name_or_path: str | Path) -> dict:
    """A campaign file's contents, its blocks named in blocks.yaml given their PIN codes."""
    path = Path(name_or_path)
    if path.suffix not in (".yaml", ".yml"):
        path = CAMPAIGN_DIR / f"{name_or_path}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise CalendarError(f"cannot read campaign file {path}: {error.strerror}") from None
    except yaml.YAMLError as error:
        raise CalendarError(f"{path.name}: {error}") from None
    if not isinstance(data, dict):
        raise CalendarError(f"{path.name}: expected a mapping at the top level")
    areas = data.get("areas") or {}
    if isinstance(areas.get("blocks"), list):  # blocks named from blocks.yaml
        areas["blocks"] = {name: sorted(block_pincodes(name)) for name in areas["blocks"]}
    return data


@cache
def blocks() -> dict[str, frozenset[str]]:
    """Every known block (upper-case name) and the PIN codes it serves."""
    data = yaml.safe_load(BLOCKS_FILE.read_text(encoding="utf-8")) or {}
    return {str(name).upper(): frozenset(str(p) for p in pins) for name, pins in data.items()}


def block_pincodes(name: str) -> frozenset[str]:
    """The PIN codes of block ``name``."""
    try:
        return blocks()[name.strip().upper()]
    except KeyError:
        known = ", ".join(sorted(blocks())) or "none"
        raise CalendarError(f"unknown block {name!r} (known: {known})") from None
