"""Gettext catalogs for every shipped language, and the helpers that render texts.

Texts are marked in code with :func:`N_` (English msgid, ``%(name)s`` placeholders)
and rendered late, in the reader's language, with :func:`render`. The catalogs are
``locales/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo`` by ``make translations``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from functools import cache
from pathlib import Path

from babel.dates import format_date as babel_format_date
from babel.support import Translations

CATALOG_DIR = Path(__file__).resolve().parent
DOMAIN = "messages"
LANGUAGES: tuple[str, ...] = ("hi", "en")
DEFAULT_LANGUAGE = "hi"
BABEL_LOCALES = {"hi": "hi_IN", "en": "en_IN"}
LANGUAGE_NAMES = {"hi": "हिंदी", "en": "English"}


class CatalogMissing(RuntimeError):
    """A shipped language has no compiled catalog (run ``make translations``)."""


def N_(msgid: str) -> str:
    """Mark a text for extraction; it is translated when rendered."""
    return msgid


def normalise_language(lang: str | None) -> str:
    """Return a shipped language code, falling back to the default."""
    return lang if lang in LANGUAGES else DEFAULT_LANGUAGE


@cache
def translations(lang: str) -> Translations:
    """The compiled catalog for ``lang``; raises if it was never compiled."""
    lang = normalise_language(lang)
    mo = CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if not mo.exists():
        raise CatalogMissing(f"{mo} is missing: run `make translations`")
    with mo.open("rb") as fp:
        return Translations(fp, domain=DOMAIN)


def format_date(value: dt.date, lang: str, fmt: str = "long") -> str:
    """A date the way a reader of ``lang`` writes it, e.g. "15 मार्च 2025"."""
    return babel_format_date(value, fmt, locale=BABEL_LOCALES[normalise_language(lang)])


class DateAs:
    """A date to be written in a Babel pattern of its own, e.g. "EEEE d MMMM" for a
    session day ("बुधवार 6 जनवरी")."""

    __slots__ = ("date", "pattern")

    def __init__(self, date: dt.date, pattern: str) -> None:
        self.date = date
        self.pattern = pattern

    def __repr__(self) -> str:
        return f"DateAs({self.date!r}, {self.pattern!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DateAs) and (other.date, other.pattern) == (
            self.date,
            self.pattern,
        )

    def __hash__(self) -> int:
        return hash((self.date, self.pattern))


#: How a session day is written: its weekday, day and month.
SESSION_DAY = "EEEE d MMMM"


def format_day(value: dt.date, lang: str) -> str:
    """A session day the way a reader of ``lang`` writes it, e.g. "बुधवार 6 जनवरी"."""
    return format_date(value, lang, SESSION_DAY)


def format_value(value: object, lang: str) -> str:
    """Render one placeholder value: dates through Babel, lists joined, texts translated."""
    if isinstance(value, DateAs):
        return format_date(value.date, lang, value.pattern)
    if isinstance(value, dt.date):
        return format_date(value, lang)
    if isinstance(value, (Text, Fixed, Concat)):
        return render(value, lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(format_value(v, lang) for v in value)
    return str(value)


class Text:
    """A text to be rendered later: a msgid and its named values."""

    __slots__ = ("msgid", "params")

    def __init__(self, msgid: str, **params: object) -> None:
        self.msgid = msgid
        self.params = params

    def __repr__(self) -> str:
        return f"Text({self.msgid!r}, {self.params!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Text) and other.msgid == self.msgid and other.params == self.params

    def __hash__(self) -> int:
        return hash(self.msgid)


class Fixed:
    """A text always rendered in one language, whatever the reader's."""

    __slots__ = ("lang", "text")

    def __init__(self, text: Text | str, lang: str) -> None:
        self.text = text
        self.lang = lang

    def __repr__(self) -> str:
        return f"Fixed({self.text!r}, {self.lang!r})"


class Concat:
    """Several texts sent as one message, separated by a space."""

    __slots__ = ("parts",)

    def __init__(self, *parts: Text | Fixed | str) -> None:
        self.parts = parts

    def __repr__(self) -> str:
        return f"Concat{self.parts!r}"


Renderable = Text | Fixed | Concat | str


def gettext(msgid: str, lang: str) -> str:
    """The translation of ``msgid`` in ``lang``."""
    return translations(lang).ugettext(msgid)


def render(text: Renderable, lang: str) -> str:
    """Translate ``text`` into ``lang`` and fill in its values."""
    if isinstance(text, str):
        return gettext(text, lang)
    if isinstance(text, Fixed):
        return render(text.text, text.lang)
    if isinstance(text, Concat):
        return " ".join(render(part, lang) for part in text.parts)
    template = gettext(text.msgid, lang)
    if not text.params:
        return template
    return template % {key: format_value(v, lang) for key, v in text.params.items()}


def render_all(texts: Iterable[Renderable], lang: str) -> list[str]:
    """Render several texts in one language."""
    return [render(t, lang) for t in texts]
