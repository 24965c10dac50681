"""The clients a process needs, built once from its configuration."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app
from redis import Redis
from redis.commands.core import Script

from bot.db import Database
from scheduler import Schedule, load_schedule

# Deletes a lock only if it still holds the token of whoever took it.
RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0
"""


@dataclass
class Services:
    """Configuration and the clients built from it: database, Redis and the schedule."""

    config: dict[str, Any]
    db: Database
    redis: Redis
    schedule: Schedule
    release_lock: Script = field(init=False)

    def __post_init__(self) -> None:
        self.release_lock = self.redis.register_script(RELEASE_LOCK)

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Services:
        districts = [d.strip() for d in config["JE_DISTRICTS"].split(",") if d.strip()]
        return cls(
            config=config,
            db=Database(config["DATABASE_URL"]),
            redis=Redis.from_url(config["REDIS_URL"]),
            schedule=load_schedule("uip", je_districts=tuple(districts) or None),
        )

    def close(self) -> None:
        self.db.dispose()
        self.redis.close()


def services(app: Flask | None = None) -> Services:
    """The services of ``app`` (the current app by default)."""
    return (app or current_app).extensions["tika"]
