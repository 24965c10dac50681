"""The IVR as a pure state machine: keypad digits in; prompts, effects and SMS out.

``begin`` answers a call, ``respond`` handles what was pressed at a ``<Gather>`` (``""``
when nothing was) and ``ask_again`` repeats the current question. Each :class:`Outcome`
says what to speak (every prompt in its own language), how many digits the next
``<Gather>`` takes (None: hang up after speaking), what to change and which SMS to send.
No I/O: the shell (:mod:`bot.voice.ivr`) loads the caller and keeps the state of each
call in the database.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from flows import voice_actions as actions
from flows import voice_dates as dates
from flows import voice_sms
from flows.actions import MAX_CHILDREN
from flows.parsing import InputError, Place, parse_pincode
from flows.pregnancy import lmp_from_month
from flows.turn import (
    OptIn,
    OptOut,
    SetChannel,
    SetLanguage,
)
from flows.voice_call import (
    BACK,
    NO,
    REPEAT,
    REPROMPTS,
    SILENCES,
    YES,
    Call,
    Caller,
    CallState,
    Outcome,
    Retry,
)
from flows.voice_words import digit_words, place_words
from locales import LANGUAGE_NAMES, LANGUAGES, Text
from scheduler import Schedule
from scheduler.card import ASK_HISTORY_FROM, CARD_VISITS, visits_before
from scheduler.durations import add

NOT_KNOWN = "8"  # at the MCP card question: no visit on the card, or not known

# ---- the entry points --------------------------------------------------------------------


def begin(
    caller: Caller,
    today: dt.date,
    schedule: Schedule,
    reminder: list[dict[str, Any]] | None = None,
    reprompts: int = REPROMPTS,
) -> Outcome:
    """Answer a call: a reminder to speak, the menu for a registered caller, or registration."""
    call = Call(caller, CallState(), today, schedule, reprompts, ASK)
    profile = caller.profile
    if reminder is not None:
        call.state.data["reminder"] = reminder
        call.say("REMINDER_INTRO")
        actions.say_reminder(call)
        call.ask("reminder")
    elif profile.registered:
        call.say("WELCOME_BACK")
        call.ask("menu")
    elif profile.language:  # known from SMS: straight to the birth date
        _start_registration(call)
    else:
        call.say("WELCOME", LANGUAGES[0])
        call.ask("language")
    return call.outcome()


def respond(
    caller: Caller,
    state: CallState,
    digits: str,
    today: dt.date,
    schedule: Schedule,
    reprompts: int = REPROMPTS,
) -> Outcome:
    """Handle the keys pressed (``""``: none, the caller was silent) at the current question:
    ``9`` alone hears it again, ``0`` alone goes back one question; a silence is asked
    again once, and the second ends the call with an SMS on how to go on."""
    call = Call(caller, state, today, schedule, reprompts, ASK)
    step = call.state.step
    if step is None:
        call.say("GOODBYE")
        call.end()
        return call.outcome()
    silences = call.state.data.pop("silences", 0)
    if digits == REPEAT:
        _repeat(call)
    elif digits == BACK:
        call.back()
    elif not digits and step != "reminder":
        call.say("NO_INPUT")
        if silences + 1 >= SILENCES:
            _give_up(call)
        else:
            call.state.data["silences"] = silences + 1
            call.ask(step, again=True)
    else:
        _answer(call, step, digits)
    return call.outcome()


def _answer(call: Call, step: str, digits: str) -> None:
    try:
        ANSWER[step](call, digits)
    except Retry as bad:
        call.say(bad.key, **bad.params)
        call.state.tries += 1
        if call.state.tries > call.reprompts:
            _give_up(call)
        else:
            call.ask(step, again=True)


def _repeat(call: Call) -> None:
    """The current question again (a reminder call: the reminder again)."""
    step = call.state.step
    if step == "reminder":
        actions.say_reminder(call)
    if step is not None:
        call.ask(step, again=True)


def ask_again(caller: Caller, state: CallState, today: dt.date, schedule: Schedule) -> Outcome:
    """The current question again, changing nothing (for a webhook Twilio sent twice)."""
    call = Call(caller, state, today, schedule, REPROMPTS, ASK)
    if call.state.step is None:
        call.say("GOODBYE")
        call.end()
    else:
        _repeat(call)
    return call.outcome()


def _give_up(call: Call) -> None:
    """Too many unusable answers: a polite goodbye, and an SMS on how to register."""
    if call.profile.registered:
        call.say("GOODBYE")
    else:
        call.say("GOODBYE_UNREGISTERED")
        call.sms.append(Text(voice_sms.HOW_TO_REGISTER))
    call.end()


# ---- questions ------------------------------------------------------------------------------


def _ask_language(call: Call) -> None:
    """Each language offered in its own voice."""
    for digit, lang in enumerate(LANGUAGES, start=1):
        call.say("CHOOSE_LANGUAGE", lang, language=LANGUAGE_NAMES[lang], digit=digit)


def _ask_menu(call: Call) -> None:
    for key in ("MENU_NEXT", "MENU_DONE", "MENU_ADD", "MENU_LANGUAGE"):
        call.say(key)
    call.say("MENU_START" if call.opted_out else "MENU_STOP")
    call.say("MENU_BY_SMS" if call.channel == "voice" else "MENU_BY_CALL")


def _read_back_pincode(call: Call) -> None:
    place = Place(**call.state.data["place"])
    digits = digit_words(place.pincode, call.language)
    call.say("READ_BACK_PINCODE", digits=digits, district=place_words(place, call.language))


ASK: dict[str, Callable[[Call], None]] = {
    "language": _ask_language,
    **dates.QUESTIONS,
    "card": lambda call: call.say("ASK_CARD"),
    "pregnancy_month": lambda call: call.say("ASK_PREGNANCY_MONTH"),
    "td_before": lambda call: call.say("ASK_TD_BEFORE"),
    "pincode": lambda call: call.say("ASK_PINCODE"),
    "confirm_pincode": _read_back_pincode,
    "menu": _ask_menu,
    "confirm_done": lambda call: call.say("CONFIRM_DONE"),
    "confirm_stop": lambda call: call.say("CONFIRM_STOP"),
    "reminder": lambda call: call.say("REMINDER_REPEAT"),
}

# ---- answers --------------------------------------------------------------------------------


def _yes(digits: str) -> bool:
    if digits not in (YES, NO):
        raise Retry("WRONG_KEY")
    return digits == YES


def _language(call: Call, digits: str) -> None:
    choice = int(digits) - 1 if digits.isdigit() else -1
    if not 0 <= choice < len(LANGUAGES):
        raise Retry("WRONG_KEY")
    lang = LANGUAGES[choice]
    call.turn.language = lang
    call.state.data["language"] = lang
    if call.profile.registered:
        call.do(SetLanguage(lang))
        call.say("LANGUAGE_SET")
        call.ask("menu")
    else:
        _start_registration(call)


def _start_registration(call: Call) -> None:
    """Ask for a birth date, step by step; the language and place already known are kept.
    A caller registering a first child hears once how to repeat and go back."""
    call.state.data["language"] = call.language
    if call.profile.place:
        call.state.data["place"] = dataclasses.asdict(call.profile.place)
    if not call.profile.registered:
        call.say("KEYS_HELP")
    call.ask("born_this_year")


def _confirm_birth_date(call: Call, digits: str) -> None:
    if not _yes(digits):
        del call.state.data["birth_date"]
        call.ask("born_this_year")
        return
    born = dt.date.fromisoformat(call.state.data["birth_date"])
    if add(born, ASK_HISTORY_FROM) <= call.today:  # what the MCP card shows was given
        call.ask("card")
    else:
        _after_history(call)


def _card(call: Call, digits: str) -> None:
    """The last visit on the MCP card: 1 birth ... 6 sixteen months; 8 none or not known
    (0 is "back", as at every question)."""
    if digits == NOT_KNOWN:
        last = 0
    elif len(digits) == 1 and "1" <= digits <= str(len(CARD_VISITS)):
        last = int(digits)
    else:
        raise Retry("WRONG_KEY")
    born = dt.date.fromisoformat(call.state.data["birth_date"])
    if last > visits_before(born, call.today):
        raise Retry("CARD_NOT_YET")
    call.state.data["history"] = last
    _after_history(call)


def _after_history(call: Call) -> None:
    """The PIN code, unless known from before; then the child (or pregnancy) is registered."""
    if "place" in call.state.data:
        _register(call)
    else:
        call.ask("pincode")


def _register(call: Call) -> None:
    if call.state.data.get("kind") == "pregnancy":
        actions.register_pregnancy(call)
    else:
        actions.register(call)


def _pregnancy_month(call: Call, digits: str) -> None:
    if len(digits) != 1 or not "1" <= digits <= "9":
        raise Retry("WRONG_KEY")
    call.state.data["lmp"] = lmp_from_month(int(digits), call.today).isoformat()
    call.ask("td_before")


def _td_before(call: Call, digits: str) -> None:
    call.state.data["td_before"] = "yes" if _yes(digits) else "no"
    _after_history(call)


def _pincode(call: Call, digits: str) -> None:
    if len(digits) != 6 or not digits.isdigit():
        raise Retry("PIN_NEEDS_6_DIGITS")
    try:
        place = parse_pincode(digits)
    except InputError:
        raise Retry("PIN_NOT_FOUND") from None
    call.state.data["place"] = dataclasses.asdict(place)
    call.ask("confirm_pincode")


def _confirm_pincode(call: Call, digits: str) -> None:
    if _yes(digits):
        _register(call)
    else:
        del call.state.data["place"]
        call.ask("pincode")


def _menu(call: Call, digits: str) -> None:
    children = call.profile.children
    if digits == "1":
        for child in children:
            actions.say_visit(call, child.name, actions.next_visit(call, child))
        call.ask("menu")
    elif digits == "2":
        call.ask("confirm_done")
    elif digits == "3":
        if len(children) >= MAX_CHILDREN:
            call.say("TOO_MANY_CHILDREN", count=len(children))
            call.ask("menu")
        else:
            _start_registration(call)
    elif digits == "4":
        call.ask("language")
    elif digits == "5" and call.opted_out:
        call.do(OptIn())
        call.say("STARTED")
        call.ask("menu")
    elif digits == "5":
        call.ask("confirm_stop")
    elif digits == "6":
        by_call = call.channel != "voice"
        call.do(SetChannel("voice" if by_call else "sms"))
        call.say("BY_CALL_SET" if by_call else "BY_SMS_SET")
        call.ask("menu")
    else:
        raise Retry("WRONG_KEY")


def _confirm_done(call: Call, digits: str) -> None:
    if _yes(digits):
        actions.record_done(call)
    call.ask("menu")


def _confirm_stop(call: Call, digits: str) -> None:
    if _yes(digits):
        call.do(OptOut())
        call.say("STOPPED")
        call.end()
    else:
        call.ask("menu")


def _reminder(call: Call, digits: str) -> None:
    if digits == YES:
        actions.say_reminder(call)
        call.ask("reminder")
    else:
        call.say("GOODBYE")
        call.end()


ANSWER: dict[str, Callable[[Call, str], None]] = {
    "language": _language,
    "born_this_year": dates.born_this_year,
    "birth_month": dates.birth_month,
    "age_months": dates.age_months,
    "birth_day": dates.birth_day,
    "confirm_birth_date": _confirm_birth_date,
    "card": _card,
    "pregnancy_month": _pregnancy_month,
    "td_before": _td_before,
    "pincode": _pincode,
    "confirm_pincode": _confirm_pincode,
    "menu": _menu,
    "confirm_done": _confirm_done,
    "confirm_stop": _confirm_stop,
    "reminder": _reminder,
}
