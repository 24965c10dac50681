"""Loading campaigns never stops reminders: every shipped campaign loaded into a database
with children born before and after its days, then swept; a campaign or a child that
cannot be planned is an alert on the dashboard, and the rest goes out. Real RQ worker
processes, the real twilio client, a local Twilio-like server."""

import datetime as dt

import pytest
import yaml
from sqlalchemy import insert, select

from bot.services import services
from bot.storage.alerts import recent
from bot.storage.models.campaigns import Campaign
from bot.storage.models.core import Caregiver, Child, DoseRecord, Reminder
from bot.sweep import sweep
from scheduler import clock
from scheduler.calendars import CAMPAIGN_DIR
from tests.conftest import sending_through
from tests.dashboard_support import sign_in
from tests.support import at, run_worker

pytestmark = pytest.mark.both_databases

SHIPPED = sorted(  # every campaign file (ri_days.yaml and blocks.yaml are tables)
    path.stem
    for path in CAMPAIGN_DIR.glob("*.yaml")
    if "rounds" in yaml.safe_load(path.read_text())
)
BORN_2019 = "+919800000021"  # Bahraich (IMI 2.0), born before its rounds, nothing given
BORN_2021 = "+919800000022"  # Lucknow (Har Ghar Dastak), an adult, first dose in 2021
BORN_2025 = "+919800000023"  # Bahraich, born years after every shipped round


@pytest.fixture
def config(config, fake, web_port):
    return sending_through(config, fake, web_port)


@pytest.fixture
def families(phone):
    with clock.frozen("2019-11-01T10:00"):
        phone.other(BORN_2019).send("REG Asha 1/1/2019 271801")
    with clock.frozen("2021-10-01T10:00"):
        adult = phone.other(BORN_2021)
        for text in ("COVID", "2", "2", "1/9/2021", "Sunita", "226001", "1"):  # Covaxin
            adult.send(text)
    with clock.frozen("2025-03-20T10:00"):  # BCG not given yet: reminded a week later
        phone.other(BORN_2025).send("REG Ravi 1/3/2025 271801")


def load_every_campaign(app) -> None:
    runner = app.test_cli_runner()
    with app.app_context():
        for name in SHIPPED:
            loaded = runner.invoke(args=["campaigns", "load", name])
            assert loaded.exit_code == 0, loaded.output


def sent_to(fake) -> set[str]:
    return {message["to"] for message in fake.messages}


def test_every_shipped_campaign_is_loaded_and_reminders_still_go_out(app, config, fake, families):
    assert {"imi-2.0", "imi-5.0-example", "har-ghar-dastak-example"} <= set(SHIPPED)
    load_every_campaign(app)
    tika = services(app)
    # A day of IMI 2.0 (2019): Ravi, born in 2025, is not announced anything.
    with clock.frozen("2019-11-30T10:00"):
        result = sweep(tika, at("2019-11-30T10:00:00+05:30"))
        run_worker(config, "2019-11-30T10:00:30+05:30")
    assert result.failures == 0
    assert sent_to(fake) == {BORN_2019}  # the left-out child of 2019
    # Har Ghar Dastak's first day (2021): the adult whose second dose is due hears of it.
    fake.messages.clear()
    with clock.frozen("2021-11-03T10:00"):
        result = sweep(tika, at("2021-11-03T10:00:00+05:30"))
        run_worker(config, "2021-11-03T10:00:30+05:30")
    assert result.failures == 0
    assert BORN_2021 in sent_to(fake) and BORN_2025 not in sent_to(fake)
    # Years later every round has passed: nothing is announced, and Ravi's reminder of
    # BCG, a week after his registration, goes out as planned.
    fake.messages.clear()
    with clock.frozen("2025-03-27T10:00"):
        result = sweep(tika, at("2025-03-27T10:00:00+05:30"))
        run_worker(config, "2025-03-27T10:00:30+05:30")
    assert result.failures == 0 and result.claimed >= 1
    assert BORN_2025 in sent_to(fake)
    # Announcements were planned on the two days swept and on no other.
    with tika.db.reading() as conn:
        days = set(conn.scalars(select(Reminder.send_on).where(Reminder.kind.like("campaign-%"))))
    assert days == {dt.date(2019, 11, 30), dt.date(2021, 11, 3)}
    assert recent(tika, at("2000-01-01T00:00:00+05:30")) == []


def test_loading_a_campaign_says_which_days_have_passed(app, families):
    with clock.frozen("2025-01-01T10:00"), app.app_context():
        loaded = app.test_cli_runner().invoke(args=["campaigns", "load", "imi-2.0"])
    assert loaded.exit_code == 0, loaded.output
    assert "2019-11-30 (campaign-before, round of 2019-12-02): passed, not announced" in (
        loaded.output
    )


