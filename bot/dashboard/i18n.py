"""The dashboard's language: Hindi or English per session, every UI text through gettext.

Python code marks texts with ``N_`` and translates them at request time with ``_``;
templates call ``_()`` (Jinja's i18n extension, newstyle: values are escaped). Both
read the same catalogs as the SMS texts (``locales/``).
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_decimal, format_percent
from flask import Flask, current_app, has_request_context, request, session

from bot.accounts.staff import known_districts
from locales import BABEL_LOCALES, LANGUAGE_NAMES, LANGUAGES, N_, format_date, gettext
from locales.places import district_name, state_name

__all__ = ["N_", "_", "current_language", "install"]


def current_language() -> str:
    """The language chosen in this session, else the browser's best, else the default."""
    if not has_request_context():
        return current_app.config["DEFAULT_LANGUAGE"]
    chosen = session.get("lang")
    if chosen in LANGUAGES:
        return chosen
    best = request.accept_languages.best_match(LANGUAGES)
    return best or current_app.config["DEFAULT_LANGUAGE"]


def _(msgid: str, **values: object) -> str:
    """``msgid`` in the current language, with ``%(name)s`` values filled in."""
    text = gettext(msgid, current_language())
    return text % values if values else text


def _translate(msgid: str) -> str:
    return gettext(msgid, current_language())


def _ngettext(singular: str, plural: str, n: int) -> str:
    return _translate(singular if n == 1 else plural)


def number(value: float | int | None) -> str:
    """A number grouped the Indian way (1,00,000) for the current language."""
    if value is None:
        return "–"
    return format_decimal(value, locale=BABEL_LOCALES[current_language()])


def percent(part: float, whole: float) -> str:
    """``part`` of ``whole`` as a whole percentage, or a dash when there is no whole."""
    if not whole:
        return "–"
    return format_percent(part / whole, locale=BABEL_LOCALES[current_language()])


def district(name: str | None) -> str:
    """A district (as India Post writes it, LUCKNOW) in the current language: लखनऊ."""
    if not name:
        return "–"
    return district_name(known_districts().get(name.upper(), ""), name, current_language())


def state(name: str | None) -> str:
    """A state (UTTAR PRADESH) in the current language: उत्तर प्रदेश."""
    return state_name(name, current_language()) if name else "–"


def date(value: dt.date | None, fmt: str = "d MMM y") -> str:
    return format_date(value, current_language(), fmt) if value else "–"


def install(app: Flask) -> None:
    """Jinja's ``_()`` and the formatting filters, in the current language."""
    app.jinja_env.add_extension("jinja2.ext.i18n")
    app.jinja_env.install_gettext_callables(  # type: ignore[attr-defined]
        gettext=_translate,  # Jinja fills in the values, escaped
        ngettext=_ngettext,
        newstyle=True,
    )
    app.jinja_env.filters.update(number=number, date=date, district=district, state=state)
    app.jinja_env.globals.update(
        percent=percent, current_language=current_language, language_names=LANGUAGE_NAMES
    )
