"""Properties of the engine for random birth dates, days and histories (hypothesis).

Histories are random doses of the schedule dated around their due age (so that many
are valid) or anywhere between birth and the as-of day (so that many are not). The
validity oracle below re-derives the rules (CDSi, ACIP's repeat after an invalid dose,
a series' maximum age to start, the visit window) with dates and Durations,
independently of the engine's ordinals and compiled tuples.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scheduler import Area, Forecast, Schedule, forecast, load_schedule
from scheduler.durations import Duration

UIP = load_schedule("uip")
PREGNANCY = load_schedule("uip-pregnancy")
PENDING = {"due", "overdue", "upcoming"}
AREAS = [None, Area("GORAKHPUR", "UTTAR PRADESH"), Area("NASHIK", "MAHARASHTRA")]
ONE_DAY = dt.timedelta(days=1)


@st.composite
def cases(draw: st.DrawFn, schedule: Schedule = UIP) -> tuple:
    """(birth date, history, as-of day, area) for ``schedule``."""
    dob = draw(st.dates(dt.date(1996, 1, 1), dt.date(2032, 12, 31)))
    as_of = dob + dt.timedelta(days=draw(st.integers(0, 18 * 366)))
    earliest_allowed = dob - dt.timedelta(days=4 * 366) if schedule is PREGNANCY else dob
    history = []
    for code in draw(st.lists(st.sampled_from(schedule.codes), max_size=24)):
        if draw(st.booleans()):  # near its due age: often valid
            due = schedule.dose(code).due_age.add_to(dob)
            when = due + dt.timedelta(days=draw(st.integers(-40, 400)))
        else:  # anywhere: often invalid
            when = earliest_allowed + dt.timedelta(
                days=draw(st.integers(0, (as_of - earliest_allowed).days))
            )
        history.append((code, min(max(when, earliest_allowed), as_of)))
    return dob, history, as_of, draw(st.sampled_from(AREAS))


def slots_of(schedule: Schedule):
    """Every (series, slot index, slot) of the schedule."""
    for series in schedule.series:
        for k, slot in enumerate(series.slots):
            yield series, k, slot


def latest(series, k: int, dose, dob: dt.date) -> dt.date | None:
    """The last day ``dose`` (of slot ``k`` of ``series``) may be given."""
    days = [dose.max_age.add_to(dob) - ONE_DAY] if dose.max_age else []
    if k == 0 and series.start_before:
        days.append(series.start_before.add_to(dob) - ONE_DAY)
    return min(days) if days else None


def repeat_interval(series, k: int, dose) -> Duration | None:
    """How long a repeat of slot ``k`` waits after an invalid dose given for it."""
    if dose.min_interval is not None:
        return dose.min_interval
    return series.slots[k + 1][0].min_interval if k + 1 < len(series.slots) else None


def oracle(schedule: Schedule, dob: dt.date, history: list) -> tuple[dict, Counter]:
    """Valid dose dates per series name, and the multiset of invalid (code, date)."""
    order = {code: i for i, code in enumerate(schedule.codes)}
    grace = -schedule.grace
    valid: dict[str, list[dt.date]] = {}
    invalid: Counter = Counter()
    for series in schedule.series:
        codes = {d.code for slot in series.slots for d in slot}
        records = sorted(
            ((when, order[code], code) for code, when in history if code in codes and when >= dob)
        )
        dates: list[dt.date] = []
        bad = None  # the latest invalid dose given for the next slot
        for when, _, code in records:
            k = len(dates)
            if k == len(series.slots):
                invalid[(code, when)] += 1
                continue
            slot = series.slots[k]
            own = schedule.dose(code)
            position = next(j for s in series.slots for j, d in enumerate(s) if d.code == code)
            target = slot[min(position, len(slot) - 1)]
            last = latest(series, k, target, dob)
            if last is not None and when > last:  # another alternative may admit it
                for other in slot:
                    end = latest(series, k, other, dob)
                    start = grace.add_to(other.min_age.add_to(dob))
                    if start <= when and (end is None or when <= end):
                        target, last = other, end
                        break
            too_young = any(when < grace.add_to(d.min_age.add_to(dob)) for d in (own, target))
            too_soon = target.min_interval is not None and when < grace.add_to(
                target.min_interval.add_to(dates[-1])
            )
            repeat = repeat_interval(series, k, target)
            too_soon_after_bad = (
                bad is not None and repeat is not None and when < grace.add_to(repeat.add_to(bad))
            )
            too_old = last is not None and when > last
            if too_young or too_soon or too_soon_after_bad or too_old:
                invalid[(code, when)] += 1
                if not too_old:
                    bad = when
            else:
                dates.append(when)
                bad = None
        valid[series.name] = dates
    return valid, invalid


def visit_day(schedule: Schedule, pending: list, as_of: dt.date) -> dt.date:
    """The next visit's day: the first due day, moved to a dose's earliest day within the
    visit window when that keeps every dose of the first day before its overdue day."""
    day = max(as_of, min(d.due for d in pending))
    window = dt.timedelta(days=schedule.visit_window.days)
    ready = [d for d in pending if d.earliest <= day <= d.latest]
    later = {d.earliest for d in pending if day < d.earliest <= day + window}
    for candidate in sorted(later, reverse=True):
        if all(candidate <= d.latest and candidate < (d.overdue or dt.date.max) for d in ready):
            return candidate
    return day


def check(
    schedule: Schedule, dob: dt.date, history: list, as_of: dt.date, area: Area | None
) -> Forecast:
    result = forecast(dob, history, as_of, area, schedule)
    doses = {d.code: d for d in result.doses}
    assert tuple(doses) == schedule.codes

    for d in result.doses:
        # No date before birth; pending doses can be given in a non-empty window.
        for value in (d.earliest, d.due, d.overdue):
            assert value is None or value >= dob, d
        if d.status in PENDING:
            assert d.earliest is not None and d.due is not None and d.latest is not None
            assert dob <= d.earliest <= d.due <= d.latest, d
            assert max(d.earliest, as_of) <= d.latest, d
            assert d.earliest >= schedule.dose(d.code).min_age.add_to(dob), d
            expected = (
                "upcoming"
                if as_of < d.earliest
                else "overdue"
                if d.overdue is not None and as_of >= d.overdue
                else "due"
            )
            assert d.status == expected, d
        if d.status == "given":
            assert d.given is not None and dob <= d.given <= as_of

    for series, k, slot in slots_of(schedule):
        active = [
            doses[o.code]
            for o in slot
            if doses[o.code].status in PENDING or doses[o.code].valid is True
        ]
        assert len(active) <= 1, active  # one alternative in use per slot
        if k == 0 or not active:
            continue
        previous = [doses[o.code] for o in series.slots[k - 1]]
        option = schedule.dose(active[0].code)
        for p in previous:
            base = (
                p.given
                if p.status == "given"
                else (max(p.earliest, as_of) if p.status in PENDING else None)
            )
            if base is None or option.min_interval is None:
                continue
            # No due date before the previous dose (actual or projected) + its interval.
            assert active[0].earliest >= option.min_interval.add_to(base), (p, active[0])
            assert active[0].due >= option.min_interval.add_to(base), (p, active[0])
        if active[0].status in PENDING:
            assert any(p.status in PENDING | {"given"} for p in previous), (previous, active)

    # Given doses that count are exactly the valid recorded ones.
    valid, invalid = oracle(schedule, dob, history)
    for series in schedule.series:
        got = sorted(
            doses[d.code].given
            for slot in series.slots
            for d in slot
            if doses[d.code].status == "given" and doses[d.code].valid
        )
        assert got == valid[series.name], series.name
    assert Counter((x.code, x.date) for x in result.invalid) == invalid

    # The next visit: never before as_of, everything in it can be given that day, and
    # nothing that can be given that day is left out.
    pending = [d for d in result.doses if d.status in PENDING]
    visit = result.next_visit
    if not pending:
        assert visit is None
        return result
    assert visit is not None
    assert visit.date >= as_of
    assert visit.date == visit_day(schedule, pending, as_of)
    can = tuple(d.code for d in pending if d.earliest <= visit.date <= d.latest)
    assert visit.codes == can and can
    assert visit.latest == min(doses[c].latest for c in can)
    return result


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases())
def test_uip_properties(case: tuple) -> None:
    dob, history, as_of, area = case
    check(UIP, dob, history, as_of, area)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(PREGNANCY))
def test_pregnancy_properties(case: tuple) -> None:
    lmp, history, as_of, _ = case
    as_of = min(as_of, lmp + dt.timedelta(weeks=44))
    history = [(code, when) for code, when in history if when <= as_of]
    result = check(PREGNANCY, lmp, [h for h in history if h[1] >= lmp], as_of, None)
    with_prior = forecast(lmp, history, as_of, schedule=PREGNANCY)
    statuses = {d.code: d.status for d in with_prior.doses}
    # Never both the booster and the first two doses.
    assert not (
        {statuses["td-p1"], statuses["td-p2"]} & (PENDING | {"given"})
        and statuses["td-pb"] in PENDING
    )
    assert result.birth_date == lmp


@settings(max_examples=150, deadline=None)
@given(cases(), st.integers(0, 400))
def test_forecast_is_stable_when_time_moves_without_new_doses(case: tuple, days: int) -> None:
    """Moving as_of forward never brings back a missed dose or un-gives a given one."""
    dob, history, as_of, area = case
    before = forecast(dob, history, as_of, area)
    after = forecast(dob, history, as_of + dt.timedelta(days=days), area)
    for old, new in zip(before.doses, after.doses, strict=True):
        if old.status == "given":
            assert new == old
        if old.status == "missed":
            assert new.status == "missed", (old, new)
