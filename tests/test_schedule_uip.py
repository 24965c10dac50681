"""The UIP schedule through the engine: the chart row by row, catch-up, history, areas,
pregnancy Td and bad input. Expected dates are written out by hand from the chart."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduler import (
    Area,
    BirthDateInFuture,
    DoseAfterAsOf,
    DoseBeforeBirth,
    Forecast,
    InvalidHistory,
    InvalidSchedule,
    Schedule,
    ScheduleError,
    UnknownDoseCode,
    forecast,
    load_schedule,
    parse_schedule,
)
from scheduler.durations import Duration
from scheduler.loader import read_area_file
from scheduler.model import normalise_place

D = dt.date
GORAKHPUR = Area(district="GORAKHPUR", state="UTTAR PRADESH")
NASHIK = Area(district="NASHIK", state="MAHARASHTRA")  # not JE-endemic


def statuses(result: Forecast, *codes: str) -> dict[str, str]:
    return {code: result.dose(code).status for code in codes}


# ---------------------------------------------------------------------------------------
# A child registered at birth: every row of the chart (seed 003), dob 1 Jan 2025.
# (code, chart row, earliest, due, overdue, latest)
BIRTH = D(2025, 1, 1)
CHART = [
    ("bcg", "BCG: at birth till 1 year", BIRTH, BIRTH, D(2025, 1, 29), D(2025, 12, 31)),
    # Within 24 hours: the day of birth and the next; its window closes before "overdue".
    ("hepb-0", "Hep B birth dose: within 24 hours", BIRTH, BIRTH, None, D(2025, 1, 2)),
    ("opv-0", "OPV-0: within the first 15 days", BIRTH, BIRTH, None, D(2025, 1, 15)),
    (
        "opv-1",
        "OPV-1: 6 weeks, till 5 years",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2029, 12, 31),
    ),
    ("opv-2", "OPV-2: 10 weeks", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2029, 12, 31)),
    ("opv-3", "OPV-3: 14 weeks", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2029, 12, 31)),
    (
        "penta-1",
        "Penta-1: 6 weeks, till 1 year",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2025, 12, 31),
    ),
    (
        "penta-2",
        "Penta-2: 10 weeks",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2025, 12, 31),
    ),
    ("penta-3", "Penta-3: 14 weeks", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2025, 12, 31)),
    (
        "rvv-1",
        "RVV-1: 6 weeks, till 1 year",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2025, 12, 31),
    ),
    ("rvv-2", "RVV-2: 10 weeks", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2025, 12, 31)),
    ("rvv-3", "RVV-3: 14 weeks", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2025, 12, 31)),
    (
        "fipv-1",
        "fIPV-1: 6 weeks, till 1 year",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2025, 12, 31),
    ),
    # fIPV-3 order: once started before 1 year, the series is finished later (to 5 years).
    (
        "fipv-2",
        "fIPV-2: 14 weeks, after 1 year if started",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2029, 12, 31),
    ),
    (
        "fipv-3",
        "fIPV-3: 9-12 months (fIPV-3 order), overdue after 12 months",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2029, 12, 31),
    ),
    (
        "pcv-1",
        "PCV-1: 6 weeks, till 1 year",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2025, 12, 31),
    ),
    # WHO PCV 2019: a series started in the first year is finished up to 2 years.
    ("pcv-2", "PCV-2: 14 weeks", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2026, 12, 31)),
    (
        "pcv-b",
        "PCV booster: 9 months",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2025, 10, 29),
        D(2026, 12, 31),
    ),
    (
        "mr-1",
        "MR-1: 9-12 months, up to 5 years",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2029, 12, 31),
    ),
    (
        "mr-2",
        "MR-2: 16-24 months, up to 5 years",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2027, 1, 1),
        D(2029, 12, 31),
    ),
    (
        "je-1",
        "JE-1: 9-12 months, up to 15 years",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2039, 12, 31),
    ),
    (
        "je-2",
        "JE-2: 16-24 months, up to 15 years",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2027, 1, 1),
        D(2039, 12, 31),
    ),
    (
        "vita-1",
        "Vitamin A-1: 9 months",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2025, 10, 29),
        D(2029, 12, 31),
    ),
    (
        "vita-2",
        "Vitamin A-2: 18 months (16 by the Handbook)",
        D(2026, 5, 1),
        D(2026, 7, 1),
        D(2026, 7, 29),
        D(2029, 12, 31),
    ),
    (
        "vita-3",
        "Vitamin A-3: every 6 months",
        D(2027, 1, 1),
        D(2027, 1, 1),
        D(2027, 1, 29),
        D(2029, 12, 31),
    ),
    ("vita-4", "Vitamin A-4", D(2027, 7, 1), D(2027, 7, 1), D(2027, 7, 29), D(2029, 12, 31)),
    ("vita-5", "Vitamin A-5", D(2028, 1, 1), D(2028, 1, 1), D(2028, 1, 29), D(2029, 12, 31)),
    ("vita-6", "Vitamin A-6", D(2028, 7, 1), D(2028, 7, 1), D(2028, 7, 29), D(2029, 12, 31)),
    ("vita-7", "Vitamin A-7", D(2029, 1, 1), D(2029, 1, 1), D(2029, 1, 29), D(2029, 12, 31)),
    ("vita-8", "Vitamin A-8", D(2029, 7, 1), D(2029, 7, 1), D(2029, 7, 29), D(2029, 12, 31)),
    (
        "vita-9",
        "Vitamin A-9: on the 5th birthday",
        D(2030, 1, 1),
        D(2030, 1, 1),
        None,
        D(2030, 1, 28),
    ),
    (
        "dpt-b1",
        "DPT booster-1: 16-24 months, by 7 years",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2027, 1, 1),
        D(2031, 12, 31),
    ),
    (
        "dpt-b2",
        "DPT booster-2: 5-6 years, by 7 years",
        D(2030, 1, 1),
        D(2030, 1, 1),
        D(2031, 1, 1),
        D(2031, 12, 31),
    ),
    (
        "opv-b",
        "OPV booster: 16-24 months, by 5 years",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2027, 1, 1),
        D(2029, 12, 31),
    ),
    ("td-10", "Td: 10 years, by 16", D(2035, 1, 1), D(2035, 1, 1), D(2035, 1, 29), D(2040, 12, 31)),
    (
        "td-16",
        "Td: 16 years (while 16)",
        D(2041, 1, 1),
        D(2041, 1, 1),
        D(2041, 1, 29),
        D(2041, 12, 31),
    ),
]


@pytest.mark.parametrize(
    ("code", "row", "earliest", "due", "overdue", "latest"), CHART, ids=[row[0] for row in CHART]
)
def test_chart_row_for_a_child_registered_at_birth(
    code: str, row: str, earliest: dt.date, due: dt.date, overdue: dt.date, latest: dt.date
) -> None:
    dose = forecast(BIRTH, [], BIRTH, GORAKHPUR).dose(code)
    assert (dose.earliest, dose.due, dose.overdue, dose.latest) == (earliest, due, overdue, latest)
    assert dose.status == ("due" if earliest == BIRTH else "upcoming")
    assert dose.given is None


def test_chart_covers_every_dose_of_the_schedule() -> None:
    codes = set(load_schedule("uip").codes)
    catch_up = {"dpt-1", "dpt-2", "dpt-3"}
    assert {row[0] for row in CHART} == codes - catch_up
    result = forecast(BIRTH, [], BIRTH)
    assert statuses(result, *catch_up) == dict.fromkeys(catch_up, "not_applicable")


def test_dose_codes_are_the_contract() -> None:
    expected = {
        "bcg",
        "hepb-0",
        "opv-0",
        "opv-1",
        "opv-2",
        "opv-3",
        "penta-1",
        "penta-2",
        "penta-3",
        "rvv-1",
        "rvv-2",
        "rvv-3",
        "fipv-1",
        "fipv-2",
        "fipv-3",
        "pcv-1",
        "pcv-2",
        "pcv-b",
        "mr-1",
        "mr-2",
        "je-1",
        "je-2",
        *(f"vita-{n}" for n in range(1, 10)),
        "dpt-b1",
        "dpt-b2",
        "opv-b",
        "td-10",
        "td-16",
        "dpt-1",
        "dpt-2",
        "dpt-3",
    }
    assert set(load_schedule("uip").codes) == expected
    assert len(load_schedule("uip").codes) == len(expected)
    assert set(load_schedule("uip-pregnancy").codes) == {"td-p1", "td-p2", "td-pb"}


def test_newborn_next_visit_is_the_birth_doses() -> None:
    visit = forecast(BIRTH, [], BIRTH).next_visit
    assert visit is not None
    assert (visit.date, visit.codes, visit.latest) == (
        BIRTH,
        ("bcg", "hepb-0", "opv-0"),
        BIRTH + dt.timedelta(days=1),  # the Hep B birth dose: the day of birth and the next
    )


def test_six_week_visit_is_one_visit_for_all_its_doses() -> None:
    given = [("bcg", BIRTH), ("hepb-0", BIRTH), ("opv-0", BIRTH)]
    visit = forecast(BIRTH, given, D(2025, 1, 20)).next_visit
    assert visit is not None
    assert visit.date == D(2025, 2, 12)
    assert visit.codes == ("opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1")
    assert visit.latest == D(2025, 12, 31)


def test_ten_week_visit_after_an_on_time_six_week_visit() -> None:
    six = D(2025, 2, 12)
    given = [
        ("bcg", BIRTH),
        ("hepb-0", BIRTH),
        ("opv-0", BIRTH),
        *((code, six) for code in ("opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1")),
    ]
    visit = forecast(BIRTH, given, D(2025, 2, 20)).next_visit
    assert visit is not None
    assert (visit.date, visit.codes) == (D(2025, 3, 12), ("opv-2", "penta-2", "rvv-2"))


def test_nothing_left_gives_no_next_visit() -> None:
    result = forecast(D(2000, 1, 1), [], D(2018, 1, 1))
    assert result.next_visit is None
    assert {d.status for d in result.doses} == {"missed", "not_applicable"}


# ---------------------------------------------------------------------------------------
# Late registrants with no history.


def test_late_registrant_at_8_months() -> None:
    dob, today = D(2024, 1, 1), D(2024, 9, 1)
    result = forecast(dob, [], today)
    assert statuses(result, "bcg", "hepb-0", "opv-0") == {
        "bcg": "overdue",
        "hepb-0": "missed",
        "opv-0": "missed",
    }
    for code in ("opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1"):
        assert result.dose(code).status == "overdue", code
        assert result.dose(code).earliest == D(2024, 2, 12)
    assert result.next_visit is not None
    assert result.next_visit.date == today
    assert result.next_visit.codes == ("bcg", "opv-1", "penta-1", "rvv-1", "fipv-1", "pcv-1")
    # The next doses follow at one-month (4-week) intervals from today, not from birth.
    for code in ("opv-2", "penta-2", "rvv-2", "fipv-2"):
        assert result.dose(code).status == "upcoming", code
        assert result.dose(code).earliest == today + dt.timedelta(weeks=4)
    for code in ("opv-3", "penta-3", "rvv-3"):
        assert result.dose(code).earliest == today + dt.timedelta(weeks=8)
    # WHO PCV 2019: 8 weeks between the two primary doses, so PCV-2 goes with Penta-3.
    assert result.dose("pcv-2").earliest == today + dt.timedelta(weeks=8)
    assert result.dose("fipv-3").earliest == today + dt.timedelta(weeks=8)  # after fIPV-2
    assert result.dose("pcv-b").earliest == today + dt.timedelta(weeks=8 + 8)  # 8w after PCV-2
    assert result.dose("pcv-b").status == "upcoming"  # still before the 1st birthday
    assert statuses(result, "mr-1", "vita-1") == {"mr-1": "upcoming", "vita-1": "upcoming"}
    assert result.dose("mr-1").earliest == D(2024, 10, 1)
    assert statuses(result, "dpt-1", "dpt-2", "dpt-3", "je-1") == dict.fromkeys(
        ("dpt-1", "dpt-2", "dpt-3", "je-1"), "not_applicable"
    )


def test_late_registrant_at_14_months_gets_the_catch_up_of_the_chart() -> None:
    """Chart FAQ: DPT1, OPV-1, Measles and Vitamin A now, DPT/OPV 2 and 3 at one-month
    intervals, boosters at least 6 months after the third dose."""
    dob, today = D(2024, 1, 1), D(2025, 3, 1)
    result = forecast(dob, [], today)
    assert result.next_visit is not None
    assert result.next_visit.date == today
    assert result.next_visit.codes == ("opv-1", "dpt-1", "mr-1", "vita-1")
    missed = (
        "bcg",
        "hepb-0",
        "opv-0",
        "penta-1",
        "penta-2",
        "penta-3",
        "rvv-1",
        "rvv-2",
        "rvv-3",
        "fipv-1",
        "fipv-2",
        "fipv-3",
        "pcv-1",
        "pcv-2",
        "pcv-b",
    )
    assert statuses(result, *missed) == dict.fromkeys(missed, "missed")
    month = dt.timedelta(weeks=4)
    for first, second, third in (("opv-1", "opv-2", "opv-3"), ("dpt-1", "dpt-2", "dpt-3")):
        assert result.dose(first).status == "overdue"  # can be given today
        assert result.dose(second).earliest == today + month
        assert result.dose(third).earliest == today + 2 * month
    third = today + 2 * month
    assert result.dose("dpt-b1").earliest == D(2025, 10, 26) == D(third.year, 10, third.day)
    assert result.dose("opv-b").earliest == D(2025, 10, 26)
    assert result.dose("mr-2").earliest == D(2025, 5, 1)  # 16 months; 4 weeks after MR-1
    assert result.dose("vita-2").earliest == D(2025, 9, 1)  # 6 months after Vitamin A-1
    assert statuses(result, "je-1", "je-2") == {"je-1": "not_applicable", "je-2": "not_applicable"}


def test_catch_up_visits_follow_the_actual_dates() -> None:
    dob = D(2024, 1, 1)
    first = D(2025, 3, 1)
    given = [("opv-1", first), ("dpt-1", first), ("mr-1", first), ("vita-1", first)]
    result = forecast(dob, given, D(2025, 3, 10))
    assert result.next_visit is not None
    assert result.next_visit.date == D(2025, 3, 29)
    assert result.next_visit.codes == ("opv-2", "dpt-2")
    assert result.dose("dpt-1").status == "given"
    assert result.dose("penta-1").status == "not_applicable"  # DPT used for this slot


# ---------------------------------------------------------------------------------------
# History: late doses shift the series; early doses are invalid.


def test_late_first_dose_shifts_the_series() -> None:
    late = D(2025, 2, 12) + dt.timedelta(weeks=3)  # Penta-1 three weeks late
    result = forecast(BIRTH, [("penta-1", late)], D(2025, 3, 10))
    assert result.dose("penta-1").given == late
    assert result.dose("penta-2").earliest == late + dt.timedelta(weeks=4)  # not 10 weeks
    assert result.dose("penta-2").due == late + dt.timedelta(weeks=4)
    assert result.dose("penta-3").earliest == late + dt.timedelta(weeks=8)
    assert result.dose("penta-2").status == "upcoming"
    # OPV-1 was not given: it is due today, and OPV-2 follows 4 weeks after today.
    assert result.dose("opv-1").status == "due"
    assert result.dose("opv-2").earliest == D(2025, 3, 10) + dt.timedelta(weeks=4)


def test_a_dose_is_timed_from_the_actual_date_of_the_previous_one() -> None:
    given = [("penta-1", D(2025, 2, 12)), ("penta-2", D(2025, 4, 20))]
    result = forecast(BIRTH, given, D(2025, 4, 25))
    assert result.dose("penta-3").earliest == D(2025, 5, 18)


def days(n: int) -> dt.date:
    """The date ``n`` days after BIRTH."""
    return BIRTH + dt.timedelta(days=n)


# Invalid doses are repeated, spaced from the invalid dose (ACIP General Best Practice
# Guidelines, "Timing and Spacing"; uip.yaml). (history, as of, code, invalid reason,
# the repeat's earliest day, its status then)
REPEATS = [
    # OPV-1 and Penta-1 at 5 weeks: too early; again 4 weeks after it (not at 6 weeks).
    ([("opv-1", days(35))], days(40), "opv-1", "too_early", days(63), "upcoming"),
    ([("penta-1", days(35))], days(40), "penta-1", "too_early", days(63), "upcoming"),
    # Vitamin A at 8 months: too early; no dose within 6 months of it (at 14 months).
    ([("vita-1", D(2025, 9, 1))], D(2025, 9, 10), "vita-1", "too_early", D(2026, 3, 1), "upcoming"),
    # Penta-2 three weeks after Penta-1: too soon; again 4 weeks after the invalid dose.
    (
        [("penta-1", days(56)), ("penta-2", days(77))],
        days(80),
        "penta-2",
        "too_soon",
        days(105),
        "upcoming",
    ),
    # A repeat too soon after the invalid dose is invalid too (OPV-2 20 days after it);
    # the next is spaced from the latest invalid dose.
    (
        [("opv-1", days(56)), ("opv-2", days(74)), ("opv-2", days(94))],
        days(95),
        "opv-2",
        "too_soon",
        days(122),
        "upcoming",
    ),
    # Vitamin A-2 four months after A-1: too soon; 6 months after it, valid or not.
    (
        [("vita-1", D(2026, 1, 1)), ("vita-2", D(2026, 5, 1))],
        D(2026, 5, 2),
        "vita-2",
        "too_soon",
        D(2026, 11, 1),
        "upcoming",
    ),
    # UIP has no 4-day grace (ACIP's is for records under ACIP's schedule): Penta-1 at
    # 40 days is too early, and repeated 4 weeks after it.
    ([("penta-1", days(40))], days(41), "penta-1", "too_early", days(68), "upcoming"),
    (
        [("penta-1", days(50)), ("penta-2", days(77))],
        days(78),
        "penta-2",
        "too_soon",
        days(105),
        "upcoming",
    ),
]


@pytest.mark.parametrize(("history", "on", "code", "reason", "again", "status"), REPEATS)
def test_an_invalid_dose_is_repeated_spaced_from_the_invalid_dose(
    history: list, on: dt.date, code: str, reason: str, again: dt.date, status: str
) -> None:
    result = forecast(BIRTH, history, on)
    assert (*history[-1], reason) == tuple(result.invalid[-1])
    dose = result.dose(code)
    assert (dose.status, dose.earliest, dose.given) == (status, again, None)
    assert (dose.valid, dose.reason) == (False, reason)
    assert dose.due >= again
    # Given on the day it is due again, it counts.
    later = forecast(BIRTH, [*history, (code, again)], again)
    assert later.dose(code).status == "given" and later.dose(code).valid is True


@pytest.mark.parametrize(("day", "valid"), [(41, False), (42, True)])
def test_uip_has_no_grace_period(day: int, valid: bool) -> None:
    """uip.yaml: grace 0d. Penta-1's minimum age is 6 weeks (42 days), not 38 days."""
    result = forecast(BIRTH, [("penta-1", days(day))], days(day))
    assert (result.dose("penta-1").status == "given") is valid
    assert load_schedule("uip").grace == Duration(0, 0)


