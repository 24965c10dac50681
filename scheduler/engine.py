"""The forecast engine: pure logic, no I/O.

Rules (after CDC's CDSi logic specification), for one person on day ``as_of``:

* A recorded dose counts (is valid) if given on or after the absolute minimum age
  (minimum age - grace) of its own code and of the slot it fills, and the absolute
  minimum interval after the previous valid dose of its series. Valid doses fill the
  slots of their series in date order, whatever their number label.
* For a slot not yet filled: earliest = max(min age, previous + min interval) and
  due = max(due age, previous + due interval, earliest), where previous is the actual
  date of the previous slot's dose, or its projected date max(earliest, as_of) if it
  is not given yet; latest = max age - 1 day; due is capped at latest.
* Status: given; not_applicable (area or condition rules it out, or an alternative
  not in use); missed (its window is closed, or the previous slot is missed);
  overdue (from the overdue date); due (from earliest); upcoming.
* The next visit is the first day on or after ``as_of`` when a pending dose can be
  given, with every pending dose that can be given that day.

Dates are ordinals (``date.toordinal()``) throughout; :class:`Forecast` turns them
into dates when asked. The hot loop is written out flat for speed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping

from scheduler.durations import shift_months
from scheduler.errors import (
    BirthDateInFuture,
    DoseAfterAsOf,
    DoseBeforeBirth,
    InvalidHistory,
    ScheduleError,
    UnknownDoseCode,
)
from scheduler.model import Area, Schedule
from scheduler.plan import MASK, SHIFT, Plan, plan_for
from scheduler.results import (
    BEFORE_MIN_AGE,
    BEFORE_MIN_INTERVAL,
    DUE,
    GIVEN,
    MISSED,
    NO_LIMIT,
    NOT_APPLICABLE,
    OVERDUE,
    SERIES_COMPLETE,
    UPCOMING,
    Forecast,
    InvalidDose,
    Visit,
)

History = Iterable[tuple[str, dt.date]] | Mapping[str, dt.date]

_NA_ROW = (NOT_APPLICABLE, None, None, None, None, None)
_NONE: frozenset[str] = frozenset()
_new_tuple = tuple.__new__


def _read_history(plan: Plan, history: History, ref: int, now: int):
    """Recorded doses grouped by series index, each dose as the int ``date << SHIFT | index``
    (so that a plain sort orders them by date); doses dated before the reference go to
    ``prior`` as (code, date) where the schedule allows it."""
    by_series: list[list[int]] = list(map(list, plan.no_records))
    prior: list[tuple[str, int]] = []
    where = plan.where
    if type(history) not in (list, tuple) and isinstance(history, Mapping):
        history = history.items()
    try:
        for code, when in history:
            s_index, i = where[code]
            o = when.toordinal()
            if o > now or o < ref:
                _outside(plan, code, when, o, ref, now, prior)
            else:
                by_series[s_index].append(o << SHIFT | i)
    except ScheduleError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError):
        _explain(plan, history)
        raise
    return by_series, prior


def _explain(plan: Plan, history: History) -> None:
    """Raise the error that names what is wrong with ``history``."""
    for entry in history:
        try:
            code, when = entry
            known = code in plan.where
        except (TypeError, ValueError):
            raise InvalidHistory(
                f"history entry {entry!r} is not a (dose code, date) pair"
            ) from None
        if not known:
            raise UnknownDoseCode(code, plan.schedule.id)
        if not isinstance(when, dt.date):
            raise InvalidHistory(f"dose {code!r} has no valid date: {when!r}")


def _outside(
    plan: Plan, code: str, when: dt.date, o: int, ref: int, now: int, prior: list[tuple[str, int]]
) -> None:
    """A dose dated after ``as_of`` or before the reference date: an error, or prior history."""
    if o > now:
        raise DoseAfterAsOf(
            f"dose {code!r} is dated {when}, after the as-of date {dt.date.fromordinal(now)}"
        )
    if not plan.history_before_reference:
        raise DoseBeforeBirth(
            f"dose {code!r} is dated {when}, before the "
            f"{plan.schedule.reference} date {dt.date.fromordinal(ref)}"
        )
    prior.append((code, o))


def _invalid(code: str, ordinal: int, reason: str) -> InvalidDose:
    return _new_tuple(InvalidDose, (code, dt.date.fromordinal(ordinal), reason))


def _true_conditions(plan: Plan, ref: int, prior: list[tuple[str, int]]) -> frozenset[str]:
    """The names of the schedule's conditions that the prior history meets."""
    true = set()
    for name, codes, count, back in plan.conditions:
        since = back.add_to_ordinal(ref)
        if sum(1 for code, o in prior if code in codes and since <= o < ref) >= count:
            true.add(name)
    return frozenset(true)


