"""A pregnancy: registered by SMS (``GARBH``, or 2 at the first question), reminded of Td
by the ``uip-pregnancy`` schedule, and turned into a child's registration at ``BORN``.

A pregnancy is a person of the caregiver (a ``Child`` row) whose schedule is
``uip-pregnancy`` and whose reference date is the first day of the last menstrual period
(LMP); it is named after the mother. The baby registered at ``BORN`` is another person of
the same phone; the pregnancy's record stays, and its reminders end
(``scheduler.pregnancy.delivered``). Pure: parsers, prompts, actions and commands for flows.engine.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from flows import texts
from flows.actions import MAX_CHILDREN, _register, visit_text
from flows.commands import Command, match_command
from flows.hindi_words import dont_know
from flows.matching import Vocabulary, key, tokens, wordlist
from flows.parsing import (
    InputError,
    Place,
    clean,
    parse_age,
    parse_birth_date,
    parse_date,
    parse_language,
    parse_name,
    parse_yes_no,
)
from flows.turn import AddChild, BabyBorn, ChildInfo, State, Turn
from flows.voice_texts import CHILD_NAME, CHILD_NAME_NUMBERED
from locales import DateAs, Text, render
from scheduler.pregnancy import BIRTH_FROM, SCHEDULE, due_date, td_history

# Convention: a woman "in the 3rd month" is taken to be in its middle: 2.5 months of
# 30.44 days (a year's average month) since her last period began.
MONTH = 30.44
# Convention: a last period more than 10 months ago cannot be this pregnancy's.
LONGEST = dt.timedelta(days=305)

CHILD_WORDS = Vocabulary(wordlist("1 child bachcha bachche baby shishu बच्चा बच्चे शिशु"))
PREGNANCY_WORDS = Vocabulary(
    wordlist("2 pregnancy pregnant garbh garbhvati garbhavastha गर्भ गर्भवती गर्भावस्था")
)


# Keywords that register a pregnancy in Hindi; the others in the sender's language.
HINDI_KEYWORDS = frozenset(key(w) for w in wordlist("गर्भ garbh गर्भवती garbhvati गर्भावस्था"))


def is_pregnancy(person: ChildInfo) -> bool:
    return person.schedule == SCHEDULE


# ---- parsers ---------------------------------------------------------------------------


def parse_kind(text: str, turn: Turn) -> str:
    """The first question: "child" (1, or the child's name straight away: kept as the
    name) or "pregnancy" (2). To a sender Tika presumed to speak its circle's language, a
    language named ("English") is chosen instead, and the question asked again in it."""
    data = turn.state.data
    if data.get("presumed"):
        try:
            chosen = parse_language(text)
        except InputError:
            chosen = None
        if chosen and not text.strip().isdigit():
            del data["presumed"]
            data["language"] = turn.language = chosen
            raise InputError(Text(texts.ASK_KIND))
    words = tokens(clean(text))
    if words and all(word in CHILD_WORDS for word in words):
        return "child"
    if words and all(word in PREGNANCY_WORDS for word in words):
        return "pregnancy"
    command = match_command(text)
    if command is None or command.typo:
        try:
            data["name"] = parse_name(text)
            return "child"
        except InputError:
            pass
    raise InputError(Text(texts.KIND_INVALID))


def parse_lmp(text: str, turn: Turn) -> dt.date:
    """The first day of the last period: a date, or the month of pregnancy (1-9, or
    "3 mahine"), which gives the middle of that month."""
    today = turn.today
    words = tokens(clean(text))
    month = int(words[0]) if len(words) == 1 and words[0].isdigit() else None
    age = parse_age(text) if month is None else None
    if age is not None and not age.weeks and not age.days:
        month = age.months
    if month is not None:
        if not 1 <= month <= 9:
            raise InputError(Text(texts.LMP_INVALID))
        return lmp_from_month(month, today)
    if age is not None:
        return today - dt.timedelta(weeks=age.weeks, days=age.days)
    try:
        lmp = parse_date(text, today)
    except InputError:
        raise InputError(Text(texts.LMP_INVALID)) from None
    if lmp > today:  # not the birth date's "in the future" text: the last period's
        raise InputError(Text(texts.LMP_INVALID))
    if lmp < today - LONGEST:
        raise InputError(Text(texts.LMP_TOO_OLD))
    return lmp


def lmp_from_month(month: int, today: dt.date) -> dt.date:
    """The first day of the last period of a woman in the ``month`` of pregnancy (1-9)."""
    return today - dt.timedelta(days=round((month - 0.5) * MONTH))


def parse_td_before(text: str, turn: Turn) -> str:
    """Two Td doses in a pregnancy of the last 3 years: "yes", or "no" (also for "don't
    know": Td-1 and Td-2 are then given, as the chart says for a woman not known to be
    protected)."""
    if dont_know(text):
        return "no"
    return "yes" if parse_yes_no(text) else "no"


# ---- prompts and actions ------------------------------------------------------------------


def ask_kind(turn: Turn) -> Text:
    """Child or pregnancy; to a new sender written to in their circle's language, once,
    with a welcome and how to choose another language."""
    if turn.state.data.pop("welcome", False):
        return Text(texts.WELCOME_ASK_KIND)
    return Text(texts.ASK_KIND)


def confirm_pregnancy(turn: Turn) -> Text:
    data = turn.state.data
    values = {"name": data["name"], "due": due_date(dt.date.fromisoformat(data["lmp"]))}
    place = Place(**data["place"]) if data.get("place") else None
    if place is None:
        return Text(texts.CONFIRM_PREGNANCY_NO_PLACE, **values)
    return Text(
        texts.CONFIRM_PREGNANCY,
        **values,
        pincode=place.pincode or "-",
        district=place.district.title(),
    )


def register_pregnancy(turn: Turn) -> None:
    """Save the pregnancy (and the mother's language and place), say the expected date,
    and name her first Td dose."""
    data = turn.state.data
    lmp = dt.date.fromisoformat(data["lmp"])
    person = AddChild(data["name"], lmp, SCHEDULE, td_history(lmp, data.get("td_before", "no")))
    place = Place(**data["place"]) if data.get("place") else None
    _register(
        turn,
        person,
        place,
        data["language"],
        texts.PREGNANCY_REGISTERED,
        due=DateAs(due_date(lmp), "d MMMM yyyy"),
    )


def cmd_garbh(turn: Turn, command: Command) -> str | None:
    """``GARBH`` / ``गर्भ`` / ``PREG``: register a pregnancy."""
    if len(turn.profile.children) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(turn.profile.children)))
        return None
    # The language chosen already (at the first question), else the keyword's: Hindi for
    # गर्भ, otherwise the sender's, or the one of her circle, or English.
    own = turn.profile.language or turn.profile.presumed_language or "en"
    hindi = key(command.keyword) in HINDI_KEYWORDS
    language = turn.state.data.get("language") or ("hi" if hindi else own)
    turn.language = language
    turn.state = State("register_pregnancy", None, {"language": language})
    return "register_pregnancy"


def cmd_born(turn: Turn, command: Command) -> str | None:
    """``BORN 15/3`` / ``जन्म 15/3``: the baby is registered on this phone with its birth
    date (named "Baby" until the family sends its name with ADD), its birth doses due at
    once; the pregnancy's reminders end, its record stays."""
    if not command.argument:
        turn.say(Text(texts.BORN_USAGE))
        return None
    try:
        born = parse_birth_date(command.argument, turn.today)
    except InputError as error:
        turn.say(error.reply or Text(texts.BORN_USAGE))
        return None
    people = turn.profile.children
    if any(not is_pregnancy(person) and person.birth_date == born for person in people):
        turn.say(Text(texts.BORN_ALREADY, date=born))
        return None
    if len(people) >= MAX_CHILDREN:
        turn.say(Text(texts.TOO_MANY_CHILDREN, count=len(people)))
        return None
    ended = [p for p in people if is_pregnancy(p) and born >= p.birth_date + BIRTH_FROM]
    name = _baby_name(turn)
    baby = AddChild(name, born, turn.child_schedule)
    turn.do(baby)
    for pregnancy in ended:
        turn.do(BabyBorn(pregnancy.id))
    visit = turn.next_visit(born, place=turn.profile.place, schedule=baby.schedule)
    turn.say(Text(texts.BORN_REGISTERED, date=born))
    turn.say(visit_text(turn, name, visit, turn.profile.place))
    return None


def _baby_name(turn: Turn) -> str:
    """ "Baby" in the caregiver's language; "Baby 2" when a child is already so named."""
    names = {person.name for person in turn.profile.children}
    first = render(CHILD_NAME, turn.language)
    if first not in names:
        return first
    return render(Text(CHILD_NAME_NUMBERED, number=len(turn.profile.children) + 1), turn.language)


PROMPTS: dict[str, Callable[[Turn], Text]] = {
    "ask_kind": ask_kind,
    "confirm_pregnancy": confirm_pregnancy,
}
ACTIONS: dict[str, Callable[[Turn], None]] = {"register_pregnancy": register_pregnancy}
COMMANDS: dict[str, Callable[[Turn, Command], str | None]] = {
    "garbh": cmd_garbh,
    "born": cmd_born,
}
