"""A family that changes schedule (SCHEDULE IAP, and back): the doses recorded under one
schedule are read by the other as its own (each schedule file's ``equivalents``, with its
source), so that nothing given is asked for again and nothing is counted twice."""

import datetime as dt

import pytest

from scheduler import InvalidHistory, forecast, load_schedule, parse_schedule
from scheduler.errors import InvalidSchedule
from scheduler.results import GIVEN

BORN = dt.date(2025, 1, 1)
SIX_WEEKS = dt.date(2025, 2, 12)
UIP_SIX_WEEKS = [
    ("bcg", BORN),
    ("opv-0", BORN),
    ("hepb-0", BORN),
    ("opv-1", SIX_WEEKS),
    ("penta-1", SIX_WEEKS),
    ("rvv-1", SIX_WEEKS),
    ("fipv-1", SIX_WEEKS),
    ("pcv-1", SIX_WEEKS),
]


def statuses(schedule: str, history, as_of: dt.date) -> dict[str, str]:
    result = forecast(BORN, history, as_of, None, load_schedule(schedule))
    return {dose.code: dose.status for dose in result.doses}


def test_penta_is_iaps_dtwp_hep_b_and_hib_and_fipv_is_not_its_ipv() -> None:
    # iap.yaml: "Pentavalent is DTwP + Hep B + Hib (the seed's chart)"; fIPV is a fifth
    # of the IPV dose the IAP table means.
    seen = statuses("iap", UIP_SIX_WEEKS, dt.date(2025, 3, 1))
    assert {seen[c] for c in ("dpt-1", "hepb-2", "hib-1")} == {GIVEN}
    assert seen["ipv-1"] != GIVEN
    visit = forecast(BORN, UIP_SIX_WEEKS, dt.date(2025, 3, 1), None, load_schedule("iap"))
    assert visit.next_visit.codes == ("ipv-1",)


def test_who_reads_penta_as_its_three_first_doses_and_the_pcv_booster_as_the_third() -> None:
    # who.yaml: WHO PCV 2019, 2p+1 and 3p+0 equally recommended.
    history = [*UIP_SIX_WEEKS, ("pcv-2", dt.date(2025, 4, 9)), ("pcv-b", dt.date(2025, 10, 1))]
    seen = statuses("who", history, dt.date(2025, 10, 2))
    assert {seen[c] for c in ("dpt-1", "hepb-1", "hib-1", "pcv-3")} == {GIVEN}


def test_back_on_the_uip_mmr_counts_as_mr_and_ipv_as_fipv() -> None:
    # uip.yaml: MMR includes MR; a full dose of IPV is at least a fractional one.
    history = [
        ("bcg", BORN),
        ("ipv-1", SIX_WEEKS),
        ("dpt-1", SIX_WEEKS),
        ("hib-1", SIX_WEEKS),
        ("mmr-1", dt.date(2025, 10, 1)),
    ]
    seen = statuses("uip", history, dt.date(2025, 10, 2))
    # DTwP is the UIP's alternative to Penta (its Hib and Hep B parts given apart).
    assert (seen["fipv-1"], seen["mr-1"], seen["dpt-1"]) == (GIVEN, GIVEN, GIVEN)


def test_a_dose_recorded_itself_wins_over_an_equivalent() -> None:
    history = [*UIP_SIX_WEEKS, ("hib-1", dt.date(2025, 2, 20))]
    result = forecast(BORN, history, dt.date(2025, 3, 1), None, load_schedule("iap"))
    [hib] = [dose for dose in result.doses if dose.code == "hib-1"]
    assert hib.given == dt.date(2025, 2, 20)


def test_a_bad_history_is_still_the_engines_error() -> None:
    with pytest.raises(InvalidHistory):
        forecast(BORN, [("penta-1",)], dt.date(2025, 3, 1), None, load_schedule("iap"))


def test_an_equivalent_must_name_this_schedules_doses() -> None:
    data = {
        "id": "x",
        "reference": "birth",
        "series": [{"name": "bcg", "slots": [{"code": "bcg", "min_age": "0d"}]}],
        "equivalents": {"penta-1": ["dpt-1"]},
    }
    with pytest.raises(InvalidSchedule, match="equivalents"):
        parse_schedule(data)
