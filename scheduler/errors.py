"""Errors raised by the schedule engine: every bad input names its problem."""

from __future__ import annotations


class ScheduleError(ValueError):
    """Bad input to the schedule engine (a dose, a date, a schedule file)."""


class UnknownDoseCode(ScheduleError):
    """A dose code that the schedule does not define."""

    def __init__(self, code: str, schedule_id: str | None = None) -> None:
        where = f" in schedule {schedule_id!r}" if schedule_id else ""
        super().__init__(f"unknown dose code {code!r}{where}")
        self.code = code


class DoseBeforeBirth(ScheduleError):
    """A recorded dose dated before the reference date (birth)."""


class DoseAfterAsOf(ScheduleError):
    """A recorded dose dated after the day the forecast is made for."""


class BirthDateInFuture(ScheduleError):
    """The reference date (birth, pregnancy start) is after the as-of date."""


class InvalidHistory(ScheduleError):
    """A history entry that is not a (dose code, date) pair."""


class InvalidDuration(ScheduleError):
    """A duration string that cannot be parsed, e.g. "6x"."""


class InvalidSchedule(ScheduleError):
    """A schedule file whose data breaks the schedule model."""
