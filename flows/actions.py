"""What the flows do: prompts, the actions that end a flow, and the commands.

Everything here is pure: it reads a Turn and adds replies and effects to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flows import texts
from flows.commands import Command
from flows.parsing import (
    COVID_VACCINES,
    InputError,
    Place,
    parse_birth_date,
    parse_date,
    parse_given_date,
    parse_language,
    parse_name,
    parse_pincode,
    parse_slot,
)
from flows.turn import (
    AddChild,
    ChildInfo,
    DeleteCaregiver,
    OptIn,
    OptOut,
    RecordDoses,
    SetLanguage,
    SetPlace,
    SetSlot,
    Turn,
    vaccines,
)
from locales import LANGUAGE_NAMES, LANGUAGES, Concat, Fixed, Text
from scheduler import Visit

MAX_CHILDREN = 10
# A dose may be recorded up to this many days before its visit (the schedule's grace).
EARLY_DAYS = 4

# ---- prompts ----------------------------------------------------------------------------


def language_menu(turn: Turn) -> Concat:
    """Each language offered in its own words; a new caregiver is welcomed first."""
    parts: list[Text | Fixed] = []
    if not turn.profile.language:
        parts.append(Fixed(Text(texts.WELCOME), LANGUAGES[0]))
    for digit, lang in enumerate(LANGUAGES, start=1):
        parts.append(
            Fixed(Text(texts.CHOOSE_LANGUAGE, language=LANGUAGE_NAMES[lang], digit=digit), lang)
        )
    return Concat(*parts)


PROMPTS: dict[str, Callable[[Turn], Concat | Text]] = {"language_menu": language_menu}


# ---- visits -------------------------------------------------------------------------------


def visit_text(turn: Turn, name: str, visit: Visit | None) -> Text:
    """One line about a child's next visit: its vaccines and date, or that none is left."""
    if visit is None:
        return Text(texts.NEXT_NONE, name=name)
    if visit.date <= turn.today:
        return Text(texts.NEXT_VISIT_NOW, name=name, vaccines=vaccines(visit.codes))
    return Text(texts.NEXT_VISIT, name=name, vaccines=vaccines(visit.codes), date=visit.date)


# ---- actions that end a flow -----------------------------------------------------------


def register_child(turn: Turn) -> None:
    """Save the child (and the caregiver's language and place) and name its next visit."""
    data = turn.state.data
    born = dt.date.fromisoformat(data["birth_date"])
    person = AddChild(data["name"], born)
    _register(turn, person, Place(**data["place"]), data["language"], texts.REGISTERED)


def register_adult(turn: Turn) -> None:
    """Save an adult following a COVID-19 schedule, with their first dose, and name their
    next dose."""
    data = turn.state.data
    schedule, first_code = COVID_VACCINES[data["vaccine"]]
    first_dose = dt.date.fromisoformat(data["first_dose"])
    person = AddChild(data["name"], first_dose, schedule, ((first_code, first_dose),))
    _register(turn, person, Place(**data["place"]), data["language"], texts.COVID_REGISTERED)


def _register(turn: Turn, person: AddChild, place: Place, language: str, registered: str) -> None:
    """Add a person (with the caregiver's language and place), and name their next visit."""
    if len(turn.profile.children) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(turn.profile.children)))
        return
    if language != turn.profile.language:
        turn.do(SetLanguage(language))
        turn.language = language
    if place != turn.profile.place:
        turn.do(SetPlace(place))
    turn.do(person)
    visit = turn.next_visit(person.birth_date, person.doses, place=place, schedule=person.schedule)
    turn.say(Text(registered, name=person.name))
    turn.say(visit_text(turn, person.name, visit))


def set_language(turn: Turn) -> None:
    language = turn.state.data["language"]
    turn.do(SetLanguage(language))
    turn.language = language
    turn.say(Text(texts.LANGUAGE_SET))


def set_slot(turn: Turn) -> None:
    slot = turn.state.data["slot"]
    turn.do(SetSlot(slot))
    turn.say(Text(texts.SLOT_SET, slot=Text(texts.SLOT_NAMES[slot])))


def delete_caregiver(turn: Turn) -> None:
    turn.do(DeleteCaregiver())
    turn.say(Text(texts.DELETED))


def cancel_delete(turn: Turn) -> None:
    turn.say(Text(texts.DELETE_CANCELLED))


ACTIONS: dict[str, Callable[[Turn], None]] = {
    "register_child": register_child,
    "register_adult": register_adult,
    "set_language": set_language,
    "set_slot": set_slot,
    "delete_caregiver": delete_caregiver,
    "cancel_delete": cancel_delete,
}

# ---- commands -------------------------------------------------------------------------
# A command handler returns the name of a flow to start, or None.


def cmd_help(turn: Turn, command: Command) -> str | None:
    turn.say(Text(texts.HELP))
    return None


def cmd_stop(turn: Turn, command: Command) -> str | None:
    turn.do(OptOut())
    turn.say(Text(texts.STOPPED))
    return None


