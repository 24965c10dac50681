"""``python -m scheduler forecast`` run as a real subprocess."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from locales import format_date
from scheduler import forecast, load_schedule

ROOT = Path(__file__).resolve().parent.parent
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DEVANAGARI = re.compile(r"[\u0900-\u097F]")


def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("JE_DISTRICTS", "TIKA_NOW")}
    environ.update(env, PYTHONIOENCODING="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "scheduler", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        encoding="utf-8",
        env=environ,
        timeout=60,
    )


def forecast_json(*args: str, **env: str) -> dict:
    done = run("forecast", *args, "--json", **env)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    return json.loads(done.stdout)


def test_json_has_exactly_the_specified_shape() -> None:
    data = forecast_json(
        "--dob",
        "2025-01-01",
        "--given",
        "penta-1=2025-02-12",
        "--given",
        "opv-1=2025-02-12",
        "--on",
        "2025-03-01",
    )
    assert set(data) == {"dob", "as_of", "doses", "next_visit", "invalid"}
    assert (data["dob"], data["as_of"]) == ("2025-01-01", "2025-03-01")
    assert [d["code"] for d in data["doses"]] == list(load_schedule("uip").codes)
    for dose in data["doses"]:
        fields = {"code", "status", "earliest", "due", "latest", "given"}
        fields |= {"valid", "reason", "overdue_since", "give_by"}
        if dose["code"].startswith("vita-"):
            fields.add("dose_iu")
        assert set(dose) == fields
        assert dose["status"] in {"given", "due", "overdue", "upcoming", "missed", "not_applicable"}
        for key in ("earliest", "due", "latest", "given", "overdue_since", "give_by"):
            assert dose[key] is None or ISO.match(dose[key]), dose
        assert dose["valid"] in (True, False, None)
        assert dose["reason"] in (None, "too_early", "too_soon", "past_max_age")
    assert set(data["next_visit"]) == {"date", "codes", "give_by", "dose_iu"}
    assert ISO.match(data["next_visit"]["date"])
    penta = next(d for d in data["doses"] if d["code"] == "penta-1")
    assert (penta["status"], penta["given"]) == ("given", "2025-02-12")


def test_json_is_the_api_forecast() -> None:
    data = forecast_json("--dob", "2024-01-01", "--on", "2025-03-01")
    expected = forecast(dt.date(2024, 1, 1), [], dt.date(2025, 3, 1)).to_json()
    assert data == expected
    assert data["next_visit"] == {
        "date": "2025-03-01",
        "codes": ["opv-1", "dpt-1", "mr-1", "vita-1"],
        "give_by": "2028-12-31",
        "dose_iu": {"vita-1": 200_000},  # 14 months old: 2 lakh IU
    }


def test_json_next_visit_is_null_when_nothing_is_left() -> None:
    data = forecast_json("--dob", "2000-01-01", "--on", "2020-01-01")
    assert data["next_visit"] is None


def test_district_makes_je_applicable() -> None:
    def je(*extra: str, **env: str) -> str:
        data = forecast_json("--dob", "2024-01-01", "--on", "2024-10-15", *extra, **env)
        return next(d["status"] for d in data["doses"] if d["code"] == "je-1")

    assert je() == "not_applicable"
    assert je("--district", "Gorakhpur") == "due"
    assert je("--district", "NASHIK") == "not_applicable"
    assert je("--district", "NASHIK", JE_DISTRICTS="MUMBAI,NASHIK") == "due"


def test_on_defaults_to_the_clock() -> None:
    data = forecast_json("--dob", "2025-01-01", TIKA_NOW="2025-06-01T10:00:00")
    assert data["as_of"] == "2025-06-01"


def test_pregnancy_schedule() -> None:
    data = forecast_json("--schedule", "uip-pregnancy", "--dob", "2025-01-01", "--on", "2025-02-15")
    assert [d["code"] for d in data["doses"]] == ["td-p1", "td-pb", "td-p2"]
    assert data["next_visit"] == {
        "date": "2025-02-15",
        "codes": ["td-p1"],
        "give_by": "2025-10-21",
        "dose_iu": {},
    }


def test_hindi_table_has_devanagari_names_and_dates() -> None:
    done = run(
        "forecast",
        "--dob",
        "2025-01-01",
        "--given",
        "penta-1=2025-02-12",
        "--on",
        "2025-03-01",
        "--lang",
        "hi",
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert DEVANAGARI.search(out)
    assert "पेंटा-1" in out  # Penta-1
    assert "लग गया" in out  # given
    assert "बीसीजी" in out  # BCG
    assert format_date(dt.date(2025, 2, 12), "hi") in out  # the date of Penta-1, in Hindi
    assert "Penta-1" not in out


def test_english_table() -> None:
    done = run(
        "forecast",
        "--dob",
        "2025-01-01",
        "--given",
        "penta-1=2025-02-12",
        "--on",
        "2025-03-01",
        "--lang",
        "en",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    penta = next(line for line in lines if line.startswith("Penta-1 "))
    assert "given" in penta and format_date(dt.date(2025, 2, 12), "en") in penta
    on = format_date(dt.date(2025, 3, 1), "en")
    assert any(line.startswith(f"Next visit: {on}") and "OPV-1" in line for line in lines)
    assert not DEVANAGARI.search(done.stdout)


def test_table_lists_invalid_doses() -> None:
    done = run(
        "forecast",
        "--dob",
        "2025-01-01",
        "--given",
        "penta-1=2025-02-01",
        "--on",
        "2025-03-01",
        "--lang",
        "en",
    )
    assert done.returncode == 0, done.stderr
    day = format_date(dt.date(2025, 2, 1), "en")
    assert f"Penta-1 on {day}: given before the minimum age" in done.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--dob", "2025-01-01", "--given", "penta-4=2025-03-01", "--on", "2025-06-01"],
            "unknown dose code 'penta-4'",
        ),
        (["--dob", "2025-13-01"], "malformed date '2025-13-01'"),
        (["--dob", "01/01/2025"], "malformed date '01/01/2025'"),
        (["--dob", "2025-01-01", "--on", "tomorrow"], "malformed date 'tomorrow'"),
        (["--dob", "2025-01-01", "--given", "penta-1"], "malformed dose 'penta-1'"),
        (["--dob", "2025-01-01", "--given", "penta-1=2025-02-30"], "malformed date in"),
        (
            ["--dob", "2025-01-01", "--given", "bcg=2024-12-31", "--on", "2025-06-01"],
            "before the birth date 2025-01-01",
        ),
        (
            ["--dob", "2025-01-01", "--given", "bcg=2025-06-02", "--on", "2025-06-01"],
            "after the as-of date 2025-06-01",
        ),
        (["--dob", "2025-07-01", "--on", "2025-06-01"], "birth date 2025-07-01 is after"),
        (["--dob", "2025-01-01", "--schedule", "cdc"], "invalid choice: 'cdc'"),
        (["--dob", "2025-01-01", "--lang", "fr"], "invalid choice: 'fr'"),
        ([], "the following arguments are required: --dob"),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_code_2(args: list[str], message: str) -> None:
    done = run("forecast", *args)
    assert done.returncode == 2
    assert done.stdout == ""
    assert message in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1, done.stderr
    assert "Traceback" not in done.stderr


def test_missing_command() -> None:
    done = run()
    assert done.returncode == 2
    assert "COMMAND" in done.stderr
