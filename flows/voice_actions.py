"""What the IVR does when a question is answered: register a child, record a visit as
done, and say a child's next visit or a reminder. Pure: it adds prompts, effects and SMS
to a :class:`flows.voice.Call`, as :mod:`flows.actions` does to a Turn for SMS.
"""

from __future__ import annotations

import datetime as dt

from flows import texts, voice_sms
from flows import voice_texts as said
from flows.actions import MAX_CHILDREN, visit_text
from flows.parsing import Place
from flows.reminder_texts import is_birth_check
from flows.turn import AddChild, ChildInfo, RecordDoses, SetChannel, SetLanguage, SetPlace, vaccines
from flows.voice_call import Call
from flows.voice_words import date_words
from locales import DateAs, Text, render
from scheduler import Visit
from scheduler.card import card_doses
from scheduler.pregnancy import SCHEDULE as PREGNANCY
from scheduler.pregnancy import due_date, td_history


def _caller_saved(call: Call) -> Place | None:
    """Before a child or pregnancy is saved: the caller's language and place saved, and
    the place given back; None (and the menu again) when the family has too many."""
    profile = call.profile
    if len(profile.children) >= MAX_CHILDREN:
        call.say("TOO_MANY_CHILDREN", count=len(profile.children))
        call.ask("menu")
        return None
    place = Place(**call.state.data["place"])
    if call.language != profile.language:
        call.do(SetLanguage(call.language))
    if place != profile.place:
        call.do(SetPlace(place))
    return place


def register(call: Call) -> None:
    """Save the child (and the caller's language and place), speak its next visit, and
    send it by SMS too. Someone registering their first child by voice gets calls."""
    place = _caller_saved(call)
    if place is None:
        return
    profile, data = call.profile, call.state.data
    born = dt.date.fromisoformat(data["birth_date"])
    name = child_name(call)
    schedule = call.turn.child_schedule
    given = card_doses(call.turn.rules(schedule), born, data.get("history", 0))  # MCP card
    call.do(AddChild(name, born, schedule, tuple(given)))
    if not profile.registered:
        call.do(SetChannel("voice"))
    visit = call.turn.next_visit(born, tuple(given), place=place, schedule=schedule)
    call.say("REGISTERED", name=name)
    say_visit(call, name, visit)
    call.sms += [Text(voice_sms.REGISTERED_BY_CALL, name=name), visit_text(call.turn, name, visit)]
    call.state.data = {}
    call.ask("menu")


def register_pregnancy(call: Call) -> None:
    """Save the pregnancy (named "Mother": a keypad gives no name), say the expected
    date and her first Td dose, and send both by SMS too."""
    place = _caller_saved(call)
    if place is None:
        return
    profile, data = call.profile, call.state.data
    lmp = dt.date.fromisoformat(data["lmp"])
    name = render(said.MOTHER_NAME, call.language)
    person = AddChild(name, lmp, PREGNANCY, td_history(lmp, data.get("td_before", "no")))
    call.do(person)
    if not profile.registered:
        call.do(SetChannel("voice"))
    due = due_date(lmp)
    call.say("PREGNANCY_REGISTERED", date=date_words(due, call.language))
    visit = call.turn.next_visit(lmp, person.doses, place=place, schedule=PREGNANCY)
    say_visit(call, name, visit)
    registered = Text(texts.PREGNANCY_REGISTERED, name=name, due=DateAs(due, "d MMMM yyyy"))
    call.sms += [registered, visit_text(call.turn, name, visit, place, PREGNANCY)]
    call.state.data = {}
    call.ask("menu")


def child_name(call: Call) -> str:
    """What a child registered on the keypad is called: "Baby", then "Baby 2", ..."""
    number = len(call.profile.children) + 1
    if number == 1:
        return render(said.CHILD_NAME, call.language)
    return render(Text(said.CHILD_NAME_NUMBERED, number=number), call.language)


def next_visit(call: Call, child: ChildInfo, given: tuple[str, ...] = ()) -> Visit | None:
    """A registered child's next visit, counting ``given`` as given today."""
    return call.turn.child_visit(child, more_doses=[(code, call.today) for code in given])


def say_visit(call: Call, name: str, visit: Visit | None) -> None:
    if visit is None:
        call.say("NEXT_NONE", name=name)
    elif visit.date <= call.today:
        call.say("NEXT_VISIT_NOW", name=name, vaccines=vaccines(visit.codes))
    else:
        date = date_words(visit.date, call.language)
        call.say("NEXT_VISIT", name=name, vaccines=vaccines(visit.codes), date=date)


def record_done(call: Call) -> None:
    """Record what each child could be given today, as the SMS DONE does."""
    today, recorded = call.today, []
    for child in call.profile.children:
        codes = call.turn.can_give(child, today)
        if codes:
            call.do(RecordDoses(child.id, codes, today))
            recorded.append((child, codes))
    if not recorded:
        for child in call.profile.children:
            call.say("DONE_NOTHING_DUE", name=child.name)
    for child, codes in recorded:
        call.say("DONE_RECORDED", name=child.name, vaccines=vaccines(codes))
        say_visit(call, child.name, next_visit(call, child, given=codes))


REMINDER_KEYS = {
    "advance": "REMINDER_ADVANCE",
    "due": "REMINDER_DUE",
    "campaign-before": "REMINDER_CAMPAIGN",
    "campaign-start": "REMINDER_CAMPAIGN",
}


def say_reminder(call: Call) -> None:
    """Each child's reminder: kind, name, dose codes and visit date (ISO), as the shell
    stored them when the call was answered."""
    for item in call.state.data["reminder"]:
        if is_birth_check(item["kind"]):
            call.say("REMINDER_BIRTH_CHECK", name=item["name"])
            continue
        key = REMINDER_KEYS.get(item["kind"], "REMINDER_OVERDUE")
        date = date_words(dt.date.fromisoformat(item["date"]), call.language)
        call.say(key, name=item["name"], vaccines=vaccines(item["codes"]), date=date)