def test_the_grace_period_is_a_property_of_the_schedule_file() -> None:
    """A CDC-style schedule file can say grace: 4d (ACIP's rule for evaluating records)."""
    cdc = small_schedule()
    assert cdc.grace == Duration(0, 4)
    result = forecast(BIRTH, [("rota-1", days(38))], days(40), schedule=cdc)
    assert result.dose("rota-1").status == "given"
    result = forecast(BIRTH, [("rota-1", days(37))], days(40), schedule=cdc)
    assert result.dose("rota-1").reason == "too_early"


def test_a_valid_dose_is_marked_valid_and_a_missing_one_has_no_verdict() -> None:
    result = forecast(BIRTH, [("bcg", BIRTH)], days(3))
    assert (result.dose("bcg").valid, result.dose("bcg").reason) == (True, None)
    assert (result.dose("opv-0").valid, result.dose("opv-0").reason) == (None, None)


def test_a_dose_is_a_dose_whatever_its_label() -> None:
    # Two doses recorded as "penta-1": the second is the series' second dose.
    history = [("penta-1", D(2025, 2, 12)), ("penta-1", D(2025, 3, 12))]
    result = forecast(BIRTH, history, D(2025, 3, 20))
    assert result.dose("penta-2").given == D(2025, 3, 12)
    assert result.invalid == ()


