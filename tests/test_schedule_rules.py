"""The UIP's rules for late, early and out-of-window doses, each with its source (the
sources are cited in full in scheduler/schedules/uip.yaml). Dates written out by hand."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from scheduler import Area, forecast

D = dt.date
BIRTH = D(2025, 1, 1)
GORAKHPUR = Area(district="GORAKHPUR", state="UTTAR PRADESH")


def days(n: int) -> dt.date:
    return BIRTH + dt.timedelta(days=n)


def visits(start: dt.date, until: dt.date, area: Area | None = None) -> list[tuple]:
    """The visits of a child who comes on every visit day Tika names, from ``start`` on:
    (age in days, vaccines)."""
    history: list[tuple[str, dt.date]] = []
    day, seen = start, []
    while (visit := forecast(BIRTH, history, day, area).next_visit) and visit.date <= until:
        seen.append(((visit.date - BIRTH).days, visit.codes))
        history += [(code, visit.date) for code in visit.codes]
        day = visit.date
    return seen


# ---- a series started in time can be finished late ----------------------------------
# (history, as of, {code: status}, source)
FINISHED_LATE = [
    # fIPV-3 order: one dose before the first birthday, the rest after it.
    (
        [("fipv-1", D(2025, 12, 1))],
        D(2026, 1, 5),
        {"fipv-2": "due", "fipv-3": "upcoming"},
        "fIPV-3 order",
    ),
    # ... but no fIPV is started after one year.
    ([], D(2026, 1, 5), {"fipv-1": "missed", "fipv-2": "missed", "fipv-3": "missed"}, "order"),
    # WHO PCV 2019: PCV started in the first year is finished (PCV-2 8 weeks later).
    ([("pcv-1", D(2025, 12, 1))], D(2026, 1, 30), {"pcv-2": "due", "pcv-b": "upcoming"}, "WHO"),
    ([], D(2026, 1, 5), {"pcv-1": "missed", "pcv-2": "missed", "pcv-b": "missed"}, "chart"),
    # RVV guidelines: every RVV dose up to one year only.
    ([("rvv-1", D(2025, 12, 1))], D(2026, 1, 5), {"rvv-2": "missed", "rvv-3": "missed"}, "RVV"),
    # catch-up FAQ: Penta-2 after one year is DPT-2.
    (
        [("penta-1", D(2025, 12, 1))],
        D(2026, 1, 5),
        {"penta-2": "missed", "dpt-2": "due", "dpt-3": "upcoming"},
        "catch-up FAQ",
    ),
]


@pytest.mark.parametrize(("history", "on", "expected", "source"), FINISHED_LATE)
def test_a_series_started_in_time_can_be_finished_late(
    history: list, on: dt.date, expected: dict, source: str
) -> None:
    result = forecast(BIRTH, history, on)
    assert {code: result.dose(code).status for code in expected} == expected, source


def test_late_fipv_and_pcv_follow_their_intervals() -> None:
    """fIPV-1 and PCV-1 at 11 months: fIPV-2 4 weeks later (Handbook), PCV-2 8 weeks later
    (WHO PCV 2019), the booster 8 weeks after PCV-2, all after the first birthday."""
    first = D(2025, 12, 1)
    result = forecast(BIRTH, [("fipv-1", first), ("pcv-1", first)], D(2025, 12, 2))
    assert result.dose("fipv-2").earliest == D(2025, 12, 29)
    assert result.dose("fipv-3").earliest == D(2026, 1, 26)
    assert result.dose("pcv-2").earliest == D(2026, 1, 26)
    assert result.dose("pcv-b").earliest == D(2026, 3, 23)
    assert result.dose("pcv-b").latest == D(2026, 12, 31)  # before the 2nd birthday


def test_a_penta_dose_after_the_first_birthday_counts_as_the_dpt_dose() -> None:
    """chart footnote **: Pentavalent contains DPT; after 1 year it stands for DPT."""
    result = forecast(BIRTH, [("penta-1", D(2026, 2, 1))], D(2026, 2, 2))
    assert result.invalid == ()
    assert (result.dose("dpt-1").status, result.dose("dpt-1").given) == ("given", D(2026, 2, 1))
    assert result.dose("dpt-2").earliest == D(2026, 3, 1)


# ---- one visit, not several -----------------------------------------------------------


def test_a_child_starting_at_7_weeks_gets_fipv_2_and_pcv_2_with_penta_3() -> None:
    """Handbook: give what is due at one session. Started at 7 weeks, the 14-week doses
    (fIPV-2, PCV-2: 8 weeks after the first, chart and WHO PCV 2019) wait for Penta-3
    instead of asking for a visit of their own at 14 weeks."""
    seen = visits(days(49), D(2025, 12, 31))
    assert seen == [
        (49, ("bcg", "opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1")),
        (77, ("opv-2", "penta-2", "rvv-2")),
        (105, ("opv-3", "penta-3", "rvv-3", "fipv-2", "pcv-2")),
        (273, ("fipv-3", "pcv-b", "mr-1", "vita-1")),
    ]


def test_a_child_starting_at_8_months_is_not_asked_back_two_days_later() -> None:
    """At 8 months, the second doses fall due two days before the 9-month doses: one visit
    at 9 months gives both (uip.yaml visit_window), as nothing becomes overdue by then."""
    seen = visits(D(2025, 9, 1), D(2025, 12, 31))
    assert seen == [
        (243, ("bcg", "opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1")),
        (273, ("opv-2", "penta-2", "rvv-2", "fipv-2", "mr-1", "vita-1")),
        (301, ("opv-3", "penta-3", "rvv-3", "pcv-2", "fipv-3")),
        (357, ("pcv-b",)),
    ]
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(seen)]
    assert min(gaps) >= 28


def test_an_overdue_dose_is_not_held_back_for_a_visit_later() -> None:
    """A child with overdue doses is vaccinated now, not when the next dose falls due."""
    result = forecast(BIRTH, [], D(2025, 9, 28))  # MR-1 falls due in 3 days
    assert result.next_visit.date == D(2025, 9, 28)
    assert "mr-1" not in result.next_visit.codes


# ---- windows: the Hep B birth dose, and overdue after the chart's range ---------------


@pytest.mark.parametrize(("age", "status"), [(0, "due"), (1, "due"), (2, "missed")])
def test_hep_b_birth_dose_within_24_hours(age: int, status: str) -> None:
    """chart: Hep B birth dose "within 24 hours": the day of birth and the next day."""
    assert forecast(BIRTH, [], days(age)).dose("hepb-0").status == status


# (code, due inside the chart's range, overdue after it): chart rows "9 completed months -
# to 12 months" (MR-1, JE-1; fIPV-3 order) and "16-24 months" (boosters).
WINDOWS = [
    ("mr-1", D(2025, 12, 31), D(2026, 1, 1)),
    ("je-1", D(2025, 12, 31), D(2026, 1, 1)),
    ("fipv-3", D(2025, 12, 31), D(2026, 1, 1)),
    ("dpt-b1", D(2026, 12, 31), D(2027, 1, 1)),
    ("opv-b", D(2026, 12, 31), D(2027, 1, 1)),
    ("mr-2", D(2026, 12, 31), D(2027, 1, 1)),
    ("je-2", D(2026, 12, 31), D(2027, 1, 1)),
]


@pytest.mark.parametrize(("code", "inside", "after"), WINDOWS)
def test_a_dose_is_due_inside_the_charts_range_and_overdue_after_it(
    code: str, inside: dt.date, after: dt.date
) -> None:
    history = [] if code.endswith("-1") or code == "fipv-3" else _first_year(code)
    if code == "fipv-3":
        history = [("fipv-1", days(42)), ("fipv-2", days(98))]
    assert forecast(BIRTH, history, inside, GORAKHPUR).dose(code).status == "due"
    assert forecast(BIRTH, history, after, GORAKHPUR).dose(code).status == "overdue"
    assert forecast(BIRTH, history, after, GORAKHPUR).dose(code).overdue == after


def _first_year(code: str) -> list[tuple[str, dt.date]]:
    """On-time doses before a booster of ``code``'s series."""
    return {
        "dpt-b1": [("penta-1", days(42)), ("penta-2", days(70)), ("penta-3", days(98))],
        "opv-b": [("opv-1", days(42)), ("opv-2", days(70)), ("opv-3", days(98))],
        "mr-2": [("mr-1", days(273))],
        "je-2": [("je-1", days(273))],
    }[code]


