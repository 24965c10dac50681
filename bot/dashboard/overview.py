"""The dashboard's Overview page: alerts, registrations, children by status, on-time
coverage per vaccine and per district, children who became left-outs per week, and
messages sent, delivered and failed by day and channel, with their delivery rates.

A district officer sees only their districts (``user.scope``); an admin sees every one.
Counts come from ``numbers`` (SQL, cached briefly) and ``statuses`` (the schedule engine,
cached per district and day, counted by a worker when a district is too large); the
charts are drawn by ``charts`` (pygal, inline SVG), each beside a table of its numbers.

Alerts, each with what to do:

- scheduler alerts: what the sweep could not do in the last ALERT_DAYS days (of the
  reader's districts, or of none);
- DLT refusals: SMS of the reader's caregivers refused for DLT reasons in the last 24
  hours (``numbers.dlt_refusals``);
- a failure spike: the failed share of the last 24 hours' SMS is at least twice that of
  the 7 days before and SPIKE_POINTS points above it, with SPIKE_MIN_FAILED failures at
  least (``failure_spike``);
- a stalled worker (everyone's): no RQ worker has a heartbeat in the last STALL_MINUTES
  minutes, or a job has waited in a queue longer than that (``stalled_worker``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template
from redis import Redis
from rq import Queue, Worker

from bot.dashboard import charts, i18n, numbers, statuses
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _, current_language, date, number, percent
from bot.services import services
from bot.storage import alerts
from bot.storage.clients import QUEUES
from scheduler import clock
from scheduler.vaccines import dose_name

blueprint = Blueprint("overview", __name__)

DAYS = 30
INDIA = dt.timezone(dt.timedelta(minutes=numbers.INDIA_OFFSET_MINUTES))

STATUS_NAMES = {
    "on_time": N_("On time"),
    "due": N_("Due"),
    "overdue": N_("Overdue"),
    "left_out": N_("Left-out"),
    "drop_out": N_("Drop-out"),
}
CHANNEL_NAMES = {"sms": N_("SMS"), "voice": N_("Voice calls")}
CHANNEL_COLORS = {"sms": charts.COLORS["sms"], "voice": charts.COLORS["voice"]}
NO_DISTRICT = N_("No district")
ALERT_DAYS = 7
ALERT_SUBJECTS = {
    "campaign": N_("Campaign %(id)s"),
    "child": N_("Child %(id)s"),
    "reminder": N_("Reminder %(id)s"),
    "sweep": N_("Sweep: %(id)s"),
    "inbox": N_("Message %(id)s in the inbox"),
    "deferred": N_("A webhook kept in Redis (%(id)s)"),
}
SPIKE_MIN_FAILED = 10  # fewer failures in 24 hours never alarm
SPIKE_POINTS = 0.10  # and the failed share must rise by 10 points at least
STALL_MINUTES = 10

ALERT_TEXTS = {
    "dlt": (
        N_("SMS refused for DLT reasons"),
        N_(
            "%(count)s SMS in the last 24 hours were not delivered: "
            "no approved DLT template matches them."
        ),
        N_(
            "Ask the operator to register these texts as DLT templates (or correct them) "
            "and import the approved template ids."
        ),
    ),
    "spike": (
        N_("Many SMS are failing"),
        N_(
            "%(recent)s of SMS failed in the last 24 hours, against %(before)s in the 7 days "
            "before (%(count)s failed)."
        ),
        N_(
            "Tell the operator: the SMS gateway or the telecom operator may be refusing "
            "messages. See the failed messages per day below."
        ),
    ),
    "no_worker": (
        N_("Messages are not being sent"),
        N_("No worker is running: reminders and replies wait in the queue."),
        N_("Ask the operator to start the worker (Procfile: worker) and check its log."),
    ),
    "waiting": (
        N_("Messages are not being sent"),
        N_("%(count)s jobs have waited more than %(minutes)s minutes in the queue."),
        N_("Ask the operator to check that the worker is running and not stuck, and restart it."),
    ),
}


def failure_spike(recent: tuple[int, int], before: tuple[int, int]) -> bool:
    """Whether the failed share of ``recent`` (sent, failed) is well above ``before``'s:
    twice it and SPIKE_POINTS above, with SPIKE_MIN_FAILED failures at least."""
    sent, failed = recent
    if failed < SPIKE_MIN_FAILED or not sent:
        return False
    share = failed / sent
    usual = before[1] / before[0] if before[0] else 0.0
    return share >= 2 * usual and share - usual >= SPIKE_POINTS


def stalled_worker(redis: Redis, now: dt.datetime) -> tuple[str, int] | None:
    """("no_worker", 0) when no RQ worker has a heartbeat in the last STALL_MINUTES,
    ("waiting", jobs) when jobs have waited longer than that in a queue, else None.
    ``now``: the real time (RQ's timestamps are the machine's, whatever our clock)."""
    limit = dt.timedelta(minutes=STALL_MINUTES)

    def aware(moment: dt.datetime | None) -> dt.datetime | None:
        if moment is not None and moment.tzinfo is None:
            return moment.replace(tzinfo=dt.UTC)
        return moment

    alive = [
        w
        for w in Worker.all(connection=redis)
        if (beat := aware(w.last_heartbeat)) and now - beat < limit
    ]
    if not alive:
        return "no_worker", 0
    waiting = 0
    for name in QUEUES:
        queue = Queue(name, connection=redis)
        for job in queue.job_class.fetch_many(queue.get_job_ids(0, 99), connection=redis):
            if job is not None and (at := aware(job.enqueued_at)) and now - at > limit:
                waiting += 1
    return ("waiting", waiting) if waiting else None


def _scheduler_alerts(scope) -> list[dict[str, Any]]:
    """What the scheduler could not do lately, in this scope (and not tied to a district)."""
    since = clock.now() - dt.timedelta(days=ALERT_DAYS)
    found = alerts.recent(services(), since, None if scope.everywhere else scope.districts)
    return [
        {
            "alert": alert,
            "what": _(ALERT_SUBJECTS.get(alert.source, "%(id)s"), id=alert.subject),
            "last_seen": alert.last_seen.astimezone(INDIA),
        }
        for alert in found
    ]


def _alert(key: str, **values: Any) -> dict[str, str]:
    title, detail, action = ALERT_TEXTS[key]
    return {"key": key, "title": _(title), "detail": _(detail, **values), "action": _(action)}


def _condition_alerts(scope) -> list[dict[str, str]]:
    """The alerts whose condition holds now: DLT refusals and a failure spike in this
    scope, a stalled worker anywhere."""
    found = services()
    now = clock.now()
    day = now - dt.timedelta(days=1)
    with found.db.reading() as conn:
        refused = numbers.dlt_refusals(conn, scope, day)
        recent = numbers.sms_outcomes(conn, scope, day, now + dt.timedelta(minutes=1))
        before = numbers.sms_outcomes(conn, scope, day - dt.timedelta(days=7), day)
    shown = []
    if refused:
        shown.append(_alert("dlt", count=number(refused)))
    if failure_spike(recent, before):
        shown.append(
            _alert(
                "spike",
                recent=percent(recent[1], recent[0]),
                before=percent(before[1], before[0]) if before[0] else percent(0, 1),
                count=number(recent[1]),
            )
        )
    stalled = stalled_worker(found.redis, dt.datetime.now(dt.UTC))
    if stalled is not None:
        kind, jobs = stalled
        shown.append(_alert(kind, count=number(jobs), minutes=number(STALL_MINUTES)))
    return shown


def _days(today: dt.date) -> list[dt.date]:
    return [today - dt.timedelta(days=DAYS - 1 - i) for i in range(DAYS)]


def _counts(scope, today: dt.date) -> dict[str, Any]:
    """The SQL counts of this scope for the last DAYS days (JSON-able, cached)."""
    found = services()
    first = dt.datetime.combine(today - dt.timedelta(days=DAYS - 1), dt.time(), INDIA)
    since = first.astimezone(dt.UTC)

    def compute() -> dict[str, Any]:
        with found.db.reading() as conn:
            return {
                "districts": numbers.districts(conn, scope),
                "registrations": numbers.registrations(conn, scope, since),
                "messages": numbers.messages(conn, scope, since),
            }

    return numbers.cached(found, f"overview:{scope.key}:{today.isoformat()}", compute)


def _district_name(name: str | None) -> str:
    return i18n.district(name) if name else _(NO_DISTRICT)


def _coverage_rows(counted: statuses.Counted, order: tuple[str, ...]) -> list[dict[str, Any]]:
    """One row per vaccine dose that counts anywhere: the whole scope, then each district."""
    total = counted.total.coverage
    lang = current_language()
    rows = []
    for code in order:
        if not total.get(code, [0])[0]:
            continue
        counted_, given, on_time = total[code]
        rows.append(
            {
                "code": code,
                "name": dose_name(code, lang),
                "counted": counted_,
                "given": given,
                "on_time": on_time,
                "districts": [
                    tally.coverage.get(code, [0, 0, 0]) for tally in counted.by_district.values()
                ],
            }
        )
    return rows


def _district_coverage(counted: statuses.Counted) -> list[dict[str, Any]]:
    """Each district's doses counted and given on time, over every vaccine."""
    rows = []
    for district, tally in counted.by_district.items():
        doses = sum(c[0] for c in tally.coverage.values())
        on_time = sum(c[2] for c in tally.coverage.values())
        rows.append(
            {
                "district": district,
                "name": _district_name(district),
                "counted": doses,
                "on_time": on_time,
            }
        )
    return rows


