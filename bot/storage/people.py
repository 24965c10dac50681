"""The registered people of an area with the doses reported for them: what due lists,
campaign announcements and the dashboard's statuses start from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select

from bot.storage.models.core import Caregiver, Child, DoseRecord
from scheduler import CHILDREN_SCHEDULES
from scheduler.duelist import Person

CAREGIVER, CHILD, DOSE = Caregiver.__table__, Child.__table__, DoseRecord.__table__


def people_in(conn: Connection, where, adults: bool = False) -> list[Person]:
    """Registered children (or, with ``adults``, adults on a COVID-19 schedule) whose
    caregivers match ``where``, with the doses reported for them."""
    on_schedule = (
        CHILD.c.schedule.like("covid-%") if adults else CHILD.c.schedule.in_(CHILDREN_SCHEDULES)
    )
    rows = conn.execute(
        select(
            CHILD.c.id,
            CHILD.c.name,
            CHILD.c.birth_date,
            CAREGIVER.c.phone,
            CAREGIVER.c.pincode,
            CAREGIVER.c.district,
            CAREGIVER.c.state,
            CAREGIVER.c.id,
            CAREGIVER.c.reminder_slot,
            CHILD.c.schedule,
            DOSE.c.code,
            DOSE.c.given_on,
        )
        .select_from(
            CHILD.join(CAREGIVER).outerjoin(
                DOSE, (DOSE.c.child_id == CHILD.c.id) & (DOSE.c.source != "assumed")
            )
        )
        .where(where, on_schedule, CAREGIVER.c.simulated.is_(False))  # not the simulator's
        .order_by(CHILD.c.id)
    )
    children: dict[int, tuple] = {}
    doses: dict[int, list[tuple[str, dt.date]]] = defaultdict(list)
    for *person, code, given_on in rows:
        children.setdefault(person[0], tuple(person))
        if code is not None:
            doses[person[0]].append((code, given_on))
    return [
        Person(person[0], person[1], person[2], tuple(doses[person[0]]), *person[3:])
        for person in children.values()
    ]
