"""Texts: complete catalogs in every shipped language, and every reply within 2 SMS segments."""

import datetime as dt
import functools
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from flows import reminder_texts, texts, voice_sms, voice_texts
from flows.actions import language_menu
from flows.reminder_texts import (
    ChildReminder,
    PlannedReminder,
    child_reminders,
    format_days,
    reminder_message,
)
from flows.turn import Profile, State, Turn, vaccines
from locales import LANGUAGES, SESSION_DAY, DateAs, Text, format_date, render, render_sms
from locales.segments import encoding, segment_count, units
from scheduler import Area, Visit, forecast, load_schedule
from scheduler.vaccines import BY_STRENGTH, DOSE_NAMES, STATUS_NAMES, STRENGTH_NAMES, WITH_STRENGTH

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
    in_code |= {*STRENGTH_NAMES.values(), *BY_STRENGTH.values(), WITH_STRENGTH}
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
def longest() -> Visit:
    """The longest visit a registered child can have: a late registrant in a JE district
    (with vitamin A's strength)."""
    schedule = load_schedule("uip", je_districts=("GORAKHPUR",))
    born = dt.date(2020, 1, 1)
    visits = []
    for days in range(0, 6 * 365, 7):
        result = forecast(born, (), born + dt.timedelta(days=days), Area("GORAKHPUR"), schedule)
        if result.next_visit:
            visits.append(result.next_visit)
    return max(visits, key=lambda visit: len(visit.codes))


def longest_codes() -> tuple[str, ...]:
    return longest().codes


def longest_visit(lang: str) -> list[Text | str]:
    return vaccines(longest().codes, longest().iu)


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
    "choices": ["1 Rajalakshmi", "2 Rajalakshmi", "3 Rajalakshmi"],
    "month": DateAs(dt.date(2024, 9, 5), "MMMM yyyy"),  # the longest month's name
    "states": "Himachal Pradesh, Uttar Pradesh",
    "last": 6,
    "due": dt.date(2025, 9, 28),
    "schedule": Text(texts.SCHEDULE_NAMES["uip"]),  # the longest name
    "site": "Anganwadi Centre Rampura",  # SITE's longest (flows.actions.SITE_LIMIT)
    "limit": 24,
}


IMI_TITLES = {"hi": "मिशन इंद्रधनुष", "en": "Mission Indradhanush"}
ROUND_DAYS = tuple(dt.date(2019, 12, day) for day in (2, 3, 5, 6, 7, 9, 10))  # 7 days


def render_with_values(msgid: str, lang: str, strengths: bool = True) -> str:
    params = {key: value for key, value in REALISTIC.items() if f"%({key})s" in msgid}
    params["name"] = NAMES[lang]
    params["session"] = DateAs(dt.date(2025, 9, 24), SESSION_DAY)
    params["campaign"] = IMI_TITLES[lang]
    params["days"] = format_days(ROUND_DAYS, lang)
    if "%(vaccines)s" in msgid:  # replies name vitamin A's strength; reminders do not
        params["vaccines"] = longest_visit(lang) if strengths else vaccines(longest_codes())
    return render_sms(Text(msgid, **params), lang)  # as it is sent: each value fitted to DLT


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", sorted(FLOW_TEXTS))
def test_every_text_fits_in_two_segments(name, lang):
    text = render_with_values(FLOW_TEXTS[name], lang, not name.startswith("flows.reminder_texts"))
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


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_reminder_naming_the_session_day_fits_in_two_segments(lang):
    item = ChildReminder(
        "due",
        NAMES[lang],
        ("opv-2", "penta-2", "rvv-2"),
        REALISTIC["date"],
        session_day=dt.date(2025, 10, 1),
    )
    message = reminder_message([item], lang)
    assert format_date(dt.date(2025, 10, 1), lang, "EEEE d MMMM") in message
    assert segment_count(message) <= 2, f"{lang}: {units(message)} units: {message}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_campaign_announcement_for_two_children_fits_in_three_segments(lang):
    children = [
        ChildReminder(
            "campaign-before",
            NAMES[lang],
            codes,
            dt.date(2019, 12, 2),
            campaign=IMI_TITLES[lang],
            campaign_days=ROUND_DAYS,
        )
        for codes in (("penta-3", "opv-3", "rvv-3", "fipv-2"), ("mr-1", "je-1", "vita-1"))
    ]
    message = reminder_message(children, lang)
    assert message.count(IMI_TITLES[lang]) == 1, "the round's days are said once"
    assert segment_count(message) <= 3, f"{lang}: {units(message)} units: {message}"


