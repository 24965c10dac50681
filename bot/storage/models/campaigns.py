"""Tables of broadcasts and health workers (issue 6).

A broadcast is a message, one text per language, to every caregiver an audience selects;
each recipient is a row that moves queued -> claimed -> sent (or failed, skipped,
cancelled), so a broadcast is sent once to each, whatever happens to the workers.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import NulFreeString, NulFreeText, UTCDateTime
from bot.storage.models.core import Base
from scheduler import clock


class Broadcast(Base):
    """A community message: texts per language, an audience, and when it goes out."""

    __tablename__ = "broadcast"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(NulFreeString(120))
    # "community": one text per language; "digest": each recipient has their own text.
    kind: Mapped[str] = mapped_column(NulFreeString(16), default="community")
    texts: Mapped[dict[str, str]] = mapped_column(JSON)  # language -> text
    audience: Mapped[dict[str, Any]] = mapped_column(JSON)  # see bot.broadcasts.lifecycle.Audience
    # draft -> scheduled -> sending -> done, or cancelled
    status: Mapped[str] = mapped_column(NulFreeString(16), default="draft")
    send_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    recipients: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(NulFreeString(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # When its jobs were last queued: unclaimed recipients are queued again after a claim's time.
    enqueued_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class BroadcastRecipient(Base):
    """One caregiver a broadcast goes to, and what became of it."""

    __tablename__ = "broadcast_recipient"
    __table_args__ = (Index("ix_broadcast_recipient_status", "broadcast_id", "status"),)

    broadcast_id: Mapped[int] = mapped_column(
        ForeignKey("broadcast.id", ondelete="CASCADE"), primary_key=True
    )
    caregiver_id: Mapped[int] = mapped_column(
        ForeignKey("caregiver.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    language: Mapped[str] = mapped_column(NulFreeString(8))
    body: Mapped[str | None] = mapped_column(NulFreeText)  # this recipient's own text (digests)
    # queued -> claimed -> sent, failed, skipped (stopped meanwhile) or cancelled
    status: Mapped[str] = mapped_column(NulFreeString(16), default="queued")
    claim_token: Mapped[str | None] = mapped_column(NulFreeString(32))
    lease_until: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_log.id", ondelete="SET NULL")
    )
    error_code: Mapped[int | None] = mapped_column(Integer)


class Campaign(Base):
    """A campaign loaded from its file (scheduler/campaigns/*.yaml) or saved from the
    dashboard, how far its announcements have been planned, and whether it was retired."""

    __tablename__ = "campaign"

    id: Mapped[str] = mapped_column(NulFreeString(64), primary_key=True)
    name: Mapped[str] = mapped_column(NulFreeString(120))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)  # the campaign file's contents
    loaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # Announcement days up to this one have been planned.
    planned_through: Mapped[dt.date | None] = mapped_column(Date)
    # Who saved it last ("cli", or a member of staff's email); when it was retired.
    saved_by: Mapped[str | None] = mapped_column(NulFreeString(64))
    retired_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class HealthWorker(Base):
    """An ASHA or ANM who gets a weekly SMS digest of the children due in their area.

    Their phone and language are those of their caregiver row: a health worker also
    talks to the service (they register families with REG).
    """

    __tablename__ = "health_worker"

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(
        ForeignKey("caregiver.id", ondelete="CASCADE"), unique=True
    )
    name: Mapped[str] = mapped_column(NulFreeString(64))
    district: Mapped[str | None] = mapped_column(NulFreeString(64))
    pincodes: Mapped[str] = mapped_column(NulFreeText, default="")  # space-separated
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # The Monday of the last week whose digest went out (one digest a week, never two).
    last_digest_week: Mapped[dt.date | None] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
