"""The public API of the schedule engine, as other code relies on it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect

import pytest

import scheduler
from scheduler import (
    Area,
    DoseForecast,
    Forecast,
    ScheduleError,
    Visit,
    forecast,
    load_schedule,
)

D = dt.date


def test_public_names() -> None:
    for name in (
        "forecast",
        "load_schedule",
        "Area",
        "Forecast",
        "DoseForecast",
        "Visit",
        "ScheduleError",
        "Schedule",
        "InvalidDose",
        "UnknownDoseCode",
        "DoseBeforeBirth",
        "DoseAfterAsOf",
        "BirthDateInFuture",
    ):
        assert name in scheduler.__all__
        assert hasattr(scheduler, name)


def test_forecast_signature() -> None:
    params = inspect.signature(forecast).parameters
    assert list(params) == ["birth_date", "history", "as_of", "area", "schedule"]
    assert params["area"].default is None and params["schedule"].default is None
    options = inspect.signature(load_schedule).parameters
    assert options["name"].default == "uip"
    assert options["je_districts"].kind is inspect.Parameter.KEYWORD_ONLY


def test_default_schedule_is_uip_and_cached() -> None:
    schedule = load_schedule()
    assert schedule is load_schedule("uip")
    assert schedule.id == "uip" and schedule.reference == "birth"
    result = forecast(D(2025, 1, 1), [], D(2025, 1, 1))
    assert result.codes == schedule.codes


def test_area_is_a_frozen_dataclass() -> None:
    area = Area(district="Gorakhpur", state="Uttar Pradesh")
    assert dataclasses.is_dataclass(area)
    with pytest.raises(dataclasses.FrozenInstanceError):
        area.district = "BASTI"  # type: ignore[misc]
    assert Area() == Area(None, None)


def test_forecast_fields_and_lookups() -> None:
    history = [("bcg", D(2025, 1, 1)), ("penta-1", D(2025, 2, 12))]
    result = forecast(D(2025, 1, 1), history, D(2025, 2, 20))
    assert isinstance(result, Forecast)
    assert (result.birth_date, result.as_of) == (D(2025, 1, 1), D(2025, 2, 20))
    assert isinstance(result.doses, tuple)
    assert all(isinstance(d, DoseForecast) for d in result.doses)
    assert result.doses is result.doses  # built once
    penta = result.dose("penta-1")
    assert penta == DoseForecast(
        "penta-1",
        "given",
        D(2025, 2, 12),
        D(2025, 2, 12),
        None,
        D(2025, 12, 31),
        D(2025, 2, 12),
        True,
        None,
    )
    assert penta._fields == (
        "code",
        "status",
        "earliest",
        "due",
        "overdue",
        "latest",
        "given",
        "valid",
        "reason",
    )
    assert result.status("penta-1") == "given"
    assert [d.code for d in result.with_status("given")] == ["bcg", "penta-1"]
    assert isinstance(result.next_visit, Visit)
    assert result.next_visit._fields == ("date", "codes", "latest", "iu")
    assert isinstance(result.next_visit.codes, tuple)
    assert result.invalid == ()


DOSE_FIELDS = ["code", "status", "earliest", "due", "latest", "given"]
ADDED_FIELDS = ["valid", "reason", "overdue_since", "give_by"]


def test_to_json_is_exactly_the_contract() -> None:
    result = forecast(D(2025, 1, 1), {"bcg": D(2025, 1, 1)}, D(2025, 1, 1))
    data = result.to_json()
    assert list(data) == ["dob", "as_of", "doses", "next_visit", "invalid"]
    assert data["dob"] == "2025-01-01" and data["as_of"] == "2025-01-01"
    assert data["doses"][0] == {
        "code": "bcg",
        "status": "given",
        "earliest": "2025-01-01",
        "due": "2025-01-01",
        "latest": "2025-12-31",
        "given": "2025-01-01",
        "valid": True,
        "reason": None,
        "overdue_since": None,
        "give_by": "2025-12-31",
    }
    assert data["doses"][1] == {
        "code": "hepb-0",
        "status": "due",
        "earliest": "2025-01-01",
        "due": "2025-01-01",
        "latest": "2025-01-02",
        "given": None,
        "valid": None,
        "reason": None,
        "overdue_since": None,  # its window closes first
        "give_by": "2025-01-02",
    }
    for d in data["doses"]:
        vitamin_a = d["code"].startswith("vita-")
        assert list(d) == DOSE_FIELDS + ADDED_FIELDS + (["dose_iu"] if vitamin_a else [])
    assert data["next_visit"] == {
        "date": "2025-01-01",
        "codes": ["hepb-0", "opv-0"],
        "give_by": "2025-01-02",
        "dose_iu": {},
    }
    assert data["invalid"] == []
    done = forecast(D(2000, 1, 1), [], D(2020, 1, 1)).to_json()
    assert done["next_visit"] is None


def test_to_json_says_which_given_doses_do_not_count_and_why() -> None:
    history = {"penta-1": D(2025, 2, 1), "bcg": D(2026, 2, 1)}  # 31 days old; 13 months old
    data = forecast(D(2025, 1, 1), history, D(2026, 2, 2)).to_json()
    doses = {d["code"]: d for d in data["doses"]}
    assert (doses["penta-1"]["valid"], doses["penta-1"]["reason"]) == (False, "too_early")
    assert doses["penta-1"]["given"] is None and doses["penta-1"]["status"] == "missed"
    assert doses["dpt-1"]["status"] == "overdue"
    assert doses["dpt-1"]["overdue_since"] == "2026-01-29"  # 4 weeks after due at 1 year
    assert doses["bcg"] == {
        **doses["bcg"],
        "status": "given",
        "given": "2026-02-01",
        "valid": False,
        "reason": "past_max_age",
    }
    assert data["invalid"] == [
        {"code": "bcg", "date": "2026-02-01", "reason": "past_max_age"},
        {"code": "penta-1", "date": "2025-02-01", "reason": "too_early"},
    ]
    vitamin = forecast(D(2025, 1, 1), [], D(2025, 10, 1)).to_json()
    assert {d["code"]: d.get("dose_iu") for d in vitamin["doses"]}["vita-1"] == 100_000
    assert vitamin["next_visit"]["dose_iu"] == {"vita-1": 100_000}


def test_schedule_codes_and_series() -> None:
    schedule = load_schedule()
    assert isinstance(schedule.codes, tuple)
    assert schedule.codes[:3] == ("bcg", "hepb-0", "opv-0")
    dtp = schedule.series_of("penta-1")
    assert [tuple(d.code for d in slot) for slot in dtp.slots] == [
        ("penta-1", "dpt-1"),
        ("penta-2", "dpt-2"),
        ("penta-3", "dpt-3"),
        ("dpt-b1",),
        ("dpt-b2",),
    ]


def test_errors_are_value_errors_with_subclasses() -> None:
    assert issubclass(ScheduleError, ValueError)
    for name in ("UnknownDoseCode", "DoseBeforeBirth", "DoseAfterAsOf", "BirthDateInFuture"):
        assert issubclass(getattr(scheduler, name), ScheduleError)
    with pytest.raises(ValueError, match="unknown dose code 'penta-4'"):
        forecast(D(2025, 1, 1), [("penta-4", D(2025, 3, 1))], D(2025, 6, 1))


def test_datetimes_in_history_count_as_their_day() -> None:
    at = dt.datetime(2025, 2, 12, 23, 30)
    result = forecast(D(2025, 1, 1), [("penta-1", at)], D(2025, 2, 20))
    assert result.dose("penta-1").given == D(2025, 2, 12)
