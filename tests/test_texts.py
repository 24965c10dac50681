"""Texts: complete catalogs in every shipped language, and every reply within 2 SMS segments."""

import datetime as dt
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.segments import encoding, segment_count, units
from flows import texts
from flows.actions import language_menu
from flows.turn import Profile, State, Turn, vaccines
from locales import LANGUAGES, Text, render
from scheduler import forecast, load_schedule
from scheduler.vaccines import DOSE_NAMES, STATUS_NAMES

ROOT = Path(__file__).resolve().parent.parent
FLOW_TEXTS = {
    name: value for name, value in vars(texts).items() if name.isupper() and isinstance(value, str)
}
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalog(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=lang)


def template_ids() -> set[str]:
    with (ROOT / "locales" / "messages.pot").open("rb") as fp:
        return {message.id for message in read_po(fp) if message.id}


def test_the_template_has_every_text_in_the_code():
    in_code = set(FLOW_TEXTS.values()) | set(DOSE_NAMES.values()) | set(STATUS_NAMES.values())
    assert in_code <= template_ids(), "run `make extract-messages`"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_catalog_is_complete_with_the_same_placeholders(lang):
    messages = {m.id: m for m in catalog(lang) if m.id}
    assert template_ids() <= set(messages)
    for msgid in template_ids():
        message = messages[msgid]
        assert message.string, f"{lang}: untranslated {msgid!r}"
        assert "fuzzy" not in message.flags, f"{lang}: fuzzy {msgid!r}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(PLACEHOLDER.findall(msgid))


def test_hindi_is_written_in_devanagari():
    for message in catalog("hi"):
        if message.id and re.search("[A-Za-z]{4,}", PLACEHOLDER.sub("", message.id)):
            letters = [ch for ch in PLACEHOLDER.sub("", message.string) if ch.isalpha()]
            devanagari = [ch for ch in letters if "\u0900" <= ch <= "\u097f"]
            assert len(devanagari) >= len(letters) / 2, message.string


def longest_visit(lang: str) -> list[Text]:
    """The visit with the longest list of vaccine names a registered child can get."""
    schedule = load_schedule("uip", je_districts=("GORAKHPUR",))
    from scheduler import Area

    born = dt.date(2020, 1, 1)
    visits = []
    for days in range(0, 6 * 365, 7):
        result = forecast(born, (), born + dt.timedelta(days=days), Area("GORAKHPUR"), schedule)
        if result.next_visit:
            visits.append(vaccines(result.next_visit.codes))
    return max(visits, key=lambda names: len(render(Text("%(v)s", v=names), lang)))


NAMES = {"hi": "राजलक्ष्मी", "en": "Rajalakshmi"}
REALISTIC = {
    "date": dt.date(2025, 9, 28),
    "birth_date": dt.date(2025, 9, 28),
    "pincode": "226001",
    "district": "Sant Kabir Nagar",
    "count": 10,
    "language": "English",
    "digit": 2,
}


def render_with_values(msgid: str, lang: str) -> str:
    params = {key: value for key, value in REALISTIC.items() if f"%({key})s" in msgid}
    params["name"] = NAMES[lang]
    if "%(vaccines)s" in msgid:
        params["vaccines"] = longest_visit(lang)
    return render(Text(msgid, **params), lang)


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(FLOW_TEXTS))
def test_every_text_fits_in_two_segments(name, lang):
    text = render_with_values(FLOW_TEXTS[name], lang)
    assert "%(" not in text
    assert segment_count(text) <= 2, f"{lang} {name}: {units(text)} {encoding(text)} units"


def test_the_language_menu_fits_in_two_segments():
    turn = Turn(Profile(), State(), dt.date(2025, 3, 20), load_schedule())
    menu = render(language_menu(turn), "hi")
    assert segment_count(menu) <= 2, f"{units(menu)} units: {menu}"


def test_segment_counting():
    assert segment_count("a" * 160) == 1 and segment_count("a" * 161) == 2
    assert segment_count("a" * 306) == 2 and segment_count("a" * 307) == 3
    assert segment_count("{" * 80) == 1 and segment_count("{" * 81) == 2  # extension: 2 septets
    assert segment_count("क" * 70) == 1 and segment_count("क" * 71) == 2
    assert segment_count("क" * 134) == 2 and segment_count("क" * 135) == 3
    assert units("😀") == 2  # outside the BMP: two UTF-16 units
