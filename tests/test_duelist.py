"""Due lists for ASHAs and ANMs: ``flask --app bot duelist``, as CSV and printable HTML."""

import csv
import io
import subprocess

import pytest

from scheduler import clock
from tests.support import FLASK, ROOT, process_env

pytestmark = pytest.mark.both_databases


def register(phone, number, text, *more):
    caregiver = phone.other(number)
    with clock.frozen("2025-03-01T10:00"):
        for message in (text, *more):
            caregiver.send(message)


@pytest.fixture
def families(phone):
    # Lucknow (UP: RI days are Wednesday and Saturday).
    register(phone, "+919800000001", "REG Asha 1/1/2025 226001", "DONE 1/1", "DONE 12/2")
    register(phone, "+919800000002", "REG Ravi 1/6/2024 226001")  # nothing reported: left-out
    # Penta-1 and the rest of the 6-week visit given, the 10-week visit missed: drop-out.
    register(
        phone, "+919800000003", "REG Meena 1/10/2024 226010", "DONE 1/10/2024", "DONE 12/11/2024"
    )
    register(phone, "+919800000004", "REG Sunil 1/1/2024 273001")  # Gorakhpur
    # Patna (Bihar: Wednesday and Friday), in the PATNA SADAR block.
    register(phone, "+919800000005", "REG Geeta 1/2/2025 800004", "DONE 1/2")


def duelist(config, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [FLASK, "--app", "bot", "duelist", *args],
        cwd=ROOT,
        env=process_env(config),
        capture_output=True,
        text=True,
        timeout=60,
    )


def table(output: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(output)))


def test_a_district_due_list_by_session_day(config, families):
    result = duelist(config, "--district", "lucknow", "--from", "2025-03-03", "--to", "2025-03-16")
    assert result.returncode == 0, result.stderr
    rows = table(result.stdout)
    assert [
        (r["Session day"], r["Child"], r["Status"], r["Left-out"], r["Drop-out"]) for r in rows
    ] == [
        ("5 March 2025", "Meena", "overdue", "", "yes"),
        ("5 March 2025", "Ravi", "overdue", "yes", ""),
        ("12 March 2025", "Asha", "due", "", ""),
    ]
    assert rows[2]["Vaccines"] == "OPV-2, Penta-2, RVV-2"
    assert rows[2]["Phone"] == "+919800000001"
    assert rows[1]["Vaccines"].startswith("BCG, OPV-1, Penta-1")
    # Nine months old on 5 March: vitamin A, named with its strength (chart: 1 lakh IU).
    assert rows[1]["Vaccines"].endswith("Vitamin A-1 (1 lakh IU, 1 ml)")
    assert "Sunil" not in result.stdout  # another district


def test_a_block_or_pin_codes(config, families):
    block = duelist(config, "--block", "Patna Sadar", "--from", "2025-03-10", "--to", "2025-03-23")
    [row] = table(block.stdout)
    # Geeta's 6-week visit falls on 15 March, a Saturday: Bihar's next RI day is Wednesday.
    assert (row["Child"], row["Session day"]) == ("Geeta", "19 March 2025")
    pins = duelist(config, "--pincode", "226010", "--from", "2025-03-03", "--to", "2025-03-16")
    assert [r["Child"] for r in table(pins.stdout)] == ["Meena"]


def test_a_printable_hindi_due_list(config, families):
    result = duelist(
        config,
        "--district",
        "LUCKNOW",
        "--from",
        "2025-03-03",
        "--to",
        "2025-03-16",
        "--format",
        "html",
        "--lang",
        "hi",
    )
    assert result.returncode == 0, result.stderr
    page = result.stdout
    assert "@page { size: A4" in page
    assert "<h2>5 मार्च 2025 <small>— बाकी बच्चे: 2</small></h2>" in page
    assert "<td>पोलियो-2, पेंटा-2, रोटा-2</td>" in page
    assert page.count("<tr>") == 2 + 3  # two header rows, three children


@pytest.mark.parametrize(
    ("args", "problem"),
    [
        (("--from", "2025-03-03", "--to", "2025-03-16"), "give --district, --block or --pincode"),
        (("--block", "Nowhere", "--from", "2025-03-03", "--to", "2025-03-16"), "unknown block"),
        (("--district", "LUCKNOW", "--from", "2025-03-16", "--to", "2025-03-03"), "before"),
        (("--district", "LUCKNOW", "--from", "3/3/2025", "--to", "2025-03-16"), "not a date"),
    ],
)
def test_bad_requests_are_refused(config, args, problem):
    result = duelist(config, *args)
    assert result.returncode == 2
    assert problem in result.stderr
