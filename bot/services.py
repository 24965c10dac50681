"""The clients a process needs, built once from its configuration."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from typing import Any

from flask import Flask, current_app
from redis import Redis

from bot.channels.backends import make_sender
from bot.channels.circles import Circles, make_circles
from bot.channels.dlt import load_registry, templates_file
from bot.channels.dlt_gate import DltGate, record_refusal
from bot.channels.senders import Sender
from bot.storage.clients import job_clients
from bot.storage.db import Database
from bot.storage.planning import Planner
from scheduler import CHILDREN_SCHEDULES, Schedule, load_schedule
from scheduler.calendars import next_ri_session
from scheduler.reminders import ReminderPolicy


@dataclass
class Services:
    """Configuration and the clients built from it: database, Redis and the schedule."""

    config: dict[str, Any]
    db: Database
    redis: Redis
    schedule: Schedule
    planner: Planner
    sender: Sender
    circles: Circles

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Services:
        districts = [d.strip() for d in config["JE_DISTRICTS"].split(",") if d.strip()]
        if config["SCHEDULE"] not in CHILDREN_SCHEDULES:
            known = ", ".join(CHILDREN_SCHEDULES)
            raise ValueError(f"unknown SCHEDULE {config['SCHEDULE']!r}: use {known}")
        schedule = load_schedule(config["SCHEDULE"], je_districts=tuple(districts) or None)
        policy = ReminderPolicy(
            advance_days=config["REMINDER_ADVANCE_DAYS"],
            overdue_after_days=config["REMINDER_OVERDUE_AFTER_DAYS"],
            overdue_every_days=config["REMINDER_OVERDUE_EVERY_DAYS"],
            overdue_times=config["REMINDER_OVERDUE_TIMES"],
        )
        sender = DltGate(
            make_sender(config),
            partial(load_registry, templates_file(config)),
            enforce=bool(config["DLT_ENTITY_ID"]),
        )
        services = cls(
            config=config,
            db=Database(config["DATABASE_URL"], config["DB_BUSY_TIMEOUT_MS"]),
            redis=Redis.from_url(config["REDIS_URL"]),
            schedule=schedule,
            planner=Planner(
                schedule, policy, partial(next_ri_session, ri_override=config["RI_DAYS"])
            ),
            sender=sender,
            circles=make_circles(config),
        )
        sender.refused = partial(record_refusal, services)
        return services

    def session_day(self, state: str | None, day: dt.date) -> dt.date | None:
        """The RI session day on or after ``day`` in ``state`` (RI_DAYS, else the shipped
        table), or None where the state's RI days are not known."""
        return self.planner.session_day(state, day)

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()


def services(app: Flask | None = None) -> Services:
    """The services of ``app`` (the current app by default)."""
    return (app or current_app).extensions["tika"]


def current_services() -> Services:
    """The services of the worker process running the current job."""
    return job_clients()
