"""The IAP and WHO schedules (schedules/iap.yaml, who.yaml) through the engine: every row
of the seed's tables (seed 003) for a child registered at birth, late registrants with no
history, the catch-up rules the files cite, and the names of the new doses. Expected
dates are written out by hand from the tables and the rules cited in the files."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings

from scheduler import Forecast, UnknownDoseCode, forecast, load_schedule, schedule_names
from scheduler.vaccines import DOSE_NAMES
from tests.test_schedule_properties import cases, check

D = dt.date
IAP = load_schedule("iap")
WHO = load_schedule("who")
UIP = load_schedule("uip")
BIRTH = D(2025, 1, 1)
ROOT = Path(__file__).resolve().parent.parent


def iap(history: list, on: dt.date, dob: dt.date = BIRTH) -> Forecast:
    return forecast(dob, history, on, schedule=IAP)


def who(history: list, on: dt.date, dob: dt.date = BIRTH) -> Forecast:
    return forecast(dob, history, on, schedule=WHO)


def dates(dose) -> tuple:
    return (dose.earliest, dose.due, dose.overdue, dose.latest)


# ---------------------------------------------------------------------------------------
# IAP: every cell of the seed's table, for a child born (and registered) on 1 Jan 2025.
# (seed age, seed vaccine, code, earliest, due, overdue, latest)
IAP_TABLE = [
    # Maxima: BCG and OPV 0 as the UIP chart; Hep B birth dose within 24 hours (WHO).
    ("Birth", "BCG", "bcg", BIRTH, BIRTH, D(2025, 1, 29), D(2025, 12, 31)),
    ("Birth", "OPV 0", "opv-0", BIRTH, BIRTH, None, D(2025, 1, 15)),
    ("Birth", "Hepatitis B -1", "hepb-0", BIRTH, BIRTH, None, D(2025, 1, 2)),
    # 6 weeks. IPV and OPV up to 5 years, DTwP to 7, Hib and PCV started in the first
    # year, rotavirus started by 14 weeks 6 days (ACIP), Hep B to 18 years.
    ("6 weeks", "IPV-1", "ipv-1", D(2025, 2, 12), D(2025, 2, 12), D(2025, 3, 12), D(2029, 12, 31)),
    ("6 weeks", "DTwP-1", "dpt-1", D(2025, 2, 12), D(2025, 2, 12), D(2025, 3, 12), D(2031, 12, 31)),
    (
        "6 weeks",
        "Hepatitis B -2",
        "hepb-2",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2043, 12, 31),
    ),
    ("6 weeks", "Hib -1", "hib-1", D(2025, 2, 12), D(2025, 2, 12), D(2025, 3, 12), D(2025, 12, 31)),
    (
        "6 weeks",
        "Rotavirus 1",
        "rvv-1",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2025, 4, 15),
    ),
    ("6 weeks", "PCV 1", "pcv-1", D(2025, 2, 12), D(2025, 2, 12), D(2025, 3, 12), D(2025, 12, 31)),
    # 10 weeks. Rotavirus: the last dose by 8 months 0 days (ACIP).
    ("10 weeks", "DTwP-2", "dpt-2", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2031, 12, 31)),
    ("10 weeks", "IPV 2", "ipv-2", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2029, 12, 31)),
    ("10 weeks", "Hib -2", "hib-2", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2029, 12, 31)),
    (
        "10 weeks",
        "Rotavirus 2",
        "rvv-2",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2025, 9, 1),
    ),
    ("10 weeks", "PCV 2", "pcv-2", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2029, 12, 31)),
    # 14 weeks
    ("14 weeks", "DTwP-3", "dpt-3", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2031, 12, 31)),
    ("14 weeks", "IPV-3", "ipv-3", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2029, 12, 31)),
    ("14 weeks", "Hib -3", "hib-3", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2029, 12, 31)),
    (
        "14 weeks",
        "Rotavirus 3",
        "rvv-3",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2025, 9, 1),
    ),
    ("14 weeks", "PCV 3", "pcv-3", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2029, 12, 31)),
    # 6 months, 9 months, 9-12 months
    ("6 months", "OPV 1", "opv-1", D(2025, 7, 1), D(2025, 7, 1), D(2025, 7, 29), D(2029, 12, 31)),
    (
        "6 months",
        "Hep B 3",
        "hepb-3",
        D(2025, 7, 1),
        D(2025, 7, 1),
        D(2025, 7, 29),
        D(2043, 12, 31),
    ),
    (
        "9 months",
        "OPV 2",
        "opv-2",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2025, 10, 29),
        D(2029, 12, 31),
    ),
    # MMR-1 and -2: two doses caught up through 18 years (ACIP).
    (
        "9 months",
        "MMR-1",
        "mmr-1",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2025, 10, 29),
        D(2043, 12, 31),
    ),
    # Typhoid conjugate: overdue after the range; catch-up up to 15 years (WHO TCV 2018).
    (
        "9-12 months",
        "Typhoid Conjugate Vaccine",
        "tcv-1",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2040, 12, 31),
    ),
    # 12, 15 and 16-18 months
    (
        "12 months",
        "Hep-A 1",
        "hepa-1",
        D(2026, 1, 1),
        D(2026, 1, 1),
        D(2026, 1, 29),
        D(2043, 12, 31),
    ),
    ("15 months", "MMR 2", "mmr-2", D(2026, 4, 1), D(2026, 4, 1), D(2026, 4, 29), D(2043, 12, 31)),
    (
        "15 months",
        "Varicella 1",
        "var-1",
        D(2026, 4, 1),
        D(2026, 4, 1),
        D(2026, 4, 29),
        D(2043, 12, 31),
    ),
    (
        "15 months",
        "PCV Booster",
        "pcv-b",
        D(2026, 4, 1),
        D(2026, 4, 1),
        D(2026, 4, 29),
        D(2029, 12, 31),
    ),
    (
        "16-18 months",
        "DTwP B 1 / DTaP booster -1",
        "dpt-b1",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2026, 7, 1),
        D(2031, 12, 31),
    ),
    (
        "16-18 months",
        "IPV B 1",
        "ipv-b",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2026, 7, 1),
        D(2029, 12, 31),
    ),
    (
        "16-18 months",
        "Hib booster 1",
        "hib-b",
        D(2026, 5, 1),
        D(2026, 5, 1),
        D(2026, 7, 1),
        D(2029, 12, 31),
    ),
    # 18 months, 2 years. Hep A: 6 months apart (ACIP). TCV booster: while aged 2.
    (
        "18 months",
        "Hep-A 2",
        "hepa-2",
        D(2026, 7, 1),
        D(2026, 7, 1),
        D(2026, 7, 29),
        D(2043, 12, 31),
    ),
    (
        "2 years",
        "Booster of Typhoid Conjugate Vaccine",
        "tcv-b",
        D(2027, 1, 1),
        D(2027, 1, 1),
        D(2027, 1, 29),
        D(2027, 12, 31),
    ),
    # 4-6 years: overdue from 6 years, up to the 7th birthday; Varicella-2 to 18 years.
    (
        "4 - 6 years",
        "DTwP B 2 / DTaP booster -2",
        "dpt-b2",
        D(2029, 1, 1),
        D(2029, 1, 1),
        D(2031, 1, 1),
        D(2031, 12, 31),
    ),
    ("4 - 6 years", "OPV 3", "opv-3", D(2029, 1, 1), D(2029, 1, 1), D(2031, 1, 1), D(2031, 12, 31)),
    ("4 - 6 years", "MMR 3", "mmr-3", D(2029, 1, 1), D(2029, 1, 1), D(2031, 1, 1), D(2031, 12, 31)),
    (
        "4 - 6 years",
        "Varicella 2",
        "var-2",
        D(2029, 1, 1),
        D(2029, 1, 1),
        D(2031, 1, 1),
        D(2043, 12, 31),
    ),
    # 10-12 years: overdue from 12 years. HPV: 0, 1-2 and 6 months; through 26 years (ACIP).
    (
        "10 - 12 years",
        "Tdap / Td",
        "tdap",
        D(2035, 1, 1),
        D(2035, 1, 1),
        D(2037, 1, 1),
        D(2043, 12, 31),
    ),
    (
        "10 - 12 years",
        "HPV, dose at 0",
        "hpv-1",
        D(2035, 1, 1),
        D(2035, 1, 1),
        D(2037, 1, 1),
        D(2051, 12, 31),
    ),
    # 4 weeks after dose 1 at the earliest (ACIP), due 1 month after it.
    (
        "10 - 12 years",
        "HPV, dose at 1-2 months",
        "hpv-2",
        D(2035, 1, 29),
        D(2035, 2, 1),
        D(2035, 3, 1),
        D(2051, 12, 31),
    ),
    # 12 weeks after dose 2 at the earliest (ACIP), due 6 months after dose 1.
    (
        "10 - 12 years",
        "HPV, dose at 6 months",
        "hpv-3",
        D(2035, 4, 23),
        D(2035, 7, 1),
        D(2035, 7, 29),
        D(2051, 12, 31),
    ),
]
#: The alternatives, used when the preferred dose is not: Hep B when the birth dose is
#: missed, DTaP instead of DTwP boosters, Td instead of Tdap.
IAP_ALTERNATIVES = {"hepb-1", "dtap-b1", "dtap-b2", "td-10"}


@pytest.mark.parametrize(
    ("age", "vaccine", "code", "earliest", "due", "overdue", "latest"),
    IAP_TABLE,
    ids=[f"{row[0]}: {row[1]}" for row in IAP_TABLE],
)
def test_iap_row_for_a_child_registered_at_birth(
    age: str, vaccine: str, code: str, earliest, due, overdue, latest
) -> None:
    dose = iap([], BIRTH).dose(code)
    assert dates(dose) == (earliest, due, overdue, latest)
    assert dose.status == ("due" if earliest == BIRTH else "upcoming")
    assert dose.given is None


def test_iap_table_covers_every_dose_of_the_schedule() -> None:
    assert len({row[2] for row in IAP_TABLE}) == len(IAP_TABLE)
    assert {row[2] for row in IAP_TABLE} == set(IAP.codes) - IAP_ALTERNATIVES
    result = iap([], BIRTH)
    assert {code: result.status(code) for code in IAP_ALTERNATIVES} == dict.fromkeys(
        IAP_ALTERNATIVES, "not_applicable"
    )


def visits(schedule, until: dt.date) -> list[tuple[int, tuple[str, ...]]]:
    """The visits of a child born on BIRTH who comes on every visit day Tika names:
    (age in days, vaccines)."""
    history: list[tuple[str, dt.date]] = []
    day, seen = BIRTH, []
    while (visit := forecast(BIRTH, history, day, None, schedule).next_visit) and (
        visit.date <= until
    ):
        seen.append(((visit.date - BIRTH).days, visit.codes))
        history += [(code, visit.date) for code in visit.codes]
        day = visit.date
    return seen


def age(date: dt.date) -> int:
    return (date - BIRTH).days


def test_a_child_who_comes_when_told_gets_the_iap_table_visit_by_visit() -> None:
    assert visits(IAP, D(2036, 1, 1)) == [
        (0, ("bcg", "opv-0", "hepb-0")),
        (42, ("hepb-2", "ipv-1", "dpt-1", "hib-1", "rvv-1", "pcv-1")),
        (70, ("ipv-2", "dpt-2", "hib-2", "rvv-2", "pcv-2")),
        (98, ("ipv-3", "dpt-3", "hib-3", "rvv-3", "pcv-3")),
        (age(D(2025, 7, 1)), ("hepb-3", "opv-1")),
        (age(D(2025, 10, 1)), ("opv-2", "mmr-1", "tcv-1")),  # 9 and 9-12 months together
        (age(D(2026, 1, 1)), ("hepa-1",)),
        (age(D(2026, 4, 1)), ("pcv-b", "mmr-2", "var-1")),
        (age(D(2026, 5, 1)), ("ipv-b", "dpt-b1", "hib-b")),
        (age(D(2026, 7, 1)), ("hepa-2",)),
        (age(D(2027, 1, 1)), ("tcv-b",)),
        (age(D(2029, 1, 1)), ("dpt-b2", "opv-3", "mmr-3", "var-2")),
        (age(D(2035, 1, 1)), ("tdap", "hpv-1")),
        (age(D(2035, 2, 1)), ("hpv-2",)),
        (age(D(2035, 7, 1)), ("hpv-3",)),
    ]


# ---------------------------------------------------------------------------------------
# IAP: late registrants with no history.
# (code, status, earliest, due; None where not asked), with the rule each row follows.
LATE = D(2025, 8, 1)  # 7 months old
IAP_AT_7_MONTHS = [
    ("bcg", "overdue", BIRTH, BIRTH),  # up to 1 year (UIP chart)
    ("opv-0", "missed", BIRTH, BIRTH),  # 15 days
    ("hepb-0", "missed", BIRTH, BIRTH),  # 24 hours
    # The first Hep B dose is still given (ACIP); dose 2 four weeks after it, dose 3
    # 8 weeks after dose 2 and planned 16 weeks after dose 1 (ACIP).
    ("hepb-1", "overdue", BIRTH, D(2025, 2, 12)),
    ("hepb-2", "upcoming", D(2025, 8, 29), D(2025, 8, 29)),
    ("hepb-3", "upcoming", D(2025, 10, 24), D(2025, 11, 21)),
    # Primary series now, then 4 weeks apart (ACIP, WHO).
    ("ipv-1", "overdue", D(2025, 2, 12), D(2025, 2, 12)),
    ("ipv-2", "upcoming", D(2025, 8, 29), D(2025, 8, 29)),
    ("ipv-3", "upcoming", D(2025, 9, 26), D(2025, 9, 26)),
    ("dpt-1", "overdue", D(2025, 2, 12), D(2025, 2, 12)),
    ("dpt-2", "upcoming", D(2025, 8, 29), D(2025, 8, 29)),
    ("dpt-3", "upcoming", D(2025, 9, 26), D(2025, 9, 26)),
    # Hib and PCV: started before the first birthday (files' convention).
    ("hib-1", "overdue", D(2025, 2, 12), D(2025, 2, 12)),
    ("hib-2", "upcoming", D(2025, 8, 29), D(2025, 8, 29)),
    ("hib-3", "upcoming", D(2025, 9, 26), D(2025, 9, 26)),
    ("pcv-1", "overdue", D(2025, 2, 12), D(2025, 2, 12)),
    ("pcv-2", "upcoming", D(2025, 8, 29), D(2025, 8, 29)),
    ("pcv-3", "upcoming", D(2025, 9, 26), D(2025, 9, 26)),
    # Rotavirus: too late to start after 14 weeks 6 days (ACIP).
    ("rvv-1", "missed", D(2025, 2, 12), D(2025, 2, 12)),
    ("rvv-2", "missed", None, None),
    ("rvv-3", "missed", None, None),
    # Boosters keep the table's age where the interval allows: 6 months after DTwP-3 and
    # IPV-3 (ACIP) is 26 March 2026, before 16 months; 8 weeks after Hib-3 and PCV-3.
    ("ipv-b", "upcoming", D(2026, 5, 1), D(2026, 5, 1)),
    ("dpt-b1", "upcoming", D(2026, 5, 1), D(2026, 5, 1)),
    ("hib-b", "upcoming", D(2026, 5, 1), D(2026, 5, 1)),
    ("pcv-b", "upcoming", D(2026, 4, 1), D(2026, 4, 1)),
    # OPV 1 was due at 6 months; OPV 2 at 9 months, 4 weeks after it at the earliest.
    ("opv-1", "overdue", D(2025, 7, 1), D(2025, 7, 1)),
    ("opv-2", "upcoming", D(2025, 10, 1), D(2025, 10, 1)),
    # Later rows keep their ages.
    ("mmr-1", "upcoming", D(2025, 10, 1), D(2025, 10, 1)),
    ("tcv-1", "upcoming", D(2025, 10, 1), D(2025, 10, 1)),
    ("hepa-1", "upcoming", D(2026, 1, 1), D(2026, 1, 1)),
]


@pytest.mark.parametrize(("code", "status", "earliest", "due"), IAP_AT_7_MONTHS)
def test_iap_child_registered_at_7_months(code: str, status: str, earliest, due) -> None:
    dose = iap([], LATE).dose(code)
    assert (dose.status, dose.earliest, dose.due) == (status, earliest, due)


def test_iap_child_registered_at_7_months_gets_one_visit_today() -> None:
    visit = iap([], LATE).next_visit
    assert visit is not None
    assert visit.date == LATE
    assert visit.codes == ("bcg", "hepb-1", "ipv-1", "dpt-1", "hib-1", "pcv-1", "opv-1")
    assert visit.latest == D(2025, 12, 31)  # BCG, and the start of Hib and PCV


TWO = D(2023, 1, 1)  # born; registered on 1 Jan 2025, at 2 years
NOW = D(2025, 1, 1)
IAP_AT_2_YEARS = [
    # Too late: BCG after 1 year (UIP chart), the birth doses, rotavirus (ACIP), and the
    # start of Hib and PCV after the first birthday (files' convention; ACIP's reduced
    # catch-up is left to the doctor).
    ("bcg", "missed", None, None),
    ("opv-0", "missed", None, None),
    ("hepb-0", "missed", None, None),
    ("rvv-1", "missed", None, None),
    ("hib-1", "missed", None, None),
    ("hib-b", "missed", None, None),
    ("pcv-1", "missed", None, None),
    ("pcv-b", "missed", None, None),
    # Catch-up now: Hep B 0, 4 weeks, 16 weeks (ACIP).
    ("hepb-1", "overdue", TWO, D(2023, 2, 12)),
    ("hepb-2", "upcoming", D(2025, 1, 29), D(2025, 1, 29)),
    ("hepb-3", "upcoming", D(2025, 3, 26), D(2025, 4, 23)),
    # IPV and DTwP: three doses 4 weeks apart, boosters 6 months after the third (ACIP).
    ("ipv-1", "overdue", D(2023, 2, 12), D(2023, 2, 12)),
    ("ipv-3", "upcoming", D(2025, 2, 26), D(2025, 2, 26)),
    ("ipv-b", "upcoming", D(2025, 8, 26), D(2025, 8, 26)),
    ("dpt-1", "overdue", D(2023, 2, 12), D(2023, 2, 12)),
    ("dpt-2", "upcoming", D(2025, 1, 29), D(2025, 1, 29)),
    ("dpt-3", "upcoming", D(2025, 2, 26), D(2025, 2, 26)),
    ("dpt-b1", "upcoming", D(2025, 8, 26), D(2025, 8, 26)),
    ("dpt-b2", "upcoming", D(2027, 1, 1), D(2027, 1, 1)),  # 4 years; 6 months after b1
    # OPV: 1 now, 2 four weeks later (WHO polio 2016), 3 at 4 years.
    ("opv-1", "overdue", D(2023, 7, 1), D(2023, 7, 1)),
    ("opv-2", "upcoming", D(2025, 1, 29), D(2025, 1, 29)),
    ("opv-3", "upcoming", D(2027, 1, 1), D(2027, 1, 1)),
    # MMR: 4 weeks apart (WHO measles 2017, ACIP); Varicella 3 months (ACIP), here 4 years.
    ("mmr-1", "overdue", D(2023, 10, 1), D(2023, 10, 1)),
    ("mmr-2", "upcoming", D(2025, 1, 29), D(2025, 1, 29)),
    ("mmr-3", "upcoming", D(2027, 1, 1), D(2027, 1, 1)),
    ("var-1", "overdue", D(2024, 4, 1), D(2024, 4, 1)),
    ("var-2", "upcoming", D(2027, 1, 1), D(2027, 1, 1)),
    # Typhoid: now, booster 6 months later while still aged 2 (convention).
    ("tcv-1", "overdue", D(2023, 10, 1), D(2023, 10, 1)),
    ("tcv-b", "upcoming", D(2025, 7, 1), D(2025, 7, 1)),
    # Hep A: now, then 6 months later (ACIP).
    ("hepa-1", "overdue", D(2024, 1, 1), D(2024, 1, 1)),
    ("hepa-2", "upcoming", D(2025, 7, 1), D(2025, 7, 1)),
    ("tdap", "upcoming", D(2033, 1, 1), D(2033, 1, 1)),
    ("hpv-1", "upcoming", D(2033, 1, 1), D(2033, 1, 1)),
]


@pytest.mark.parametrize(("code", "status", "earliest", "due"), IAP_AT_2_YEARS)
def test_iap_child_registered_at_2_years(code: str, status: str, earliest, due) -> None:
    dose = iap([], NOW, TWO).dose(code)
    assert dose.status == status
    if earliest is not None:
        assert (dose.earliest, dose.due) == (earliest, due)


def test_iap_child_registered_at_2_years_gets_the_catch_up_today() -> None:
    visit = iap([], NOW, TWO).next_visit
    assert visit is not None
    assert visit.date == NOW
    assert visit.codes == ("hepb-1", "ipv-1", "dpt-1", "opv-1", "mmr-1", "tcv-1", "hepa-1", "var-1")
    assert visit.latest == D(2027, 12, 31)  # IPV and OPV: up to 5 years


# ---------------------------------------------------------------------------------------
# IAP rules with history.
PRIMARY_DTWP = [("dpt-1", D(2025, 2, 12)), ("dpt-2", D(2025, 3, 12)), ("dpt-3", D(2025, 4, 9))]
# (history, as of, code, status, valid)
IAP_RULES = [
    # Rotavirus: the first dose by 14 weeks 6 days (ACIP): due on that day, missed after.
    ([], BIRTH + dt.timedelta(weeks=15, days=-1), "rvv-1", "overdue", None),
    ([], BIRTH + dt.timedelta(weeks=15), "rvv-1", "missed", None),
    # ... and the last by 8 months 0 days: a series started in time, finished late.
    ([("rvv-1", D(2025, 4, 1)), ("rvv-2", D(2025, 6, 1))], D(2025, 9, 1), "rvv-3", "overdue", None),
    ([("rvv-1", D(2025, 4, 1)), ("rvv-2", D(2025, 6, 1))], D(2025, 9, 2), "rvv-3", "missed", None),
    # A Hep B birth dose recorded after its 24 hours counts as the first dose.
    ([("hepb-0", D(2025, 1, 10))], D(2025, 1, 11), "hepb-1", "given", True),
    # DTaP instead of DTwP for the boosters; Td instead of Tdap.
    ([*PRIMARY_DTWP, ("dtap-b1", D(2026, 5, 1))], D(2026, 5, 2), "dtap-b1", "given", True),
    ([*PRIMARY_DTWP, ("dtap-b1", D(2026, 5, 1))], D(2026, 5, 2), "dpt-b1", "not_applicable", None),
    ([("td-10", D(2035, 2, 1))], D(2035, 2, 2), "td-10", "given", True),
    ([("td-10", D(2035, 2, 1))], D(2035, 2, 2), "tdap", "not_applicable", None),
    # Hep A-2 five months after Hep A-1: too soon (ACIP: 6 months); repeated 6 months
    # after the invalid dose (ACIP, as in uip.yaml).
    (
        [("hepa-1", D(2026, 1, 1)), ("hepa-2", D(2026, 6, 1))],
        D(2026, 6, 2),
        "hepa-2",
        "upcoming",
        False,
    ),
    # Varicella-2 two months after Varicella-1: too soon (ACIP: 3 months under 13 years).
    (
        [("var-1", D(2028, 11, 1)), ("var-2", D(2029, 1, 1))],
        D(2029, 1, 2),
        "var-2",
        "upcoming",
        False,
    ),
    # MMR-1 before 9 months does not count (the table's age is the minimum).
    ([("mmr-1", D(2025, 9, 1))], D(2025, 9, 2), "mmr-1", "upcoming", False),
    # A typhoid booster is not reminded after the third birthday (convention).
    ([("tcv-1", D(2027, 9, 1))], D(2027, 9, 2), "tcv-b", "missed", None),
]


@pytest.mark.parametrize(("history", "on", "code", "status", "valid"), IAP_RULES)
def test_iap_rules_with_history(history: list, on: dt.date, code: str, status: str, valid) -> None:
    dose = iap(history, on).dose(code)
    assert (dose.status, dose.valid) == (status, valid)


def test_iap_child_is_due_hep_a_1_at_12_months_and_a_uip_child_never_is() -> None:
    one = D(2026, 1, 1)
    result = iap([], one)
    assert result.dose("hepa-1").status == "due"
    assert result.dose("hepa-1").due == one
    # A child whose earlier doses were all given on time goes for it at 12 months.
    before = visits(IAP, one - dt.timedelta(days=1))
    given = [(code, BIRTH + dt.timedelta(days=days)) for days, codes in before for code in codes]
    visit = iap(given, one - dt.timedelta(days=20)).next_visit
    assert visit is not None
    assert (visit.date, visit.codes) == (one, ("hepa-1",))
    assert "hepa-1" not in UIP.codes
    with pytest.raises(UnknownDoseCode):
        forecast(BIRTH, [], one).dose("hepa-1")
    for days in range(0, 6 * 366, 7):
        visit = forecast(BIRTH, [], BIRTH + dt.timedelta(days=days)).next_visit
        assert visit is None or "hepa-1" not in visit.codes


# ---------------------------------------------------------------------------------------
# WHO: every cross of the seed's table (and the Hep B birth dose of its "*").
WHO_TABLE = [
    ("Birth", "BCG Vaccine", "bcg", BIRTH, BIRTH, D(2025, 1, 29), D(2025, 12, 31)),
    # "*": WHO Hep B 2017's birth dose, within 24 hours.
    ("Birth", "Hepatitis B* (birth dose)", "hepb-0", BIRTH, BIRTH, None, D(2025, 1, 2)),
    ("Birth", "Polio Vaccine", "opv-0", BIRTH, BIRTH, None, D(2025, 1, 15)),
    # 6, 10 and 14 weeks: 4 weeks apart; polio up to 5 years, DTP to 7 (UIP chart), Hep B
    # to 18 years (ACIP), rotavirus to 2 years (WHO 2013), Hib to 5 years (WHO 2013), PCV
    # started in the first year and finished by 2 years (as uip.yaml reads WHO PCV 2019).
    (
        "6 weeks",
        "Polio Vaccine",
        "opv-1",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2029, 12, 31),
    ),
    (
        "10 weeks",
        "Polio Vaccine",
        "opv-2",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2029, 12, 31),
    ),
    (
        "14 weeks",
        "Polio Vaccine",
        "opv-3",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2029, 12, 31),
    ),
    ("6 weeks", "DTP", "dpt-1", D(2025, 2, 12), D(2025, 2, 12), D(2025, 3, 12), D(2031, 12, 31)),
    ("10 weeks", "DTP", "dpt-2", D(2025, 3, 12), D(2025, 3, 12), D(2025, 4, 9), D(2031, 12, 31)),
    ("14 weeks", "DTP", "dpt-3", D(2025, 4, 9), D(2025, 4, 9), D(2025, 5, 7), D(2031, 12, 31)),
    (
        "6 weeks",
        "Hepatitis B*",
        "hepb-1",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2043, 12, 31),
    ),
    (
        "10 weeks",
        "Hepatitis B*",
        "hepb-2",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2043, 12, 31),
    ),
    (
        "14 weeks",
        "Hepatitis B*",
        "hepb-3",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2043, 12, 31),
    ),
    (
        "6 weeks",
        "Rotavirus Vaccine",
        "rvv-1",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2026, 12, 31),
    ),
    (
        "10 weeks",
        "Rotavirus Vaccine",
        "rvv-2",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2026, 12, 31),
    ),
    (
        "14 weeks",
        "Rotavirus Vaccine",
        "rvv-3",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2026, 12, 31),
    ),
    (
        "6 weeks",
        "Haemophilus influenzae type b",
        "hib-1",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2029, 12, 31),
    ),
    (
        "10 weeks",
        "Haemophilus influenzae type b",
        "hib-2",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2029, 12, 31),
    ),
    (
        "14 weeks",
        "Haemophilus influenzae type b",
        "hib-3",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2029, 12, 31),
    ),
    (
        "6 weeks",
        "Pneumococcal (Conjugate)",
        "pcv-1",
        D(2025, 2, 12),
        D(2025, 2, 12),
        D(2025, 3, 12),
        D(2025, 12, 31),
    ),
    (
        "10 weeks",
        "Pneumococcal (Conjugate)",
        "pcv-2",
        D(2025, 3, 12),
        D(2025, 3, 12),
        D(2025, 4, 9),
        D(2026, 12, 31),
    ),
    (
        "14 weeks",
        "Pneumococcal (Conjugate)",
        "pcv-3",
        D(2025, 4, 9),
        D(2025, 4, 9),
        D(2025, 5, 7),
        D(2026, 12, 31),
    ),
    # 9-12 months: measles and rubella in one MR injection; overdue after the range, up to
    # 5 years (UIP chart).
    (
        "9-12 months",
        "Measles",
        "mr-1",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2029, 12, 31),
    ),
    (
        "9-12 months",
        "Rubella",
        "mr-1",
        D(2025, 10, 1),
        D(2025, 10, 1),
        D(2026, 1, 1),
        D(2029, 12, 31),
    ),
]


@pytest.mark.parametrize(
    ("age", "vaccine", "code", "earliest", "due", "overdue", "latest"),
    WHO_TABLE,
    ids=[f"{row[0]}: {row[1]}" for row in WHO_TABLE],
)
def test_who_row_for_a_child_registered_at_birth(
    age: str, vaccine: str, code: str, earliest, due, overdue, latest
) -> None:
    dose = who([], BIRTH).dose(code)
    assert dates(dose) == (earliest, due, overdue, latest)
    assert dose.status == ("due" if earliest == BIRTH else "upcoming")


def test_who_table_covers_every_dose_of_the_schedule() -> None:
    assert {row[2] for row in WHO_TABLE} == set(WHO.codes)


def test_a_child_who_comes_when_told_gets_the_who_table_visit_by_visit() -> None:
    assert visits(WHO, D(2030, 1, 1)) == [
        (0, ("bcg", "hepb-0", "opv-0")),
        (42, ("opv-1", "dpt-1", "hepb-1", "rvv-1", "hib-1", "pcv-1")),
        (70, ("opv-2", "dpt-2", "hepb-2", "rvv-2", "hib-2", "pcv-2")),
        (98, ("opv-3", "dpt-3", "hepb-3", "rvv-3", "hib-3", "pcv-3")),
        (age(D(2025, 10, 1)), ("mr-1",)),
    ]


# WHO late registrants: (dob, as of, code, status, earliest).
WHO_LATE = [
    # 7 months: BCG still (till 1 year), the birth doses missed, every primary series now
    # and 4 weeks apart; rotavirus up to 2 years (WHO 2013); MR at 9 months.
    (BIRTH, LATE, "bcg", "overdue", BIRTH),
    (BIRTH, LATE, "hepb-0", "missed", BIRTH),
    (BIRTH, LATE, "opv-0", "missed", BIRTH),
    (BIRTH, LATE, "opv-1", "overdue", D(2025, 2, 12)),
    (BIRTH, LATE, "opv-2", "upcoming", D(2025, 8, 29)),
    (BIRTH, LATE, "opv-3", "upcoming", D(2025, 9, 26)),
    (BIRTH, LATE, "dpt-2", "upcoming", D(2025, 8, 29)),
    (BIRTH, LATE, "hepb-1", "overdue", D(2025, 2, 12)),
    (BIRTH, LATE, "hepb-3", "upcoming", D(2025, 9, 26)),
    (BIRTH, LATE, "rvv-1", "overdue", D(2025, 2, 12)),
    (BIRTH, LATE, "rvv-3", "upcoming", D(2025, 9, 26)),
    (BIRTH, LATE, "hib-2", "upcoming", D(2025, 8, 29)),
    (BIRTH, LATE, "pcv-1", "overdue", D(2025, 2, 12)),
    (BIRTH, LATE, "pcv-3", "upcoming", D(2025, 9, 26)),
    (BIRTH, LATE, "mr-1", "upcoming", D(2025, 10, 1)),
    # 2 years: too late for BCG, rotavirus (after 24 months) and the start of PCV; Hib
    # (to 5 years), DTP, Hep B, polio and MR now.
    (TWO, NOW, "bcg", "missed", TWO),
    (TWO, NOW, "rvv-1", "missed", D(2023, 2, 12)),
    (TWO, NOW, "pcv-1", "missed", D(2023, 2, 12)),
    (TWO, NOW, "pcv-2", "missed", None),
    (TWO, NOW, "hib-1", "overdue", D(2023, 2, 12)),
    (TWO, NOW, "hib-2", "upcoming", D(2025, 1, 29)),
    (TWO, NOW, "dpt-1", "overdue", D(2023, 2, 12)),
    (TWO, NOW, "hepb-1", "overdue", D(2023, 2, 12)),
    (TWO, NOW, "opv-1", "overdue", D(2023, 2, 12)),
    (TWO, NOW, "mr-1", "overdue", D(2023, 10, 1)),
]


@pytest.mark.parametrize(("dob", "on", "code", "status", "earliest"), WHO_LATE)
def test_who_late_registrants(dob: dt.date, on: dt.date, code: str, status: str, earliest) -> None:
    dose = who([], on, dob).dose(code)
    assert (dose.status, dose.earliest) == (status, earliest)


def test_who_late_registrants_next_visit() -> None:
    at_7_months = who([], LATE).next_visit
    assert at_7_months is not None and at_7_months.date == LATE
    assert at_7_months.codes == ("bcg", "opv-1", "dpt-1", "hepb-1", "rvv-1", "hib-1", "pcv-1")
    at_2_years = who([], NOW, TWO).next_visit
    assert at_2_years is not None and at_2_years.date == NOW
    assert at_2_years.codes == ("opv-1", "dpt-1", "hepb-1", "hib-1", "mr-1")


# ---------------------------------------------------------------------------------------
# Dose codes and names.
UIP_CODES = {code for name in ("uip", "uip-pregnancy") for code in load_schedule(name).codes}
NEW_CODES = {
    *(f"hepb-{n}" for n in (1, 2, 3)),
    *(f"ipv-{n}" for n in (1, 2, 3)),
    "ipv-b",
    *(f"hib-{n}" for n in (1, 2, 3)),
    "hib-b",
    "pcv-3",
    "dtap-b1",
    "dtap-b2",
    *(f"mmr-{n}" for n in (1, 2, 3)),
    "tcv-1",
    "tcv-b",
    "hepa-1",
    "hepa-2",
    "var-1",
    "var-2",
    "tdap",
    *(f"hpv-{n}" for n in (1, 2, 3)),
}


def test_new_dose_codes_are_the_contract() -> None:
    assert (set(IAP.codes) | set(WHO.codes)) - UIP_CODES == NEW_CODES
    # The UIP's codes where the vaccine is the same.
    assert set(IAP.codes) & UIP_CODES == {
        "bcg",
        "opv-0",
        "hepb-0",
        "opv-1",
        "opv-2",
        "opv-3",
        "dpt-1",
        "dpt-2",
        "dpt-3",
        "dpt-b1",
        "dpt-b2",
        "rvv-1",
        "rvv-2",
        "rvv-3",
        "pcv-1",
        "pcv-2",
        "pcv-b",
        "td-10",
    }
    assert set(WHO.codes) - NEW_CODES <= UIP_CODES


@pytest.mark.parametrize("code", sorted(NEW_CODES))
def test_every_new_code_has_a_short_display_name(code: str) -> None:
    assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", code)
    assert code in DOSE_NAMES
    assert 0 < len(DOSE_NAMES[code]) <= 16  # short enough for a one-segment reminder


@pytest.mark.parametrize("name", ["iap", "who"])
def test_every_dose_of_the_schedule_has_a_display_name(name: str) -> None:
    schedule = load_schedule(name)
    assert schedule.id == name
    assert [code for code in schedule.codes if code not in DOSE_NAMES] == []


# ---------------------------------------------------------------------------------------
# The engine's invariants (tests/test_schedule_properties.py) hold on both schedules.


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(IAP))
def test_iap_properties(case: tuple) -> None:
    check(IAP, *case)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases(WHO))
def test_who_properties(case: tuple) -> None:
    check(WHO, *case)


# ---------------------------------------------------------------------------------------
# The command line.


FORECAST_ARGS = ("--dob", "2025-01-01", "--on", "2025-08-01", "--json")


@pytest.mark.parametrize("name", ["iap", "who"])
def test_forecast_command_takes_the_schedule(name: str) -> None:
    assert name in schedule_names()
    done = subprocess.run(
        [sys.executable, "-m", "scheduler", "forecast", "--schedule", name, *FORECAST_ARGS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    assert data == forecast(BIRTH, [], LATE, schedule=load_schedule(name)).to_json()
    assert [d["code"] for d in data["doses"]] == list(load_schedule(name).codes)