def _ruled_out(rule: tuple, areas: frozenset[str], conds: frozenset[str]) -> bool:
    only_in, only_if, unless = rule
    return (
        (only_in is not None and only_in not in areas)
        or (only_if is not None and only_if not in conds)
        or (unless is not None and unless in conds)
    )


def _choose(
    options: tuple,
    prev: int | None,
    chain_missed: bool,
    now: int,
    areas: frozenset[str],
    conds: frozenset[str],
    overdue_after: tuple[int, int],
    rows: list,
    pending: list,
) -> tuple[int | None, bool]:
    """Fill ``rows`` for an open slot with alternatives or rules; the first option whose
    window admits its projected date is in use. Returns (previous, chain missed) for the
    next slot; a slot that nothing applies to leaves both unchanged."""
    applicable = False
    for i, e, d, od, lt, mi_m, mi_d, du_m, du_d, rule in options:
        if rule is not None and _ruled_out(rule, areas, conds):
            continue  # stays not_applicable
        applicable = True
        if chain_missed:
            rows[i] = (MISSED, None, None, None, lt, None)
            continue
        if mi_d is not None and prev is not None:
            e = max(e, (shift_months(prev, mi_m) if mi_m else prev) + mi_d)
            d = max(d, (shift_months(prev, du_m) if du_m else prev) + du_d)
        d = max(d, e)
        projected = max(e, now)
        if projected > lt:
            rows[i] = (MISSED, e, d, None, lt, None)
            continue
        d = min(d, lt)
        if od is None or od <= d:
            od = (shift_months(d, overdue_after[0]) if overdue_after[0] else d) + overdue_after[1]
        rows[i] = (OVERDUE if now >= od else DUE if now >= e else UPCOMING, e, d, od, lt, None)
        pending.append(i)
        return projected, False  # later options stay not_applicable
    return prev, chain_missed or applicable


