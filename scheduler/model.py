"""The schedule model (CDSi-like): doses, series of slots, areas, conditions.

:func:`parse_schedule` turns the data of a schedule file (already read, e.g. by
:mod:`scheduler.loader`) into a :class:`Schedule`, checking every key.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from scheduler.durations import Duration
from scheduler.errors import InvalidSchedule, UnknownDoseCode

_PLACE_NOISE = re.compile(r"[\s.\-()'’]+")
NO_DAYS = Duration()
# Nominal ages are measured from this date only to order doses for display.
_ORDER_REFERENCE = dt.date(2001, 1, 1)

SCHEDULE_KEYS = frozenset(
    {
        "id",
        "title",
        "reference",
        "equivalents",
        "grace",
        "overdue_after",
        "areas",
        "conditions",
        "series",
        "history_before_reference",
        "visit_window",
    }
)
SERIES_KEYS = frozenset({"name", "slots", "start_before"})
DOSE_KEYS = frozenset(
    {
        "code",
        "min_age",
        "due_age",
        "overdue_age",
        "max_age",
        "min_interval",
        "due_interval",
        "only_in",
        "conditions",
        "strength",
    }
)
STRENGTH_KEYS = frozenset({"from_age", "iu", "ml"})
CONDITION_KEYS = frozenset({"codes", "count", "within"})
DOSE_CONDITION_KEYS = frozenset({"only_if", "unless"})


def normalise_place(name: str) -> str:
    """A place name as compared: upper-case, without spaces and ``.-()'`` (so that
    "Kushinagar" matches "KUSHI NAGAR" and "Kaimur (Bhabua)" matches "KAIMUR (BHABUA)")."""
    return _PLACE_NOISE.sub("", name.upper())


@dataclass(frozen=True, slots=True)
class Area:
    """Where a person lives; names are compared upper-case."""

    district: str | None = None
    state: str | None = None


@dataclass(frozen=True, slots=True)
class PlaceList:
    """Districts named with their state, or in any state (names as :func:`normalise_place`
    gives them). Two states may have districts of the same name (Aurangabad in Bihar and
    in Maharashtra), so a district listed under a state matches only there; when a
    person's state is not known, it matches if no other state in the list has the name."""

    by_state: frozenset[tuple[str, str]] = frozenset()
    anywhere: frozenset[str] = frozenset()

    @classmethod
    def from_data(cls, what: str, data: Any) -> PlaceList:
        """From a list of district names (any state) or a mapping state -> districts."""
        if isinstance(data, Mapping):
            pairs = set()
            for state, districts in data.items():
                if isinstance(districts, str) or not isinstance(districts, Iterable):
                    raise InvalidSchedule(f"area {what!r}: expected a list of districts")
                pairs |= {(normalise_place(state), normalise_place(d)) for d in districts}
            return cls(by_state=frozenset(pairs))
        if isinstance(data, str) or not isinstance(data, Iterable):
            raise InvalidSchedule(f"area {what!r}: expected a list of names")
        return cls(anywhere=frozenset(normalise_place(n) for n in data if n.strip()))

    @property
    def districts(self) -> frozenset[str]:
        """Every district name in the list."""
        return self.anywhere | {district for _state, district in self.by_state}

    def includes(self, district: str, state: str | None) -> bool:
        """Whether the list has ``district`` (in ``state``, when known)."""
        name = normalise_place(district)
        if name in self.anywhere:
            return True
        if state:
            return (normalise_place(state), name) in self.by_state
        return sum(1 for _s, listed in self.by_state if listed == name) == 1


@dataclass(frozen=True, slots=True)
class Strength:
    """How much of a dose is given from an age on (vitamin A: 1 lakh IU before one year)."""

    from_age: Duration
    iu: int
    ml: float


@dataclass(frozen=True, slots=True)
class Dose:
    """One dose: its ages, its interval from the previous slot, where it applies, and its
    strength by age (``strengths``, youngest first; empty for most vaccines)."""

    code: str
    min_age: Duration
    due_age: Duration
    overdue_age: Duration | None = None
    max_age: Duration | None = None
    min_interval: Duration | None = None
    due_interval: Duration | None = None
    only_in: str | None = None
    only_if: str | None = None
    unless: str | None = None
    strengths: tuple[Strength, ...] = ()


@dataclass(frozen=True, slots=True)
class Series:
    """An ordered list of slots; each slot holds one dose or alternatives in preference order."""

    name: str
    slots: tuple[tuple[Dose, ...], ...]
    start_before: Duration | None = None


@dataclass(frozen=True, slots=True)
class Condition:
    """True when history holds ``count`` of ``codes`` dated ``within`` before the reference."""

    name: str
    codes: frozenset[str]
    count: int
    within: Duration