def test_dpt_dose_before_one_year_counts_for_the_dtp_series() -> None:
    result = forecast(BIRTH, [("dpt-1", D(2025, 8, 1))], D(2025, 8, 10))
    assert result.dose("dpt-1").status == "given"
    assert result.dose("penta-1").status == "not_applicable"
    assert result.dose("penta-2").status == "upcoming"  # Penta can still be given
    assert result.dose("penta-2").earliest == D(2025, 8, 29)


def test_penta_window_closes_and_dpt_takes_over() -> None:
    """13 months old, Penta-1 at 11.5 months: Penta-2 can no longer be given."""
    dob = D(2024, 1, 1)
    penta_1 = D(2024, 12, 16)
    result = forecast(dob, [("penta-1", penta_1)], D(2025, 2, 1))
    assert statuses(result, "penta-1", "dpt-1", "penta-2", "dpt-2", "penta-3", "dpt-3") == {
        "penta-1": "given",
        "dpt-1": "not_applicable",
        "penta-2": "missed",
        "dpt-2": "due",
        "penta-3": "missed",
        "dpt-3": "upcoming",
    }
    assert result.dose("dpt-2").due == max(D(2025, 1, 1), penta_1 + dt.timedelta(weeks=4))
    assert result.dose("dpt-3").earliest == D(2025, 3, 1)  # projected DPT-2 + 4 weeks


