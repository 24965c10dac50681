"""The dashboard's Overview page: registrations, children by status, on-time coverage per
vaccine by district, and messages sent, delivered and failed by day and channel.

A district officer sees only their districts (``user.scope``); an admin sees every one.
Counts come from ``numbers`` (SQL, cached briefly) and ``statuses`` (the schedule engine,
cached per district and day, counted by a worker when a district is too large).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, render_template

from bot.dashboard import charts, numbers, statuses
from bot.dashboard.auth import current_user
from bot.dashboard.i18n import N_, _, current_language, date, percent
from bot.services import services
from bot.storage import alerts
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
DELIVERED = N_("Delivered")
FAILED = N_("Failed")
OTHER = N_("Sent, no report yet")
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


def _alerts(scope) -> list[dict[str, Any]]:
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


def _district_name(district: str | None) -> str:
    return district or _(NO_DISTRICT)


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


def _message_charts(days: list[dt.date], labels: list[str], rows: list[dict]) -> list[dict]:
    by_key = {(row["day"], row["channel"]): row for row in rows}
    found = []
    for channel in numbers.CHANNELS:
        cells = [by_key.get((d.isoformat(), channel)) for d in days]
        delivered = [c["delivered"] if c else 0 for c in cells]
        failed = [c["failed"] if c else 0 for c in cells]
        other = [c["sent"] - c["delivered"] - c["failed"] if c else 0 for c in cells]
        chart = charts.stacked_columns(
            labels,
            [
                ("ok", _(DELIVERED), delivered),
                ("failed", _(FAILED), failed),
                ("other", _(OTHER), other),
            ],
            every=7,
        )
        found.append(
            {
                "channel": channel,
                "name": _(CHANNEL_NAMES[channel]),
                "chart": chart,
                "sent": sum(c["sent"] for c in cells if c),
                "delivered": sum(delivered),
                "failed": sum(failed),
            }
        )
    return found


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
    labels = [date(d, "d MMM") for d in days]
    registered = [counts["registrations"].get(d.isoformat(), 0) for d in days]
    registrations_chart = charts.stacked_columns(labels, [("registered", "", registered)], every=7)
    status_names = {key: _(name) for key, name in STATUS_NAMES.items()}
    status_chart = charts.share_bar(
        [(key, status_names[key], total.statuses.get(key, 0)) for key in statuses.CATEGORIES]
    )
    coverage = _coverage_rows(counted, found.schedule.codes)
    coverage_chart = charts.bar_rows(
        [
            (row["name"], row["on_time"] / row["counted"], percent(row["on_time"], row["counted"]))
            for row in coverage
        ],
        kind="on_time",
        maximum=1,
    )
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
        registrations_chart=registrations_chart,
        categories=statuses.CATEGORIES,
        status_names=status_names,
        status_chart=status_chart,
        total=total,
        coverage=coverage,
        coverage_chart=coverage_chart,
        message_charts=_message_charts(days, labels, counts["messages"]),
        message_rows=[
            {**row, "day": dt.date.fromisoformat(row["day"])}
            for row in sorted(
                counts["messages"], key=lambda r: (r["day"], r["channel"]), reverse=True
            )
        ],
        channel_names={key: _(name) for key, name in CHANNEL_NAMES.items()},
        alerts=_alerts(scope),
    )
