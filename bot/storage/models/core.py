"""Tables: caregivers, their children and doses, conversation state and the message log."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from bot.storage.db import NulFreeString, NulFreeText, UTCDateTime
from scheduler import clock


class Base(DeclarativeBase):
    """Declarative base of every table."""


class Caregiver(Base):
    """A phone number that talks to the service: a parent, or a health worker."""

    __tablename__ = "caregiver"

    id: Mapped[int] = mapped_column(primary_key=True)
    phone: Mapped[str] = mapped_column(NulFreeString(20), unique=True)
    language: Mapped[str | None] = mapped_column(NulFreeString(8))
    pincode: Mapped[str | None] = mapped_column(NulFreeString(6))
    state: Mapped[str | None] = mapped_column(NulFreeString(64))
    district: Mapped[str | None] = mapped_column(NulFreeString(64))
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False)
    # The number cannot receive messages (the gateway said it is invalid or not mobile).
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    # When reminders go out: "morning", "afternoon" or "evening" (scheduler.reminders).
    reminder_slot: Mapped[str] = mapped_column(NulFreeString(16), default="morning")
    # Where the family's vaccination session is held, as its reminders name it (SITE).
    session_site: Mapped[str | None] = mapped_column(NulFreeString(40))
    # How reminders reach them: "sms", or "voice" (a call) for those who cannot read.
    channel: Mapped[str] = mapped_column(NulFreeString(8), default="sms")
    # A number of the dashboard's phone simulator: never sent anything, counted nowhere.
    simulated: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    # When and how (the channel: "sms", "voice", ...) the caregiver agreed to messages, by
    # registering a child: what DLT's service-explicit messages (broadcasts) rest on.
    consent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    consent_channel: Mapped[str | None] = mapped_column(NulFreeString(16))
    # Who registered this family's children with REG and the mother's number: the
    # caregiver row (phone) of their ASHA, whose weekly digest names them (the health
    # worker whose caregiver_id this is). Set again by each such registration; unset
    # when the ASHA's own data is erased.
    registered_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("caregiver.id", ondelete="SET NULL"), index=True
    )

    children: Mapped[list[Child]] = relationship(
        back_populates="caregiver",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="Child.id",
    )
    conversation: Mapped[Conversation | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )


class Child(Base):
    """A child whose vaccines the service follows."""

    __tablename__ = "child"

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int] = mapped_column(
        ForeignKey("caregiver.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(NulFreeString(64))
    # The schedule's reference date: the birth date, or for an adult's COVID-19 doses
    # (schedule "covid-..."), the day of their first dose.
    birth_date: Mapped[dt.date] = mapped_column(Date)
    # Which schedule the person follows: "uip" (children), or "covid-covishield" etc.
    schedule: Mapped[str] = mapped_column(NulFreeString(32), default="uip")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    caregiver: Mapped[Caregiver] = relationship(back_populates="children")
    doses: Mapped[list[DoseRecord]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, order_by="DoseRecord.given_on"
    )


class DoseRecord(Base):
    """A dose reported given: by the caregiver, a health worker or an import."""

    __tablename__ = "dose_record"
    __table_args__ = (UniqueConstraint("child_id", "code", "given_on"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(NulFreeString(16))
    given_on: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(NulFreeString(16))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class Conversation(Base):
    """Where a caregiver is in a flow, and what the flow has collected so far."""

    __tablename__ = "conversation"

    caregiver_id: Mapped[int] = mapped_column(
        ForeignKey("caregiver.id", ondelete="CASCADE"), primary_key=True
    )
    flow: Mapped[str | None] = mapped_column(NulFreeString(32))
    step: Mapped[str | None] = mapped_column(NulFreeString(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # Bumped by every message handled: a writer that read an older version retries.
    version: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class MessageLog(Base):
    """Every message in or out, with the provider's id and delivery status."""

    __tablename__ = "message_log"
    __table_args__ = (Index("ix_message_log_caregiver_created", "caregiver_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    caregiver_id: Mapped[int | None] = mapped_column(ForeignKey("caregiver.id", ondelete="CASCADE"))
    direction: Mapped[str] = mapped_column(NulFreeString(3))  # "in" or "out"
    channel: Mapped[str] = mapped_column(NulFreeString(16))  # "sms", "console", ...
    body: Mapped[str] = mapped_column(NulFreeText)
    provider_sid: Mapped[str | None] = mapped_column(NulFreeString(64), unique=True)
    reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_log.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(NulFreeString(16))
    error_code: Mapped[int | None] = mapped_column(Integer)
    segments: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(
        UTCDateTime, default=clock.now, onupdate=clock.now
    )


class Reminder(Base):
    """One reminder of one child's vaccination visit, from planned to sent.

    ``status`` moves planned -> claimed -> sent (or failed); a re-plan cancels what is no
    longer right. ``due_at`` is when it should be acted on: the start of the sending
    window for a planned reminder, the end of a claim's lease for a claimed one; the
    sweep claims what is due, so its cost follows the reminders due, not the children.
    """

    __tablename__ = "reminder"
    __table_args__ = (
        UniqueConstraint("child_id", "visit_date", "kind"),
        Index("ix_reminder_due", "status", "due_at"),
        Index("ix_reminder_caregiver_day", "caregiver_id", "send_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    child_id: Mapped[int] = mapped_column(ForeignKey("child.id", ondelete="CASCADE"))
    caregiver_id: Mapped[int] = mapped_column(ForeignKey("caregiver.id", ondelete="CASCADE"))
    visit_date: Mapped[dt.date] = mapped_column(Date)
    # "advance", "due", "overdue-1".."overdue-3", or "next" (plan the following visit).
    kind: Mapped[str] = mapped_column(NulFreeString(16))
    # The visit's dose codes, space-separated.
    codes: Mapped[str] = mapped_column(NulFreeString(255))
    # For a campaign announcement: {"campaign": name, "days": [session days, YYYY-MM-DD]}.
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    send_on: Mapped[dt.date] = mapped_column(Date)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(NulFreeString(16), default="planned")
    claim_token: Mapped[str | None] = mapped_column(NulFreeString(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    # The message that carries it; set before sending, so a crash leaves a trace to check.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_log.id", ondelete="SET NULL")
    )
    error_code: Mapped[int | None] = mapped_column(Integer)
    sent_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
