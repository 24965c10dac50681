"""What the lower floors need of a process's services, said as a protocol: the storage
floor takes anything with a database, Redis and the settings (``bot.services.Services``
is one), so it never imports the floors above it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol

from redis import Redis
from rq import Queue

from bot.storage.db import Database
from bot.storage.planning import Planner


class Clients(Protocol):
    """The settings, the database, Redis and the reminder planner of this process."""

    config: Mapping[str, Any]
    db: Database
    redis: Redis
    planner: Planner


QUEUES = ("tika",)  # the RQ queues workers take jobs from


def queue(clients: Clients, name: str = QUEUES[0]) -> Queue:
    """An RQ queue on the service's Redis."""
    return Queue(name, connection=clients.redis)


_in_jobs: Clients | None = None


def use_in_jobs(clients: Clients) -> None:
    """Make ``clients`` the ones this worker process's jobs run with (the worker does)."""
    global _in_jobs
    _in_jobs = clients


def job_clients() -> Any:
    """The services of the worker process running the current job (each floor sees them
    as the protocol it needs: ``Clients``, ``SendingClients``, ``Services``)."""
    if _in_jobs is None:
        raise RuntimeError("no worker services: jobs run inside `flask --app bot worker`")
    return _in_jobs
