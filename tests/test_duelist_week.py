"""The due list of the current week, with doses recorded (DONE) on every day of it: the
dashboard's page, CSV and print all answer, and each child is listed where they belong."""

import csv
import datetime as dt
import io

import pytest

from scheduler import clock
from tests.dashboard_support import sign_in

pytestmark = pytest.mark.both_databases

MONDAY = dt.date(2025, 2, 10)  # ISO week 2025-W07; Lucknow (UP) holds RI sessions Wed and Sat
WEEK = [MONDAY + dt.timedelta(days=n) for n in range(7)]
NAMES = ["Somu", "Mangal", "Budhia", "Guru", "Shukla", "Shani", "Ravi"]  # DONE Mon ... Sun


@pytest.fixture
def week_of_dones(phone):
    """Seven children of Lucknow, each overdue for the 6-week visit since 31 January, whose
    caregivers send DONE on a different day of the week."""
    for n, (name, day) in enumerate(zip(NAMES, WEEK, strict=True)):
        caregiver = phone.other(f"+91980000010{n}")
        with clock.frozen("2025-02-01T10:00"):
            caregiver.send(f"REG {name} 20/12/2024 226001")
            caregiver.send("DONE 20/12")  # the birth doses
        with clock.frozen(f"{day.isoformat()}T18:00"):
            assert caregiver.send("DONE")[0].startswith(f"Noted for {name}: OPV-1, Penta-1")


def test_the_weeks_due_list_with_a_done_on_every_day(app, client, week_of_dones):
    staff = sign_in(app, client)
    query = "?district=LUCKNOW&week=2025-W07"
    with clock.frozen("2025-02-16T20:00"):
        page = staff.get("/dashboard/duelists" + query)
        download = staff.get("/dashboard/duelists.csv" + query)
        printed = staff.get("/dashboard/duelists/print" + query)
    assert (page.status_code, download.status_code, printed.status_code) == (200, 200, 200)
    rows = list(csv.DictReader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    listed = {row["Child"]: (row["Session day"], row["Vaccines"]) for row in rows}
    # Vaccinated before the week's first session (Monday, Tuesday): not due this week.
    # Vaccinated at it (Wednesday) or after it: due at Wednesday's session, where they
    # were expected, with the 6-week vaccines.
    assert set(listed) == set(NAMES[2:])
    for name in NAMES[2:]:
        session_day, vaccines = listed[name]
        assert session_day == "12 February 2025"
        assert vaccines == "OPV-1, Penta-1, RVV-1, fIPV-1, PCV-1"
    html = page.get_data(as_text=True)
    for name in NAMES:
        assert (name in html) == (name in listed)
    assert all(name in printed.get_data(as_text=True) for name in listed)
