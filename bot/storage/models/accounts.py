"""Tables of the dashboard (issue 7): the staff who sign in to it."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, Integer
from sqlalchemy.orm import Mapped, mapped_column

from bot.storage.db import NulFreeString, UTCDateTime
from bot.storage.models.core import Base
from scheduler import clock


class StaffUser(Base):
    """Someone who signs in to the dashboard: an admin, or a district officer who sees
    only their districts."""

    __tablename__ = "staff_user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(NulFreeString(254), unique=True)  # lower-case
    password_hash: Mapped[str] = mapped_column(NulFreeString(255))
    role: Mapped[str] = mapped_column(NulFreeString(16))  # "admin" or "district"
    # Upper-case district names, as India Post writes them (a district officer's only).
    districts: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Counts sign-outs: a session remembers the version it began with, so that signing
    # out ends it (and every copy of its cookie) on the server.
    session_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
