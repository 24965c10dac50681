"""Campaign calendars: which days of a round are session days, and where a campaign runs.

Pure: holidays and a state's routine-immunisation (RI) weekdays are passed in. A round
starts on its start date and counts session days until it has enough, skipping Sundays,
the state's holidays and its RI weekdays — unless the campaign includes RI days (as
IMI 5.0 did). A campaign file (``scheduler/campaigns/*.yaml``) holds the rounds, the
number of session days, what to skip and the target areas.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Container, Iterable
from dataclasses import dataclass, field

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
SUNDAY = 6
MAX_SPAN_DAYS = 60  # a round that cannot find its days within two months is a mistake


class CalendarError(ValueError):
    """A campaign or calendar that cannot be right (names what is wrong)."""


def parse_weekdays(text: str | Iterable[str]) -> frozenset[int]:
    """Weekday numbers (Monday 0) from "wed,sat" or ["wed", "sat"]."""
    names = text.split(",") if isinstance(text, str) else list(text)
    days = set()
    for name in names:
        key = name.strip().lower()[:3]
        if not key:
            continue
        if key not in WEEKDAYS:
            raise CalendarError(f"unknown weekday {name.strip()!r}: use mon, tue, ... sun")
        days.add(WEEKDAYS[key])
    return frozenset(days)


def session_days(
    start: dt.date,
    count: int,
    *,
    ri_weekdays: Container[int] = frozenset(),
    include_ri_days: bool = False,
    holidays: Container[dt.date] = frozenset(),
    exclude_sundays: bool = True,
) -> list[dt.date]:
    """The first ``count`` days from ``start`` on that count as session days."""
    if count < 1:
        raise CalendarError("a round needs at least one session day")
    days: list[dt.date] = []
    day = start
    while len(days) < count:
        if (day - start).days > MAX_SPAN_DAYS:
            raise CalendarError(f"no {count} session days within {MAX_SPAN_DAYS} days of {start}")
        skipped = (
            (exclude_sundays and day.weekday() == SUNDAY)
            or day in holidays
            or (not include_ri_days and day.weekday() in ri_weekdays)
        )
        if not skipped:
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def next_session_day(
    day: dt.date, ri_weekdays: Container[int], holidays: Container[dt.date] = frozenset()
) -> dt.date | None:
    """The first routine-immunisation session day on or after ``day`` (None: no RI days)."""
    if not any(weekday in ri_weekdays for weekday in range(7)):
        return None
    for offset in range(MAX_SPAN_DAYS):
        candidate = day + dt.timedelta(days=offset)
        if candidate.weekday() in ri_weekdays and candidate not in holidays:
            return candidate
    return None


@dataclass(frozen=True)
class Areas:
    """Where a campaign runs: states, districts, blocks (named lists of PIN codes) or PIN
    codes. Names are compared upper-case, as India Post writes them. Empty: everywhere."""

    states: frozenset[str] = frozenset()
    districts: frozenset[str] = frozenset()
    pincodes: frozenset[str] = frozenset()
    blocks: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def everywhere(self) -> bool:
        return not (self.states or self.districts or self.pincodes or self.blocks)

    def all_pincodes(self) -> frozenset[str]:
        """The PIN codes named directly or through a block."""
        return self.pincodes.union(*self.blocks.values())

    def includes(self, state: str | None, district: str | None, pincode: str | None) -> bool:
        """Whether a place (as a caregiver's PIN code maps it) is in the campaign's areas."""
        if self.everywhere:
            return True
        return (
            (state or "").upper() in self.states
            or (district or "").upper() in self.districts
            or (pincode or "") in self.all_pincodes()
        )


@dataclass(frozen=True)
class Campaign:
    """A campaign: its rounds, how many session days each has, what they skip, and where."""

    id: str
    name: str
    audience: str  # "children" (UIP doses) or "adults" (COVID-19 doses)
    rounds: tuple[dt.date, ...]
    days_per_round: int
    include_ri_days: bool = False
    exclude_sundays: bool = True
    exclude_holidays: bool = True
    areas: Areas = field(default_factory=Areas)
    announce_days_before: int = 2
    titles: tuple[tuple[str, str], ...] = ()  # (language, name families know it by)

    def title(self, lang: str) -> str:
        """The campaign's name in messages to families in ``lang`` (its name by default)."""
        return dict(self.titles).get(lang, self.name)

    def round_days(
        self,
        ri_weekdays: Container[int] = frozenset(),
        holidays: Container[dt.date] = frozenset(),
    ) -> list[list[dt.date]]:
        """The session days of each round, for a state with these RI days and holidays."""
        return [
            session_days(
                start,
                self.days_per_round,
                ri_weekdays=ri_weekdays,
                include_ri_days=self.include_ri_days,
                holidays=holidays if self.exclude_holidays else frozenset(),
                exclude_sundays=self.exclude_sundays,
            )
            for start in self.rounds
        ]


def campaign_from_data(data: dict) -> Campaign:
    """A Campaign from a campaign file's contents; CalendarError names what is wrong."""
    try:
        rounds = tuple(sorted(dt.date.fromisoformat(str(day)) for day in data["rounds"]))
        areas = data.get("areas") or {}
        upper = lambda names: frozenset(str(n).strip().upper() for n in names or ())  # noqa: E731
        campaign = Campaign(
            id=str(data["id"]),
            name=str(data["name"]),
            audience=str(data.get("audience", "children")),
            rounds=rounds,
            days_per_round=int(data["session_days"]),
            include_ri_days=bool(data.get("include_ri_days", False)),
            exclude_sundays=bool(data.get("exclude_sundays", True)),
            exclude_holidays=bool(data.get("exclude_holidays", True)),
            areas=Areas(
                states=upper(areas.get("states")),
                districts=upper(areas.get("districts")),
                pincodes=frozenset(str(p) for p in areas.get("pincodes") or ()),
                blocks={
                    str(name).upper(): frozenset(str(p) for p in pins)
                    for name, pins in (areas.get("blocks") or {}).items()
                },
            ),
            announce_days_before=int(data.get("announce_days_before", 2)),
            titles=tuple(sorted((str(k), str(v)) for k, v in (data.get("titles") or {}).items())),
        )
    except KeyError as missing:
        raise CalendarError(f"campaign file has no {missing.args[0]!r}") from None
    except (TypeError, ValueError) as error:
        raise CalendarError(f"campaign file: {error}") from None
    if not campaign.rounds:
        raise CalendarError("a campaign needs at least one round")
    if campaign.audience not in ("children", "adults"):
        raise CalendarError(f"audience must be children or adults, not {campaign.audience!r}")
    return campaign
