"""Gunicorn settings for Tika's web process: ``gunicorn --config python:bot.gunicorn_config``."""

from __future__ import annotations

import gc
from typing import Any


def post_worker_init(worker: Any) -> None:
    """Once a worker has built the app, take what it built out of garbage collection.

    The app keeps ~130,000 objects for as long as the worker lives (SQLAlchemy's tables,
    Babel's locale data, phone-number metadata, the flows and schedules). A full
    collection walks every one of them and stops the worker for ~90 ms, in the middle
    of whichever request set it off. Frozen, they are skipped; garbage made at start-up
    is collected first, so none of it is kept for good.
    """
    gc.collect()
    gc.freeze()
