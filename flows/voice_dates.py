"""The birth date on the keypad, in steps a caller can manage.

"Was the child born this year? 1 yes, 2 no"; then the month and the day (two keys each),
or, for an older child, the age in months and the day. The date is read back in words in
the caller's language and confirmed with 1. Pure: questions and answers on a
:class:`flows.voice_call.Call`, as the rest of ``flows.voice``.
"""

from __future__ import annotations

import calendar
import datetime as dt

from flows.parsing import MAX_AGE_YEARS
from flows.voice_call import YES, Call, Retry
from flows.voice_words import date_words, digit_words, month_name

PREGNANT = "3"  # at the first question: a pregnancy, not a child
MAX_AGE_MONTHS = MAX_AGE_YEARS * 12 - 1  # under 6 years: at most 71 months completed


def number(digits: str) -> int | None:
    """The number in one or two keys ("03", or "3" then a pause or #); None if not one."""
    return int(digits) if digits.isdigit() and len(digits) <= 2 else None


def months_back(day: dt.date, months: int) -> tuple[int, int]:
    """The (year, month) ``months`` calendar months before ``day``'s month."""
    index = day.year * 12 + day.month - 1 - months
    return index // 12, index % 12 + 1


def born_from_age(today: dt.date, months: int, day: int) -> dt.date | None:
    """The birth date of a child ``months`` completed months old born on the ``day`` of its
    month: in the month ``months`` back if that day has come this month, else a month
    earlier. None when that month has no such day."""
    year, month = months_back(today, months if day <= today.day else months + 1)
    if day > calendar.monthrange(year, month)[1]:
        return None
    return dt.date(year, month, day)


# ---- questions ------------------------------------------------------------------------------


def ask_born_this_year(call: Call) -> None:
    call.say("ASK_BORN_THIS_YEAR")
    call.say("ASK_IF_PREGNANT")  # 3: a pregnancy (flows.voice, pregnancy_month)


def read_back(call: Call) -> None:
    born = dt.date.fromisoformat(call.state.data["birth_date"])
    call.say("READ_BACK_DATE", date=date_words(born, call.language))


QUESTIONS = {
    "born_this_year": ask_born_this_year,
    "birth_month": lambda call: call.say("ASK_BIRTH_MONTH"),
    "age_months": lambda call: call.say("ASK_AGE_MONTHS"),
    "birth_day": lambda call: call.say("ASK_BIRTH_DAY"),
    "confirm_birth_date": read_back,
}

# ---- answers --------------------------------------------------------------------------------


def born_this_year(call: Call, digits: str) -> None:
    if digits == PREGNANT:
        call.state.data["kind"] = "pregnancy"
        call.ask("pregnancy_month")
        return
    if digits not in ("1", "2"):
        raise Retry("WRONG_KEY")
    call.state.data.pop("kind", None)
    for answer in ("birth_month", "age_months"):
        call.state.data.pop(answer, None)
    call.ask("birth_month" if digits == YES else "age_months")


def birth_month(call: Call, digits: str) -> None:
    month = number(digits)
    if month is None or not 1 <= month <= 12:
        raise Retry("MONTH_NOT_VALID")
    this_month = call.today.month
    if month > this_month:  # "This month, December, is one two"
        keys = digit_words(f"{this_month:02d}", call.language)
        raise Retry("MONTH_NOT_YET", month=month_name(this_month, call.language), keys=keys)
    call.state.data["birth_month"] = month
    call.ask("birth_day")


def age_months(call: Call, digits: str) -> None:
    months = number(digits)
    if months is None:
        raise Retry("WRONG_KEY")
    if months > MAX_AGE_MONTHS:
        raise Retry("AGE_TOO_OLD")
    call.state.data["age_months"] = months
    call.ask("birth_day")


def birth_day(call: Call, digits: str) -> None:
    day = number(digits)
    if day is None or not 1 <= day <= 31:
        raise Retry("DAY_NOT_VALID")
    data, today = call.state.data, call.today
    if "age_months" in data:
        born = born_from_age(today, data["age_months"], day)
    elif day <= calendar.monthrange(today.year, data["birth_month"])[1]:
        born = dt.date(today.year, data["birth_month"], day)
    else:
        born = None
    if born is None:
        raise Retry("DATE_NO_SUCH_DAY")
    if born > today:
        raise Retry("DATE_IN_FUTURE")
    data["birth_date"] = born.isoformat()
    call.ask("confirm_birth_date")
