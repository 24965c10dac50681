"""The forecast engine: pure logic, no I/O.

Rules (after CDC's CDSi logic specification and ACIP's General Best Practice
Guidelines), for one person on day ``as_of``:

* A recorded dose counts (is valid) if given on or after the absolute minimum age
  (minimum age - the schedule's grace) of its own code and of the slot it fills, the
  absolute minimum interval after the previous valid dose of its series, and the slot's
  repeat interval after an invalid dose given for the same slot; and on or before the
  slot's last day. Valid doses fill the slots of their series in date order, whatever
  their number label. In a slot of alternatives, a dose counts for the alternative of
  its own code, or, past that one's last day, for another whose days admit it.
* A dose that does not count is too early, too soon or past its maximum age. The first
  two must be repeated, spaced from the invalid dose by the repeat interval; one past its
  maximum age is shown as given but not valid, and the rest of its series is missed.
* For a slot not yet filled: earliest = max(min age, previous + min interval, invalid
  dose + repeat interval) and due = max(due age, previous + due interval, earliest),
  where previous is the actual date of the previous slot's dose, or its projected date
  max(earliest, as_of) if it is not given yet; latest = max age - 1 day (or, for a
  series' first dose, the day before it can no longer be started); due is capped at
  latest.
* Status: given; not_applicable (area or condition rules it out, or an alternative
  not in use); missed (its window is closed, or the previous slot is missed);
  overdue (from the overdue date); due (from earliest); upcoming.
* The next visit is the first day on or after ``as_of`` when a pending dose is due,
  with every pending dose that can be given that day. When another pending dose can
  first be given within the schedule's visit window after that day, and waiting for it
  lets every dose of the visit still be given before it is overdue, the visit moves to
  that day, so that one visit gives both (one visit, not two a few days apart).

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
    DUE,
    GIVEN,
    MISSED,
    NO_LIMIT,
    NOT_APPLICABLE,
    OVERDUE,
    PAST_MAX_AGE,
    SERIES_COMPLETE,
    TOO_EARLY,
    TOO_SOON,
    UPCOMING,
    Forecast,
    InvalidDose,
    Visit,
    strength_on,
)

History = Iterable[tuple[str, dt.date]] | Mapping[str, dt.date]

_NA_ROW = (NOT_APPLICABLE, None, None, None, None, None, None)
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


def _after(date: int, months: int, days: int) -> int:
    """``date`` plus a (months, days) interval."""
    return (shift_months(date, months) if months else date) + days


def _option_for(slot: tuple, position: int, o: int, grace: int) -> tuple:
    """The alternative of ``slot`` a dose given on ``o`` is judged as: the one at its own
    code's position, or, past that one's last day, another whose days admit it (a Penta
    dose after the first birthday counts as the DPT dose of its slot)."""
    options = slot[11]
    option = options[position] if position < len(options) else options[-1]
    if o > option[4]:
        for other in options:
            if other[1] - grace <= o <= other[4]:
                return other
    return option


def _choose(
    options: tuple,
    prev: int | None,
    bad: int | None,
    reason: str | None,
    chain_missed: bool,
    now: int,
    areas: frozenset[str],
    conds: frozenset[str],
    overdue_after: tuple[int, int],
    rows: list,
    pending: list,
) -> tuple[int | None, bool]:
    """Fill ``rows`` for an open slot with alternatives or rules; the first option whose
    window admits its projected date is in use. ``bad`` is the date of an invalid dose
    given for this slot (``reason``: why), which the repeat is spaced from. Returns
    (previous, chain missed) for the next slot; a slot that nothing applies to leaves
    both unchanged."""
    applicable = False
    for i, e, d, od, lt, mi_m, mi_d, du_m, du_d, rp_m, rp_d, rule in options:
        if rule is not None and _ruled_out(rule, areas, conds):
            continue  # stays not_applicable
        applicable = True
        if chain_missed:
            rows[i] = (MISSED, None, None, None, lt, None, None)
            continue
        if mi_d is not None and prev is not None:
            x = (shift_months(prev, mi_m) if mi_m else prev) + mi_d
            if x > e:
                e = x
            x = (shift_months(prev, du_m) if du_m else prev) + du_d
            if x > d:
                d = x
        if bad is not None and rp_d is not None:
            x = _after(bad, rp_m, rp_d)
            e, d = max(e, x), max(d, x)
        if e > d:
            d = e
        projected = e if e > now else now
        if projected > lt:
            rows[i] = (MISSED, e, d, None, lt, None, reason)
            continue
        if d > lt:
            d = lt
        if od is None or od <= d:
            od = _after(d, *overdue_after)
        if od > lt:
            od = NO_LIMIT  # its window closes before it would be overdue
        status = OVERDUE if now >= od else DUE if now >= e else UPCOMING
        rows[i] = (status, e, d, od, lt, None, reason)
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
    areas = _NONE
    if area is not None and area.district:
        areas = plan.areas_for(area.district, area.state)
    conds = _true_conditions(plan, ref, prior) if plan.conditions else _NONE
    overdue_after = plan.overdue_after
    od_m, od_d = overdue_after
    grace = plan.grace
    positions = plan.positions
    rows: list = [_NA_ROW] * plan.size
    invalid: list[InvalidDose] = []
    pending: list[int] = []  # indexes of the doses still to be given

    for s_index, slots in enumerate(dated):  # slot tuples: see scheduler.plan
        prev = None  # date of the previous slot's dose: actual, else projected
        bad = reason = None  # an invalid dose given for the first open slot, and why
        chain_missed = False
        records = by_series[s_index]
        if records:
            # Recorded doses fill the first slots in date order, as far as they are valid.
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
                slot = slots[k]
                if slot[11] is not None:  # the alternative this dose is judged as
                    slot = _option_for(slot, positions[r], o, grace)
                i, e, d, _od, lt, mi_m, mi_d, du_m, du_d, rp_m, rp_d, _rest = slot
                why = TOO_EARLY if o < e - grace or o < abs_min[r] else None
                if mi_d is not None:
                    x = (shift_months(prev, mi_m) if mi_m else prev) + mi_d
                    if o < x - grace and why is None:
                        why = TOO_SOON
                    if x > e:
                        e = x
                    x = (shift_months(prev, du_m) if du_m else prev) + du_d
                    if x > d:
                        d = x
                if why is None and bad is not None and rp_d is not None:
                    why = TOO_SOON if o < _after(bad, rp_m, rp_d) - grace else None
                if o > lt and why is None:
                    why = PAST_MAX_AGE
                if e > d:
                    d = e
                if d > lt >= e:
                    d = lt
                if why is not None:
                    invalid.append(_invalid(plan.codes[r], o, why))
                    if why == PAST_MAX_AGE:  # shown as given; it does not fill the slot
                        rows[i] = (GIVEN, e, d, None, lt, o, why)
                        chain_missed = True
                        bad = reason = None
                    else:
                        bad, reason = o, why
                    continue
                rows[i] = (GIVEN, e, d, None, lt, o, None)
                prev = o
                k += 1
                bad = reason = None
                chain_missed = False
            if k == n_slots:
                continue
            if chain_missed:  # a dose past its maximum age: the slot's window is closed
                k += 1
            if k:
                slots = slots[k:]
        # Open slots: the rest of the series, timed from the previous dose.
        for i, e, d, od, lt, mi_m, mi_d, du_m, du_d, rp_m, rp_d, options in slots:
            if options is not None:  # alternatives, or an area or condition rule
                prev, chain_missed = _choose(
                    options,
                    prev,
                    bad,
                    reason,
                    chain_missed,
                    now,
                    areas,
                    conds,
                    overdue_after,
                    rows,
                    pending,
                )
                bad = reason = None
                continue
            if chain_missed:
                rows[i] = (MISSED, None, None, None, lt, None, None)
                continue
            if mi_d is not None and prev is not None:
                x = (shift_months(prev, mi_m) if mi_m else prev) + mi_d
                if x > e:
                    e = x
                x = (shift_months(prev, du_m) if du_m else prev) + du_d
                if x > d:
                    d = x
            why = reason
            if bad is not None:
                if rp_d is not None:
                    x = (shift_months(bad, rp_m) if rp_m else bad) + rp_d
                    if x > e:
                        e = x
                    if x > d:
                        d = x
                bad = reason = None
            if e > d:
                d = e
            prev = e if e > now else now  # projected date, for the next slot
            if prev > lt:
                rows[i] = (MISSED, e, d, None, lt, None, why)
                chain_missed = True
                continue
            if d > lt:
                d = lt
            if od is None or od <= d:
                od = (shift_months(d, od_m) if od_m else d) + od_d
            if od > lt:
                od = NO_LIMIT  # its window closes before it would be overdue
            rows[i] = (
                OVERDUE if now >= od else DUE if now >= e else UPCOMING,
                e,
                d,
                od,
                lt,
                None,
                why,
            )
            pending.append(i)

    return Forecast(
        birth_date,
        as_of,
        plan.codes,
        plan.index,
        rows,
        _next_visit(plan, rows, pending, now, ref) if pending else None,
        tuple(invalid),
        plan.dates,
        plan.strengths,
    )


def _visit_day(rows: list, pending: list[int], now: int, window: int) -> int:
    """The day of the next visit: the first day on or after ``now`` when a pending dose is
    due, moved to a dose's earliest day within ``window`` days after it when every dose
    that can be given on the first day can still be given, and is not yet overdue, then."""
    day = NO_LIMIT
    for i in pending:
        d = rows[i][2]
        if d < day:
            day = d
    if day < now:
        day = now
    if not window:
        return day
    limit = day + window
    later = []
    for i in pending:
        e = rows[i][1]
        if day < e <= limit:
            later.append(e)
    if not later:
        return day
    ready = [rows[i] for i in pending if rows[i][1] <= day <= rows[i][4]]
    for candidate in sorted(later, reverse=True):
        if all(candidate <= lt and candidate < od for _s, _e, _d, od, lt, _g, _r in ready):
            return candidate
    return day


def _next_visit(plan: Plan, rows: list, pending: list[int], now: int, ref: int) -> Visit:
    """The next visit (see the module docstring): its day, every pending dose that can be
    given that day in schedule order, its last day, and the strength of doses that have one."""
    day = _visit_day(rows, pending, now, plan.visit_window)
    chosen = []
    latest = NO_LIMIT
    for i in pending:
        _status, e, _d, _od, lt, _g, _r = rows[i]
        if e <= day <= lt:
            chosen.append(i)
            if lt < latest:
                latest = lt
    chosen.sort()  # pending is in series order; a visit lists doses in schedule order
    codes = plan.codes
    strengths = plan.strengths
    iu = ()
    if strengths and any(i in strengths for i in chosen):
        iu = tuple(
            (codes[i], strength_on(strengths[i], ref, day)) for i in chosen if i in strengths
        )
    return _new_tuple(
        Visit,
        (
            dt.date.fromordinal(day),
            tuple([codes[i] for i in chosen]),
            dt.date.fromordinal(latest) if latest != NO_LIMIT else None,
            iu,
        ),
    )