def test_a_failing_campaign_or_child_is_an_alert_and_the_rest_goes_out(
    app, client, config, fake, families, session
):
    load_every_campaign(app)
    tika = services(app)
    # Forced failures, in the data: a campaign whose file no longer reads, and a child
    # with a dose dated after the sweep's day (so the child cannot be forecast then).
    broken = {"id": "broken", "name": "Broken", "rounds": ["someday"], "session_days": 7}
    with tika.db.writing() as conn:
        conn.execute(insert(Campaign.__table__).values(id="broken", name="Broken", data=broken))
        child_id = conn.scalar(select(Child.id).join(Caregiver).where(Caregiver.phone == BORN_2019))
        conn.execute(
            insert(DoseRecord.__table__).values(
                child_id=child_id,
                code="bcg",
                given_on=dt.date(2019, 12, 25),
                source="reported",
                recorded_at=at("2019-12-25T10:00:00+05:30"),
            )
        )
    with clock.frozen("2019-11-30T10:00"):
        first = sweep(tika, at("2019-11-30T10:00:00+05:30"))
        run_worker(config, "2019-11-30T10:00:30+05:30")
        second = sweep(tika, at("2019-11-30T10:01:00+05:30"))
    assert first.failures == 2 and second.failures == 1  # the campaign fails every sweep
    alerts = {(a.source, a.subject): a for a in recent(tika, at("2019-11-01T00:00:00+05:30"))}
    assert set(alerts) == {("campaign", "broken"), ("child", str(child_id))}
    assert alerts[("campaign", "broken")].count == 2
    assert "someday" in alerts[("campaign", "broken")].error
    assert alerts[("child", str(child_id))].district == "BAHRAICH"
    assert (
        "dated 2019-12-25, after the as-of date 2019-11-30"
        in alerts[("child", str(child_id))].error
    )

    # The other campaigns' days and the other reminders are unaffected: Ravi, born in
    # 2025, still gets his reminders on their day.
    with clock.frozen("2025-03-27T10:00"):
        later = sweep(tika, at("2025-03-27T10:00:00+05:30"))
        run_worker(config, "2025-03-27T10:00:30+05:30")
    assert later.claimed >= 1 and BORN_2025 in sent_to(fake)

    # Officers see the alerts on the dashboard's overview.
    staff = sign_in(app, client)
    with clock.frozen("2019-11-30T12:00"):
        page = staff.get("/dashboard").get_data(as_text=True)
    assert 'data-source="campaign" data-subject="broken"' in page
    assert f'data-source="child" data-subject="{child_id}"' in page
    assert "Scheduler alerts" in page


def test_an_alert_never_holds_a_phone_number():
    from bot.storage.alerts import describe

    error = ValueError("no reply from +919812345678 (98123 45678) about dose bcg on 2025-03-01")
    assert describe(error) == (
        "ValueError: no reply from +91******5678 (******5678) about dose bcg on 2025-03-01"
    )


def test_a_reminder_that_cannot_be_worded_or_planned_is_an_alert_and_the_rest_go_out(
    app, config, fake, families
):
    tika = services(app)
    moment = at("2025-03-27T10:00:00+05:30")
    with tika.db.writing() as conn:
        child_of = {
            phone: conn.scalar(select(Child.id).join(Caregiver).where(Caregiver.phone == phone))
            for phone in (BORN_2019, BORN_2021)
        }
        caregiver_of = {
            phone: conn.scalar(select(Caregiver.id).where(Caregiver.phone == phone))
            for phone in (BORN_2019, BORN_2021)
        }
        due = {"send_on": dt.date(2025, 3, 27), "due_at": moment, "status": "planned"}
        # An announcement whose stored round days no longer read: it cannot be worded.
        broken = conn.execute(
            insert(Reminder.__table__)
            .values(
                child_id=child_of[BORN_2021],
                caregiver_id=caregiver_of[BORN_2021],
                visit_date=dt.date(2025, 3, 27),
                kind="campaign-start",
                codes="covaxin-2",
                detail={"name": "Drive", "days": ["someday"]},
                **due,
            )
            .returning(Reminder.id)
        ).scalar_one()
        # A visit whose reminders ran out, for a child with a dose dated after today: the
        # following visit cannot be planned.
        conn.execute(
            insert(Reminder.__table__).values(
                child_id=child_of[BORN_2019],
                caregiver_id=caregiver_of[BORN_2019],
                visit_date=dt.date(2025, 3, 1),
                kind="next",
                codes="td-10",
                **due,
            )
        )
        conn.execute(
            insert(DoseRecord.__table__).values(
                child_id=child_of[BORN_2019],
                code="bcg",
                given_on=dt.date(2025, 12, 25),
                source="reported",
                recorded_at=moment,
            )
        )
    with clock.frozen("2025-03-27T10:00"):
        assert sweep(tika, moment).claimed >= 3
        run_worker(config, "2025-03-27T10:00:30+05:30")
    # Ravi's BCG reminder went out all the same, and so did the adult's own overdue one;
    # the announcement that could not be worded did not go out half-made.
    assert {BORN_2025, BORN_2021} <= sent_to(fake)
    [adult] = [m["body"] for m in fake.messages if m["to"] == BORN_2021]
    assert "Drive" not in adult
    alerts = {(a.source, a.subject) for a in recent(tika, at("2025-03-01T00:00:00+05:30"))}
    assert alerts == {("reminder", str(broken)), ("child", str(child_of[BORN_2019]))}
    with tika.db.reading() as conn:
        statuses = dict(
            conn.execute(
                select(Reminder.kind, Reminder.status).where(
                    Reminder.kind.in_(["campaign-start", "next"]),
                    Reminder.send_on == dt.date(2025, 3, 27),
                )
            ).all()
        )
    assert statuses == {"campaign-start": "failed", "next": "failed"}
