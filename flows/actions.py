"""What the flows do: prompts, the actions that end a flow, and the commands.

Everything here is pure: it reads a Turn and adds replies and effects to it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from flows import asha_texts, texts
from flows.commands import Command
from flows.matching import key as spelling_key
from flows.matching import tokens, wordlist
from flows.mobiles import national, parse_mobile
from flows.parsing import (
    COVID_VACCINES,
    InputError,
    Place,
    clean,
    parse_birth_date,
    parse_date,
    parse_given_date,
    parse_language,
    parse_name,
    parse_pincode,
    parse_slot,
)
from flows.place_names import parse_place
from flows.sms_templates import LANGUAGE_MENU
from flows.turn import (
    AddChild,
    DeleteCaregiver,
    OptIn,
    OptOut,
    RecordDoses,
    RegisterForMother,
    SetLanguage,
    SetPlace,
    SetSchedule,
    SetSite,
    SetSlot,
    State,
    Turn,
    vaccines,
)
from locales import LANGUAGES, SESSION_DAY, DateAs, Fixed, Text
from locales.places import speaks_hindi
from scheduler import CHILDREN_SCHEDULES, Visit
from scheduler.card import card_doses

MAX_CHILDREN = 10

# ---- prompts ----------------------------------------------------------------------------


def language_menu(turn: Turn) -> Fixed:
    """Each language offered in its own words, in one SMS (one registered template, in the
    default language); a new caregiver is welcomed first."""
    menu = texts.LANGUAGE_CHOICE if turn.profile.language else LANGUAGE_MENU
    return Fixed(Text(menu), LANGUAGES[0])


def which_child(turn: Turn) -> Text:
    """Which of the children due that day got the vaccines: each offered with its number."""
    offered = [turn.child(child_id) for child_id in turn.state.data["offered"]]
    choices = [f"{n} {child.name}" for n, child in enumerate(offered, start=1)]
    return Text(texts.ASK_WHICH_CHILD, choices=choices)


def confirm_child(turn: Turn) -> Text:
    """The child's details to check: with the PIN code and district, the district alone, or
    saying that the district is not known."""
    data = turn.state.data
    place = Place(**data["place"]) if data.get("place") else None
    values = {"name": data["name"], "birth_date": dt.date.fromisoformat(data["birth_date"])}
    if place is None:
        return Text(texts.CONFIRM_CHILD_NO_PLACE, **values)
    district = place.district.title()
    if not place.pincode:
        return Text(texts.CONFIRM_CHILD_DISTRICT, **values, district=district)
    return Text(texts.CONFIRM_CHILD, **values, pincode=place.pincode, district=district)


PROMPTS: dict[str, Callable[[Turn], Fixed | Text]] = {
    "language_menu": language_menu,
    "which_child": which_child,
    "confirm_child": confirm_child,
}


# ---- visits -------------------------------------------------------------------------------


def visit_text(
    turn: Turn, name: str, visit: Visit | None, place: Place | None = None, schedule: str = "uip"
) -> Text:
    """One line about a child's next visit: its vaccines and date (the RI session day where
    the state's are known; adults' COVID-19 doses are not given at RI sessions), or that
    none is left."""
    if visit is None:
        return Text(texts.NEXT_NONE, name=name)
    names = vaccines(visit.codes, visit.iu)
    session = None if schedule.startswith("covid-") else turn.session_for(visit, place)
    day = DateAs(session, SESSION_DAY) if session is not None else None
    if visit.date <= turn.today:
        if session is not None and session > turn.today:
            return Text(texts.NEXT_VISIT_NOW_SESSION, name=name, vaccines=names, session=day)
        return Text(texts.NEXT_VISIT_NOW, name=name, vaccines=names)
    if session is not None:
        return Text(texts.NEXT_VISIT_SESSION, name=name, vaccines=names, session=day)
    return Text(texts.NEXT_VISIT, name=name, vaccines=names, date=visit.date)


# ---- actions that end a flow -----------------------------------------------------------


def register_child(turn: Turn) -> None:
    """Save the child (and the caregiver's language and place) and name its next visit."""
    data = turn.state.data
    born = dt.date.fromisoformat(data["birth_date"])
    schedule = turn.child_schedule
    given = card_doses(turn.rules(schedule), born, data.get("history", 0))  # the MCP card's
    person = AddChild(data["name"], born, schedule, tuple(given))
    place = Place(**data["place"]) if data.get("place") else None
    _register(turn, person, place, data["language"], texts.REGISTERED)
    if place is None:
        turn.say(Text(texts.NO_PLACE))


def register_adult(turn: Turn) -> None:
    """Save an adult following a COVID-19 schedule, with their first dose, and name their
    next dose."""
    data = turn.state.data
    schedule, first_code = COVID_VACCINES[data["vaccine"]]
    first_dose = dt.date.fromisoformat(data["first_dose"])
    person = AddChild(data["name"], first_dose, schedule, ((first_code, first_dose),))
    place = Place(**data["place"]) if data.get("place") else None
    _register(turn, person, place, data["language"], texts.COVID_REGISTERED)


def _register(
    turn: Turn,
    person: AddChild,
    place: Place | None,
    language: str,
    registered: str,
    **values: Any,
) -> None:
    """Add a person (with the caregiver's language and place), and name their next visit;
    ``values``: more for the ``registered`` text than the person's name."""
    if len(turn.profile.children) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(turn.profile.children)))
        return
    if language != turn.profile.language:
        turn.do(SetLanguage(language))
        turn.language = language
    if place is not None and place != turn.profile.place:
        turn.do(SetPlace(place))
    turn.do(person)
    visit = turn.next_visit(person.birth_date, person.doses, place=place, schedule=person.schedule)
    turn.say(Text(registered, name=person.name, **values))
    turn.say(visit_text(turn, person.name, visit, place, person.schedule))


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


