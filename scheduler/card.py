"""What a child's Mother and Child Protection (MCP) card shows was given, as doses.

The MCP card's immunisation table groups a child's vaccines by the visit they are due at:
at birth, 6, 10 and 14 weeks, 9 months and 16-24 months (MoHFW, MCP Card 2018, "Child
immunisation"; the same visits as the National Immunisation Schedule chart in
shared/seeds). A caregiver registering an older child says which was the last visit on
the card; every dose of that visit and of the visits before it counts as given on time,
on the day it was due (its date is not known), so that the first reminder is for the
next visit and not for BCG.
"""

from __future__ import annotations

import datetime as dt

from scheduler.durations import Duration, add
from scheduler.model import Schedule

# The visits of the MCP card, in order (16 months: the 16-24 month visit).
CARD_VISITS = tuple(Duration.parse(age) for age in ("0d", "6w", "10w", "14w", "9m", "16m"))
# A child this old or older is asked what the card shows.
ASK_HISTORY_FROM = Duration.parse("6w")


def card_doses(schedule: Schedule, born: dt.date, last_visit: int) -> list[tuple[str, dt.date]]:
    """The doses of the card's visits up to ``last_visit`` (1: birth ... 6: 16 months; 0:
    none), each dated the day it was due. In a slot of alternatives, the usual one (the
    first, e.g. Penta before DPT) is the one given."""
    ages = set(CARD_VISITS[:last_visit])
    given = []
    for series in schedule.series:
        for dose, *_alternatives in series.slots:
            if dose.due_age in ages:
                given.append((dose.code, add(born, dose.due_age)))
    return sorted(given, key=lambda pair: (pair[1], pair[0]))


def visits_before(born: dt.date, today: dt.date) -> int:
    """How many of the card's visits a child born ``born`` has reached by ``today``."""
    return sum(1 for age in CARD_VISITS if add(born, age) <= today)
