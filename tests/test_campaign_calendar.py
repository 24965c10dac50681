"""Campaign calendars: IMI 2.0's four rounds, an IMI 5.0-style round, areas, the CLI."""

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import pytest

from scheduler.calendars import load_campaign, ri_weekdays, state_holidays
from scheduler.campaigns import CalendarError, campaign_from_data, parse_weekdays, session_days

ROOT = Path(__file__).resolve().parent.parent
D = dt.date


def days(*numbers: int, year: int, month: int) -> list[dt.date]:
    return [D(year, month, n) for n in numbers]


def test_imi_2_0_rounds_in_uttar_pradesh_skip_sundays_ri_days_and_holidays():
    imi = load_campaign("imi-2.0")
    assert imi.rounds == (D(2019, 12, 2), D(2020, 1, 6), D(2020, 2, 3), D(2020, 3, 2))
    rounds = imi.round_days(ri_weekdays("UP"), state_holidays("UP", [2019, 2020]))
    assert rounds == [
        # Wednesdays and Saturdays are UP's RI days; Sundays are off.
        days(2, 3, 5, 6, 9, 10, 12, year=2019, month=12),
        days(6, 7, 9, 10, 13, 14, 16, year=2020, month=1),
        days(3, 4, 6, 7, 10, 11, 13, year=2020, month=2),
        # 10 March 2020 is Holi, a public holiday: the round runs a day longer.
        days(2, 3, 5, 6, 9, 12, 13, year=2020, month=3),
    ]


def test_ri_days_differ_between_states():
    imi = load_campaign("imi-2.0")
    bihar = imi.round_days(ri_weekdays("BIHAR"), state_holidays("BR", [2019]))[0]
    # Bihar's RI days are Wednesday and Friday: Saturday 7 December counts there.
    assert bihar == days(2, 3, 5, 7, 9, 10, 12, year=2019, month=12)
    assert ri_weekdays("UP", override="UP=tue") == parse_weekdays("tue")
    assert ri_weekdays("KERALA") == frozenset()  # none configured: nothing to skip


def test_an_imi_5_style_round_includes_the_ri_day():
    imi5 = load_campaign("imi-5.0-example")
    [round_days] = imi5.round_days(ri_weekdays("UP"), state_holidays("UP", [2023]))
    # Six days including Wednesday 9 and Saturday 12 August, UP's RI days.
    assert round_days == days(7, 8, 9, 10, 11, 12, year=2023, month=8)


def test_session_days_rules():
    monday = D(2024, 1, 1)
    assert session_days(monday, 3) == days(1, 2, 3, year=2024, month=1)
    assert session_days(D(2024, 1, 6), 2) == days(6, 8, year=2024, month=1)  # skips Sunday
    assert session_days(D(2024, 1, 6), 2, exclude_sundays=False) == days(6, 7, year=2024, month=1)
    assert session_days(monday, 2, holidays={monday}) == days(2, 3, year=2024, month=1)
    with pytest.raises(CalendarError):
        session_days(monday, 0)
    with pytest.raises(CalendarError):
        session_days(monday, 3, ri_weekdays=frozenset(range(7)))


def test_areas_match_states_districts_blocks_and_pincodes():
    imi = load_campaign("imi-2.0")
    assert imi.areas.includes("UTTAR PRADESH", "BAHRAICH", "271801")
    assert imi.areas.includes("BIHAR", "PATNA", "800004")  # through the block
    assert not imi.areas.includes("BIHAR", "PATNA", "800020")
    assert not imi.areas.includes("UTTAR PRADESH", "LUCKNOW", "226001")
    everywhere = campaign_from_data(
        {"id": "x", "name": "x", "rounds": ["2024-01-01"], "session_days": 1}
    )
    assert everywhere.areas.includes(None, None, None)


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"name": "x", "rounds": ["2024-01-01"], "session_days": 1}, "'id'"),
        ({"id": "x", "name": "x", "rounds": [], "session_days": 1}, "at least one round"),
        ({"id": "x", "name": "x", "rounds": ["2024-13-01"], "session_days": 1}, "month"),
        (
            {
                "id": "x",
                "name": "x",
                "rounds": ["2024-01-01"],
                "session_days": 1,
                "audience": "cats",
            },
            "audience",
        ),
    ],
)
def test_bad_campaign_files_say_what_is_wrong(data, problem):
    with pytest.raises(CalendarError, match=problem):
        campaign_from_data(data)


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "scheduler", "campaign-days", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_cli_prints_session_days_as_json():
    result = cli("--start", "2019-12-02", "--days", "7", "--ri-days", "wed,sat", "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "days": [
            "2019-12-02",
            "2019-12-03",
            "2019-12-05",
            "2019-12-06",
            "2019-12-09",
            "2019-12-10",
            "2019-12-12",
        ]
    }
    # With the state's holidays and configured RI days, and with RI days included.
    march = json.loads(
        cli("--start", "2020-03-02", "--days", "7", "--state", "UP", "--json").stdout
    )
    assert march["days"][-2:] == ["2020-03-12", "2020-03-13"]
    included = cli(
        "--start", "2019-12-02", "--days", "3", "--ri-days", "wed", "--include-ri-days", "--json"
    )
    assert json.loads(included.stdout)["days"] == ["2019-12-02", "2019-12-03", "2019-12-04"]
    table = cli("--start", "2019-12-02", "--days", "2", "--ri-days", "wed")
    assert table.stdout.splitlines() == ["2019-12-02 Mon", "2019-12-03 Tue"]


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--start", "2019-12-02", "--days", "7", "--ri-days", "someday"), "unknown weekday"),
        (("--start", "2019-12-02", "--days", "7", "--state", "ATLANTIS"), "unknown state"),
        (("--start", "2019-02-30", "--days", "7"), "malformed date"),
        (("--start", "2019-12-02", "--days", "0"), "at least one"),
    ],
)
def test_the_cli_refuses_bad_input_with_exit_code_2(args, problem):
    result = cli(*args)
    assert result.returncode == 2
    assert problem in result.stderr
