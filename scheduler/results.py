"""What a forecast returns: per-dose statuses and dates, the next visit, invalid doses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

from scheduler.durations import shift_months
from scheduler.errors import UnknownDoseCode

GIVEN = "given"
DUE = "due"
OVERDUE = "overdue"
UPCOMING = "upcoming"
MISSED = "missed"
NOT_APPLICABLE = "not_applicable"
STATUSES: tuple[str, ...] = (GIVEN, DUE, OVERDUE, UPCOMING, MISSED, NOT_APPLICABLE)
#: Statuses of a dose that is still to be given.
PENDING = frozenset({DUE, OVERDUE, UPCOMING})

#: Ordinal standing for "no maximum age"; shown as ``None``.
NO_LIMIT = dt.date.max.toordinal()

# Reasons a recorded dose does not count.
TOO_EARLY = "too_early"  # before the dose's minimum age
TOO_SOON = "too_soon"  # before the minimum interval after the previous dose, valid or not
PAST_MAX_AGE = "past_max_age"  # after the last day it may be given
SERIES_COMPLETE = "series_complete"  # an extra dose after the series was complete


class DoseForecast(NamedTuple):
    """One dose: its status and dates (``None`` where undefined).

    ``valid`` is True for a dose given that counts, False where a dose recorded for it
    does not count (``reason``: too early, too soon, or past its maximum age; such a dose
    is still to be given, except past the maximum age, when it is shown as given), and
    None where nothing was recorded.
    """

    code: str
    status: str
    earliest: dt.date | None
    due: dt.date | None
    overdue: dt.date | None
    latest: dt.date | None
    given: dt.date | None
    valid: bool | None = None
    reason: str | None = None


class Visit(NamedTuple):
    """The next day something can be given, every dose that can be given then, and the
    last day (earliest ``latest`` of those doses) on which the visit still makes sense;
    ``iu`` names the strength of each dose that has one (vitamin A), as (code, IU)."""

    date: dt.date
    codes: tuple[str, ...]
    latest: dt.date | None
    iu: tuple[tuple[str, int], ...] = ()


class InvalidDose(NamedTuple):
    """A recorded dose that does not count, and why (:data:`TOO_EARLY`, :data:`TOO_SOON`,
    :data:`PAST_MAX_AGE` or :data:`SERIES_COMPLETE`)."""

    code: str
    date: dt.date
    reason: str


_new_tuple = tuple.__new__


class DateCache(dict):
    """Ordinal -> date (``None`` for ``None`` and :data:`NO_LIMIT`), filled on first use:
    forecasts keep meeting the same few thousand days."""

    LIMIT = 1 << 17

    def __missing__(self, ordinal: int | None) -> dt.date | None:
        if len(self) >= self.LIMIT:
            self.clear()
        value = None if ordinal is None or ordinal == NO_LIMIT else dt.date.fromordinal(ordinal)
        self[ordinal] = value
        return value


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


class Forecast:
    """The forecast for one person on one day.

    The engine fills it with rows of ordinals; :attr:`doses` turns them into
    :class:`DoseForecast` objects with dates on first use.
    """

    __slots__ = (
        "_dates",
        "_doses",
        "_index",
        "_rows",
        "_strengths",
        "as_of",
        "birth_date",
        "codes",
        "invalid",
        "next_visit",
    )

    def __init__(
        self,
        birth_date: dt.date,
        as_of: dt.date,
        codes: tuple[str, ...],
        index: Mapping[str, int],
        rows: list[tuple],
        next_visit: Visit | None,
        invalid: tuple[InvalidDose, ...],
        dates: DateCache | None = None,
        strengths: Mapping[int, Strengths] | None = None,
    ) -> None:
        self.birth_date = birth_date
        self.as_of = as_of
        self.codes = codes
        self._index = index
        self._rows = rows  # (status, earliest, due, overdue, latest, given, reason)
        self.next_visit = next_visit
        self.invalid = invalid
        self._doses: tuple[DoseForecast, ...] | None = None
        self._dates = DateCache() if dates is None else dates
        self._strengths = strengths or {}  # by dose index

    def __repr__(self) -> str:
        return (
            f"Forecast(birth_date={self.birth_date}, as_of={self.as_of}, "
            f"next_visit={self.next_visit})"
        )

    @property
    def doses(self) -> tuple[DoseForecast, ...]:
        """Every dose of the schedule, in schedule order."""
        if self._doses is None:
            date = self._dates
            self._doses = tuple(
                [
                    _new_tuple(
                        DoseForecast,
                        (
                            code,
                            status,
                            date[e],
                            date[d],
                            date[o],
                            date[lt],
                            date[g],
                            False if reason else (True if status == GIVEN else None),
                            reason,
                        ),
                    )
                    for code, (status, e, d, o, lt, g, reason) in zip(
                        self.codes, self._rows, strict=True
                    )
                ]
            )
        return self._doses

    def status(self, code: str) -> str:
        """The status of dose ``code`` (cheaper than :meth:`dose`)."""
        return self._rows[self._position(code)][0]

    def dose(self, code: str) -> DoseForecast:
        """The forecast of dose ``code``."""
        return self.doses[self._position(code)]

    def _position(self, code: str) -> int:
        try:
            return self._index[code]
        except KeyError:
            raise UnknownDoseCode(code) from None

    def with_status(self, *statuses: str) -> tuple[DoseForecast, ...]:
        """The doses whose status is one of ``statuses``, in schedule order."""
        return tuple(d for d in self.doses if d.status in statuses)

    def can_give(self, day: dt.date) -> tuple[str, ...]:
        """The doses still to be given that can be given on ``day``, in schedule order."""
        o = day.toordinal()
        return tuple(
            code
            for code, (status, e, _d, _od, lt, _g, _r) in zip(self.codes, self._rows, strict=True)
            if status in PENDING and e <= o <= lt
        )

    def dose_iu(self, code: str) -> int | None:
        """The strength (IU) of dose ``code`` on the day it was or will be given, for doses
        whose strength goes by age (vitamin A); None for the others and for doses not given
        and not to be given."""
        strengths = self._strengths.get(self._position(code))
        if not strengths:
            return None
        dose = self.dose(code)
        visit = self.next_visit
        if dose.given is not None:
            day = dose.given
        elif visit is not None and code in visit.codes:
            day = visit.date
        elif dose.status in PENDING and dose.due is not None:
            day = max(dose.due, self.as_of)
        else:
            return None
        return strength_on(strengths, self.birth_date.toordinal(), day.toordinal())

    def to_json(self) -> dict[str, Any]:
        """The forecast as plain JSON data (the CLI's ``--json`` output)."""
        visit = self.next_visit
        doses = []
        for i, d in enumerate(self.doses):
            entry = {
                "code": d.code,
                "status": d.status,
                "earliest": _iso(d.earliest),
                "due": _iso(d.due),
                "latest": _iso(d.latest),
                "given": _iso(d.given),
                "valid": d.valid,
                "reason": d.reason,
                "overdue_since": _iso(d.overdue),
                "give_by": _iso(d.latest),
            }
            if i in self._strengths:
                entry["dose_iu"] = self.dose_iu(d.code)
            doses.append(entry)
        return {
            "dob": self.birth_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "doses": doses,
            "next_visit": (
                None
                if visit is None
                else {
                    "date": visit.date.isoformat(),
                    "codes": list(visit.codes),
                    "give_by": _iso(visit.latest),
                    "dose_iu": dict(visit.iu),
                }
            ),
            "invalid": [
                {"code": bad.code, "date": bad.date.isoformat(), "reason": bad.reason}
                for bad in self.invalid
            ],
        }


#: A dose's strengths by age: (months, days, IU) from that age on, youngest first.
Strengths = tuple[tuple[int, int, int], ...]


def strength_on(strengths: Strengths, birth: int, day: int) -> int | None:
    """The IU given on ordinal ``day`` to a person born on ordinal ``birth``."""
    chosen = None
    for months, days, iu in strengths:
        if (shift_months(birth, months) if months else birth) + days <= day:
            chosen = iu
    return chosen
