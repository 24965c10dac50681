"""Reading what caregivers type: dates, PIN codes, names, yes/no and language choices.

Dates are always day-first. Written by hand because no date library reads romanised
Hindi month names ("janvari", "aprail") or tells an impossible date from an unreadable one.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

import indian_pincode

from flows import texts
from locales import Text

MAX_AGE_YEARS = 6
MAX_NAME_LENGTH = 40
MAX_TEXT_LENGTH = 480  # longer messages are cut before any parsing


class InputError(ValueError):
    """The answer could not be used; ``reply`` says why (None: just ask again)."""

    def __init__(self, reply: Text | None = None) -> None:
        super().__init__(reply.msgid if reply else "ask again")
        self.reply = reply


def clean(text: str | None) -> str:
    """Text with control characters dropped, digits made ASCII and spaces collapsed."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text[: MAX_TEXT_LENGTH * 2])
    kept = []
    for ch in text:
        category = unicodedata.category(ch)
        if category == "Nd":
            kept.append(str(unicodedata.decimal(ch)))
        elif category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            # Control, format (but keep the joiners Devanagari needs), surrogates, unassigned.
            if ch in "\u200c\u200d":
                kept.append(ch)
            elif ch in "\t\n\r":
                kept.append(" ")
        else:
            kept.append(ch)
    return " ".join("".join(kept).split())[:MAX_TEXT_LENGTH]


def fold(text: str) -> str:
    """Lower-case text with nukta and punctuation differences folded, for keyword matching."""
    text = text.casefold().replace("\u093c", "")  # ड़ → ड, ज़ → ज
    text = text.replace("ॉ", "ो").replace("ँ", "ं")
    return " ".join(re.sub(r"[!?.,;:'\"()\[\]।]+", " ", text).split())


# ---- dates -----------------------------------------------------------------------------

_MONTHS = {
    1: "january jan janvari janwari janavari janauri जनवरी",
    2: "february feb farvari farwari faravari pharvari febuary फरवरी",
    3: "march mar maarch marc मार्च",
    4: "april apr aprail aprel aprial अप्रैल अप्रेल",
    5: "may mai मई",
    6: "june jun joon जून",
    7: "july jul julai julaai जुलाई",
    8: "august aug agast agust agasta अगस्त",
    9: "september sep sept sitambar sitamber setambar सितंबर सितम्बर",
    10: "october oct aktubar aktoobar oktubar aktobar अक्टूबर अक्तूबर",
    11: "november nov navambar navamber नवंबर नवम्बर",
    12: "december dec disambar disamber दिसंबर दिसम्बर",
}
MONTH_NAMES = {fold(word): month for month, words in _MONTHS.items() for word in words.split()}
TODAY_WORDS = {"aaj", "aj", "today", "आज"}

_NUMERIC = re.compile(r"^(\d{1,2})\s*[/\-.\s]\s*(\d{1,2})(?:\s*[/\-.\s]\s*(\d{2}|\d{4}))?$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")  # year first is never ambiguous
_ORDINAL = re.compile(r"^(\d{1,2})(st|nd|rd|th)$")


def _year(raw: str | None, day: int, month: int, today: dt.date) -> int:
    """A four-digit year: two digits mean 20yy; none means the latest year not in the future."""
    if raw is None:
        try:
            candidate = dt.date(today.year, month, day)
        except ValueError:
            return today.year  # 29 Feb in a common year: let the caller report it
        return today.year if candidate <= today else today.year - 1
    year = int(raw)
    return 2000 + year if len(raw) == 2 else year


def _named_month(words: list[str], today: dt.date) -> tuple[int, int, int] | None:
    """Day, month, year from words like "15 march 2025" or "15 मार्च"."""
    month = day = None
    year_raw = None
    for word in words:
        ordinal = _ORDINAL.match(word)
        if ordinal:
            word = ordinal.group(1)
        if word in MONTH_NAMES and month is None:
            month = MONTH_NAMES[word]
        elif word.isdigit() and len(word) <= 2 and day is None:
            day = int(word)
        elif word.isdigit() and len(word) in (2, 4) and year_raw is None:
            year_raw = word
        else:
            return None
    if month is None or day is None:
        return None
    return day, month, _year(year_raw, day, month, today)


def parse_date(text: str, today: dt.date) -> dt.date:
    """A day-first date as people type it; raises InputError naming what is wrong."""
    folded = fold(clean(text).replace(",", " "))
    if folded in TODAY_WORDS:
        return today
    parts: tuple[int, int, int] | None = None
    numeric = _NUMERIC.match(folded)
    iso = _ISO.match(folded)
    if numeric:
        day, month = int(numeric.group(1)), int(numeric.group(2))
        parts = (day, month, _year(numeric.group(3), day, month, today))
    elif iso:
        parts = (int(iso.group(3)), int(iso.group(2)), int(iso.group(1)))
    else:
        parts = _named_month(folded.split(), today)
    if parts is None:
        raise InputError(Text(texts.DATE_UNREADABLE))
    day, month, year = parts
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise InputError(Text(texts.DATE_IMPOSSIBLE)) from None