class Schedule:
    """A parsed schedule: series of doses plus the settings the engine needs."""

    def __init__(
        self,
        *,
        id: str,
        title: str,
        reference: str,
        grace: Duration,
        overdue_after: Duration,
        series: tuple[Series, ...],
        areas: Mapping[str, PlaceList],
        conditions: Mapping[str, Condition],
        history_before_reference: bool = False,
        visit_window: Duration = NO_DAYS,
        equivalents: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.id = id
        self.title = title
        self.reference = reference
        self.grace = grace
        self.overdue_after = overdue_after
        self.series = series
        self.areas = MappingProxyType(dict(areas))
        self.conditions = MappingProxyType(dict(conditions))
        self.history_before_reference = history_before_reference
        # Another schedule's combination dose -> this schedule's doses it stands for
        # (the UIP's penta-1 is DTwP, Hep B and Hib): a history is read with them.
        self.equivalents = MappingProxyType(dict(equivalents or {}))
        #: A dose that can first be given this soon after a visit's day moves the visit to
        #: it, when nothing becomes overdue by then (one visit, not two).
        self.visit_window = visit_window
        self._series_by_code: dict[str, Series] = {}
        self._dose_by_code: dict[str, Dose] = {}
        keyed = []
        for s_index, one in enumerate(series):
            for k, slot in enumerate(one.slots):
                nominal = slot[0].due_age.add_to_ordinal(_ORDER_REFERENCE.toordinal())
                for j, dose in enumerate(slot):
                    if dose.code in self._dose_by_code:
                        raise InvalidSchedule(f"dose code {dose.code!r} is defined twice")
                    self._series_by_code[dose.code] = one
                    self._dose_by_code[dose.code] = dose
                    keyed.append(((nominal, s_index, k, j), dose.code))
        self.codes: tuple[str, ...] = tuple(code for _, code in sorted(keyed))
        #: Scratch space where the engine keeps its compiled form of this schedule.
        self.cache: dict[str, Any] = {}

    def __repr__(self) -> str:
        return f"Schedule({self.id!r}, {len(self.codes)} doses)"

    def series_of(self, code: str) -> Series:
        """The series that holds dose ``code``."""
        try:
            return self._series_by_code[code]
        except KeyError:
            raise UnknownDoseCode(code, self.id) from None

    def dose(self, code: str) -> Dose:
        """The definition of dose ``code``."""
        try:
            return self._dose_by_code[code]
        except KeyError:
            raise UnknownDoseCode(code, self.id) from None


def _check_keys(what: str, data: Any, allowed: frozenset[str], required: Iterable[str]) -> None:
    if not isinstance(data, Mapping):
        raise InvalidSchedule(f"{what}: expected a mapping, got {data!r}")
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise InvalidSchedule(f"{what}: unknown key(s) {', '.join(map(repr, unknown))}")
    missing = [key for key in required if key not in data]
    if missing:
        raise InvalidSchedule(f"{what}: missing key(s) {', '.join(map(repr, missing))}")


def _duration(what: str, value: Any) -> Duration:
    try:
        return Duration.parse(str(value))
    except InvalidSchedule:
        raise
    except ValueError as exc:
        raise InvalidSchedule(f"{what}: {exc}") from None


def _days(key: str, data: Mapping[str, Any]) -> Duration:
    """A schedule setting that is a plain number of days (default none)."""
    value = _duration(key, data.get(key, "0d"))
    if not value.is_days_only or value.days < 0:
        raise InvalidSchedule(f"{key}: expected a number of days or weeks, e.g. '4d'")
    return value


def _optional(what: str, data: Mapping[str, Any], key: str) -> Duration | None:
    return _duration(f"{what}.{key}", data[key]) if data.get(key) is not None else None


def _parse_dose(data: Any, first_slot: bool, areas: Mapping[str, Any], conditions: Mapping) -> Dose:
    _check_keys("dose", data, DOSE_KEYS, ["code"])
    code = data["code"]
    what = f"dose {code!r}"
    if "min_age" not in data and "due_age" not in data:
        raise InvalidSchedule(f"{what}: needs min_age or due_age")
    min_age = _duration(f"{what}.min_age", data.get("min_age", data.get("due_age")))
    due_age = _duration(f"{what}.due_age", data.get("due_age", data.get("min_age")))
    min_interval = _optional(what, data, "min_interval")
    due_interval = _optional(what, data, "due_interval") or min_interval
    if due_interval is not None and min_interval is None:
        raise InvalidSchedule(f"{what}: due_interval needs a min_interval")
    if first_slot and min_interval is not None:
        raise InvalidSchedule(f"{what}: the first dose of a series has no dose to space from")
    only_in = data.get("only_in")
    if only_in is not None and only_in not in areas:
        raise InvalidSchedule(f"{what}: only_in names undefined area {only_in!r}")
    cond = data.get("conditions") or {}
    _check_keys(f"{what}.conditions", cond, DOSE_CONDITION_KEYS, [])
    for name in cond.values():
        if name not in conditions:
            raise InvalidSchedule(f"{what}: undefined condition {name!r}")
    dose = Dose(
        code=code,
        min_age=min_age,
        due_age=due_age,
        overdue_age=_optional(what, data, "overdue_age"),
        max_age=_optional(what, data, "max_age"),
        min_interval=min_interval,
        due_interval=due_interval,
        only_in=only_in,
        only_if=cond.get("only_if"),
        unless=cond.get("unless"),
        strengths=_parse_strengths(what, data.get("strength")),
    )
    _check_ages(dose)
    return dose


def _parse_strengths(what: str, data: Any) -> tuple[Strength, ...]:
    if data is None:
        return ()
    if not isinstance(data, list) or not data:
        raise InvalidSchedule(f"{what}.strength: expected a non-empty list")
    strengths = []
    for item in data:
        _check_keys(f"{what}.strength", item, STRENGTH_KEYS, sorted(STRENGTH_KEYS))
        try:
            iu, ml = int(item["iu"]), float(item["ml"])
        except (TypeError, ValueError):
            raise InvalidSchedule(f"{what}.strength: iu and ml must be numbers") from None
        strengths.append(Strength(_duration(f"{what}.strength.from_age", item["from_age"]), iu, ml))
    ref = _ORDER_REFERENCE.toordinal()
    ages = [s.from_age.add_to_ordinal(ref) for s in strengths]
    if ages != sorted(ages) or len(set(ages)) != len(ages):
        raise InvalidSchedule(f"{what}.strength: list the ages youngest first, each once")
    return tuple(strengths)


def _check_ages(dose: Dose) -> None:
    ref = _ORDER_REFERENCE.toordinal()
    min_age, due_age = dose.min_age.add_to_ordinal(ref), dose.due_age.add_to_ordinal(ref)
    if due_age < min_age:
        raise InvalidSchedule(f"dose {dose.code!r}: due_age is before min_age")
    if dose.overdue_age is not None and dose.overdue_age.add_to_ordinal(ref) < due_age:
        raise InvalidSchedule(f"dose {dose.code!r}: overdue_age is before due_age")
    if dose.max_age is not None and dose.max_age.add_to_ordinal(ref) <= min_age:
        raise InvalidSchedule(f"dose {dose.code!r}: max_age leaves no day to give it")


def _parse_slot(data: Any, first: bool, areas: Mapping, conditions: Mapping) -> tuple[Dose, ...]:
    if isinstance(data, Mapping) and set(data) == {"one_of"}:
        options = data["one_of"]
        if not isinstance(options, list) or not options:
            raise InvalidSchedule(f"one_of: expected a non-empty list, got {options!r}")
        return tuple(_parse_dose(d, first, areas, conditions) for d in options)
    return (_parse_dose(data, first, areas, conditions),)


def _parse_condition(name: str, data: Any) -> Condition:
    _check_keys(f"condition {name!r}", data, CONDITION_KEYS, sorted(CONDITION_KEYS))
    return Condition(
        name,
        frozenset(data["codes"]),
        int(data["count"]),
        _duration(f"condition {name!r}.within", data["within"]),
    )


def parse_schedule(data: Mapping[str, Any], *, areas: Mapping[str, Any] | None = None) -> Schedule:
    """Build a :class:`Schedule` from file data; ``areas`` replaces area lists by name
    (each a list of districts, or a mapping state -> districts)."""
    _check_keys("schedule", data, SCHEDULE_KEYS, ["id", "reference", "series"])
    area_lists = {
        name: PlaceList.from_data(name, names)
        for name, names in {**(data.get("areas") or {}), **(areas or {})}.items()
    }
    conditions = {n: _parse_condition(n, c) for n, c in (data.get("conditions") or {}).items()}
    series = []
    for raw in data["series"]:
        _check_keys("series", raw, SERIES_KEYS, ["name", "slots"])
        slots = tuple(
            _parse_slot(slot, k == 0, area_lists, conditions) for k, slot in enumerate(raw["slots"])
        )
        start = _optional(f"series {raw['name']!r}", raw, "start_before")
        series.append(Series(raw["name"], slots, start))
    grace = _days("grace", data)
    window = _days("visit_window", data)
    history_mode = data.get("history_before_reference", "error")
    if history_mode not in ("error", "conditions"):
        raise InvalidSchedule("history_before_reference: expected 'error' or 'conditions'")
    for name, cond in conditions.items():
        missing = sorted(
            c
            for c in cond.codes
            if not any(d.code == c for s in series for slot in s.slots for d in slot)
        )
        if missing:
            raise InvalidSchedule(f"condition {name!r}: unknown dose code(s) {missing}")
    known = {d.code for s in series for slot in s.slots for d in slot}
    equivalents = {}
    for code, parts in (data.get("equivalents") or {}).items():
        unknown = sorted(set(parts or ()) - known)
        if code in known or unknown:
            raise InvalidSchedule(
                f"equivalents: {code!r}: a code of another schedule, as this one's"
            )
        equivalents[str(code)] = tuple(parts or ())
    return Schedule(
        id=str(data["id"]),
        title=str(data.get("title", data["id"])),
        reference=str(data["reference"]),
        grace=grace,
        overdue_after=_duration("overdue_after", data.get("overdue_after", "0d")),
        series=tuple(series),
        areas=area_lists,
        conditions=conditions,
        history_before_reference=history_mode == "conditions",
        visit_window=window,
        equivalents=equivalents,
    )