def record_done(turn: Turn) -> None:
    """The end of the ``done`` flow: record the visit of the children picked."""
    data = turn.state.data
    _record_given(turn, data["which"], dt.date.fromisoformat(data["given_on"]))


def _record_given(turn: Turn, child_ids: list[int], given_on: dt.date) -> None:
    """Record what each of these children could be given on ``given_on``, and name their
    next visit; with none, say that nothing was due."""
    if not child_ids:
        for child in turn.profile.children:
            turn.say(Text(texts.DONE_NOTHING_DUE, name=child.name, date=given_on))
        return
    for child_id in child_ids:
        child = turn.child(child_id)
        codes = turn.can_give(child, given_on)
        turn.do(RecordDoses(child.id, codes, given_on))
        turn.say(
            Text(texts.DONE_RECORDED, name=child.name, vaccines=vaccines(codes), date=given_on)
        )
        given = [(code, given_on) for code in codes]
        visit = turn.child_visit(child, more_doses=given)
        turn.say(visit_text(turn, child.name, visit, schedule=child.schedule))


def cancel_delete(turn: Turn) -> None:
    turn.say(Text(texts.DELETE_CANCELLED))


ACTIONS: dict[str, Callable[[Turn], None]] = {
    "register_child": register_child,
    "register_adult": register_adult,
    "set_language": set_language,
    "set_slot": set_slot,
    "delete_caregiver": delete_caregiver,
    "cancel_delete": cancel_delete,
    "record_done": record_done,
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
        turn.say(visit_text(turn, child.name, turn.child_visit(child), schedule=child.schedule))
    return None


def cmd_done(turn: Turn, command: Command) -> str | None:
    """Record the vaccines given today (or on the date sent): for the one child who had
    vaccines due that day, or, when several had, for those the caregiver picks."""
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
    due = [child.id for child in turn.profile.children if turn.can_give(child, given_on)]
    if len(due) > 1:
        turn.state = State("done", None, {"given_on": given_on.isoformat(), "offered": due})
        return "done"
    _record_given(turn, due, given_on)
    return None


def cmd_add(turn: Turn, command: Command) -> str | None:
    """Register another child (the question "child or pregnancy?" is not asked)."""
    if len(turn.profile.children) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(turn.profile.children)))
        return None
    turn.state = State("register", None, {"kind": "child"})
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
    """``REG <name> <birth date> <PIN> [<mother's mobile>]``: register a child in one
    message; with the mother's mobile, on her number (:func:`_register_for_mother`).

    A Hindi keyword (``पंजीकरण``) is answered in Hindi, and a mother new to the service
    gets her SMS in Hindi; ``REG`` in the sender's language (for a new number, the one
    its circle speaks where known, else English).
    """
    own = turn.profile.language or turn.profile.presumed_language or "en"
    language = "hi" if command.keyword in HINDI_REG_KEYWORDS else own
    turn.language = language
    words = command.argument.split()
    pin_at = _pincode_position(words)
    mother_words = words[pin_at + 1 :] if pin_at is not None else []
    if mother_words:
        words = words[: pin_at + 1]
    if len(words) < 3:
        turn.say(Text(texts.REG_USAGE))
        return None
    try:
        place = parse_pincode(words[-1])
        born, name_words = _split_name_and_date(words[:-1], turn.today)
        name = parse_name(" ".join(name_words))
        mother = parse_mobile(" ".join(mother_words)) if mother_words else None
    except InputError as error:
        turn.say(error.reply or Text(texts.REG_USAGE))
        return None
    turn.state.clear()
    if mother is None or mother == turn.profile.phone:
        # The sender's own language, once chosen, stays; the reply is in the keyword's.
        stored = turn.profile.language or language
        child = AddChild(name, born, turn.child_schedule)
        _register(turn, child, place, stored, texts.REGISTERED)
        turn.language = language
    else:
        default = turn.schedule.id if turn.schedule.id in CHILDREN_SCHEDULES else "uip"
        _register_for_mother(turn, mother, AddChild(name, born, default), place, language)
    return None