def cmd_start(turn: Turn, command: Command) -> str | None:
    turn.do(OptIn())
    if not turn.profile.registered:
        return "register"
    turn.say(Text(texts.STARTED))
    return None


def cmd_next(turn: Turn, command: Command) -> str | None:
    if not turn.profile.registered:
        turn.say(Text(texts.NOT_REGISTERED))
        return "register"
    for child in turn.profile.children:
        turn.say(visit_text(turn, child.name, turn.child_visit(child)))
    return None


def cmd_done(turn: Turn, command: Command) -> str | None:
    """Record the doses of each child's current visit as given today or on the date sent."""
    if not turn.profile.registered:
        turn.say(Text(texts.NOT_REGISTERED))
        return "register"
    try:
        given_on = (
            parse_given_date(command.argument, turn.today) if command.argument else turn.today
        )
    except InputError as error:
        turn.say(error.reply)
        return None
    recorded: list[tuple[ChildInfo, tuple[str, ...]]] = []
    for child in turn.profile.children:
        visit = None
        if child.birth_date <= given_on:
            visit = turn.child_visit(child, as_of=given_on)
        if visit and (visit.date - given_on).days <= EARLY_DAYS:
            turn.do(RecordDoses(child.id, visit.codes, given_on))
            recorded.append((child, visit.codes))
    if not recorded:
        for child in turn.profile.children:
            turn.say(Text(texts.DONE_NOTHING_DUE, name=child.name, date=given_on))
        return None
    for child, codes in recorded:
        turn.say(
            Text(texts.DONE_RECORDED, name=child.name, vaccines=vaccines(codes), date=given_on)
        )
        given = [(code, given_on) for code in codes]
        turn.say(visit_text(turn, child.name, turn.child_visit(child, more_doses=given)))
    return None


def cmd_add(turn: Turn, command: Command) -> str | None:
    if len(turn.profile.children) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(turn.profile.children)))
        return None
    return "register"


def _setting(
    turn: Turn,
    command: Command,
    key: str,
    parse: Callable[[str], str],
    action: Callable[[Turn], None],
    flow: str,
) -> str | None:
    """A setting command: with a readable argument it sets it; otherwise ``flow`` asks."""
    if command.argument:
        try:
            turn.state.data = {key: parse(command.argument)}
        except InputError:
            return flow
        action(turn)
        return None
    return flow


def cmd_lang(turn: Turn, command: Command) -> str | None:
    """``LANG`` asks for a language; ``LANG en`` or ``भाषा हिंदी`` sets it."""
    return _setting(turn, command, "language", parse_language, set_language, "change_language")


def cmd_time(turn: Turn, command: Command) -> str | None:
    """When reminders come: ``TIME`` asks, ``TIME 2`` or ``TIME evening`` sets it."""
    if not turn.profile.registered:
        turn.say(Text(texts.NOT_REGISTERED))
        return "register"
    return _setting(turn, command, "slot", parse_slot, set_slot, "change_slot")


def cmd_covid(turn: Turn, command: Command) -> str | None:
    """An adult registers themselves for COVID-19 dose reminders."""
    if len(turn.profile.children) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(turn.profile.children)))
        return None
    return "register_covid"


def cmd_delete(turn: Turn, command: Command) -> str | None:
    return "delete"


# Keywords that register in Hindi; the others register in English.
HINDI_REG_KEYWORDS = {"पंजीकरण", "panjikaran", "panjeekaran"}


def cmd_reg(turn: Turn, command: Command) -> str | None:
    """``REG <name> <birth date> <PIN>``: register a child in one message."""
    words = command.argument.split()
    if len(words) < 3:
        turn.say(Text(texts.REG_USAGE))
        return None
    try:
        place = parse_pincode(words[-1])
        born, name_words = _split_name_and_date(words[:-1], turn.today)
        name = parse_name(" ".join(name_words))
    except InputError as error:
        turn.say(error.reply or Text(texts.REG_USAGE))
        return None
    language = turn.profile.language or ("hi" if command.keyword in HINDI_REG_KEYWORDS else "en")
    turn.language = language
    turn.state.clear()
    _register(turn, AddChild(name, born), place, language, texts.REGISTERED)
    return None


def _split_name_and_date(words: list[str], today: dt.date) -> tuple[dt.date, list[str]]:
    """The birth date at the end of ``words`` (1 to 3 words long) and the name before it."""
    last_error = InputError(Text(texts.REG_USAGE))
    for size in (3, 2, 1):
        if len(words) > size:
            candidate = " ".join(words[-size:])
            try:
                parse_date(candidate, today)
            except InputError as problem:
                last_error = problem
                continue
            return parse_birth_date(candidate, today), words[:-size]
    raise last_error


COMMANDS: dict[str, Callable[[Turn, Command], str | None]] = {
    "help": cmd_help,
    "stop": cmd_stop,
    "start": cmd_start,
    "next": cmd_next,
    "done": cmd_done,
    "add": cmd_add,
    "lang": cmd_lang,
    "delete": cmd_delete,
    "time": cmd_time,
    "covid": cmd_covid,
    "reg": cmd_reg,
}
