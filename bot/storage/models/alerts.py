"""Tables of the scheduler's alerts (issue 22): what a sweep could not do, for officers."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Integer, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import NulFreeString, UTCDateTime
from bot.storage.models.core import Base
from scheduler import clock


class SchedulerAlert(Base):
    """One thing the sweep failed at (a campaign, a child, a reminder, a stage of the
    sweep), counted each time it fails again; shown on the dashboard."""

    __tablename__ = "scheduler_alert"
    __table_args__ = (UniqueConstraint("source", "subject", "error"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # "campaign", "child", "reminder" or "sweep" (a stage: broadcasts, digests, ...)
    source: Mapped[str] = mapped_column(NulFreeString(16))
    subject: Mapped[str] = mapped_column(NulFreeString(64))  # its id (never a name or phone)
    district: Mapped[str | None] = mapped_column(NulFreeString(64))  # None: not one district's
    error: Mapped[str] = mapped_column(NulFreeString(300))  # the error, phone numbers masked
    count: Mapped[int] = mapped_column(Integer, default=1)
    first_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
