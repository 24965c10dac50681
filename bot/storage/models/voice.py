"""Tables of the voice channel: missed calls, call-backs and IVR calls (issue 5)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, text
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import NulFreeString, NulFreeText, UTCDateTime
from bot.storage.models.core import Base
from scheduler import clock

# A voice call is open until it is answered, texted, failed or cancelled.
OPEN = ("waiting", "dialing", "ringing", "texting")
CLOSED = ("answered", "texted", "failed", "cancelled")
_ONE_OPEN_CALLBACK = text("purpose = 'callback' AND closed_at IS NULL")


class VoiceCall(Base):
    """Someone the service owes a call: a call-back after a missed call, a reminder call,
    or (``purpose`` "notice") only an SMS, such as the confirmation after registering.

    ``status`` moves waiting -> dialing -> ringing -> answered; an unanswered call goes
    back to waiting until its retries are spent, then to texting -> texted (the SMS
    fallback). ``due_at`` is when it next needs attention: the next try, the end of a
    claim (``claim_token``) or the moment to ask the gateway about a call never reported.
    One call-back per phone number is open at a time: more missed calls only count.
    """

    __tablename__ = "voice_call"
    __table_args__ = (
        Index("ix_voice_call_due", "status", "due_at"),
        Index(
            "ux_voice_call_open_callback",
            "phone",
            unique=True,
            sqlite_where=_ONE_OPEN_CALLBACK,
            postgresql_where=_ONE_OPEN_CALLBACK,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    purpose: Mapped[str] = mapped_column(NulFreeString(16))  # "callback", "reminder" or "notice"
    phone: Mapped[str] = mapped_column(NulFreeString(20))
    caregiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("caregiver.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(NulFreeString(16), default="waiting")
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(NulFreeString(32))
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # calls placed
    missed_calls: Mapped[int] = mapped_column(Integer, default=0)  # rings this call-back answers
    # The message log row of the latest call placed, or of the SMS sent instead.
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message_log.id", ondelete="SET NULL")
    )
    reminder_ids: Mapped[list[int] | None] = mapped_column(JSON)  # what a reminder call says
    sms_body: Mapped[str | None] = mapped_column(NulFreeText)  # the SMS if no call gets through
    error_code: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class IvrSession(Base):
    """The state of one IVR call, keyed by Twilio's CallSid.

    ``turn`` counts the answers handled; each ``<Gather>`` action carries the turn it
    answers, so a webhook Twilio sends twice is recognised and changes nothing.
    """

    __tablename__ = "ivr_session"

    call_sid: Mapped[str] = mapped_column(NulFreeString(64), primary_key=True)
    phone: Mapped[str] = mapped_column(NulFreeString(20))
    caregiver_id: Mapped[int | None] = mapped_column(
        ForeignKey("caregiver.id", ondelete="CASCADE"), index=True
    )
    voice_call_id: Mapped[int | None] = mapped_column(
        ForeignKey("voice_call.id", ondelete="SET NULL")
    )
    step: Mapped[str | None] = mapped_column(NulFreeString(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    tries: Mapped[int] = mapped_column(Integer, default=0)
    turn: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
