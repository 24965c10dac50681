"""Properties of the engine for random birth dates, days and histories (hypothesis).

Histories are random doses of the schedule dated around their due age (so that many
are valid) or anywhere between birth and the as-of day (so that many are not). The
validity oracle below re-derives the CDSi rules with dates and Durations, independently
of the engine's ordinals and compiled tuples.
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
AREAS = [None, Area("GORAKHPUR", "UTTAR PRADESH"), Area("PUNE", "MAHARASHTRA")]
GRACE = Duration(0, -4)


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


def oracle(schedule: Schedule, dob: dt.date, history: list) -> tuple[dict, Counter]:
    """Valid dose dates per series name, and the multiset of invalid (code, date)."""
    order = {code: i for i, code in enumerate(schedule.codes)}
    valid: dict[str, list[dt.date]] = {}
    invalid: Counter = Counter()
    for series in schedule.series:
        codes = {d.code for slot in series.slots for d in slot}
        records = sorted(
            ((when, order[code], code) for code, when in history if code in codes and when >= dob)
        )
        dates: list[dt.date] = []
        for when, _, code in records:
            k = len(dates)
            if k == len(series.slots):
                invalid[(code, when)] += 1
                continue
            slot = series.slots[k]
            own = schedule.dose(code)
            position = next(j for s in series.slots for j, d in enumerate(s) if d.code == code)
            target = slot[min(position, len(slot) - 1)]
            too_young = any(when < GRACE.add_to(d.min_age.add_to(dob)) for d in (own, target))
            too_soon = target.min_interval is not None and when < GRACE.add_to(
                target.min_interval.add_to(dates[-1])
            )
            if too_young or too_soon:
                invalid[(code, when)] += 1
            else:
                dates.append(when)
        valid[series.name] = dates
    return valid, invalid


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
        active = [doses[o.code] for o in slot if doses[o.code].status in PENDING | {"given"}]
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

    # Given doses are exactly the valid recorded ones.
    valid, invalid = oracle(schedule, dob, history)
    for series in schedule.series:
        got = sorted(
            doses[d.code].given
            for slot in series.slots
            for d in slot
            if doses[d.code].status == "given"
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
    assert visit.date == min(max(d.earliest, as_of) for d in pending)
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
