"""The one clock of the service: every "now" and "today" comes from here.

Tests move it with :func:`frozen` (in-process) or the ``TIKA_NOW`` environment
variable (ISO 8601, for subprocesses such as workers and CLIs). Dates are Indian
dates: a dose given at 01:00 IST is given on that IST day.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from zoneinfo import ZoneInfo

TIMEZONE = ZoneInfo("Asia/Kolkata")
_frozen: dt.datetime | None = None


def _as_aware(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=TIMEZONE)


def now() -> dt.datetime:
    """The current instant, timezone-aware (UTC)."""
    if _frozen is not None:
        return _frozen
    fake = os.environ.get("TIKA_NOW")
    if fake:
        return _parse(fake)
    return dt.datetime.now(dt.UTC)


@lru_cache(maxsize=4)
def _parse(moment: str) -> dt.datetime:
    return _as_aware(dt.datetime.fromisoformat(moment)).astimezone(dt.UTC)


def today(tz: str | dt.tzinfo = TIMEZONE) -> dt.date:
    """Today's date in ``tz`` (India by default)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return now().astimezone(zone).date()


@contextmanager
def frozen(at: dt.datetime | str) -> Iterator[None]:
    """Hold the clock at ``at`` (naive values are read as India time) inside the block."""
    global _frozen
    moment = dt.datetime.fromisoformat(at) if isinstance(at, str) else at
    previous, _frozen = _frozen, _as_aware(moment).astimezone(dt.UTC)
    try:
        yield
    finally:
        _frozen = previous
