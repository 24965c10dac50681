"""Keep each child's reminders in the database in step with their schedule.

Called in the same transaction as whatever changed the schedule: a child registered,
a dose recorded, the caregiver's slot, place or opt-out changed, or a visit's chain
of reminders ran out. The pure part is :func:`scheduler.reminders.plan_visit`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Any

from sqlalchemy import Connection, bindparam, or_, select, update

from bot.storage.db import conflict_insert
from bot.storage.fastsql import execute, execute_many
from bot.storage.models.core import Caregiver, Child, DoseRecord, Reminder
from flows.turn import SessionDay, no_sessions
from scheduler import Area, Schedule, forecast, load_schedule
from scheduler.pregnancy import (
    LATE_CALL_KIND,
    birth_check_days,
    delivered,
    due_date,
    late_call_day,
)
from scheduler.pregnancy import SCHEDULE as PREGNANCY
from scheduler.reminders import (
    INDIA,
    NEXT,
    PlannedReminder,
    ReminderPolicy,
    next_window,
    plan_visit,
    window,
)

CAREGIVER = Caregiver.__table__
CHILD = Child.__table__
DOSE = DoseRecord.__table__
REMINDER = Reminder.__table__
# Reminders a re-plan may still change; sent and failed ones are history.
OPEN = ("planned", "claimed")
_IS_OPEN = or_(REMINDER.c.status == "planned", REMINDER.c.status == "claimed")

_CHILDREN = (
    select(
        CAREGIVER.c.reminder_slot,
        CAREGIVER.c.opted_out,
        CAREGIVER.c.unreachable,
        CAREGIVER.c.district,
        CAREGIVER.c.state,
        CHILD.c.id,
        CHILD.c.birth_date,
        CHILD.c.schedule,
        DOSE.c.code,
        DOSE.c.given_on,
    )
    .select_from(CAREGIVER.join(CHILD).outerjoin(DOSE))
    # The phone simulator's caregivers are never planned anything.
    .where(CAREGIVER.c.id == bindparam("cid"), CAREGIVER.c.simulated.is_(False))
    .order_by(CHILD.c.id)
)
# The visit chains this module plans (campaign announcements are planned elsewhere).
_OPEN_REMINDERS = select(
    REMINDER.c.id, REMINDER.c.child_id, REMINDER.c.visit_date, REMINDER.c.kind
).where(
    REMINDER.c.caregiver_id == bindparam("cid"),
    _IS_OPEN,
    REMINDER.c.kind.not_like("campaign-%"),
)
# The doses whose visit's reminders ran out (its NEXT marker went), by codes.
_RAN_OUT = select(REMINDER.c.codes).where(
    REMINDER.c.caregiver_id == bindparam("cid"),
    REMINDER.c.kind == NEXT,
    REMINDER.c.status == "sent",
)
_CANCEL = (
    update(REMINDER).where(REMINDER.c.id == bindparam("rid"), _IS_OPEN).values(status="cancelled")
)


@cache
def _upsert(dialect_name: str):
    """Insert a reminder, or bring back a planned or cancelled one with the same key."""
    statement = conflict_insert(dialect_name, REMINDER)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=["child_id", "visit_date", "kind"],
        set_={
            "codes": excluded.codes,
            "send_on": excluded.send_on,
            "due_at": excluded.due_at,
            "detail": excluded.detail,
            "status": "planned",
            "claim_token": None,
        },
        where=or_(REMINDER.c.status == "planned", REMINDER.c.status == "cancelled"),
    )


@dataclass(frozen=True)
class Planner:
    """What planning needs besides the database: the schedule, the reminder policy, and
    the RI session day of a state on or after a day (None where it is not known)."""

    schedule: Schedule
    policy: ReminderPolicy
    session_day: SessionDay = no_sessions

    def replan(
        self,
        conn: Connection,
        caregiver_id: int,
        now: dt.datetime,
        child_ids: Iterable[int] | None = None,
        told_today: bool = False,
    ) -> int:
        """Plan the next visit's reminders of a caregiver's children (all, or ``child_ids``).

        Reminders no longer in the plan are cancelled, new ones added; returns how many
        reminders the children now have open. ``told_today``: the caregiver was just told
        about the visit in a conversation, so nothing is sent about it again today.
        """
        rows = execute(conn, _CHILDREN, {"cid": caregiver_id})
        if not rows:
            return 0
        slot, opted_out, unreachable, district, state = rows[0][:5]
        wanted = set(child_ids) if child_ids is not None else None
        children: dict[int, tuple[dt.date, str, list[tuple[str, dt.date]]]] = {}
        for *_, child_id, birth_date, schedule, code, given_on in rows:
            if wanted is None or child_id in wanted:
                entry = children.setdefault(child_id, (birth_date, schedule, []))
                if code is not None:
                    entry[2].append((code, given_on))
        today = now.astimezone(INDIA).date()
        area = Area(district=district, state=state) if district else None
        births = {row[5]: row[6] for row in rows if not _is_adult(row[7])}  # child id: born
        reminded = set()  # a pregnancy's doses whose chain of reminders has run out
        if any(schedule == PREGNANCY for _, schedule, _ in children.values()):
            reminded = {
                tuple(codes.split()) for codes in conn.scalars(_RAN_OUT, {"cid": caregiver_id})
            }
        plan: dict[tuple[int, dt.date, str], dict[str, Any]] = {}
        if not (opted_out or unreachable):
            for child_id, (birth_date, schedule, doses) in children.items():
                if schedule == PREGNANCY:
                    if delivered(birth_date, births.values()):
                        continue  # the baby is registered: the pregnancy's reminders end
                    for kind, day in birth_check_days(birth_date, today):
                        check = PlannedReminder(due_date(birth_date), kind, day, ())
                        key = (child_id, check.visit_date, kind)
                        plan[key] = _row(caregiver_id, key, check, slot, now)
                rules = self.schedule if schedule == self.schedule.id else load_schedule(schedule)
                visit = forecast(birth_date, doses, today, area, rules).next_visit
                session = None
                if visit is not None and not schedule.startswith("covid-"):  # adults: no RI
                    session = self.session_day(state, max(visit.date, today))
                chain = plan_visit(visit, today, self.policy, session)
                if schedule == PREGNANCY and visit is not None and visit.codes in reminded:
                    chain = []  # its reminders ran out: only the 36-week one is left
                if schedule == PREGNANCY and visit is not None:
                    late = late_call_day(birth_date, visit.date, visit.latest, today)
                    if late is not None:
                        chain.append(PlannedReminder(visit.date, LATE_CALL_KIND, late, visit.codes))
                for reminder in chain:
                    if told_today and reminder.send_on == today and reminder.kind != NEXT:
                        continue
                    key = (child_id, reminder.visit_date, reminder.kind)
                    plan[key] = _row(caregiver_id, key, reminder, slot, now)
        stale = [
            {"rid": rid}
            for rid, child_id, visit_date, kind in execute(
                conn, _OPEN_REMINDERS, {"cid": caregiver_id}
            )
            if child_id in children and (child_id, visit_date, kind) not in plan
        ]
        execute_many(conn, _CANCEL, stale)
        execute_many(conn, _upsert(conn.dialect.name), list(plan.values()))
        return len(plan)


def _is_adult(schedule: str) -> bool:
    """A person who is no child: a pregnancy, or an adult's COVID-19 doses."""
    return schedule == PREGNANCY or schedule.startswith("covid-")


def _row(
    caregiver_id: int,
    key: tuple[int, dt.date, str],
    reminder: PlannedReminder,
    slot: str,
    now: dt.datetime,
) -> dict[str, Any]:
    """A reminder row: sent in its own slot (a session's morning) or the caregiver's."""
    child_id, visit_date, kind = key
    slot = reminder.slot or slot
    opens, closes = window(reminder.send_on, slot)
    if closes <= now:  # today's window is over: the next one
        opens = next_window(now, slot)[0]
    return {
        "child_id": child_id,
        "caregiver_id": caregiver_id,
        "visit_date": visit_date,
        "kind": kind,
        "codes": " ".join(reminder.codes),
        "send_on": reminder.send_on,
        "due_at": opens,
        "detail": {"slot": reminder.slot} if reminder.slot else None,
        "status": "planned",
        "claim_token": None,
        "attempts": 0,
        "created_at": now,
    }