def _pincode_position(words: list[str]) -> int | None:
    """Where the PIN code is among REG's words: the last 6-digit word after a name and a
    date; what follows it is the mother's mobile number. None: no such word."""
    for at in range(len(words) - 1, 1, -1):
        if len(words[at]) == 6 and words[at].isdigit():
            return at
    return None


def _register_for_mother(
    turn: Turn, phone: str, person: AddChild, place: Place, language: str
) -> None:
    """Register a child on its mother's number ``phone`` (she is told by SMS), and tell
    the sender so, with the child's next visit."""
    if not turn.profile.language:
        turn.do(SetLanguage(language))
    # A mother new to Tika hears first in her state's language, whatever the ASHA typed.
    theirs = "hi" if language == "hi" or speaks_hindi(place.state) else language
    turn.do(RegisterForMother(phone, person, place, theirs))
    visit = turn.next_visit(person.birth_date, person.doses, place=place, schedule=person.schedule)
    turn.say(Text(asha_texts.REGISTERED_FOR_MOTHER, name=person.name, phone=national(phone)))
    turn.say(visit_text(turn, person.name, visit, place))


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


def cmd_pin(turn: Turn, command: Command) -> str | None:
    """``PIN 226001`` (or a district): the caregiver's place, given or corrected later."""
    if not turn.profile.registered:
        turn.say(Text(texts.NOT_REGISTERED))
        return "register"
    try:
        place = parse_place(command.argument)
    except InputError as error:
        turn.say(error.reply)
        return None
    if place is None:
        turn.say(Text(texts.NO_PLACE))
        return None
    turn.do(SetPlace(place))
    turn.say(Text(texts.PLACE_SET, district=place.district.title()))
    return None


SCHEDULE_WORDS = {
    "uip": wordlist("uip sarkari सरकारी government govt"),
    "iap": wordlist("iap आईएपी"),
    "who": wordlist("who डब्ल्यूएचओ"),
}


def cmd_schedule(turn: Turn, command: Command) -> str | None:
    """``SCHEDULE IAP`` (``शेड्यूल IAP``): the family's children follow the schedule their
    doctor follows (UIP, IAP or WHO); reminders, NEXT and due lists follow it. UIP
    campaign days are still announced."""
    if not turn.profile.registered:
        turn.say(Text(texts.NOT_REGISTERED))
        return "register"
    words = {spelling_key(word) for word in tokens(clean(command.argument))}
    chosen = [
        name for name, names in SCHEDULE_WORDS.items() if words & {spelling_key(n) for n in names}
    ]
    if len(chosen) != 1:
        turn.say(Text(texts.SCHEDULE_USAGE))
        return None
    turn.do(SetSchedule(chosen[0]))
    turn.say(Text(texts.SCHEDULE_SET, schedule=Text(texts.SCHEDULE_NAMES[chosen[0]])))
    return None


SITE_LIMIT = 24  # letters: a Hindi reminder naming it stays within two SMS segments


def cmd_site(turn: Turn, command: Command) -> str | None:
    """``SITE Anganwadi Rampur`` (``केंद्र आंगनवाड़ी रामपुर``): where the family's session
    is held, named in its reminders; the ASHA can send it from the mother's phone."""
    if not turn.profile.registered:
        turn.say(Text(texts.NOT_REGISTERED))
        return "register"
    site = " ".join(command.argument.split()).strip(" .,;:!?-")
    if not site:
        turn.say(Text(texts.SITE_USAGE))
    elif len(site) > SITE_LIMIT:
        turn.say(Text(texts.SITE_TOO_LONG, limit=SITE_LIMIT))
    else:
        turn.do(SetSite(site))
        turn.say(Text(texts.SITE_SET, site=site))
    return None


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
    "pin": cmd_pin,
    "site": cmd_site,
    "schedule": cmd_schedule,
}
