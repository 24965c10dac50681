"""The RQ worker process: jobs run with the services built from the app's configuration.

A worker outlives its Redis: when the connection is lost (Redis restarted, the network
dropped), it logs, waits with a growing backoff, and works again once Redis answers.
A job that was running then is not lost: its rows in the database are still claimed,
and the sweep claims them again when the claim runs out.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import SimpleWorker

from bot.services import Services
from bot.storage.clients import QUEUES, queue, use_in_jobs

log = logging.getLogger(__name__)

RECONNECT_WAITS = (0.5, 1.0, 2.0, 4.0, 8.0, 15.0)  # seconds; the last repeats


def run_worker(
    services: Services, burst: bool = False, sleep: Callable[[float], None] = time.sleep
) -> None:
    """Work the service's queues in this process (no fork per job: cheaper, same
    guarantees), reconnecting to Redis with backoff whenever it goes away."""
    use_in_jobs(services)
    failures = 0
    while True:
        worker = None
        try:  # building a worker asks Redis already
            worker = SimpleWorker([queue(services, n) for n in QUEUES], connection=services.redis)
            worker.work(burst=burst)
            lost = "the worker quit"  # RQ quits its loop on an error it did not expect
        except (RedisConnectionError, RedisTimeoutError) as error:
            lost = type(error).__name__
        if burst or _asked_to_stop(worker):  # done, or told to stop (SIGTERM, SIGINT)
            return
        if _answers(services):
            failures = 0
        wait = RECONNECT_WAITS[min(failures, len(RECONNECT_WAITS) - 1)]
        log.warning("worker stopped (%s); working again in %.1fs", lost, wait)
        failures += 1
        sleep(wait)


def _asked_to_stop(worker: SimpleWorker | None) -> bool:
    """Whether RQ's signal handler was told to stop this worker (it notes when)."""
    return worker is not None and worker._shutdown_requested_date is not None


def _answers(services: Services) -> bool:
    try:
        return bool(services.redis.ping())
    except (RedisConnectionError, RedisTimeoutError):
        return False
