"""Gettext catalogs for every shipped language, and the helpers that render texts.

Texts are marked in code with :func:`N_` (English msgid, ``%(name)s`` placeholders)
and rendered late, in the reader's language, with :func:`render`. The catalogs are
``locales/<lang>/LC_MESSAGES/messages.po``, compiled to ``.mo`` by ``make translations``.

An SMS to an Indian number fills a DLT template whose every variable holds at most
:data:`VARIABLE_LIMIT` characters: :func:`render_sms` renders a text with each value cut
to fit (:func:`fit_value`, :func:`fit_list`), never inside a letter.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
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


# ---- SMS: values that fit a DLT template's variables ---------------------------------------

#: The most characters a DLT template's variable (``{#var#}``) may hold.
VARIABLE_LIMIT = 30

_ZWJ, _ZWNJ = "\u200d", "\u200c"


def _is_virama(ch: str) -> bool:
    """A virama (halant) or another sign that joins the next consonant into a conjunct."""
    return unicodedata.combining(ch) == 9


def _extends(cluster: str, ch: str) -> bool:
    """Whether ``ch`` belongs to the letter (grapheme) ``cluster`` ends with."""
    category = unicodedata.category(ch)
    if category in ("Mn", "Mc", "Me") or ch in (_ZWJ, _ZWNJ):
        return True  # matras, nukta, anusvara, chandrabindu, visarga, virama, joiners
    if "\ufe00" <= ch <= "\ufe0f" or "\U0001f3fb" <= ch <= "\U0001f3ff":
        return True  # variation selectors, skin tones
    last = cluster[-1]
    joiner = last in (_ZWJ, _ZWNJ) and len(cluster) > 1
    if _is_virama(last) or (joiner and _is_virama(cluster[-2])):
        return category == "Lo"  # a conjunct: क + ् + ष is one letter, क्ष
    if last == _ZWJ:
        return True  # an emoji sequence
    regional = "\U0001f1e6" <= ch <= "\U0001f1ff"
    return regional and len(cluster) == 1 and "\U0001f1e6" <= last <= "\U0001f1ff"


def graphemes(text: str) -> list[str]:
    """``text`` cut into the letters a reader sees: a Devanagari consonant with its
    matras, nukta, anusvara or virama, and a conjunct (क्ष, स्त्र) as one."""
    clusters: list[str] = []
    for ch in text:
        if clusters and _extends(clusters[-1], ch):
            clusters[-1] += ch
        else:
            clusters.append(ch)
    return clusters


def fit_value(text: str, limit: int = VARIABLE_LIMIT) -> str:
    """``text`` cut to at most ``limit`` characters between two letters: never a matra,
    nukta or virama left without its consonant, never ending on a virama (a cut
    conjunct) or a space. Names are cut, not abbreviated: no ellipsis."""
    if len(text) <= limit:
        return text
    kept: list[str] = []
    used = 0
    for cluster in graphemes(text):
        if used + len(cluster) > limit:
            break
        kept.append(cluster)
        used += len(cluster)
    while kept and (
        kept[-1].isspace() or _is_virama(kept[-1][-1]) or kept[-1][-1] in "\u200c\u200d"
    ):
        kept.pop()
    return "".join(kept).rstrip()


def fit_list(items: Iterable[str], limit: int = VARIABLE_LIMIT, sep: str = ", ") -> str:
    """As many of ``items`` as fit, joined by ``sep``, then " +N" for the N left out; the
    whole at most ``limit`` characters ("BCG, OPV-1, Penta-1, RVV-1 +2")."""
    items = list(items)
    whole = sep.join(items)
    if len(whole) <= limit:
        return whole
    total = len(items)
    for kept in range(total - 1, 0, -1):
        joined = sep.join(items[:kept]) + f" +{total - kept}"
        if len(joined) <= limit:
            return joined
    more = f" +{total - 1}" if total > 1 else ""
    head = fit_value(items[0], limit - len(more))
    return head + more if head else f"+{total}"[:limit]


def fit_variable(value: object, lang: str, limit: int = VARIABLE_LIMIT) -> str:
    """One placeholder value rendered in ``lang`` and fitted: a list item by item
    (:func:`fit_list`), anything else cut (:func:`fit_value`)."""
    if isinstance(value, (list, tuple)):
        return fit_list([format_value(item, lang) for item in value], limit)
    return fit_value(format_value(value, lang), limit)


def render_sms(text: Renderable, lang: str, limit: int = VARIABLE_LIMIT) -> str:
    """Like :func:`render`, for an SMS: every placeholder value fitted to ``limit``
    characters, so that the message fills its DLT template."""
    if isinstance(text, str):
        return gettext(text, lang)
    if isinstance(text, Fixed):
        return render_sms(text.text, text.lang, limit)
    if isinstance(text, Concat):
        return " ".join(render_sms(part, lang, limit) for part in text.parts)
    template = gettext(text.msgid, lang)
    if not text.params:
        return template
    return template % {key: fit_variable(v, lang, limit) for key, v in text.params.items()}
