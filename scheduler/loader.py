"""Reading schedule files: the one place where the schedule engine touches the disk."""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from scheduler.errors import InvalidSchedule, ScheduleError
from scheduler.model import Schedule, normalise_place, parse_schedule

SCHEDULE_DIR = Path(__file__).resolve().parent / "schedules"
#: The area that ``load_schedule(je_districts=...)`` replaces.
JE_AREA = "je_endemic"


# The children's schedules a family may follow (SCHEDULE, and per family SCHEDULE IAP):
# the government's, the Indian Academy of Pediatrics', WHO's.
CHILDREN_SCHEDULES = ("uip", "iap", "who")


def schedule_names() -> tuple[str, ...]:
    """The names of the shipped schedules ("uip", "uip-pregnancy", ...)."""
    return tuple(sorted(p.stem for p in SCHEDULE_DIR.glob("*.yaml")))


AREA_DIR = SCHEDULE_DIR / "areas"


def read_area_file(name: str) -> dict[str, list[str]]:
    """An area file of ``schedules/areas``: its districts by state (``states:``)."""
    path = AREA_DIR / name
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise InvalidSchedule(f"area file {name}: {exc}") from None
    if not isinstance(data, dict) or not isinstance(data.get("states"), dict):
        raise InvalidSchedule(f"area file {name}: expected 'states:' with districts by state")
    return data["states"]


def read_schedule_data(name: str) -> dict[str, Any]:
    """The data of schedule file ``name``, with area lists read from their files."""
    known = schedule_names()
    if name not in known:
        raise ScheduleError(f"unknown schedule {name!r} (known: {', '.join(known)})")
    path = SCHEDULE_DIR / f"{name}.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidSchedule(f"{path.name}: {exc}") from None
    if not isinstance(data, dict):
        raise InvalidSchedule(f"{path.name}: expected a mapping at the top level")
    areas = {}
    for area, spec in (data.get("areas") or {}).items():
        if isinstance(spec, dict) and set(spec) == {"file"}:
            areas[area] = read_area_file(spec["file"])
        else:
            areas[area] = spec
    if areas:
        data["areas"] = areas
    return data


def load_schedule(name: str = "uip", *, je_districts: Iterable[str] | None = None) -> Schedule:
    """The schedule ``name``, parsed once and cached.

    ``je_districts`` replaces the default list of JE-endemic districts (by state, in
    ``schedules/areas/je_districts.yaml``): district names, matched in any state, or the
    ``JE_DISTRICTS`` setting's comma-separated text. ``None`` or blank text keeps the list
    shipped with the schedule; an empty list means JE is given nowhere.
    """
    if isinstance(je_districts, str):
        je_districts = je_districts.split(",") if je_districts.strip() else None
    key = None
    if je_districts is not None:
        key = tuple(sorted({normalise_place(n) for n in je_districts if n.strip()}))
    return _load(name, key)


@lru_cache(maxsize=32)
def _load(name: str, je_districts: tuple[str, ...] | None) -> Schedule:
    data = read_schedule_data(name)
    overrides = {}
    if je_districts is not None and JE_AREA in (data.get("areas") or {}):
        overrides[JE_AREA] = je_districts
    return parse_schedule(data, areas=overrides)
