"""A schedule compiled for the engine: tuples of ints, and its dates per reference date.

The engine spends its time in :func:`scheduler.engine.compute`; everything that
depends only on the schedule and the reference (birth) date is worked out here
once and cached, as plain tuples of date ordinals.
"""

from __future__ import annotations

from functools import lru_cache

from scheduler.durations import Duration, add_months
from scheduler.errors import InvalidSchedule
from scheduler.model import Dose, Schedule
from scheduler.results import NO_LIMIT, DateCache

_DATED_CACHE_SIZE = 8192
#: A recorded dose is packed into one int, ``date ordinal << SHIFT | dose index``.
SHIFT = 10
MASK = (1 << SHIFT) - 1

# A dated slot is a tuple
#   (index, earliest, due, overdue, latest, min_months, min_days, due_months, due_days,
#    repeat_months, repeat_days, options)
# where earliest/due/overdue/latest are the dates of min_age/due_age/overdue_age (or None)
# and max_age - 1 day, and min_days is None when the dose has no minimum interval.
# repeat_* is the interval a dose of this slot keeps from an invalid (too early or too
# soon) dose given for the same slot: the slot's own minimum interval, or for a series'
# first dose the next slot's (ACIP: the repeat is spaced from the invalid dose by the
# minimum interval); repeat_days is None when there is none.
# ``options`` is None for a slot of one dose without area or condition rules (the fields
# then describe that dose); otherwise it is a tuple of dated options
#   (index, earliest, due, overdue, latest, min_months, min_days, due_months, due_days,
#    repeat_months, repeat_days, rule)
# in the slot's order of preference, with rule None or (only_in, only_if, unless).


def _pair(duration: Duration | None) -> tuple[int, int | None]:
    return (duration.months, duration.days) if duration is not None else (0, None)


class Plan:
    """The engine's compiled form of one :class:`Schedule`."""

    def __init__(self, schedule: Schedule) -> None:
        self.schedule = schedule
        self.codes = schedule.codes
        self.index = {code: i for i, code in enumerate(self.codes)}
        self.size = len(self.codes)
        self.n_series = len(schedule.series)
        self.grace = schedule.grace.days
        self.visit_window = schedule.visit_window.days
        self.overdue_after = (schedule.overdue_after.months, schedule.overdue_after.days)
        self.history_before_reference = schedule.history_before_reference
        if self.size > MASK:
            raise InvalidSchedule(f"schedule {schedule.id!r} has more than {MASK} doses")
        #: code -> (series index, dose index); dose index -> position within its slot
        self.where: dict[str, tuple[int, int]] = {}
        positions = [0] * self.size
        for s_index, one in enumerate(schedule.series):
            for slot in one.slots:
                for position, dose in enumerate(slot):
                    self.where[dose.code] = (s_index, self.index[dose.code])
                    positions[self.index[dose.code]] = position
        self.positions = tuple(positions)
        #: One empty tuple per series: ``list(map(list, no_records))`` makes fresh buckets.
        self.no_records = ((),) * self.n_series
        self.areas = dict(schedule.areas)
        self.conditions = tuple(
            (c.name, c.codes, c.count, -c.within) for c in schedule.conditions.values()
        )
        self._static = tuple(
            (
                _pair(one.start_before) if one.start_before else None,
                tuple(
                    tuple(self._compile(dose, _repeat(one.slots, k, dose)) for dose in slot)
                    for k, slot in enumerate(one.slots)
                ),
            )
            for one in schedule.series
        )
        #: Dose index -> its strengths by age as (months, days, IU), for doses that have them.
        self.strengths = {
            self.index[dose.code]: tuple(
                (s.from_age.months, s.from_age.days, s.iu) for s in dose.strengths
            )
            for one in schedule.series
            for slot in one.slots
            for dose in slot
            if dose.strengths
        }
        #: Ordinal -> date, shared by this schedule's forecasts.
        self.dates = DateCache()
        self.dated = lru_cache(maxsize=_DATED_CACHE_SIZE)(self._dated)
        self.areas_for = lru_cache(maxsize=1024)(self._areas_for)

    def _dated(self, ref: int) -> tuple[tuple, tuple[int, ...]]:
        """The schedule dated for reference date ``ref``: per series its dated slots,
        and each dose's absolute minimum age (minimum age - grace)."""
        shifted = {0: ref}

        def at(age: tuple[int, int]) -> int:
            months, days = age
            base = shifted.get(months)
            if base is None:
                base = shifted[months] = add_months(ref, months)
            return base + days

        abs_min = [0] * self.size
        series = []
        for start_before, static_slots in self._static:
            start = at(start_before) - 1 if start_before else None
            slots = []
            for k, static in enumerate(static_slots):
                options = []
                for i, min_age, due_age, overdue_age, max_age, intervals, rule in static:
                    earliest = at(min_age)
                    abs_min[i] = earliest - self.grace
                    latest = at(max_age) - 1 if max_age else NO_LIMIT
                    if k == 0 and start is not None and start < latest:
                        latest = start  # CDSi "cannot be started after"
                    overdue = at(overdue_age) if overdue_age else None
                    options.append((i, earliest, at(due_age), overdue, latest, *intervals, rule))
                if len(options) == 1 and options[0][11] is None:
                    slots.append((*options[0][:11], None))
                else:
                    slots.append((*options[0][:11], tuple(options)))
            series.append(tuple(slots))
        return tuple(series), tuple(abs_min)

    def _compile(self, dose: Dose, repeat: Duration | None) -> tuple:
        """A dose's ages as (months, days) pairs, its intervals and its rule, for :meth:`_dated`."""
        mi_m, mi_d = _pair(dose.min_interval)
        du_m, du_d = _pair(dose.due_interval)
        rp_m, rp_d = _pair(repeat)
        rule = (dose.only_in, dose.only_if, dose.unless)
        return (
            self.index[dose.code],
            _pair(dose.min_age),
            _pair(dose.due_age),
            _pair(dose.overdue_age) if dose.overdue_age else None,
            _pair(dose.max_age) if dose.max_age else None,
            (mi_m, mi_d, du_m, du_d, rp_m, rp_d),
            rule if any(rule) else None,
        )

    def _areas_for(self, district: str, state: str | None) -> frozenset[str]:
        """The names of the schedule's areas that include ``district`` (of ``state``)."""
        areas = self.areas.items()
        return frozenset(key for key, places in areas if places.includes(district, state))


def _repeat(slots: tuple[tuple[Dose, ...], ...], k: int, dose: Dose) -> Duration | None:
    """The interval a repeat of slot ``k`` keeps from an invalid dose given for it: the
    dose's own minimum interval, else (a series' first dose) the next slot's."""
    if dose.min_interval is not None:
        return dose.min_interval
    if k + 1 < len(slots):
        return slots[k + 1][0].min_interval
    return None


def plan_for(schedule: Schedule) -> Plan:
    """The compiled form of ``schedule`` (built once, kept on the schedule)."""
    plan = schedule.cache.get("plan")
    if plan is None:
        plan = schedule.cache["plan"] = Plan(schedule)
    return plan
