"""Calendar durations such as "6w", "9m", "1y 6m" and the CDSi date arithmetic.

Adding a duration to a date adds years and months first (the day of month is
kept), then weeks and days. When keeping the day of month gives an impossible
date (31 February), the result rolls to the 1st of the next month, as in CDC's
CDSi logic specification. Years and months are applied as one step, so
29 Feb 2024 + "1y 6m" is 29 Aug 2025 (no roll through 29 Feb 2025).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from scheduler.errors import InvalidDuration

_PATTERN = re.compile(
    r"""^\s*(?P<sign>-)?\s*
    (?:(?P<y>\d+)\s*y)?\s*
    (?:(?P<m>\d+)\s*m)?\s*
    (?:(?P<w>\d+)\s*w)?\s*
    (?:(?P<d>\d+)\s*d)?\s*$""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class Duration:
    """A signed calendar duration: whole months (years folded in) and days (weeks folded in)."""

    months: int = 0
    days: int = 0

    @classmethod
    def parse(cls, text: str | Duration) -> Duration:
        """Parse "6w", "10w", "9m", "1y 6m", "5y6m", "15d", "0d" or "-4d"."""
        if isinstance(text, Duration):
            return text
        if not isinstance(text, str):
            raise InvalidDuration(f"malformed duration {text!r}: expected text such as '6w'")
        match = _PATTERN.match(text)
        if not match or not any(match.group(k) for k in "ymwd"):
            raise InvalidDuration(
                f"malformed duration {text!r}: expected e.g. '6w', '1y 6m', '15d'"
            )
        years, months, weeks, days = (int(match.group(k) or 0) for k in "ymwd")
        sign = -1 if match.group("sign") else 1
        return cls(sign * (12 * years + months), sign * (7 * weeks + days))

    @property
    def is_days_only(self) -> bool:
        """True when the duration has no month part, so it is a plain count of days."""
        return self.months == 0

    def __neg__(self) -> Duration:
        return Duration(-self.months, -self.days)

    def __str__(self) -> str:
        sign = "-" if self.months < 0 or self.days < 0 else ""
        years, months = divmod(abs(self.months), 12)
        weeks, days = divmod(abs(self.days), 7)
        units = ((years, "y"), (months, "m"), (weeks, "w"), (days, "d"))
        shown = [f"{n}{unit}" for n, unit in units if n]
        return sign + (" ".join(shown) if shown else "0d")

    def add_to(self, date: dt.date) -> dt.date:
        """``date`` plus this duration (months first, then days; 31 Feb rolls to 1 Mar)."""
        return dt.date.fromordinal(self.add_to_ordinal(date.toordinal()))

    def subtract_from(self, date: dt.date) -> dt.date:
        """``date`` minus this duration, with the same month-then-day rule."""
        return (-self).add_to(date)

    def add_to_ordinal(self, ordinal: int) -> int:
        """Like :meth:`add_to`, on proleptic Gregorian ordinals (``date.toordinal()``)."""
        if self.months:
            ordinal = shift_months(ordinal, self.months)
        return ordinal + self.days


def add_months(ordinal: int, months: int) -> int:
    """The ordinal ``months`` calendar months after ``ordinal``; an impossible day rolls on."""
    date = dt.date.fromordinal(ordinal)
    index = date.year * 12 + date.month - 1 + months
    year, month = divmod(index, 12)
    try:
        return dt.date(year, month + 1, date.day).toordinal()
    except ValueError:
        # The day does not exist in that month (e.g. 31 April): 1st of the next month.
        year, month = divmod(index + 1, 12)
        return dt.date(year, month + 1, 1).toordinal()


#: :func:`add_months`, cached: the engine adds the same intervals to the same dates often.
shift_months = lru_cache(maxsize=1 << 16)(add_months)


def parse_duration(text: str | Duration) -> Duration:
    """Shorthand for :meth:`Duration.parse`."""
    return Duration.parse(text)


def add(date: dt.date, duration: str | Duration) -> dt.date:
    """``date`` plus ``duration`` (a :class:`Duration` or text such as "1y 6m")."""
    return Duration.parse(duration).add_to(date)


def subtract(date: dt.date, duration: str | Duration) -> dt.date:
    """``date`` minus ``duration``."""
    return Duration.parse(duration).subtract_from(date)
