"""The overview's counts from SQL: families and children per district, registrations per
day, messages sent, delivered and failed per day and channel, and what its alerts need
(DLT refusals, SMS failures in a period).

Every count leaves out the phone simulator's caregivers and keeps to the reader's
districts. Days are India's (UTC+05:30, no daylight saving). The counts of one scope
are cached in Redis for DASHBOARD_CACHE_SECONDS.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    Connection,
    Date,
    Interval,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
)

from bot.accounts.staff import Scope
from bot.channels.exotel_sms import DLT_REFUSALS
from bot.channels.senders import NO_TEMPLATE
from bot.services import Services
from bot.storage.models.core import Caregiver, Child, MessageLog
from scheduler import CHILDREN_SCHEDULES

CAREGIVER, CHILD, MESSAGE = Caregiver.__table__, Child.__table__, MessageLog.__table__
INDIA_OFFSET_MINUTES = 330

# Message statuses (SMS delivery reports, call outcomes) as the overview groups them.
DELIVERED = frozenset({"delivered", "read", "completed", "in-progress", "answered"})
FAILED = frozenset({"failed", "failed_dnd", "undelivered", "busy", "no-answer", "canceled"})
CHANNELS = ("sms", "voice")


def india_day(conn: Connection, column):
    """The India date of a UTC timestamp column, in SQL."""
    if conn.dialect.name == "sqlite":
        return func.date(column, f"+{INDIA_OFFSET_MINUTES} minutes")
    offset = literal_column(f"interval '{INDIA_OFFSET_MINUTES} minutes'", type_=Interval)
    return cast(column + offset, Date)


def _as_date(value: Any) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def real_caregivers(scope: Scope):
    """Caregivers the overview counts: not the simulator's, and in the reader's scope."""
    condition = CAREGIVER.c.simulated.is_(False)
    if not scope.everywhere:
        condition = and_(condition, scope.where(CAREGIVER.c.district))
    return condition


def districts(conn: Connection, scope: Scope) -> list[dict[str, Any]]:
    """Families and children on the UIP schedule per district, largest first."""
    rows = conn.execute(
        select(
            CAREGIVER.c.district,
            func.count(func.distinct(CAREGIVER.c.id)),
            func.count(CHILD.c.id),
        )
        .select_from(CHILD.join(CAREGIVER))
        .where(real_caregivers(scope), CHILD.c.schedule.in_(CHILDREN_SCHEDULES))
        .group_by(CAREGIVER.c.district)
    ).all()
    found = {district: (families, children) for district, families, children in rows}
    if not scope.everywhere:  # an officer's districts appear even before anyone registers
        for district in scope.districts or ():
            found.setdefault(district, (0, 0))
    return sorted(
        (
            {"district": district, "families": families, "children": children}
            for district, (families, children) in found.items()
        ),
        key=lambda row: (-row["children"], row["district"] or ""),
    )


def registrations(conn: Connection, scope: Scope, since: dt.datetime) -> dict[str, int]:
    """Children registered per India day since ``since`` (ISO date -> count)."""
    day = india_day(conn, CHILD.c.created_at)
    rows = conn.execute(
        select(day, func.count())
        .select_from(CHILD.join(CAREGIVER))
        .where(
            real_caregivers(scope),
            CHILD.c.schedule.in_(CHILDREN_SCHEDULES),
            CHILD.c.created_at >= since,
        )
        .group_by(day)
    ).all()
    return {_as_date(d).isoformat(): n for d, n in rows}


def messages(conn: Connection, scope: Scope, since: dt.datetime) -> list[dict[str, Any]]:
    """Messages sent per India day and channel since ``since``: sent, delivered, failed."""
    day = india_day(conn, MESSAGE.c.created_at)
    if scope.everywhere:  # messages of erased caregivers still count for an admin
        whose = or_(MESSAGE.c.caregiver_id.is_(None), CAREGIVER.c.simulated.is_(False))
    else:
        whose = real_caregivers(scope)
    rows = conn.execute(
        select(day, MESSAGE.c.channel, MESSAGE.c.status, func.count())
        .select_from(MESSAGE.outerjoin(CAREGIVER, CAREGIVER.c.id == MESSAGE.c.caregiver_id))
        .where(
            MESSAGE.c.direction == "out",
            MESSAGE.c.channel.in_(CHANNELS),
            MESSAGE.c.created_at >= since,
            whose,
        )
        .group_by(day, MESSAGE.c.channel, MESSAGE.c.status)
    ).all()
    totals: dict[tuple[str, str], dict[str, int]] = {}
    for d, channel, status, n in rows:
        entry = totals.setdefault(
            (_as_date(d).isoformat(), channel), {"sent": 0, "delivered": 0, "failed": 0}
        )
        entry["sent"] += n
        entry["delivered"] += n if status in DELIVERED else 0
        entry["failed"] += n if status in FAILED else 0
    return [
        {"day": day, "channel": channel, **counts}
        for (day, channel), counts in sorted(totals.items())
    ]


def cached(services: Services, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()``'s JSON-able result, kept in Redis for DASHBOARD_CACHE_SECONDS."""
    seconds = services.config["DASHBOARD_CACHE_SECONDS"]
    full_key = f"tika:dashboard:cache:{key}"
    if seconds > 0 and (raw := services.redis.get(full_key)) is not None:
        return json.loads(raw)
    value = compute()
    if seconds > 0:
        services.redis.set(full_key, json.dumps(value), ex=seconds)
    return value


def _outbound_sms(scope: Scope):
    """Outbound SMS of the reader's caregivers (an admin: also of erased ones)."""
    if scope.everywhere:
        whose = or_(MESSAGE.c.caregiver_id.is_(None), CAREGIVER.c.simulated.is_(False))
    else:
        whose = real_caregivers(scope)
    return and_(MESSAGE.c.direction == "out", MESSAGE.c.channel == "sms", whose)


def _from_messages(*columns):
    return select(*columns).select_from(
        MESSAGE.outerjoin(CAREGIVER, CAREGIVER.c.id == MESSAGE.c.caregiver_id)
    )


def dlt_refusals(conn: Connection, scope: Scope, since: dt.datetime) -> int:
    """SMS refused for DLT reasons since ``since``: by our DLT gate (no approved template,
    error code NO_TEMPLATE) or by the operator's DLT platform (Exotel's DLT codes)."""
    codes = sorted({NO_TEMPLATE, *DLT_REFUSALS})
    return conn.execute(
        _from_messages(func.count()).where(
            _outbound_sms(scope), MESSAGE.c.created_at >= since, MESSAGE.c.error_code.in_(codes)
        )
    ).scalar_one()


def sms_outcomes(
    conn: Connection, scope: Scope, since: dt.datetime, until: dt.datetime
) -> tuple[int, int]:
    """(sent, failed) SMS created from ``since`` up to ``until``."""
    failed = func.sum(case((MESSAGE.c.status.in_(sorted(FAILED)), 1), else_=0))
    sent, failures = conn.execute(
        _from_messages(func.count(), failed).where(
            _outbound_sms(scope), MESSAGE.c.created_at >= since, MESSAGE.c.created_at < until
        )
    ).one()
    return sent, int(failures or 0)