def _share(value: float) -> str:
    return percent(value, 1)


def _left_out_weeks(total: statuses.Tally, today: dt.date) -> list[dict[str, Any]]:
    """Children who became left-outs in each of the last weeks (see ``statuses``)."""
    return [
        {
            "week": statuses.iso_week(monday),
            "monday": monday,
            "label": date(monday, "d MMM"),
            "children": total.left_out_weeks.get(statuses.iso_week(monday), 0),
        }
        for monday in statuses.recent_weeks(today)
    ]


def _messages(days: list[dt.date], rows: list[dict]) -> list[dict[str, Any]]:
    """Per channel: the totals of these days, and the delivered share of each day (None
    on a day nothing was sent)."""
    by_key = {(row["day"], row["channel"]): row for row in rows}
    found = []
    for channel in numbers.CHANNELS:
        cells = [by_key.get((d.isoformat(), channel)) for d in days]
        found.append(
            {
                "channel": channel,
                "name": _(CHANNEL_NAMES[channel]),
                "sent": sum(c["sent"] for c in cells if c),
                "delivered": sum(c["delivered"] for c in cells if c),
                "failed": sum(c["failed"] for c in cells if c),
                "rates": [c["delivered"] / c["sent"] if c and c["sent"] else None for c in cells],
            }
        )
    return found


