"""The RQ worker process: jobs run with the services built from the app's configuration."""

from __future__ import annotations

from rq import Queue, SimpleWorker

from bot.services import Services

QUEUES = ("tika",)
_services: Services | None = None


def current_services() -> Services:
    """The services of the worker process running the current job."""
    if _services is None:
        raise RuntimeError("no worker services: jobs run inside `flask --app bot worker`")
    return _services


def queue(services: Services, name: str = QUEUES[0]) -> Queue:
    """An RQ queue on the service's Redis."""
    return Queue(name, connection=services.redis)


def run_worker(services: Services, burst: bool = False) -> None:
    """Work the service's queues in this process (no fork per job: cheaper, same guarantees)."""
    global _services
    _services = services
    worker = SimpleWorker([queue(services, name) for name in QUEUES], connection=services.redis)
    worker.work(burst=burst)