def test_a_dose_with_one_age_is_overdue_four_weeks_after_it() -> None:
    """uip.yaml convention: the PCV booster "at 9 months" is overdue 4 weeks later."""
    history = [("pcv-1", days(42)), ("pcv-2", days(98))]
    assert forecast(BIRTH, history, D(2025, 10, 28)).dose("pcv-b").status == "due"
    assert forecast(BIRTH, history, D(2025, 10, 29)).dose("pcv-b").status == "overdue"


# ---- vitamin A by age ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("history", "on", "code", "iu"),
    [
        ([], D(2025, 10, 1), "vita-1", 100_000),  # chart: 1st dose "1ml (1lakh IU)"
        ([], D(2026, 3, 1), "vita-1", 200_000),  # catch-up FAQ: 2 ml at 1-2 years
        ([("vita-1", D(2025, 10, 1))], D(2026, 5, 1), "vita-2", 200_000),  # chart: 2 lakh IU
        ([("vita-1", D(2025, 10, 1))], D(2025, 10, 2), "vita-1", 100_000),  # as given
    ],
)
def test_vitamin_a_strength_goes_by_age(history: list, on: dt.date, code: str, iu: int) -> None:
    """chart and WHO vitamin A: 1 lakh IU (1 ml) under 1 year, 2 lakh IU (2 ml) from 1 year."""
    result = forecast(BIRTH, history, on)
    assert result.dose_iu(code) == iu
    if result.next_visit and code in result.next_visit.codes:
        assert dict(result.next_visit.iu)[code] == iu
    assert result.dose_iu("penta-1") is None


# ---- a dose after its maximum age ---------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "given", "missed"),
    [
        ("bcg", D(2026, 3, 1), ()),  # chart: BCG "till one year"
        ("rvv-1", D(2026, 2, 1), ("rvv-2", "rvv-3")),  # chart, RVV guidelines: 1 year
        ("opv-0", days(20), ()),  # chart: OPV-0 "within the first 15 days"
        ("hepb-0", days(3), ()),  # chart: "within 24 hours"
    ],
)
def test_a_dose_after_its_maximum_age_is_shown_but_does_not_count(
    code: str, given: dt.date, missed: tuple[str, ...]
) -> None:
    result = forecast(BIRTH, [(code, given)], given + dt.timedelta(days=5))
    dose = result.dose(code)
    assert (dose.status, dose.given, dose.valid, dose.reason) == (
        "given",
        given,
        False,
        "past_max_age",
    )
    assert [(d.code, d.reason) for d in result.invalid] == [(code, "past_max_age")]
    for later in missed:
        assert result.dose(later).status == "missed"
    assert code not in (result.next_visit.codes if result.next_visit else ())
