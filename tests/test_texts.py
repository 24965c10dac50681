"""Texts: complete catalogs in every shipped language, and every reply within 2 SMS segments."""

import datetime as dt
import functools
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import reminder_texts
from bot.reminder_texts import ChildReminder, reminder_message
from bot.segments import encoding, segment_count, units
from flows import texts, voice_sms, voice_texts
from flows.actions import language_menu
from flows.turn import Profile, State, Turn, vaccines
from locales import LANGUAGES, Text, render
from scheduler import Area, forecast, load_schedule
from scheduler.vaccines import DOSE_NAMES, STATUS_NAMES

ROOT = Path(__file__).resolve().parent.parent


def sms_texts(*modules) -> dict[str, str]:
    """Every msgid a module sends by SMS (its UPPER_CASE strings, and dicts of them)."""
    found = {}
    for module in modules:
        for name, value in vars(module).items():
            if name.isupper() and isinstance(value, str):
                found[f"{module.__name__}.{name}"] = value
            elif name.isupper() and isinstance(value, dict):
                found.update({f"{module.__name__}.{name}.{k}": v for k, v in value.items()})
    return found


FLOW_TEXTS = sms_texts(texts, reminder_texts, voice_sms)
SPOKEN_TEXTS = sms_texts(voice_texts)  # spoken on calls: no SMS length limit
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def catalog(lang: str):
    with (ROOT / "locales" / lang / "LC_MESSAGES" / "messages.po").open("rb") as fp:
        return read_po(fp, locale=lang)


def template_ids() -> set[str]:
    with (ROOT / "locales" / "messages.pot").open("rb") as fp:
        return {message.id for message in read_po(fp) if message.id}


def test_the_template_has_every_text_in_the_code():
    in_code = set(FLOW_TEXTS.values()) | set(DOSE_NAMES.values()) | set(STATUS_NAMES.values())
    in_code |= set(SPOKEN_TEXTS.values())
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


@functools.cache
def longest_codes() -> tuple[str, ...]:
    """The longest visit a registered child can have: a late registrant in a JE district."""
    schedule = load_schedule("uip", je_districts=("GORAKHPUR",))
    born = dt.date(2020, 1, 1)
    visits = []
    for days in range(0, 6 * 365, 7):
        result = forecast(born, (), born + dt.timedelta(days=days), Area("GORAKHPUR"), schedule)
        if result.next_visit:
            visits.append(result.next_visit.codes)
    return max(visits, key=len)


def longest_visit(lang: str) -> list[Text]:
    return vaccines(longest_codes())


NAMES = {"hi": "राजलक्ष्मी", "en": "Rajalakshmi"}
REALISTIC = {
    "date": dt.date(2025, 9, 28),
    "birth_date": dt.date(2025, 9, 28),
    "pincode": "226001",
    "district": "Sant Kabir Nagar",
    "count": 10,
    "language": "English",
    "digit": 2,
    "slot": Text(texts.SLOT_NAMES["morning"]),
    "vaccine": vaccines(["covishield-1"]),
    "first_dose": dt.date(2022, 9, 28),
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


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["advance", "due", "overdue-1"])
def test_a_reminder_fits_in_two_segments(kind, lang):
    codes = ("opv-2", "penta-2", "rvv-2")
    message = reminder_message([ChildReminder(kind, NAMES[lang], codes, REALISTIC["date"])], lang)
    assert segment_count(message) <= 2, f"{lang}: {units(message)} units: {message}"


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("kind", ["advance", "due", "overdue-1"])
def test_a_reminder_of_the_longest_visit_fits_in_three_segments(kind, lang):
    item = ChildReminder(kind, NAMES[lang], longest_codes(), REALISTIC["date"])
    message = reminder_message([item], lang)
    assert segment_count(message) <= 3, f"{lang}: {units(message)} units: {message}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_siblings_share_one_reminder_of_at_most_three_segments(lang):
    siblings = [
        ChildReminder("due", NAMES[lang], ("opv-2", "penta-2", "rvv-2"), REALISTIC["date"]),
        ChildReminder("due", NAMES[lang], ("mr-2", "dpt-b1", "opv-b"), REALISTIC["date"]),
    ]
    message = reminder_message(siblings, lang)
    assert segment_count(message) <= 3, f"{lang}: {units(message)} units: {message}"


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
