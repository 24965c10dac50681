"""The inbox (issue 23): every message received, written down before it is handled."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import NulFreeString, NulFreeText, UTCDateTime
from bot.storage.models.core import Base
from scheduler import clock


class InboxMessage(Base):
    """A message as it arrived, in a short transaction of its own, before the flows run.

    ``status`` is "new" until the message is handled ("handled", or "throttled" for one
    over the sender's limit); a message still new a while later (its handling failed, or
    the database was busy) is handled by the sweep's inbox job, which texts the replies.
    Once handled, its phone and text are cleared (the message log has them); the
    provider's id stays, so that a replayed webhook is recognised.
    """

    __tablename__ = "inbox"
    __table_args__ = (Index("ix_inbox_status_received", "status", "received_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_sid: Mapped[str | None] = mapped_column(NulFreeString(64), unique=True)
    phone: Mapped[str] = mapped_column(NulFreeString(20))
    body: Mapped[str] = mapped_column(NulFreeText)
    channel: Mapped[str] = mapped_column(NulFreeString(16))
    status: Mapped[str] = mapped_column(NulFreeString(16), default="new")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    received_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    handled_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