def test_penta_still_possible_before_the_first_birthday() -> None:
    dob = D(2024, 1, 1)
    result = forecast(dob, [("penta-1", D(2024, 10, 1))], D(2024, 10, 15))
    assert statuses(result, "penta-2", "dpt-2", "penta-3", "dpt-3") == {
        "penta-2": "upcoming",
        "dpt-2": "not_applicable",
        "penta-3": "upcoming",
        "dpt-3": "not_applicable",
    }
    assert result.dose("penta-3").earliest == D(2024, 11, 26)


def test_extra_dose_beyond_the_series_is_reported() -> None:
    history = [("hepb-0", BIRTH), ("hepb-0", BIRTH)]
    result = forecast(BIRTH, history, BIRTH)
    assert [(d.code, d.reason) for d in result.invalid] == [("hepb-0", "series_complete")]
    assert result.dose("hepb-0").status == "given"


def test_history_as_a_mapping() -> None:
    result = forecast(BIRTH, {"bcg": BIRTH, "opv-0": BIRTH}, D(2025, 1, 5))
    assert statuses(result, "bcg", "opv-0", "hepb-0") == {
        "bcg": "given",
        "opv-0": "given",
        "hepb-0": "missed",
    }


def test_status_moves_from_due_to_overdue_to_missed() -> None:
    def status(on: dt.date) -> str:
        return forecast(BIRTH, [], on).dose("mr-1").status

    assert status(D(2025, 9, 30)) == "upcoming"
    assert status(D(2025, 10, 1)) == "due"
    assert status(D(2025, 12, 31)) == "due"
    assert status(D(2026, 1, 1)) == "overdue"  # from the 1st birthday (chart: 9-12 months)
    assert status(D(2029, 12, 31)) == "overdue"
    assert status(D(2030, 1, 1)) == "missed"  # 5 years


