"""The dashboard's overview and queues pages, on real registrations and a real Redis."""

import re

import pytest
from rq import Queue, SimpleWorker, Worker
from sqlalchemy import select, update

from bot.services import services
from bot.storage.models.core import Caregiver, MessageLog
from scheduler import clock
from tests.dashboard_support import sign_in

OFFICER = ("officer@tika.example", "district", ["LUCKNOW"])


def register(phone, number, *texts):
    caregiver = phone.other(number)
    with clock.frozen("2025-03-01T10:00"):
        for text in texts:
            caregiver.send(text)


def mark_messages(session, number, *statuses):
    """Give the caregiver's first outbound messages these delivery statuses."""
    caregiver_id = session.scalar(select(Caregiver.id).where(Caregiver.phone == number))
    ids = session.scalars(
        select(MessageLog.id)
        .where(MessageLog.caregiver_id == caregiver_id, MessageLog.direction == "out")
        .order_by(MessageLog.id)
    ).all()
    for message_id, status in zip(ids, statuses, strict=False):
        session.execute(update(MessageLog).where(MessageLog.id == message_id).values(status=status))
    session.commit()


@pytest.fixture
def families(phone, session):
    # Lucknow: Asha's doses so far reported (on time), Ravi's none (left-out).
    register(phone, "+919800000001", "REG Asha 1/1/2025 226001", "DONE 1/1", "DONE 12/2")
    register(phone, "+919800000002", "REG Ravi 1/6/2024 226001")
    # Gorakhpur: Sunil, nothing reported (left-out).
    register(phone, "+919800000004", "REG Sunil 1/1/2024 273001")
    mark_messages(session, "+919800000001", "delivered")
    mark_messages(session, "+919800000004", "delivered", "undelivered")


def page_of(staff, path="/dashboard"):
    with clock.frozen("2025-03-05T12:00"):
        response = staff.get(path)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def cells(page, attribute, value):
    """The texts of the numeric cells of the table row marked ``attribute="value"``."""
    row = re.search(rf'<tr {attribute}="{re.escape(value)}"[^>]*>(.*?)</tr>', page, re.S)
    assert row, f"no row {attribute}={value}"
    return [
        re.sub(r"<[^>]+>", "", c).strip()
        for c in re.findall(r'<td class="n"[^>]*>(.*?)</td>', row[1], re.S)
    ]


def figures(page, channel):
    block = re.search(rf'<div data-channel="{channel}">(.*?)</div>\s*</div>', page, re.S)[1]
    return re.findall(r"<b>([^<]*)</b>", block)


def in_english(staff):
    staff.post("/language", {"lang": "en", "next": "/dashboard"})
    return staff


def test_the_overview_counts_every_district_for_an_admin(app, client, families):
    page = page_of(in_english(sign_in(app, client)))
    # families, children, on time, due, overdue, left-out, drop-out
    assert cells(page, "data-district", "LUCKNOW") == ["2", "2", "1", "0", "0", "1", "0"]
    assert cells(page, "data-district", "GORAKHPUR") == ["1", "1", "0", "0", "0", "1", "0"]
    assert cells(page, "data-status", "on_time") == ["1", "33%"]
    assert cells(page, "data-status", "left_out") == ["2", "67%"]
    assert cells(page, "data-status", "overdue") == ["0", "0%"]
    # BCG: counted for all three, given to Asha, on time; per district: Lucknow, Gorakhpur.
    assert cells(page, "data-vaccine", "bcg") == ["3", "1", "33%", "50%", "0%"]
    registrations = re.search(r'id="registrations".*?<b>([^<]*)</b>', page, re.S)[1]
    assert registrations == "3"
    assert "<svg" in page and "1 Mar: 3" in page  # the column of the day they registered
    # 10 replies; Asha's first delivered; Sunil's first delivered, second undelivered.
    assert figures(page, "sms") == ["10", "2", "1", "20%"]
    assert figures(page, "voice") == ["0", "0", "0", "–"]
    assert cells(page, "data-day", "2025-03-01") == ["10", "2", "1", "20%"]


def test_a_district_officer_sees_only_their_districts(app, client, families):
    page = page_of(sign_in(app, client, *OFFICER))
    assert cells(page, "data-district", "LUCKNOW") == ["2", "2", "1", "0", "0", "1", "0"]
    assert "GORAKHPUR" not in page and "Gorakhpur" not in page
    assert cells(page, "data-status", "left_out") == ["1", "50%"]
    assert cells(page, "data-vaccine", "bcg") == ["2", "1", "50%"]  # one district: no columns
    registrations = re.search(r'id="registrations".*?<b>([^<]*)</b>', page, re.S)[1]
    assert registrations == "2"
    assert figures(page, "sms") == ["8", "1", "0", "12%"]  # Gorakhpur's messages are not counted


