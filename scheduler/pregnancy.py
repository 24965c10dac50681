"""Dates of a pregnancy that reminders need: the expected delivery, the days to ask
whether the baby is born, and whether a child of the family is this pregnancy's baby.

A pregnancy follows the ``uip-pregnancy`` schedule, its reference date the first day of
the last menstrual period (LMP).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

SCHEDULE = "uip-pregnancy"
# Naegele's rule (WHO, "Pregnancy, Childbirth, Postpartum and Newborn Care", 3rd ed.,
# 2015): the expected date of delivery is 280 days after the first day of the last period.
GESTATION = dt.timedelta(days=280)
# Convention: a child born 20 weeks or more after the LMP is this pregnancy's baby (WHO,
# ICD-11: a birth, not a miscarriage, from 20 weeks of gestation where viability is so
# defined).
BIRTH_FROM = dt.timedelta(weeks=20)
# Issue 28: near the expected date Tika asks whether the baby is born; without an answer,
# again weekly for four weeks, then it stops: five questions, birth-check-1 .. -5.
BIRTH_CHECKS = 5
BIRTH_CHECK = "birth-check"


def due_date(lmp: dt.date) -> dt.date:
    """The expected date of delivery."""
    return lmp + GESTATION


def delivered(lmp: dt.date, births: Iterable[dt.date]) -> bool:
    """Whether one of the family's children, born on ``births``, is this pregnancy's baby."""
    return any(born >= lmp + BIRTH_FROM for born in births)


def birth_check_days(lmp: dt.date, today: dt.date) -> list[tuple[str, dt.date]]:
    """The days still to come on which to ask whether the baby is born: (kind, day)."""
    first = due_date(lmp)
    days = [(f"{BIRTH_CHECK}-{n + 1}", first + dt.timedelta(weeks=n)) for n in range(BIRTH_CHECKS)]
    return [(kind, day) for kind, day in days if day >= today]


# uip-pregnancy.yaml, chart footnote *: "Give Td-2 or Booster doses before 36 weeks of
# pregnancy. However, give these even if more than 36 weeks have passed": a dose still
# missing at 36 weeks gets one more reminder then, after the usual overdue ones.
LATE_CALL = dt.timedelta(weeks=36)
LATE_CALL_KIND = "overdue-36w"


def late_call_day(
    lmp: dt.date, due: dt.date, latest: dt.date | None, today: dt.date
) -> dt.date | None:
    """The day of the 36-week reminder of a dose due on ``due`` (given until ``latest``),
    or None when it was due after that, cannot be given by then, or the day is past."""
    day = lmp + LATE_CALL
    if due < day and today <= day and (latest is None or day <= latest):
        return day
    return None


def td_history(lmp: dt.date, answer: str) -> tuple[tuple[str, dt.date], ...]:
    """Two Td doses of an earlier pregnancy, when she had them: their dates are not
    known, so they are recorded in the month before this LMP (4 weeks apart), where they
    count only towards the booster rule (uip-pregnancy.yaml, two_td_within_3y)."""
    if answer != "yes":
        return ()
    return (("td-p1", lmp - dt.timedelta(days=29)), ("td-p2", lmp - dt.timedelta(days=1)))