def test_td_16_can_be_given_after_a_missed_td_10() -> None:
    dob = D(2008, 6, 1)
    result = forecast(dob, [], D(2024, 6, 10))
    assert statuses(result, "td-10", "td-16") == {"td-10": "missed", "td-16": "due"}


# ---------------------------------------------------------------------------------------
# JE: only in JE-endemic districts.


@pytest.mark.parametrize("area", [None, NASHIK, Area(), Area(state="UTTAR PRADESH")])
def test_je_not_applicable_outside_je_districts(area: Area | None) -> None:
    result = forecast(D(2024, 1, 1), [], D(2024, 10, 15), area)
    assert statuses(result, "je-1", "je-2") == {"je-1": "not_applicable", "je-2": "not_applicable"}
    assert result.dose("je-1").due is None
    assert result.next_visit is not None
    assert "je-1" not in result.next_visit.codes


@pytest.mark.parametrize(
    "district",
    [
        "GORAKHPUR",
        "Gorakhpur",
        " kushi  nagar ",
        "Kushinagar",
        "Siddharthnagar",
        "DIBRUGARH",
        "MUZAFFARPUR",
    ],
)
def test_je_in_a_je_district(district: str) -> None:
    on_time = [(row[0], row[3]) for row in CHART if row[3] < D(2025, 10, 1)]
    result = forecast(BIRTH, on_time, D(2025, 10, 15), Area(district=district))
    assert result.invalid == ()
    assert statuses(result, "je-1", "je-2") == {"je-1": "due", "je-2": "upcoming"}
    assert result.next_visit is not None
    assert result.next_visit.codes == ("fipv-3", "pcv-b", "mr-1", "je-1", "vita-1")