def compute(
    schedule: Schedule,
    birth_date: dt.date,
    history: History,
    as_of: dt.date,
    area: Area | None = None,
) -> Forecast:
    """Forecast every dose of ``schedule`` for a person born on ``birth_date``, on ``as_of``
    (see the module docstring for the rules)."""
    plan = schedule.cache.get("plan") or plan_for(schedule)
    ref = birth_date.toordinal()
    now = as_of.toordinal()
    if now < ref:
        raise BirthDateInFuture(
            f"{schedule.reference} date {birth_date} is after the as-of date {as_of}"
        )
    dated, abs_min = plan.dated(ref)
    by_series, prior = _read_history(plan, history, ref, now)
    areas = plan.areas_for(area.district) if area is not None and area.district else _NONE
    conds = _true_conditions(plan, ref, prior) if plan.conditions else _NONE
    overdue_after = plan.overdue_after
    od_m, od_d = overdue_after
    grace = plan.grace
    rows: list = [_NA_ROW] * plan.size
    invalid: list[InvalidDose] = []
    pending: list[int] = []  # indexes of the doses still to be given

    for s_index, slots in enumerate(dated):  # slot tuples: see scheduler.plan
        prev = None  # date of the previous slot's dose: actual, else projected
        records = by_series[s_index]
        if records:
            # Valid recorded doses fill the first slots in date order. A dose is valid from
            # the absolute minimum age (min age - grace) of its own code and of the slot's
            # dose, and the absolute minimum interval after the previous valid dose.
            if len(records) > 1:
                records.sort()
            n_slots = len(slots)
            k = 0
            for key in records:
                o = key >> SHIFT
                r = key & MASK
                if k == n_slots:
                    invalid.append(_invalid(plan.codes[r], o, SERIES_COMPLETE))
                    continue
                i, e, d, _od, lt, mi_m, mi_d, du_m, du_d, options = slots[k]
                if options is not None:  # the alternative at the recorded code's position
                    position = plan.positions[r]
                    option = options[position] if position < len(options) else options[-1]
                    i, e, d, _od, lt, mi_m, mi_d, du_m, du_d, _rule = option
                if o < e - grace or o < abs_min[r]:
                    invalid.append(_invalid(plan.codes[r], o, BEFORE_MIN_AGE))
                    continue
                if mi_d is not None:
                    x = (shift_months(prev, mi_m) if mi_m else prev) + mi_d
                    if o < x - grace:
                        invalid.append(_invalid(plan.codes[r], o, BEFORE_MIN_INTERVAL))
                        continue
                    if x > e:
                        e = x
                    x = (shift_months(prev, du_m) if du_m else prev) + du_d
                    if x > d:
                        d = x
                if e > d:
                    d = e
                if d > lt >= e:
                    d = lt
                rows[i] = (GIVEN, e, d, None, lt, o)
                prev = o
                k += 1
            if k == n_slots:
                continue
            if k:
                slots = slots[k:]
        # Open slots: the rest of the series, timed from the previous dose.
        chain_missed = False
        for i, e, d, od, lt, mi_m, mi_d, du_m, du_d, options in slots:
            if options is not None:  # alternatives, or an area or condition rule
                prev, chain_missed = _choose(
                    options, prev, chain_missed, now, areas, conds, overdue_after, rows, pending
                )
                continue
            if chain_missed:
                rows[i] = (MISSED, None, None, None, lt, None)
                continue
            if mi_d is not None and prev is not None:
                x = (shift_months(prev, mi_m) if mi_m else prev) + mi_d
                if x > e:
                    e = x
                x = (shift_months(prev, du_m) if du_m else prev) + du_d
                if x > d:
                    d = x
            if e > d:
                d = e
            prev = e if e > now else now  # projected date, for the next slot
            if prev > lt:
                rows[i] = (MISSED, e, d, None, lt, None)
                chain_missed = True
                continue
            if d > lt:
                d = lt
            if od is None or od <= d:
                od = (shift_months(d, od_m) if od_m else d) + od_d
            rows[i] = (OVERDUE if now >= od else DUE if now >= e else UPCOMING, e, d, od, lt, None)
            pending.append(i)

    return Forecast(
        birth_date,
        as_of,
        plan.codes,
        plan.index,
        rows,
        _next_visit(plan.codes, rows, pending, now) if pending else None,
        tuple(invalid),
        plan.dates,
    )


def _next_visit(codes: tuple[str, ...], rows: list, pending: list[int], now: int) -> Visit:
    """The first day on or after ``now`` when a pending dose can be given, with every
    pending dose that can be given that day, in schedule order."""
    day = NO_LIMIT
    for i in pending:
        e = rows[i][1]
        if e < day:
            day = e
    if day < now:
        day = now
    chosen = []
    latest = NO_LIMIT
    for i in pending:
        _status, e, _d, _od, lt, _g = rows[i]
        if e <= day <= lt:
            chosen.append(i)
            if lt < latest:
                latest = lt
    chosen.sort()  # pending is in series order; a visit lists doses in schedule order
    return _new_tuple(
        Visit,
        (
            dt.date.fromordinal(day),
            tuple([codes[i] for i in chosen]),
            dt.date.fromordinal(latest) if latest != NO_LIMIT else None,
        ),
    )
