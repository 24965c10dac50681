"""One call through the IVR as data: who is on the line, the question being asked, what
to say, and the :class:`Call` that the steps of ``flows.voice`` and the actions of
``flows.voice_actions`` build an :class:`Outcome` on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from flows import voice_texts as said
from flows.turn import Effect, OptIn, OptOut, Profile, SetChannel, State, Turn
from locales import Renderable, Text
from scheduler import Schedule

# The keypad digits each question takes: 1 for a choice, 2 for a month, a day or an age in
# months ("0 3" for March; a single key then a pause, or #, is taken too), 6 for a PIN code.
DIGITS = {
    "language": 1,
    "born_this_year": 1,
    "birth_month": 2,
    "birth_day": 2,
    "age_months": 2,
    "confirm_birth_date": 1,
    "card": 1,
    "pregnancy_month": 1,
    "td_before": 1,
    "pincode": 6,
    "confirm_pincode": 1,
    "menu": 1,
    "confirm_done": 1,
    "confirm_stop": 1,
    "reminder": 1,
}
REPROMPTS = 3  # a wrong answer is asked again at most this often, then the call ends politely
SILENCES = 2  # a question met by silence is asked once more; the second silence ends the call
YES, NO = "1", "2"  # in every confirmation
REPEAT, BACK = "9", "0"  # pressed alone, at any question: hear it again; go back one question
ROOTS = frozenset({"menu", "reminder"})  # questions nothing goes back from


@dataclass(frozen=True)
class Caller:
    """Who is on the line: their profile, and how their reminders reach them."""

    profile: Profile
    channel: str = "sms"


@dataclass(frozen=True)
class Prompt:
    """One thing to say: ``key`` names its text in flows.voice_texts (recordings replace
    prompts by key and language)."""

    key: str
    text: Renderable
    lang: str


@dataclass
class CallState:
    """The question being asked, the answers so far and how many answers failed in a row."""

    step: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    tries: int = 0


@dataclass
class Outcome:
    """What a call does next: speak ``prompts``, then gather ``digits`` or hang up."""

    state: CallState
    prompts: list[Prompt]
    digits: int | None
    effects: list[Effect]
    sms: list[Renderable]
    language: str


class Retry(Exception):
    """The answer cannot be used: say the text ``key`` (with ``params``) and ask again."""

    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key = key
        self.params = params


class Call:
    """One webhook's worth of a call: inputs, and the prompts and effects it builds up."""

    def __init__(
        self,
        caller: Caller,
        state: CallState,
        today: dt.date,
        schedule: Schedule,
        reprompts: int,
        questions: Mapping[str, Callable[[Call], None]],
    ) -> None:
        self.caller = caller
        self.questions = questions  # how each step asks its question
        self.profile = caller.profile
        self.state = CallState(state.step, dict(state.data), state.tries)  # changed, not shared
        self.turn = Turn(caller.profile, State(), today, schedule)
        if self.state.data.get("language"):
            self.turn.language = self.state.data["language"]
        self.reprompts = reprompts
        self.prompts: list[Prompt] = []
        self.effects: list[Effect] = []
        self.sms: list[Renderable] = []
        self.digits: int | None = None

    @property
    def language(self) -> str:
        return self.turn.language

    @property
    def today(self) -> dt.date:
        return self.turn.today

    @property
    def opted_out(self) -> bool:
        changes = [e for e in self.effects if isinstance(e, OptIn | OptOut)]
        return isinstance(changes[-1], OptOut) if changes else self.profile.opted_out

    @property
    def channel(self) -> str:
        changes = [e.channel for e in self.effects if isinstance(e, SetChannel)]
        return changes[-1] if changes else self.caller.channel

    def say(self, key: str, lang: str | None = None, **params: Any) -> None:
        self.prompts.append(Prompt(key, Text(getattr(said, key), **params), lang or self.language))

    def do(self, effect: Effect) -> None:
        self.effects.append(effect)

    def ask(self, step: str, again: bool = False) -> None:
        """Ask the question of ``step`` (a new question starts with no failed answers, and
        remembers the one before it, for the caller to go back to)."""
        if not again:
            self.state.tries = 0
            self.state.data["back"] = self._way_back(step)
        self._put(step)

    def back(self) -> None:
        """The question before this one again (at the first, or a menu, this one again)."""
        way_back = list(self.state.data.get("back", ()))
        if not way_back:
            self._put(self.state.step or "menu")
            return
        self.state.tries = 0
        self.state.data["back"] = way_back[:-1]
        self._put(way_back[-1])

    def _way_back(self, step: str) -> list[str]:
        way_back = list(self.state.data.get("back", ()))
        if step in ROOTS:
            return []
        if step in way_back:  # asked again from further on (a date entered again)
            return way_back[: way_back.index(step)]
        if self.state.step is not None and self.state.step != step:
            return [*way_back, self.state.step]
        return way_back

    def _put(self, step: str) -> None:
        self.state.step = step
        self.questions[step](self)
        self.digits = DIGITS[step]

    def end(self) -> None:
        self.state = CallState()
        self.digits = None

    def outcome(self) -> Outcome:
        return Outcome(self.state, self.prompts, self.digits, self.effects, self.sms, self.language)