def test_je_district_list_is_configurable() -> None:
    schedule = load_schedule("uip", je_districts=["Nashik", "MUMBAI"])
    assert schedule is load_schedule("uip", je_districts=["MUMBAI", "NASHIK"])  # cached
    inside = forecast(D(2024, 1, 1), [], D(2024, 10, 15), NASHIK, schedule)
    assert inside.dose("je-1").status == "due"
    outside = forecast(D(2024, 1, 1), [], D(2024, 10, 15), GORAKHPUR, schedule)
    assert outside.dose("je-1").status == "not_applicable"
    assert load_schedule("uip", je_districts="MUMBAI,NASHIK") is schedule  # the setting's format


def test_je_dose_given_elsewhere_still_counts() -> None:
    result = forecast(D(2024, 1, 1), [("je-1", D(2024, 10, 2))], D(2024, 11, 1), NASHIK)
    assert statuses(result, "je-1", "je-2") == {"je-1": "given", "je-2": "not_applicable"}


def test_default_je_districts_are_spelled_as_indian_pincode_spells_them() -> None:
    """chart footnote ***: JE only in endemic districts; the list is data (state and
    district, as the indian-pincode package spells them), with its sources in the file."""
    import indian_pincode

    by_state = read_area_file("je_districts.yaml")
    assert set(by_state) <= set(indian_pincode.list_states())
    for state, districts in by_state.items():
        assert set(districts) <= set(indian_pincode.list_districts(state)), state
        assert all(name == name.upper() for name in districts)
    assert sum(len(d) for d in by_state.values()) >= 200
    assert len(by_state) >= 16
    compared = load_schedule("uip").areas["je_endemic"]
    assert compared.districts == {normalise_place(d) for ds in by_state.values() for d in ds}


@pytest.mark.parametrize(
    ("district", "state", "je"),
    [
        ("AURANGABAD", "BIHAR", True),  # listed for Bihar ...
        ("AURANGABAD", "MAHARASHTRA", False),  # ... not for Maharashtra's Aurangabad
        ("BALRAMPUR", "UTTAR PRADESH", True),
        ("BALRAMPUR", "CHHATTISGARH", False),
        ("Dibrugarh", "Assam", True),
        ("BALLARI", "KARNATAKA", True),
        ("THIRUVANANTHAPURAM", "KERALA", True),
        ("MUMBAI", "MAHARASHTRA", False),
    ],
)
def test_je_districts_are_matched_with_their_state(district: str, state: str, je: bool) -> None:
    result = forecast(D(2024, 1, 1), [], D(2024, 10, 15), Area(district=district, state=state))
    assert result.dose("je-1").status == ("due" if je else "not_applicable")


# ---------------------------------------------------------------------------------------
# Pregnancy: Td-1, Td-2 or a Td booster; the reference date is the first day of the LMP.

LMP = D(2025, 1, 1)


def pregnancy(history: list[tuple[str, dt.date]], on: dt.date) -> Forecast:
    return forecast(LMP, history, on, schedule=load_schedule("uip-pregnancy"))