def years_before(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` earlier (29 Feb becomes 1 Mar)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return dt.date(day.year - years, 3, 1)


def parse_birth_date(text: str, today: dt.date) -> dt.date:
    """A child's birth date: readable, real, not in the future, not over 6 years back."""
    born = parse_date(text, today)
    if born > today:
        raise InputError(Text(texts.DATE_FUTURE))
    if born < years_before(today, MAX_AGE_YEARS):
        raise InputError(Text(texts.DATE_TOO_OLD))
    return born


def parse_given_date(text: str, today: dt.date) -> dt.date:
    """The day vaccines were given ("12/4", "aaj"): not in the future."""
    try:
        given = parse_date(text, today)
    except InputError:
        raise InputError(Text(texts.DONE_BAD_DATE)) from None
    if given > today:
        raise InputError(Text(texts.DONE_BAD_DATE))
    return given


# ---- PIN codes, names, choices -----------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """Where a PIN code is: its state and district as India Post names them."""

    pincode: str
    state: str
    district: str


def parse_pincode(text: str) -> Place:
    """A 6-digit Indian PIN code that exists, with its state and district."""
    digits = clean(text).replace(" ", "")
    if not re.fullmatch(r"\d{6}", digits):
        raise InputError(Text(texts.PIN_INVALID))
    details = indian_pincode.get_details(digits)
    if not details or not details["state"] or not details["districts"]:
        raise InputError(Text(texts.PIN_UNKNOWN, pincode=digits))
    return Place(digits, details["state"], details["districts"][0])


def parse_name(text: str, invalid: str = texts.NAME_INVALID) -> str:
    """A name: letters (any script), spaces, dots, hyphens and apostrophes."""
    name = clean(text).strip(" .-'")
    if not name or len(name) > MAX_NAME_LENGTH:
        raise InputError(Text(invalid))
    letters = 0
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
        elif not (category.startswith("M") or ch in " .-'\u200c\u200d"):
            raise InputError(Text(invalid))
    if letters == 0:
        raise InputError(Text(invalid))
    words = name.split()
    return " ".join(w[:1].upper() + w[1:] if w.isascii() else w for w in words)


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


YES = _folded("1 yes y haan han ha haa ji ok sahi हां हा हाँ जी सही")
NO = _folded("2 no n nahi nahin na galat नहीं नही ना गलत")


def parse_yes_no(text: str) -> bool:
    """True for 1/yes/haan/हाँ, False for 2/no/nahi/नहीं."""
    answer = fold(clean(text))
    if answer in YES:
        return True
    if answer in NO:
        return False
    raise InputError(Text(texts.YES_NO))


# Menu digits follow locales.LANGUAGES: 1 Hindi, 2 English.
LANGUAGE_WORDS = {
    "hi": _folded("1 hi hindi हिंदी हिन्दी"),
    "en": _folded("2 en english eng angrezi angreji अंग्रेजी अंग्रेज़ी इंग्लिश"),
}


ALL_WORDS = _folded("all sab sabhi sabko both dono donon दोनों सब सभी सबको") | {"sab ko", "सब को"}
_SEPARATORS = re.compile(r"[\s,&+/]+|\b(?:and|aur)\b|और")


def parse_children(text: str, names: list[str]) -> list[int]:
    """Which of the ``names`` offered (numbered from 1) an answer picks: "2", "1 2", "1,3",
    "all" / "sab" / "दोनों", or a child's name; in offered order. Else ask again."""
    answer = fold(clean(text))
    if answer in ALL_WORDS:
        return list(range(len(names)))
    folded = [fold(name) for name in names]
    if answer in folded:
        return [folded.index(answer)]
    picked = set()
    for token in filter(None, _SEPARATORS.split(answer)):
        if token.isdigit() and 1 <= int(token) <= len(names):
            picked.add(int(token) - 1)
        elif token in folded:
            picked.add(folded.index(token))
        else:
            raise InputError()
    if not picked:
        raise InputError()
    return sorted(picked)


def choose(text: str, menu: dict[str, frozenset[str]]) -> str:
    """The menu entry whose words (its digit, its names) match ``text``; else ask again."""
    answer = fold(clean(text))
    for choice, words in menu.items():
        if answer in words:
            return choice
    raise InputError()


def parse_language(text: str) -> str:
    """A language code from a menu digit or a language's name."""
    return choose(text, LANGUAGE_WORDS)


# The COVID-19 vaccines an adult may have started with: the schedule each follows, and
# the code of its first dose.
COVID_VACCINES = {
    "covishield": ("covid-covishield", "covishield-1"),
    "covaxin": ("covid-covaxin", "covaxin-1"),
    "corbevax": ("covid-corbevax", "corbevax-1"),
}
COVID_VACCINE_WORDS = {
    "covishield": _folded("1 covishield कोविशील्ड"),
    "covaxin": _folded("2 covaxin कोवैक्सीन कोवैक्सिन"),
    "corbevax": _folded("3 corbevax कॉर्बेवैक्स कोर्बेवैक्स"),
}
COVID_VACCINATION_BEGAN = dt.date(2021, 1, 16)


def parse_covid_vaccine(text: str) -> str:
    """A COVID-19 vaccine ("covishield", ...) from a menu digit or its name."""
    return choose(text, COVID_VACCINE_WORDS)


def parse_first_dose_date(text: str, today: dt.date) -> dt.date:
    """The day of a first COVID-19 dose: a real date, not in the future, not before India
    began vaccinating."""
    day = parse_date(text, today)
    if day > today:
        raise InputError(Text(texts.DONE_BAD_DATE))
    if day < COVID_VACCINATION_BEGAN:
        raise InputError(Text(texts.COVID_DATE_TOO_EARLY))
    return day


SLOT_WORDS = {
    "morning": _folded("1 morning subah subha सुबह प्रातः"),
    "afternoon": _folded("2 afternoon dopahar dopaher दोपहर"),
    "evening": _folded("3 evening shaam sham शाम"),
}


def parse_slot(text: str) -> str:
    """A reminder slot from a menu digit or its name."""
    return choose(text, SLOT_WORDS)