def test_an_officer_of_a_district_without_families_sees_it_empty(app, client, families):
    page = page_of(sign_in(app, client, "dio@tika.example", "district", ["PATNA"]))
    assert cells(page, "data-district", "PATNA") == ["0", "0", "0", "0", "0", "0", "0"]
    assert (
        "LUCKNOW" not in page
        and "Lucknow" not in page
        and figures(page, "sms") == ["0", "0", "0", "–"]
    )


def test_the_overview_in_hindi(app, client, families):
    staff = sign_in(app, client)
    staff.post("/language", {"lang": "hi", "next": "/dashboard"})
    page = page_of(staff)
    assert (
        'lang="hi"' in page
        and "लखनऊ" in page
        and cells(page, "data-district", "LUCKNOW")[:2] == ["2", "2"]
    )
    assert "1 मार्च: 3" in page


def test_the_queues_page_shows_jobs_failures_and_workers(app, client):
    redis = services(app).redis
    queue = Queue("tika", connection=redis)
    queue.enqueue("builtins.int", "not a number")
    SimpleWorker([queue], connection=redis).work(burst=True)  # the job fails
    queue.enqueue("builtins.len", "abc")
    queue.enqueue("builtins.len", "abcd")
    worker = Worker([queue], connection=redis, name="tika-worker-1")
    worker.register_birth()
    worker.set_state("idle")
    page = page_of(sign_in(app, client), "/dashboard/queues")
    assert cells(page, "data-queue", "tika")[:3] == ["2", "0", "1"]  # waiting, running, failed
    assert "builtins.int" in page and "ValueError" in page
    assert re.search(
        r'<tr data-worker="tika-worker-1">\s*<td>tika-worker-1</td><td>idle</td>', page
    )
    worker.register_death()


def test_the_queues_page_without_workers_says_so(app, client):
    page = page_of(sign_in(app, client), "/dashboard/queues")
    assert cells(page, "data-queue", "tika") == ["0", "0", "0", "0", "0", "0"]
    assert "No worker is running" in page


def test_the_queues_page_is_for_admins_only(app, client):
    staff = sign_in(app, client, *OFFICER)
    assert client.get("/dashboard/queues").status_code == 403
    assert "/dashboard/queues" not in staff.get("/dashboard").get_data(as_text=True)


def test_a_dose_reported_two_months_late_counts_as_given_late(app, client, phone):
    """Asha's six- and ten-week doses are reported on their days; Meena's six-week doses
    two months late (15 April), her ten-week doses the first day they could follow (13 May,
    two months after ten weeks): both visits late, though the engine, timing the ten-week
    doses from the late six-week ones, would call the second one not yet overdue."""
    timely, late = phone.other("+919800000011"), phone.other("+919800000012")
    with clock.frozen("2025-01-01T10:00"):
        for caregiver, name in ((timely, "Asha"), (late, "Meena")):
            caregiver.send(f"REG {name} 1/1/2025 226001")
            caregiver.send("DONE")  # the birth doses, the day they were due
    with clock.frozen("2025-02-12T10:00"):  # six weeks, on the day
        assert "Penta-1" in timely.send("DONE")[0]
    with clock.frozen("2025-03-12T10:00"):  # ten weeks, on the day
        assert "Penta-2" in timely.send("DONE")[0]
    with clock.frozen("2025-04-15T10:00"):  # the six-week visit, two months late
        assert "Penta-1" in late.send("DONE")[0]
    with clock.frozen("2025-05-13T10:00"):  # the ten-week visit, two months late
        assert "Penta-2" in late.send("DONE")[0]
    with clock.frozen("2025-05-14T12:00"):
        page = in_english(sign_in(app, client)).get("/dashboard").get_data(as_text=True)
    # children counted, given, on time
    assert cells(page, "data-vaccine", "bcg") == ["2", "2", "100%"]
    assert cells(page, "data-vaccine", "penta-1") == ["2", "2", "50%"]
    assert cells(page, "data-vaccine", "penta-2") == ["2", "2", "50%"]
    assert cells(page, "data-vaccine", "opv-2") == ["2", "2", "50%"]