def test_first_pregnancy_gets_td_1_then_td_2_four_weeks_later() -> None:
    registered = D(2025, 2, 15)
    result = pregnancy([], registered)
    assert statuses(result, "td-p1", "td-p2", "td-pb") == {
        "td-p1": "due",
        "td-p2": "upcoming",
        "td-pb": "not_applicable",
    }
    assert result.next_visit is not None
    assert (result.next_visit.date, result.next_visit.codes) == (registered, ("td-p1",))
    assert result.dose("td-p2").earliest == registered + dt.timedelta(weeks=4)
    latest = LMP + dt.timedelta(weeks=42) - dt.timedelta(days=1)
    assert result.dose("td-p1").latest == result.dose("td-p2").latest == latest


def test_td_2_is_overdue_at_36_weeks_but_still_given() -> None:
    td_1 = D(2025, 2, 15)
    result = pregnancy([("td-p1", td_1)], D(2025, 3, 1))
    assert result.dose("td-p2").earliest == td_1 + dt.timedelta(weeks=4)
    assert result.dose("td-p2").overdue == LMP + dt.timedelta(weeks=36)
    late = pregnancy([("td-p1", td_1)], LMP + dt.timedelta(weeks=37))
    assert late.dose("td-p2").status == "overdue"
    assert late.next_visit is not None
    assert late.next_visit.codes == ("td-p2",)
    after_labour = pregnancy([("td-p1", td_1)], LMP + dt.timedelta(weeks=42))
    assert after_labour.dose("td-p2").status == "missed"


def test_booster_when_two_td_doses_in_the_last_three_years() -> None:
    history = [("td-p1", D(2023, 3, 1)), ("td-p2", D(2023, 4, 1))]
    result = pregnancy(history, D(2025, 2, 15))
    assert statuses(result, "td-p1", "td-p2", "td-pb") == {
        "td-p1": "not_applicable",
        "td-p2": "not_applicable",
        "td-pb": "due",
    }
    assert result.dose("td-pb").overdue == LMP + dt.timedelta(weeks=36)
    assert result.next_visit is not None
    assert result.next_visit.codes == ("td-pb",)
    assert result.invalid == ()


@pytest.mark.parametrize(
    "history",
    [
        [("td-p1", D(2023, 3, 1))],  # only one dose
        [("td-p1", D(2021, 3, 1)), ("td-p2", D(2021, 4, 1))],  # more than 3 years ago
        [("td-p1", D(2021, 12, 1)), ("td-p2", D(2022, 2, 1))],  # one of them too old
    ],
)
def test_no_booster_without_two_recent_td_doses(history: list[tuple[str, dt.date]]) -> None:
    result = pregnancy(history, D(2025, 2, 15))
    assert statuses(result, "td-p1", "td-pb") == {"td-p1": "due", "td-pb": "not_applicable"}


def test_booster_given_this_pregnancy() -> None:
    history = [("td-p1", D(2023, 3, 1)), ("td-p2", D(2023, 4, 1)), ("td-pb", D(2025, 2, 15))]
    result = pregnancy(history, D(2025, 3, 1))
    assert result.dose("td-pb").status == "given"
    assert result.next_visit is None


# ---------------------------------------------------------------------------------------
# Bad input: every problem is named, nothing is silently ignored.


@pytest.mark.parametrize(
    ("history", "on", "error", "message"),
    [
        (
            [("penta-4", D(2025, 3, 1))],
            D(2025, 6, 1),
            UnknownDoseCode,
            "unknown dose code 'penta-4'",
        ),
        ([("td-p1", D(2025, 3, 1))], D(2025, 6, 1), UnknownDoseCode, "unknown dose code 'td-p1'"),
        (
            [("bcg", D(2024, 12, 31))],
            D(2025, 6, 1),
            DoseBeforeBirth,
            "'bcg' is dated 2024-12-31, before the birth date 2025-01-01",
        ),
        (
            [("bcg", D(2025, 6, 2))],
            D(2025, 6, 1),
            DoseAfterAsOf,
            "'bcg' is dated 2025-06-02, after the as-of date 2025-06-01",
        ),
        ([], D(2024, 12, 31), BirthDateInFuture, "birth date 2025-01-01 is after the as-of"),
        ([("bcg", "2025-01-01")], D(2025, 6, 1), InvalidHistory, "'bcg' has no valid date"),
        ([("bcg",)], D(2025, 6, 1), InvalidHistory, "is not a (dose code, date) pair"),
        (["bcg"], D(2025, 6, 1), InvalidHistory, "is not a (dose code, date) pair"),
        ([(None, BIRTH)], D(2025, 6, 1), UnknownDoseCode, "unknown dose code None"),
    ],
)
def test_bad_input_is_an_error_naming_the_problem(
    history: list, on: dt.date, error: type[ScheduleError], message: str
) -> None:
    with pytest.raises(error) as caught:
        forecast(BIRTH, history, on)
    assert message in str(caught.value)
    assert isinstance(caught.value, ScheduleError)
    assert isinstance(caught.value, ValueError)


