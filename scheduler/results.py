"""What a forecast returns: per-dose statuses and dates, the next visit, invalid doses."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any, NamedTuple

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
BEFORE_MIN_AGE = "before_min_age"
BEFORE_MIN_INTERVAL = "before_min_interval"
SERIES_COMPLETE = "series_complete"


class DoseForecast(NamedTuple):
    """One dose: its status and dates (``None`` where undefined)."""

    code: str
    status: str
    earliest: dt.date | None
    due: dt.date | None
    overdue: dt.date | None
    latest: dt.date | None
    given: dt.date | None


class Visit(NamedTuple):
    """The next day something can be given, every dose that can be given then, and the
    last day (earliest ``latest`` of those doses) on which the visit still makes sense."""

    date: dt.date
    codes: tuple[str, ...]
    latest: dt.date | None


class InvalidDose(NamedTuple):
    """A recorded dose that does not count, and why (one of the ``BEFORE_*``/``SERIES_*`` keys)."""

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
        rows: list[tuple[str, int | None, int | None, int | None, int | None, int | None]],
        next_visit: Visit | None,
        invalid: tuple[InvalidDose, ...],
        dates: DateCache | None = None,
    ) -> None:
        self.birth_date = birth_date
        self.as_of = as_of
        self.codes = codes
        self._index = index
        self._rows = rows
        self.next_visit = next_visit
        self.invalid = invalid
        self._doses: tuple[DoseForecast, ...] | None = None
        self._dates = DateCache() if dates is None else dates

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
                        DoseForecast, (code, status, date[e], date[d], date[o], date[lt], date[g])
                    )
                    for code, (status, e, d, o, lt, g) in zip(self.codes, self._rows, strict=True)
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

    def to_json(self) -> dict[str, Any]:
        """The forecast as plain JSON data (the CLI's ``--json`` output)."""
        visit = self.next_visit
        return {
            "dob": self.birth_date.isoformat(),
            "as_of": self.as_of.isoformat(),
            "doses": [
                {
                    "code": d.code,
                    "status": d.status,
                    "earliest": _iso(d.earliest),
                    "due": _iso(d.due),
                    "latest": _iso(d.latest),
                    "given": _iso(d.given),
                }
                for d in self.doses
            ],
            "next_visit": (
                None
                if visit is None
                else {"date": visit.date.isoformat(), "codes": list(visit.codes)}
            ),
        }
