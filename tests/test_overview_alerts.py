"""The overview's alerts, each with what to do: DLT refusals, a spike of failed SMS, a
stalled worker and the scheduler's failures; shown only while their condition holds."""

import datetime as dt
import re

from rq import Queue, Worker
from sqlalchemy import select, update

from bot.channels.senders import NO_TEMPLATE
from bot.services import services
from bot.storage import alerts
from bot.storage.models.core import Caregiver, MessageLog
from scheduler import clock
from tests.dashboard_support import sign_in

TODAY = "2025-03-05T12:00"
OFFICER = ("officer@tika.example", "district", ["LUCKNOW"])


def register(phone, numbers, pincode, at):
    """Register a child per number (one reply message each), at ``at``."""
    with clock.frozen(at):
        for n, number in enumerate(numbers):
            phone.other(number).send(f"REG Child{n} 1/1/2025 {pincode}")


def mark(session, numbers, count, **values):
    """Give ``count`` of these caregivers' outbound messages these values."""
    ids = session.scalars(
        select(MessageLog.id)
        .join(Caregiver, Caregiver.id == MessageLog.caregiver_id)
        .where(Caregiver.phone.in_(numbers), MessageLog.direction == "out")
        .order_by(MessageLog.id)
    ).all()
    session.execute(update(MessageLog).where(MessageLog.id.in_(ids[:count])).values(**values))
    session.commit()


def alerts_on(staff):
    with clock.frozen(TODAY):
        page = staff.get("/dashboard").get_data(as_text=True)
    return page, {
        key: re.sub(r"<[^>]+>", " ", body)
        for key, body in re.findall(r'data-alert="([^"]+)"[^>]*>(.*?)</section>', page, re.S)
    }


def a_worker(app):
    """A real RQ worker registered on the service's queue, with a fresh heartbeat."""
    worker = Worker([Queue("tika", connection=services(app).redis)], connection=services(app).redis)
    worker.register_birth()
    worker.heartbeat()
    return worker


LUCKNOW = [f"+9198000001{n:02d}" for n in range(12)]
GORAKHPUR = [f"+9198000002{n:02d}" for n in range(12)]


def test_dlt_refusals_of_the_last_day_are_an_alert_in_their_scope(app, client, phone, session):
    register(phone, LUCKNOW, "226001", "2025-03-05T09:00")
    register(phone, GORAKHPUR, "273001", "2025-03-05T09:00")
    worker = a_worker(app)
    admin = sign_in(app, client)
    _, shown = alerts_on(admin)
    assert "dlt" not in shown
    mark(session, GORAKHPUR, 3, status="failed", error_code=NO_TEMPLATE)
    _, shown = alerts_on(admin)
    assert "3 SMS in the last 24 hours were not delivered" in shown["dlt"]
    assert "What to do:" in shown["dlt"] and "DLT templates" in shown["dlt"]
    _, shown = alerts_on(sign_in(app, app.test_client(), *OFFICER))
    assert "dlt" not in shown  # Gorakhpur's refusals are not a Lucknow officer's
    worker.register_death()


def test_dlt_refusals_older_than_a_day_are_not_an_alert(app, client, phone, session):
    register(phone, LUCKNOW, "226001", "2025-03-03T09:00")
    mark(session, LUCKNOW, 3, status="failed", error_code=NO_TEMPLATE)
    worker = a_worker(app)
    _, shown = alerts_on(sign_in(app, client))
    assert "dlt" not in shown
    worker.register_death()


def test_a_spike_of_failed_sms_is_an_alert(app, client, phone, session):
    register(phone, LUCKNOW, "226001", "2025-03-05T09:00")  # 12 replies today, 10 failed
    mark(session, LUCKNOW, 10, status="undelivered")
    worker = a_worker(app)
    _, shown = alerts_on(sign_in(app, client))
    assert "83% of SMS failed in the last 24 hours, against 0% in the 7 days" in shown["spike"]
    assert "What to do:" in shown["spike"]
    worker.register_death()


def test_two_failures_or_failures_as_usual_are_no_spike(app, client, phone, session):
    register(phone, LUCKNOW, "226001", "2025-03-05T09:00")
    mark(session, LUCKNOW, 2, status="undelivered")
    worker = a_worker(app)
    staff = sign_in(app, client)
    assert "spike" not in alerts_on(staff)[1]
    # As many failed every day of the week before: that is how it is, not a spike.
    register(phone, GORAKHPUR, "273001", "2025-03-02T09:00")
    mark(session, GORAKHPUR, 10, status="undelivered")
    mark(session, LUCKNOW, 10, status="undelivered")
    assert "spike" not in alerts_on(staff)[1]
    worker.register_death()


def test_no_worker_running_is_an_alert_for_everyone(app, client, phone):
    register(phone, LUCKNOW, "226001", "2025-03-05T09:00")
    _, shown = alerts_on(sign_in(app, client, *OFFICER))
    assert "No worker is running" in shown["no_worker"]
    assert "What to do:" in shown["no_worker"] and "start the worker" in shown["no_worker"]
    worker = a_worker(app)
    patna = sign_in(app, app.test_client(), "dio@tika.example", "district", ["PATNA"])
    _, shown = alerts_on(patna)
    assert "no_worker" not in shown and "waiting" not in shown
    worker.register_death()


def test_jobs_waiting_too_long_are_an_alert(app, client):
    worker = a_worker(app)
    queue = Queue("tika", connection=services(app).redis)
    job = queue.enqueue("builtins.len", "abc")
    staff = sign_in(app, client)
    assert "waiting" not in alerts_on(staff)[1]  # just queued
    job.enqueued_at = dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)
    job.save()
    _, shown = alerts_on(staff)
    assert "1 jobs have waited more than 10 minutes in the queue" in shown["waiting"]
    assert "What to do:" in shown["waiting"]
    worker.register_death()


def test_scheduler_failures_are_an_alert_of_their_district(app, client, phone):
    worker = a_worker(app)
    staff = sign_in(app, client, *OFFICER)
    assert "scheduler" not in alerts_on(staff)[1]
    with clock.frozen("2025-03-05T08:00"):
        tika = services(app)
        alerts.record(tika, "child", 41, ValueError("no schedule"), district="GORAKHPUR")
        assert "scheduler" not in alerts_on(staff)[1]  # another district's
        alerts.record(tika, "child", 42, ValueError("no schedule"), district="LUCKNOW")
    page, shown = alerts_on(staff)
    assert "Scheduler alerts" in shown["scheduler"] and "Child 42" in shown["scheduler"]
    assert "What to do:" in shown["scheduler"] and "Child 41" not in page
    worker.register_death()
