"""The registered people of an area with the doses reported for them: what due lists,
campaign announcements and the dashboard's statuses start from."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select
from sqlalchemy.orm import aliased

from bot.storage.models.campaigns import HealthWorker
from bot.storage.models.core import Caregiver, Child, DoseRecord
from scheduler import CHILDREN_SCHEDULES
from scheduler.duelist import Person
from scheduler.pregnancy import SCHEDULE as PREGNANCY

CAREGIVER, CHILD, DOSE = Caregiver.__table__, Child.__table__, DoseRecord.__table__
WORKER = HealthWorker.__table__


def _mother():
    """The name on the caregiver's latest pregnancy record (NULL: none)."""
    pregnancy = aliased(CHILD)
    return (
        select(pregnancy.c.name)
        .where(pregnancy.c.caregiver_id == CAREGIVER.c.id, pregnancy.c.schedule == PREGNANCY)
        .order_by(pregnancy.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


def people_in(conn: Connection, where, adults: bool = False) -> list[Person]:
    """Registered children (or, with ``adults``, adults on a COVID-19 schedule) whose
    caregivers match ``where``, with the doses reported for them, where their session is
    held, their mother's name and the health worker who registered them."""
    on_schedule = (
        CHILD.c.schedule.like("covid-%") if adults else CHILD.c.schedule.in_(CHILDREN_SCHEDULES)
    )
    asha = aliased(CAREGIVER)
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
            CAREGIVER.c.session_site,
            _mother(),
            WORKER.c.name,
            asha.c.phone,
            DOSE.c.code,
            DOSE.c.given_on,
        )
        .select_from(
            CHILD.join(CAREGIVER)
            .outerjoin(asha, asha.c.id == CAREGIVER.c.registered_by_id)
            .outerjoin(WORKER, WORKER.c.caregiver_id == asha.c.id)
            .outerjoin(DOSE, (DOSE.c.child_id == CHILD.c.id) & (DOSE.c.source != "assumed"))
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
    return [  # the last three (mother, ASHA's name and number) "" when there is none
        Person(*p[:3], tuple(doses[p[0]]), *p[3:11], *(value or "" for value in p[11:]))
        for p in children.values()
    ]