def test_round_days_are_written_compactly():
    assert format_days(ROUND_DAYS, "en") == "2, 3, 5, 6, 7, 9, 10 December"
    across = (dt.date(2019, 12, 30), dt.date(2019, 12, 31), dt.date(2020, 1, 2))
    assert format_days(across, "en") == "30, 31 December, 2 January"
    assert format_days(ROUND_DAYS[:1], "hi") == "2 दिसंबर"


def test_a_reminder_names_the_first_session_day_on_or_after_the_due_date():
    due_on_a_monday = PlannedReminder("due", dt.date(2025, 9, 29), ("opv-2",), None, 1, "Asha")
    # Uttar Pradesh's RI days by this setting are Wednesday and Saturday.
    [item] = child_reminders(
        [due_on_a_monday], "en", "UTTAR PRADESH", dt.date(2025, 9, 29), "UTTAR PRADESH=wed,sat"
    )
    assert item.session_day == dt.date(2025, 10, 1)
    assert "Wednesday 1 October" in reminder_message([item], "en")
    # Where a state's RI days are not known, the reminder gives the due date instead.
    [item] = child_reminders([due_on_a_monday], "en", "NOWHERE", dt.date(2025, 9, 29), "")
    assert item.session_day is None
    assert "are due today" in reminder_message([item], "en")


def test_an_overdue_reminder_names_a_session_day_still_to_come():
    overdue = PlannedReminder("overdue-1", dt.date(2025, 9, 1), ("opv-2",), None, 1, "Asha")
    [item] = child_reminders(
        [overdue], "en", "UTTAR PRADESH", dt.date(2025, 9, 29), "UTTAR PRADESH=wed,sat"
    )
    assert item.session_day == dt.date(2025, 10, 1)


def test_an_adults_covid_dose_names_no_ri_session():
    covid = PlannedReminder(
        "due", dt.date(2025, 9, 29), ("covishield-2",), None, 1, "Sunita", "covid-covishield"
    )
    [item] = child_reminders(
        [covid], "en", "UTTAR PRADESH", dt.date(2025, 9, 29), "UTTAR PRADESH=wed,sat"
    )
    assert item.session_day is None


def test_an_announcement_stands_for_the_same_days_visit_reminder():
    detail = {"name": "IMI", "titles": IMI_TITLES, "days": [ROUND_DAYS[0].isoformat()]}
    visit = dt.date(2019, 11, 1)
    overdue = PlannedReminder("overdue-2", visit, ("mr-1",), None, 1, "Asha")
    announcement = PlannedReminder("campaign-before", ROUND_DAYS[0], ("mr-1",), detail, 1, "Asha")
    items = child_reminders([overdue, announcement], "en", None, dt.date(2019, 11, 30), "")
    assert [item.kind for item in items] == ["campaign-before"]
    # A vaccine the announcement does not name keeps its own reminder, as does a sibling's.
    other = PlannedReminder("overdue-2", visit, ("mr-1", "je-1"), None, 1, "Asha")
    sibling = PlannedReminder("overdue-2", visit, ("mr-1",), None, 2, "Ravi")
    items = child_reminders([other, sibling, announcement], "en", None, visit, "")
    assert sorted(item.kind for item in items) == ["campaign-before", "overdue-2", "overdue-2"]


def test_a_late_advance_reminder_gives_way_to_the_due_one():
    visit = dt.date(2025, 9, 29)
    rows = [
        PlannedReminder(kind, visit, ("opv-2",), None, 1, "Asha") for kind in ("due", "advance")
    ]
    [item] = child_reminders(rows, "en", None, visit, "")
    assert item.kind == "due"


def test_a_campaign_announcement_is_worded_in_the_caregivers_language():
    detail = {
        "name": "Intensified Mission Indradhanush 2.0",
        "titles": IMI_TITLES,
        "days": [day.isoformat() for day in ROUND_DAYS],
    }
    row = PlannedReminder("campaign-before", dt.date(2019, 12, 2), ("mr-1",), detail, 1, "Asha")
    for lang in LANGUAGES:
        [item] = child_reminders([row], lang, None, dt.date(2019, 11, 30), "")
        assert item.campaign == IMI_TITLES[lang] and item.campaign_days == ROUND_DAYS
    untitled = {**detail, "titles": {}}
    row = PlannedReminder("campaign-start", dt.date(2019, 12, 2), ("mr-1",), untitled, 1, "Asha")
    [item] = child_reminders([row], "hi", None, dt.date(2019, 12, 2), "")
    assert item.campaign == "Intensified Mission Indradhanush 2.0"


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
