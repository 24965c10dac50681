"""The flow interpreter: one message in, replies and effects out. No I/O.

``process(profile, state, text, today, schedule)`` reads commands first (they work at
any point), then treats the text as the answer to the current step of a flow from
``flows.yaml``, and starts registration for anyone not yet registered.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from flows import actions, pregnancy, texts
from flows.commands import Command, match_command
from flows.hindi_words import dont_know
from flows.matching import tokens
from flows.parsing import (
    COVID_VACCINES,
    MAX_AGE_YEARS,
    InputError,
    Place,
    clean,
    parse_age,
    parse_birth_date,
    parse_children,
    parse_covid_vaccine,
    parse_first_dose_date,
    parse_language,
    parse_name,
    parse_slot,
    parse_yes_no,
    years_before,
)
from flows.place_names import parse_place
from flows.turn import (
    Effect,
    Profile,
    SessionDay,
    SetLanguage,
    State,
    Turn,
    no_sessions,
    vaccines,
)
from locales import LANGUAGES, DateAs, Fixed, Renderable, Text
from scheduler import Schedule, load_schedule
from scheduler.card import ASK_HISTORY_FROM, visits_before
from scheduler.durations import add

FLOWS_FILE = Path(__file__).with_name("flows.yaml")
PROMPTS = {**actions.PROMPTS, **pregnancy.PROMPTS}
ACTIONS = {**actions.ACTIONS, **pregnancy.ACTIONS}
COMMANDS = {**actions.COMMANDS, **pregnancy.COMMANDS}
# Commands that still work after STOP.
WHEN_STOPPED = {"start", "stop", "help", "delete"}
# Commands after which the current question is asked again.
KEEPS_FLOW = {"help", "next", "done"}


@dataclass(frozen=True)
class Parser:
    """Reads an answer (with the turn it came in, for today's date and what the question
    offered), stores it in the conversation state as JSON, and shows the stored answer as
    the values of later texts (``show(step_id, stored)``)."""

    read: Callable[[str, Turn], Any]
    store: Callable[[Any], Any] = lambda value: value
    show: Callable[[str, Any], dict[str, Any]] = lambda key, stored: {key: stored}


def _show_date(key: str, stored: str) -> dict[str, Any]:
    return {key: dt.date.fromisoformat(stored)}


def _store_place(place: Place | None) -> dict[str, str] | None:
    return dataclasses.asdict(place) if place else None


def _show_place(key: str, stored: dict[str, str] | None) -> dict[str, Any]:
    place = Place(**stored) if stored else Place("", "", "-")  # not known: "PIN - (-)"
    return {"pincode": place.pincode or "-", "district": place.district.title()}


def _show_vaccine(key: str, stored: str) -> dict[str, Any]:
    return {key: vaccines([COVID_VACCINES[stored][1]])}


def _offered_children(text: str, turn: Turn) -> list[int]:
    """The ids of the children picked from those the question offered."""
    offered = [turn.child(child_id) for child_id in turn.state.data["offered"]]
    return [offered[i].id for i in parse_children(text, [child.name for child in offered])]


def _name(text: str, invalid: str = texts.NAME_INVALID) -> str:
    """A name, never a keyword ("STOP" at the name question is refused, not stored)."""
    command = match_command(text)
    if command is not None and not command.typo:
        raise InputError(Text(invalid))
    return parse_name(text, invalid)


def _birth_date(text: str, turn: Turn) -> dt.date:
    """A birth date; or an age ("do mahine ka hai"): then the date on the MCP card is asked
    for, and "1" takes the date the age gives, its day unknown."""
    estimate = turn.state.data.get("born_about")
    if estimate and clean(text) == "1":
        del turn.state.data["born_about"]
        return dt.date.fromisoformat(estimate)
    age = parse_age(text)
    if age is None:
        born = parse_birth_date(text, turn.today)  # a mistake keeps the estimate offered
        turn.state.data.pop("born_about", None)
        return born
    born = age.birth_estimate(turn.today)
    if born < years_before(turn.today, MAX_AGE_YEARS):
        raise InputError(Text(texts.DATE_TOO_OLD))
    turn.state.data["born_about"] = born.isoformat()
    raise InputError(Text(texts.AGE_GIVEN, month=DateAs(born, "MMMM yyyy")))


def _card_visits(text: str, turn: Turn) -> int:
    """The last visit the MCP card shows (1 birth ... 6 sixteen months; 0 none or not
    known): one number, or several ("2 3 4": the last counts); no later than the child."""
    born = dt.date.fromisoformat(turn.state.data["birth_date"])
    reached = visits_before(born, turn.today)
    words = tokens(clean(text))
    if words and all(w.isdigit() for w in words):
        last = max(int(w) for w in words)
        if last <= reached:
            return last
    elif dont_know(text):
        return 0
    raise InputError(Text(texts.HISTORY_INVALID, last=reached))


# Conditions a step of flows.yaml may be asked under (``when``).
CONDITIONS: dict[str, Callable[[Turn], bool]] = {
    "six_weeks_old": lambda turn: (
        add(dt.date.fromisoformat(turn.state.data["birth_date"]), ASK_HISTORY_FROM) <= turn.today
    ),
}


PARSERS: dict[str, Parser] = {
    "language": Parser(lambda text, turn: parse_language(text)),
    "name": Parser(lambda text, turn: _name(text)),
    "kind": Parser(pregnancy.parse_kind),
    "lmp": Parser(pregnancy.parse_lmp, dt.date.isoformat, _show_date),
    "td_before": Parser(pregnancy.parse_td_before),
    "adult_name": Parser(lambda text, turn: _name(text, texts.NAME_INVALID_ADULT)),
    "birth_date": Parser(_birth_date, dt.date.isoformat, _show_date),
    "first_dose": Parser(
        lambda text, turn: parse_first_dose_date(text, turn.today), dt.date.isoformat, _show_date
    ),
    "covid_vaccine": Parser(lambda text, turn: parse_covid_vaccine(text), show=_show_vaccine),
    "pincode": Parser(lambda text, turn: parse_place(text), _store_place, _show_place),
    "yes_no": Parser(lambda text, turn: parse_yes_no(text)),
    "slot": Parser(lambda text, turn: parse_slot(text)),
    "children": Parser(_offered_children),
    "card_visits": Parser(_card_visits),
}


@dataclass(frozen=True)
class Step:
    id: str
    ask: str
    parse: str
    on_no: str | None = None
    when: str | None = None
    switch: dict[str, str] | None = None  # an answer -> the flow that goes on from it


@dataclass(frozen=True)
class Flow:
    name: str
    steps: tuple[Step, ...]
    then: str
    prefill: tuple[str, ...] = ()

    def step(self, step_id: str) -> Step:
        return next(s for s in self.steps if s.id == step_id)


@dataclass(frozen=True)
class Outcome:
    """What a message produced: the new state, replies in ``language``, and effects."""

    state: State
    replies: list[Renderable]
    effects: list[Effect]
    language: str


@cache
def load_flows(path: Path = FLOWS_FILE) -> dict[str, Flow]:
    """Read and check the flow file: every text, parser and action it names must exist."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    flows = {}
    for name, spec in raw.items():
        steps = tuple(Step(**step) for step in spec["steps"])
        flow = Flow(name, steps, spec["then"], tuple(spec.get("prefill", ())))
        for step in steps:
            known_ask = step.ask in PROMPTS or (step.ask.isupper() and hasattr(texts, step.ask))
            if not known_ask or step.parse not in PARSERS:
                raise ValueError(f"flow {name}: step {step.id} names an unknown text or parser")
            if step.on_no and step.on_no not in ACTIONS and step.on_no not in {s.id for s in steps}:
                raise ValueError(f"flow {name}: step {step.id}: unknown on_no {step.on_no}")
            if step.when and step.when not in CONDITIONS:
                raise ValueError(f"flow {name}: step {step.id}: unknown condition {step.when}")
        for step in steps:
            for target in (step.switch or {}).values():
                if target not in raw:
                    raise ValueError(f"flow {name}: step {step.id}: unknown flow {target}")
        if flow.then not in ACTIONS:
            raise ValueError(f"flow {name}: unknown action {flow.then}")
        flows[name] = flow
    return flows


