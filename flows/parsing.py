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
from flows.hindi_words import AGE_FILLERS, DATE_FILLERS, DAYS_AGO, age_unit, number
from flows.matching import key, same_word, tokens, wordlist
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
MONTH_KEYS = {key(word): month for month, words in _MONTHS.items() for word in words.split()}
ORDINAL_ENDINGS = {"st", "nd", "rd", "th"}


def _month(word: str) -> int | None:
    return MONTH_KEYS.get(key(word))


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
        if _month(word) and month is None:
            month = _month(word)
        elif word.isdigit() and len(word) <= 2 and day is None:
            day = int(word)
        elif word.isdigit() and len(word) in (2, 4) and year_raw is None:
            year_raw = word
        else:
            return None
    if month is None or day is None:
        return None
    return day, month, _year(year_raw, day, month, today)


def _is(word: str, words: tuple[str, ...] | list[str]) -> bool:
    """Whether ``word`` is one of ``words``, spelling folded (for fillers: no vowel or
    letter may be missing, or "ha" would be "hai")."""
    folded = key(word)
    return any(folded == key(other) for other in words)


def _date_words(text: str) -> list[str]:
    """The words of a date, without what people add around it ("ko paida hua", "DOB"),
    ordinal endings joined back ("5 th" → "5th") and number words as digits."""
    words: list[str] = []
    for word in tokens(clean(text).replace(",", " ").replace(":", " ")):
        if word in ORDINAL_ENDINGS and words and words[-1].isdigit():
            continue
        if _month(word) or not _is(word, DATE_FILLERS):
            value = None if _month(word) else number(word)
            words.append(str(int(value)) if value is not None and value == int(value) else word)
    return words


def parse_date(text: str, today: dt.date) -> dt.date:
    """A day-first date as people type it ("15/3/2025", "15 march ko", "पंद्रह मार्च", "kal");
    raises InputError naming what is wrong."""
    words = _date_words(text)
    if len(words) == 1:
        for days, names in DAYS_AGO.items():
            if _is(words[0], names.split()):
                return today - dt.timedelta(days=days)
    folded = " ".join(words)
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


@dataclass(frozen=True)
class Age:
    """A child's age as a caregiver gives it instead of a birth date: "do mahine ka hai"."""

    months: int = 0
    weeks: int = 0
    days: int = 0

    def birth_estimate(self, today: dt.date) -> dt.date:
        """About when a child this old was born: in the middle of what the age allows
        (2 months old: born 2½ months ago; 6 weeks: 6½ weeks ago)."""
        year, month = divmod(today.year * 12 + today.month - 1 - self.months, 12)
        day = min(today.day, 28) if self.months else today.day
        born = dt.date(year, month + 1, day) - dt.timedelta(weeks=self.weeks, days=self.days)
        half = 15 if self.months else 3 if self.weeks else 0
        return born - dt.timedelta(days=half)


def parse_age(text: str) -> Age | None:
    """An age in months, years, weeks or days ("2 mahine", "dedh saal", "6 हफ्ते का",
    "1 saal 2 mahine"); None when the text is not one."""
    amounts = {"months": 0.0, "years": 0.0, "weeks": 0.0, "days": 0.0}
    pending: float | None = None
    found = False
    for word in tokens(clean(text)):
        unit, value = age_unit(word), number(word)
        if unit and pending is not None:
            amounts[unit] += pending
            found, pending = True, None
        elif value is not None and pending is None and not unit:
            pending = value
        elif not _is(word, AGE_FILLERS):
            return None
    if not found or pending is not None:
        return None
    months = amounts["months"] + 12 * amounts["years"]
    return Age(int(months), int(amounts["weeks"]), int(amounts["days"]))


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


# Said around a name: "mera beta Aarav hai", "beti ka naam Ananya hai", "बेटी का नाम सीता है".
NAME_FILLERS = wordlist(
    "mera meri mere uska uski iska iski beta beti bete betiya ka ki ke naam nam name is "
    "hai h rakha rakhi rakhaa my son daughter child's मेरा मेरी मेरे उसका उसकी बेटा बेटी "
    "बेटे का की के नाम है रखा रखी"
)
# Never a name: answers, greetings, and "I don't know" ("pata nahi", "baad me batati hu").
NOT_NAMES = wordlist(
    "ha haa haan han hanji ji yes no nahi nahin nhi na ok okay hello hi hii hey namaste "
    "pata pta baad later dont know unknown हाँ हां जी नहीं नही हेलो नमस्ते पता बाद"
)


