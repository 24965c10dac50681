"""The dashboard's Queues page: the health of the RQ queues and workers (admins only).

Per queue: jobs waiting, running, failed, scheduled, deferred and finished, and the
latest failures; per worker: its state, queues, current job, last heartbeat and counts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, render_template
from rq import Queue, Worker

from bot.dashboard.i18n import N_, _, current_language
from bot.services import services
from bot.storage.clients import QUEUES
from locales import BABEL_LOCALES
from scheduler.clock import TIMEZONE

blueprint = Blueprint("queues", __name__)

FAILURES_SHOWN = 10
WORKER_STATES = {
    "idle": N_("idle"),
    "busy": N_("busy"),
    "started": N_("started"),
    "suspended": N_("suspended"),
    "dequeueing": N_("waiting for a job"),
}


def moment(value: dt.datetime | None) -> str:
    """A UTC time as India's date and time in the current language, or a dash."""
    if value is None:
        return "–"
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return format_datetime(
        value, "d MMM y, HH:mm", tzinfo=TIMEZONE, locale=BABEL_LOCALES[current_language()]
    )


def _last_line(text: str | None) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""


def queue_health(queue: Queue) -> dict[str, Any]:
    """The counts of one queue, and its latest failed jobs."""
    failed = queue.failed_job_registry
    ids = failed.get_job_ids(0, FAILURES_SHOWN - 1, desc=True)
    failures = []
    for job in queue.job_class.fetch_many(ids, connection=queue.connection):
        if job is None:
            continue
        result = job.latest_result()
        failures.append(
            {
                "id": job.id,
                "function": job.func_name,
                "ended_at": moment(job.ended_at),
                "error": _last_line(result.exc_string if result else job.exc_info),
            }
        )
    return {
        "name": queue.name,
        "queued": queue.count,
        "started": queue.started_job_registry.count,
        "failed": failed.count,
        "scheduled": queue.scheduled_job_registry.count,
        "deferred": queue.deferred_job_registry.count,
        "finished": queue.finished_job_registry.count,
        "failures": failures,
    }


def worker_health(worker: Worker) -> dict[str, Any]:
    state = worker.get_state()
    return {
        "name": worker.name,
        "state": _(WORKER_STATES[state]) if state in WORKER_STATES else state,
        "queues": ", ".join(worker.queue_names()),
        "job": worker.get_current_job_id() or "",
        "heartbeat": moment(worker.last_heartbeat),
        "successful": worker.successful_job_count,
        "failed": worker.failed_job_count,
        "pid": worker.pid,
        "hostname": worker.hostname,
    }


@blueprint.get("/dashboard/queues")
def index() -> str:
    redis = services().redis
    names = list(QUEUES) + sorted(
        q.name for q in Queue.all(connection=redis) if q.name not in QUEUES
    )
    queues = [queue_health(Queue(name, connection=redis)) for name in names]
    workers = sorted(
        (worker_health(w) for w in Worker.all(connection=redis)), key=lambda w: w["name"]
    )
    return render_template("dashboard/queues.html", queues=queues, workers=workers)