def process(
    profile: Profile,
    state: State,
    text: str | None,
    today: dt.date,
    schedule: Schedule | None = None,
    session_day: SessionDay = no_sessions,
) -> Outcome:
    """Handle one message from a caregiver and say what to reply and what to change.
    ``session_day`` finds the RI session day of a state, for replies that name it."""
    turn = Turn(profile, state.copy(), today, schedule or load_schedule())
    turn.session_day = session_day
    flows = load_flows()
    cleaned = clean(text)
    current = flows.get(turn.state.flow or "")
    command = command_at(cleaned, turn.state.step if current else None)
    if profile.opted_out and (command is None or command.name not in WHEN_STOPPED):
        turn.say(Text(texts.STILL_STOPPED))
    elif command is not None:
        next_flow = COMMANDS[command.name](turn, command)
        if next_flow:
            _start(turn, flows[next_flow])
        elif current and turn.state.flow and command.name in KEEPS_FLOW:
            _ask(turn, current, current.step(turn.state.step))
        elif command.name not in KEEPS_FLOW:
            turn.state.clear()
    elif not cleaned:
        turn.say(Text(texts.EMPTY))
        if current and turn.state.step:
            _ask(turn, current, current.step(turn.state.step))
    elif current and turn.state.step:
        _answer(turn, current, current.step(turn.state.step), cleaned)
    elif not profile.registered:
        _start(turn, flows["register"])
    else:
        turn.say(Text(texts.UNKNOWN))
    return Outcome(turn.state, turn.replies, turn.effects, turn.language)


