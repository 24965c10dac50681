"""Numbers and dates as words, for reading them aloud: "पंद्रह मार्च दो हज़ार पच्चीस".

A speech engine reads "15/03/2025" or "226001" in ways a caller may not follow, so the
IVR reads dates in words and PIN codes digit by digit. Hindi numbers below a hundred
have no pattern to compute them from: they are written out in flows.hindi_words.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import get_month_names

from flows.hindi_words import HINDI_0_99
from flows.parsing import Place
from locales import BABEL_LOCALES, normalise_language
from locales.places import district_name

_ENGLISH = """
zero one two three four five six seven eight nine ten eleven twelve thirteen
fourteen fifteen sixteen seventeen eighteen nineteen
"""
_TENS = "_ _ twenty thirty forty fifty sixty seventy eighty ninety"
ENGLISH_0_19 = tuple(_ENGLISH.split())
ENGLISH_TENS = tuple(_TENS.split())

# Words for the powers of ten, per language.
HUNDRED = {"hi": "सौ", "en": "hundred"}
THOUSAND = {"hi": "हज़ार", "en": "thousand"}


def _below_hundred(n: int, lang: str) -> str:
    if lang == "hi":
        return HINDI_0_99[n]
    if n < 20:
        return ENGLISH_0_19[n]
    tens, ones = divmod(n, 10)
    return ENGLISH_TENS[tens] + (f"-{ENGLISH_0_19[ones]}" if ones else "")


def number_words(n: int, lang: str) -> str:
    """A whole number from 0 to 99,999 in words: 2025 -> "दो हज़ार पच्चीस"."""
    if not 0 <= n < 100_000:
        raise ValueError(f"{n} is out of range for spoken numbers")
    lang = normalise_language(lang)
    if n < 100:
        return _below_hundred(n, lang)
    words = []
    thousands, rest = divmod(n, 1000)
    hundreds, rest = divmod(rest, 100)
    if thousands:
        words += [_below_hundred(thousands, lang), THOUSAND[lang]]
    if hundreds:
        words += [_below_hundred(hundreds, lang), HUNDRED[lang]]
    if rest:
        words.append(_below_hundred(rest, lang))
    return " ".join(words)


def digit_words(digits: str, lang: str) -> str:
    """Each digit in words, one after another: "226001" -> "two two six zero zero one"."""
    return " ".join(_below_hundred(int(d), normalise_language(lang)) for d in digits if d.isdigit())


def month_name(month: int, lang: str) -> str:
    """A month's full name as readers of ``lang`` say it: 3 -> "मार्च"."""
    return get_month_names("wide", locale=BABEL_LOCALES[normalise_language(lang)])[month]


def date_words(day: dt.date, lang: str) -> str:
    """A date in words: 15 March 2025 -> "पंद्रह मार्च दो हज़ार पच्चीस"."""
    return " ".join(
        (number_words(day.day, lang), month_name(day.month, lang), number_words(day.year, lang))
    )


def place_words(place: Place, lang: str) -> str:
    """A district as a caller of ``lang`` says it: "लखनऊ" for a Hindi caller, "Lucknow"."""
    return district_name(place.state, place.district, lang)