def _charts(
    days: list[dt.date],
    registered: list[int],
    total: statuses.Tally,
    status_names: dict[str, str],
    coverage: list[dict],
    district_coverage: list[dict],
    weeks: list[dict],
    channels: list[dict],
) -> dict[str, Any]:
    """Every chart of the page, as inline SVG."""
    labels = [date(d, "d MMM") for d in days]
    return {
        "registrations": charts.columns(
            labels,
            [charts.Series(_("children registered"), registered)],
            _("Children registered per day"),
            number,
            every=7,
            kind="registrations",
        ),
        "statuses": charts.share_bar(
            [
                (status_names[key], total.statuses.get(key, 0), charts.STATUS_COLORS[key])
                for key in statuses.CATEGORIES
            ],
            _("Children by status"),
            number,
        ),
        "coverage": charts.horizontal_bars(
            [(row["name"], row["on_time"] / row["counted"]) for row in coverage],
            _("On-time coverage per vaccine"),
            _share,
            maximum=1,
            kind="coverage",
        ),
        "district_coverage": charts.horizontal_bars(
            [
                (row["name"], row["on_time"] / row["counted"])
                for row in district_coverage
                if row["counted"]
            ],
            _("On-time coverage per district"),
            _share,
            maximum=1,
            kind="district-coverage",
        ),
        "left_outs": charts.columns(
            [week["label"] for week in weeks],
            [
                charts.Series(
                    _("children"), [week["children"] for week in weeks], charts.COLORS["left_out"]
                )
            ],
            _("Children who became left-outs per week"),
            number,
            every=2,
            kind="left-outs",
        ),
        "delivery": charts.lines(
            labels,
            [charts.Series(m["name"], m["rates"], CHANNEL_COLORS[m["channel"]]) for m in channels],
            _("Delivered share per day"),
            _share,
            every=7,
            maximum=1,
            kind="delivery",
        ),
    }


@blueprint.get("/dashboard")
def overview() -> str:
    user = current_user()
    scope = user.scope
    found = services()
    today = clock.today()
    counts = _counts(scope, today)
    district_rows = counts["districts"]
    counted = statuses.tallies(found, [row["district"] for row in district_rows], today)
    total = counted.total

    days = _days(today)
    registered = [counts["registrations"].get(d.isoformat(), 0) for d in days]
    status_names = {key: _(name) for key, name in STATUS_NAMES.items()}
    coverage = _coverage_rows(counted, found.schedule.codes)
    district_coverage = _district_coverage(counted)
    weeks = _left_out_weeks(total, today)
    channels = _messages(days, counts["messages"])
    for row in district_rows:
        tally = counted.by_district.get(row["district"])
        row["name"] = _district_name(row["district"])
        row["statuses"] = tally.statuses if tally else None
    return render_template(
        "dashboard/overview.html",
        today=today,
        first_day=days[0],
        scope=scope,
        districts=district_rows,
        coverage_districts=[_district_name(d) for d in counted.by_district],
        pending=[_district_name(d) for d in counted.pending],
        registered_total=sum(registered),
        registrations=[
            {"day": d, "children": n} for d, n in zip(days, registered, strict=True) if n
        ],
        categories=statuses.CATEGORIES,
        status_names=status_names,
        total=total,
        coverage=coverage,
        district_coverage=district_coverage,
        left_out_weeks=weeks,
        channels=channels,
        svg=_charts(
            days, registered, total, status_names, coverage, district_coverage, weeks, channels
        ),
        message_rows=[
            {**row, "day": dt.date.fromisoformat(row["day"])}
            for row in sorted(
                counts["messages"], key=lambda r: (r["day"], r["channel"]), reverse=True
            )
        ],
        channel_names={key: _(name) for key, name in CHANNEL_NAMES.items()},
        alerts=_scheduler_alerts(scope),
        condition_alerts=_condition_alerts(scope),
    )