# Keywords that, at these questions, are the answer: "PIN 226001" at the PIN code's,
# "janam 15/3/2025" (born) at the birth date's.
ANSWERED_BY = {"place": {"pin"}, "birth_date": {"born"}, "lmp": {"born"}}


def command_at(cleaned: str, step: str | None) -> Command | None:
    """The command a message is when the question ``step`` was asked (None: none was): a
    keyword matched only by forgiving a typo yields to the answer ("Dona" at the name
    question is a name, not DONE), as do the keywords :data:`ANSWERED_BY` names."""
    command = match_command(cleaned)
    if command is None or step is None:
        return command
    if command.typo or command.name in ANSWERED_BY.get(step, ()):
        return None
    return command


def _prefill(turn: Turn, flow: Flow) -> dict[str, Any]:
    """The answers of ``flow`` already known from the caregiver's profile. A new sender
    whose circle speaks Hindi is not asked the language first: Hindi is taken, and the
    next question says how to pick another (``presumed``; ``welcome`` until it is asked)."""
    known = {"language": turn.profile.language, "place": turn.profile.place}
    filled = {
        key: dataclasses.asdict(known[key]) if key == "place" else known[key]
        for key in flow.prefill
        if known.get(key)
    }
    presumed = turn.profile.presumed_language
    if "language" in flow.prefill and "language" not in filled and presumed:
        filled.update(language=presumed, presumed=True, welcome=True)
    return filled


def _start(turn: Turn, flow: Flow) -> None:
    """Start ``flow``, with what a command put in its state already (``turn.state.flow``
    set to it by the command)."""
    seeded = turn.state.data if turn.state.flow == flow.name else {}
    turn.state = State(flow.name, None, {**_prefill(turn, flow), **seeded})
    _advance(turn, flow, 0)


def _advance(turn: Turn, flow: Flow, index: int) -> None:
    """Ask the first step from ``index`` whose answer is not known; or finish the flow."""
    for step in flow.steps[index:]:
        if step.when and not CONDITIONS[step.when](turn):
            continue
        if step.id not in turn.state.data:
            turn.state.step = step.id
            _ask(turn, flow, step)
            return
    action = ACTIONS[flow.then]
    action(turn)
    turn.state.clear()


def _ask(turn: Turn, flow: Flow, step: Step) -> None:
    if step.ask in PROMPTS:
        turn.say(PROMPTS[step.ask](turn))
    else:
        turn.say(Text(getattr(texts, step.ask), **_params(flow, turn.state.data)))


def _params(flow: Flow, data: dict[str, Any]) -> dict[str, Any]:
    """The answers collected so far, as the values of a text (dates as dates, a place as
    its PIN code and district)."""
    params: dict[str, Any] = {"name": ""}
    for step in flow.steps:
        if step.id in data:
            params.update(PARSERS[step.parse].show(step.id, data[step.id]))
    return params


def _answer(turn: Turn, flow: Flow, step: Step, text: str) -> None:
    try:
        value = PARSERS[step.parse].read(text, turn)
    except InputError as error:
        if error.reply is not None:
            turn.say(error.reply)
        elif step.id == "language":  # the short menu again, never the welcome twice
            turn.say(Fixed(Text(texts.LANGUAGE_CHOICE), LANGUAGES[0]))
        else:
            _ask(turn, flow, step)
        return
    if step.parse == "yes_no" and not value:
        _go_back(turn, flow, step.on_no)
        return
    turn.state.data[step.id] = PARSERS[step.parse].store(value)
    if step.id == "language":
        turn.language = value
        turn.do(SetLanguage(value))
    target = step.switch.get(value) if step.switch and isinstance(value, str) else None
    if target:  # another flow goes on, with the answers so far
        turn.state.flow = target
        _start(turn, load_flows()[target])
        return
    _advance(turn, flow, flow.steps.index(step) + 1)


def _go_back(turn: Turn, flow: Flow, target: str | None) -> None:
    """On "no": re-ask from an earlier step (forgetting answers from there), or run an action."""
    if target in ACTIONS:
        ACTIONS[target](turn)
        turn.state.clear()
        return
    index = next(i for i, s in enumerate(flow.steps) if s.id == target)
    for later in flow.steps[index:]:
        turn.state.data.pop(later.id, None)
    turn.state.data = {**_prefill(turn, flow), **turn.state.data}
    _advance(turn, flow, index)
