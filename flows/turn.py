"""What one turn of a conversation works with: the sender's profile, the conversation
state, and what the turn produces — replies to send and effects for the store to apply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from flows.parsing import Place
from locales import Renderable, Text, normalise_language
from scheduler import Area, Schedule, Visit, forecast, load_schedule
from scheduler.vaccines import DOSE_NAMES

# ---- what the shell loads ------------------------------------------------------------


@dataclass(frozen=True)
class ChildInfo:
    """A registered child (or an adult following the COVID-19 schedule) and their doses."""

    id: int
    name: str
    birth_date: dt.date  # the schedule's reference date (for COVID-19: the first dose)
    doses: tuple[tuple[str, dt.date], ...] = ()
    schedule: str = "uip"


@dataclass(frozen=True)
class Profile:
    """What the service knows about the sender of a message."""

    language: str | None = None
    place: Place | None = None
    opted_out: bool = False
    children: tuple[ChildInfo, ...] = ()

    @property
    def registered(self) -> bool:
        return bool(self.children)


@dataclass
class State:
    """Where the sender is in a flow, and the answers collected so far (JSON-safe)."""

    flow: str | None = None
    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def clear(self) -> None:
        self.flow, self.step, self.data = None, None, {}

    def copy(self) -> State:
        """A copy whose answers can change without changing this one's."""
        data = {k: dict(v) if isinstance(v, dict) else v for k, v in self.data.items()}
        return State(self.flow, self.step, data)


# ---- what a turn produces --------------------------------------------------------------


@dataclass(frozen=True)
class SetLanguage:
    language: str


@dataclass(frozen=True)
class SetPlace:
    place: Place


@dataclass(frozen=True)
class AddChild:
    name: str
    birth_date: dt.date
    schedule: str = "uip"
    doses: tuple[tuple[str, dt.date], ...] = ()


@dataclass(frozen=True)
class RecordDoses:
    child_id: int
    codes: tuple[str, ...]
    given_on: dt.date


@dataclass(frozen=True)
class OptOut:
    pass


@dataclass(frozen=True)
class OptIn:
    pass


@dataclass(frozen=True)
class DeleteCaregiver:
    pass


@dataclass(frozen=True)
class SetSlot:
    slot: str


@dataclass(frozen=True)
class SetChannel:
    """How reminders reach the caregiver: "sms", or "voice" (a phone call)."""

    channel: str


Effect = (
    SetLanguage
    | SetPlace
    | AddChild
    | RecordDoses
    | OptOut
    | OptIn
    | DeleteCaregiver
    | SetSlot
    | SetChannel
)


@dataclass
class Turn:
    """One message being handled: inputs, and the replies and effects it builds up."""

    profile: Profile
    state: State
    today: dt.date
    schedule: Schedule
    replies: list[Renderable] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)
    language: str = ""

    def __post_init__(self) -> None:
        if not self.language:
            self.language = normalise_language(
                self.profile.language or self.state.data.get("language")
            )

    def say(self, text: Renderable) -> None:
        self.replies.append(text)

    def do(self, effect: Effect) -> None:
        self.effects.append(effect)

    def next_visit(
        self,
        birth_date: dt.date,
        doses: tuple[tuple[str, dt.date], ...] = (),
        as_of: dt.date | None = None,
        place: Place | None = None,
        schedule: str = "uip",
    ) -> Visit | None:
        """The next vaccination visit of a child (or an adult), from the schedule engine."""
        place = place or self.profile.place
        area = Area(district=place.district, state=place.state) if place else None
        rules = self.schedule if schedule == "uip" else load_schedule(schedule)
        result = forecast(birth_date, doses, as_of or self.today, area=area, schedule=rules)
        return result.next_visit

    def child_visit(
        self, child: ChildInfo, as_of: dt.date | None = None, more_doses=()
    ) -> Visit | None:
        """A registered child's next visit, counting ``more_doses`` as given too."""
        doses = (*child.doses, *more_doses)
        return self.next_visit(child.birth_date, doses, as_of, schedule=child.schedule)


def vaccines(codes: tuple[str, ...] | list[str]) -> list[Text]:
    """Dose codes as translatable names, for a ``%(vaccines)s`` placeholder."""
    return [Text(DOSE_NAMES.get(code, code)) for code in codes]