def test_pregnancy_history_may_predate_the_pregnancy_but_not_as_of() -> None:
    with pytest.raises(DoseAfterAsOf):
        pregnancy([("td-p1", D(2025, 3, 1))], D(2025, 2, 1))
    with pytest.raises(BirthDateInFuture, match="pregnancy start date"):
        pregnancy([], D(2024, 12, 1))


def test_unknown_code_in_a_forecast_lookup() -> None:
    with pytest.raises(UnknownDoseCode):
        forecast(BIRTH, [], BIRTH).dose("penta-4")


def test_unknown_schedule() -> None:
    with pytest.raises(ScheduleError, match="unknown schedule 'cdc'"):
        load_schedule("cdc")


def test_td_dose_already_given_this_pregnancy_is_not_followed_by_a_booster() -> None:
    history = [("td-p1", D(2023, 3, 1)), ("td-p2", D(2023, 4, 1)), ("td-p1", D(2025, 2, 15))]
    result = pregnancy(history, D(2025, 3, 1))
    assert statuses(result, "td-p1", "td-p2", "td-pb") == {
        "td-p1": "given",
        "td-p2": "not_applicable",
        "td-pb": "not_applicable",
    }
    assert result.next_visit is None


# ---------------------------------------------------------------------------------------
# The generic model on small schedules of its own: "cannot be started after", and
# schedule files that break the model.


def small_schedule(**series: object) -> Schedule:
    data = {
        "id": "test",
        "reference": "birth",
        "grace": "4d",
        "overdue_after": "4w",
        "series": [
            {
                "name": "rota",
                "slots": [
                    {"code": "rota-1", "min_age": "6w", "max_age": "1y"},
                    {"code": "rota-2", "min_age": "10w", "max_age": "1y", "min_interval": "4w"},
                ],
                **series,
            }
        ],
    }
    return parse_schedule(data)


def test_series_that_cannot_be_started_after_an_age() -> None:
    schedule = small_schedule(start_before="15w")
    young = forecast(BIRTH, [], BIRTH + dt.timedelta(weeks=10), schedule=schedule)
    assert young.dose("rota-1").status == "overdue"
    assert young.dose("rota-1").latest == BIRTH + dt.timedelta(weeks=15, days=-1)
    assert young.dose("rota-2").latest == D(2025, 12, 31)  # only the start is limited
    late = forecast(BIRTH, [], BIRTH + dt.timedelta(weeks=15), schedule=schedule)
    assert statuses(late, "rota-1", "rota-2") == {"rota-1": "missed", "rota-2": "missed"}
    assert late.next_visit is None
    started = forecast(
        BIRTH,
        [("rota-1", BIRTH + dt.timedelta(weeks=14))],
        BIRTH + dt.timedelta(weeks=20),
        schedule=schedule,
    )
    assert statuses(started, "rota-1", "rota-2") == {"rota-1": "given", "rota-2": "due"}


def test_schedule_lookups() -> None:
    schedule = load_schedule("uip")
    assert schedule.series_of("dpt-2").name == "dtp"
    assert schedule.series_of("penta-2") is schedule.series_of("dpt-b1")
    assert schedule.dose("mr-1").max_age == Duration(60, 0)
    with pytest.raises(UnknownDoseCode, match="'mmr-1'"):
        schedule.series_of("mmr-1")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start_after": "1y"}, "unknown key(s) 'start_after'"),
        (
            {"slots": [{"code": "a", "min_age": "6w", "min_interval": "4w"}]},
            "no dose to space from",
        ),
        (
            {"slots": [{"code": "a", "min_age": "6w", "only_in": "nowhere"}]},
            "undefined area 'nowhere'",
        ),
        (
            {"slots": [{"code": "a", "min_age": "10w", "due_age": "6w"}]},
            "due_age is before min_age",
        ),
        ({"slots": [{"code": "a", "min_age": "6w", "max_age": "6w"}]}, "no day to give it"),
        (
            {"slots": [{"code": "a", "min_age": "6w"}, {"code": "a", "min_age": "6w"}]},
            "'a' is defined twice",
        ),
        ({"slots": [{"code": "a", "min_age": "6 weeks"}]}, "malformed duration"),
        ({"slots": [{"code": "a"}]}, "needs min_age or due_age"),
        (
            {"slots": [{"code": "a", "min_age": "6w", "conditions": {"unless": "x"}}]},
            "undefined condition 'x'",
        ),
    ],
)
def test_schedule_data_that_breaks_the_model_is_rejected(change: dict, message: str) -> None:
    with pytest.raises(InvalidSchedule) as caught:
        small_schedule(**change)
    assert message in str(caught.value)
