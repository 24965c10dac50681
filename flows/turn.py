"""What one turn of a conversation works with: the sender's profile, the conversation
state, and what the turn produces — replies to send and effects for the store to apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from flows.parsing import Place
from locales import Renderable, Text, normalise_language
from locales.places import speaks_hindi
from scheduler import CHILDREN_SCHEDULES, Area, Schedule, Visit, forecast, load_schedule
from scheduler.vaccines import dose_text

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
    phone: str = ""  # E.164; "" where not known (a voice caller's, the tests')
    # The state of a new number's telecom circle, where the gateway tells it.
    region: str | None = None

    @property
    def registered(self) -> bool:
        return bool(self.children)

    @property
    def presumed_language(self) -> str | None:
        """The language to write first to a sender who has not chosen one: Hindi where
        their number's circle is in a Hindi-speaking state; None where not known."""
        if self.language is None and speaks_hindi(self.region):
            return "hi"
        return None


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
class RegisterForMother:
    """An ASHA (or anyone) registers a child on the mother's own number ``phone``: the
    mother's caregiver row (created if new, in ``language`` unless she has one, at
    ``place`` unless she has one) gets the child, her consent is recorded as given
    through the ASHA, the sender is linked to her as her health worker, and she is sent
    one SMS saying who registered the child and how to stop."""

    phone: str
    child: AddChild
    place: Place
    language: str


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
class SetSchedule:
    """The family's children follow another schedule ("iap": their doctor follows IAP's)."""

    schedule: str


@dataclass(frozen=True)
class BabyBorn:
    """A pregnancy of the caregiver ended in the birth of a child registered in the same
    turn: its reminders are planned again (to none)."""

    pregnancy_id: int


@dataclass(frozen=True)
class SetSite:
    """Where the family's vaccination session is held, as reminders name it."""

    site: str


@dataclass(frozen=True)
class SetChannel:
    """How reminders reach the caregiver: "sms", or "voice" (a phone call)."""

    channel: str


#: The routine-immunisation session day on or after a date in a state, or None where the
#: state's session days are not known. The shell passes one in (flows do no I/O).
SessionDay = Callable[[str | None, dt.date], dt.date | None]


def no_sessions(state: str | None, day: dt.date) -> dt.date | None:
    """A :data:`SessionDay` that knows no session days."""
    return None


Effect = (
    SetLanguage
    | SetPlace
    | AddChild
    | RegisterForMother
    | RecordDoses
    | OptOut
    | OptIn
    | DeleteCaregiver
    | SetSlot
    | SetSite
    | SetChannel
    | BabyBorn
    | SetSchedule
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
    session_day: SessionDay = no_sessions

    def __post_init__(self) -> None:
        if not self.language:
            self.language = normalise_language(
                self.profile.language
                or self.state.data.get("language")
                or self.profile.presumed_language
            )

    @property
    def child_schedule(self) -> str:
        """The schedule a new child of this family follows: its children's (a family that
        chose IAP's), else the deployment's (``SCHEDULE``)."""
        for child in self.profile.children:
            if child.schedule in CHILDREN_SCHEDULES:
                return child.schedule
        return self.schedule.id if self.schedule.id in CHILDREN_SCHEDULES else "uip"

    def rules(self, name: str) -> Schedule:
        """The schedule ``name`` (the deployment's as the service loaded it)."""
        return self.schedule if name == self.schedule.id else load_schedule(name)

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
        schedule: str | None = None,
    ) -> Visit | None:
        """The next vaccination visit of a child (or an adult), from the schedule engine
        (``schedule``: the person's; None: a new child's, :attr:`child_schedule`)."""
        place = place or self.profile.place
        area = Area(district=place.district, state=place.state) if place else None
        rules = self.rules(schedule or self.child_schedule)
        result = forecast(birth_date, doses, as_of or self.today, area=area, schedule=rules)
        return result.next_visit

    def child_visit(
        self, child: ChildInfo, as_of: dt.date | None = None, more_doses=()
    ) -> Visit | None:
        """A registered child's next visit, counting ``more_doses`` as given too."""
        doses = (*child.doses, *more_doses)
        return self.next_visit(child.birth_date, doses, as_of, schedule=child.schedule)

    def can_give(self, child: ChildInfo, day: dt.date) -> tuple[str, ...]:
        """The doses a registered child still needs that can be given on ``day``."""
        if child.birth_date > day:
            return ()
        place = self.profile.place
        area = Area(district=place.district, state=place.state) if place else None
        rules = self.rules(child.schedule)
        return forecast(child.birth_date, child.doses, day, area, rules).can_give(day)

    def child(self, child_id: int) -> ChildInfo:
        """The registered child with id ``child_id``."""
        return next(child for child in self.profile.children if child.id == child_id)

    def session_for(self, visit: Visit, place: Place | None = None) -> dt.date | None:
        """The RI session day for ``visit`` (on or after its day, and today), where the
        state's session days are known and the session is not past the visit's last day."""
        place = place or self.profile.place
        if place is None:
            return None
        session = self.session_day(place.state, max(visit.date, self.today))
        if session is None or (visit.latest is not None and session > visit.latest):
            return None
        return session


def vaccines(
    codes: tuple[str, ...] | list[str], iu: Iterable[tuple[str, int]] = ()
) -> list[Text | str]:
    """Dose codes as translatable names, for a ``%(vaccines)s`` placeholder; ``iu`` gives
    the strength of doses that have one (vitamin A), as a visit names them."""
    strengths = dict(iu)
    return [dose_text(code, strengths.get(code), short=True) for code in codes]
