"""The audience filters SQL cannot say: where each child stands today (left-out,
drop-out, overdue, due, and the doses due or overdue: ``scheduler.standing``), and which
caregivers have an ongoing pregnancy (``scheduler.pregnancy``). Each returns the ids of
the caregivers among ``within`` (an SQL condition on caregivers) who match."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from sqlalchemy import Connection, select

from bot.storage.models.core import Caregiver, Child
from bot.storage.people import people_in
from scheduler import CHILDREN_SCHEDULES, Area, Schedule, load_schedule
from scheduler.pregnancy import BIRTH_CHECKS, delivered, due_date
from scheduler.pregnancy import SCHEDULE as PREGNANCY
from scheduler.standing import Standing, standing

CAREGIVER, CHILD = Caregiver.__table__, Child.__table__
# Tika asks whether the baby is born on the expected date and weekly after it, four
# more times (scheduler.pregnancy.BIRTH_CHECKS): a pregnancy still unanswered after that
# is taken as over.
ONGOING_AFTER_DUE = dt.timedelta(weeks=BIRTH_CHECKS)


def _among(column, within):
    """``column`` (a caregiver id) is of a caregiver matching ``within``, as a condition
    for a query of other rows."""
    return column.in_(select(CAREGIVER.c.id).where(within).correlate(None))


def by_standing(
    conn: Connection,
    within,
    today: dt.date,
    schedule: Schedule,
    categories: frozenset[str],
    vaccines: frozenset[str],
) -> set[int]:
    """Caregivers with a child in one of ``categories`` today (any, when empty) who has
    one of ``vaccines`` due or overdue today (any, when empty). ``schedule`` is the
    deployment's; a family on another follows its own."""
    found: set[int] = set()
    seen: dict[tuple, Standing | None] = {}  # the same records: the same answer
    for person in people_in(conn, _among(CAREGIVER.c.id, within)):
        if person.caregiver_id in found:
            continue
        key = (person.birth_date, person.doses, person.district, person.state, person.schedule)
        if key not in seen:
            rules = schedule if person.schedule == schedule.id else load_schedule(person.schedule)
            area = Area(district=person.district, state=person.state)
            seen[key] = standing(person.birth_date, person.doses, today, area, rules)
        now = seen[key]
        if now is None or (categories and now.category not in categories):
            continue
        if vaccines and not now.pending & vaccines:
            continue
        found.add(person.caregiver_id)
    return found


def pregnant(conn: Connection, within, today: dt.date) -> set[int]:
    """Caregivers with an ongoing pregnancy: its last period begun by today, its baby not
    registered, its expected date not more than ``ONGOING_AFTER_DUE`` past."""
    rows = conn.execute(
        select(CHILD.c.caregiver_id, CHILD.c.schedule, CHILD.c.birth_date).where(
            _among(CHILD.c.caregiver_id, within),
            CHILD.c.schedule.in_((PREGNANCY, *CHILDREN_SCHEDULES)),
        )
    )
    periods: dict[int, list[dt.date]] = defaultdict(list)
    births: dict[int, list[dt.date]] = defaultdict(list)
    for caregiver_id, kind, day in rows:
        (periods if kind == PREGNANCY else births)[caregiver_id].append(day)
    return {
        caregiver_id
        for caregiver_id, lmps in periods.items()
        if any(
            lmp <= today <= due_date(lmp) + ONGOING_AFTER_DUE
            and not delivered(lmp, births[caregiver_id])
            for lmp in lmps
        )
    }