def parse_name(text: str, invalid: str = texts.NAME_INVALID) -> str:
    """A name: letters (any script), spaces, dots, hyphens and apostrophes; the words said
    around it dropped ("naam Rohan hai"). Never digits, a date, an age, a yes or a no."""
    name = clean(text).strip(" .-'")
    words = [w for w in name.split() if any(ch.isalnum() for ch in w)]
    while len(words) > 1 and _is(words[0].strip(".,"), NAME_FILLERS):
        words.pop(0)
    while len(words) > 1 and _is(words[-1].strip(".,"), NAME_FILLERS):
        words.pop()
    name = " ".join(words).strip(" .-'")
    if not name or len(name) > MAX_NAME_LENGTH or parse_age(name) is not None:
        raise InputError(Text(invalid))
    if any(_is(word, NOT_NAMES) for word in tokens(name)):
        raise InputError(Text(invalid))
    letters = 0
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
        elif not (category.startswith("M") or ch in " .-'\u200c\u200d"):
            raise InputError(Text(invalid))
    if letters == 0 or _is_date(name):
        raise InputError(Text(invalid))
    return " ".join(_capitalised(word) for word in name.split())


def _capitalised(word: str) -> str:
    """ "priya" and "PRIYA" → "Priya"; "D'Souza", "McDonald" and "आशा" as written."""
    if not word.isascii():
        return word
    if word.isupper() and len(word) > 2:
        word = word.lower()
    return word[:1].upper() + word[1:]


def _is_date(text: str) -> bool:
    try:
        parse_date(text, dt.date(2000, 1, 1))
    except InputError:
        return False
    return True


def _folded(words: str) -> frozenset[str]:
    return frozenset(fold(w) for w in words.split())


YES_WORDS = wordlist(
    "1 yes y yeah yup haan han ha haa ok okay sahi theek thik bilkul correct right "
    "हाँ हां हा सही ठीक बिल्कुल "
)
NO_WORDS = wordlist("2 no n nope nahi nahin nhi na galat wrong incorrect नहीं नही ना गलत ")
# Said around a yes or a no: "haan ji", "sahi hai madam", "ye galat hai".
YES_NO_FILLERS = wordlist("ji sir madam mam hai h he hain ye yeh yah bhai didi है जी यह ये ")
YES = _folded(" ".join(YES_WORDS))
NO = _folded(" ".join(NO_WORDS))


def _yes_or_no(word: str) -> bool | None:
    """True for a word of yes, False for a word of no (short words must be exact)."""
    for answer, exact, words in ((False, NO, NO_WORDS), (True, YES, YES_WORDS)):
        if fold(word) in exact or any(len(w) > 2 and same_word(word, w) for w in words):
            return answer
    return None


def parse_yes_no(text: str) -> bool:
    """True for 1/yes/haan/हाँ/"theek hai"/👍, False for 2/no/nahi/नहीं/"sahi nahi hai" (a
    negation wins); words said around them ("ji", "madam") change nothing."""
    cleaned = clean(text)
    words = tokens(cleaned) + (["ok"] if "👍" in cleaned else [])
    answers = [_yes_or_no(w) for w in words if not _is(w, YES_NO_FILLERS)]
    if answers and None not in answers and not {"1", "2"} <= set(words):
        return all(answers)
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


# Said around a language's name: "hindi me", "english please", "हिंदी में भेजो".
LANGUAGE_FILLERS = wordlist("me mein main please pls plz ji bhejo bhejiye chahiye में भेजो भेजें")


def parse_language(text: str) -> str:
    """A language code from a menu digit or a language's name, as people spell it
    ("hindee", "inglish"), with the words said around it ("hindi me bhejo")."""
    picked = set()
    for word in tokens(clean(text)):
        if _is(word, LANGUAGE_FILLERS):
            continue
        found = [
            lang
            for lang, names in LANGUAGE_WORDS.items()
            if word in names or any(same_word(word, name, typo=True) for name in names)
        ]
        if len(found) != 1:
            raise InputError()
        picked.add(found[0])
    if len(picked) != 1:
        raise InputError()
    return picked.pop()


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
