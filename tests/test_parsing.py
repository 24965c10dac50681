"""Reading what caregivers type: birth dates, PIN codes, names, yes/no, keywords."""

import datetime as dt

import pytest

from flows import texts
from flows.commands import match_command
from flows.parsing import (
    InputError,
    clean,
    parse_birth_date,
    parse_date,
    parse_language,
    parse_name,
    parse_pincode,
    parse_yes_no,
)

TODAY = dt.date(2025, 6, 1)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("15/3/25", dt.date(2025, 3, 15)),
        ("15-03-2025", dt.date(2025, 3, 15)),
        ("15.3.2025", dt.date(2025, 3, 15)),
        ("15 3 2025", dt.date(2025, 3, 15)),
        ("15 March 2025", dt.date(2025, 3, 15)),
        ("15 march", dt.date(2025, 3, 15)),
        ("15th Mar 2025", dt.date(2025, 3, 15)),
        ("15 मार्च 2025", dt.date(2025, 3, 15)),
        ("१५/०३/२०२५", dt.date(2025, 3, 15)),
        ("१५ मार्च २०२५", dt.date(2025, 3, 15)),
        ("15 janvari 2025", dt.date(2025, 1, 15)),
        ("2 farvari 2025", dt.date(2025, 2, 2)),
        ("3 aprail 2025", dt.date(2025, 4, 3)),
        ("7 sitambar 2024", dt.date(2024, 9, 7)),
        ("1 दिसंबर 2024", dt.date(2024, 12, 1)),
        ("1 दिसम्बर 2024", dt.date(2024, 12, 1)),
        ("aaj", TODAY),
        ("Aaj", TODAY),
        ("आज", TODAY),
        ("  15/3/2025\n", dt.date(2025, 3, 15)),
        # Without a year: the latest such day that is not in the future.
        ("15/3", dt.date(2025, 3, 15)),
        ("15/12", dt.date(2024, 12, 15)),
        # Always day-first, even where month-first would also be a date.
        ("4/5/2025", dt.date(2025, 5, 4)),
        # Year first can only be read one way.
        ("2025-03-15", dt.date(2025, 3, 15)),
    ],
)
def test_dates_as_people_type_them(typed: str, expected: dt.date) -> None:
    assert parse_date(typed, TODAY) == expected


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("31/02/2025", texts.DATE_IMPOSSIBLE),
        ("31/4/2025", texts.DATE_IMPOSSIBLE),
        ("29/2/2023", texts.DATE_IMPOSSIBLE),
        ("0/3/2025", texts.DATE_IMPOSSIBLE),
        ("15/13/2025", texts.DATE_IMPOSSIBLE),
        ("yesterday-ish", texts.DATE_UNREADABLE),
        ("15/3/202", texts.DATE_UNREADABLE),
        ("", texts.DATE_UNREADABLE),
        ("2025-15-03", texts.DATE_IMPOSSIBLE),
    ],
)
def test_unusable_dates_say_what_is_wrong(typed: str, problem: str) -> None:
    with pytest.raises(InputError) as error:
        parse_date(typed, TODAY)
    assert error.value.reply.msgid == problem


def test_leap_day_is_a_real_date_in_a_leap_year() -> None:
    assert parse_date("29/2/2024", TODAY) == dt.date(2024, 2, 29)


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("2/6/2025", texts.DATE_FUTURE),
        ("1/1/2030", texts.DATE_FUTURE),
        ("31/5/2019", texts.DATE_TOO_OLD),
    ],
)
def test_birth_dates_must_be_past_and_under_six_years(typed: str, problem: str) -> None:
    with pytest.raises(InputError) as error:
        parse_birth_date(typed, TODAY)
    assert error.value.reply.msgid == problem


def test_birth_date_six_years_ago_today_is_accepted() -> None:
    assert parse_birth_date("1/6/2019", TODAY) == dt.date(2019, 6, 1)


def test_pincode_maps_to_state_and_district() -> None:
    place = parse_pincode("२२६००१")
    assert (place.pincode, place.state, place.district) == ("226001", "UTTAR PRADESH", "LUCKNOW")


@pytest.mark.parametrize(
    ("typed", "problem"),
    [("22600", texts.PIN_INVALID), ("abcdef", texts.PIN_INVALID), ("999999", texts.PIN_UNKNOWN)],
)
def test_bad_pincodes(typed: str, problem: str) -> None:
    with pytest.raises(InputError) as error:
        parse_pincode(typed)
    assert error.value.reply.msgid == problem


@pytest.mark.parametrize(
    ("typed", "name"),
    [
        ("asha", "Asha"),
        ("  asha   kumari ", "Asha Kumari"),
        ("आशा", "आशा"),
        ("D'Souza", "D'Souza"),
        ("श्री. राम", "श्री. राम"),
    ],
)
def test_names(typed: str, name: str) -> None:
    assert parse_name(typed) == name


@pytest.mark.parametrize(
    "typed", ["", "12345", "😀", "<script>alert(1)</script>", "1' OR '1'='1", "x" * 41]
)
def test_names_that_are_not_names(typed: str) -> None:
    with pytest.raises(InputError):
        parse_name(typed)


@pytest.mark.parametrize(
    ("typed", "answer"),
    [("1", True), ("Haan", True), ("हाँ", True), ("2", False), ("nahi", False), ("नहीं", False)],
)
def test_yes_no(typed: str, answer: bool) -> None:
    assert parse_yes_no(typed) is answer


@pytest.mark.parametrize(
    ("typed", "lang"),
    [("1", "hi"), ("हिंदी", "hi"), ("2", "en"), ("English", "en"), ("angrezi", "en")],
)
def test_language_choice(typed: str, lang: str) -> None:
    assert parse_language(typed) == lang


@pytest.mark.parametrize(
    ("typed", "command", "argument"),
    [
        ("HELP", "help", ""),
        ("madad", "help", ""),
        ("मदद", "help", ""),
        ("Stop", "stop", ""),
        ("बंद", "stop", ""),
        ("band", "stop", ""),
        ("START", "start", ""),
        ("शुरू", "start", ""),
        ("shuru", "start", ""),
        ("next", "next", ""),
        ("अगला", "next", ""),
        ("agla", "next", ""),
        ("DONE", "done", ""),
        ("DONE 12/4", "done", "12/4"),
        ("हो गया", "done", ""),
        ("ho gaya 12/4", "done", "12/4"),
        ("ADD", "add", ""),
        ("जोड़ें", "add", ""),
        ("jodo", "add", ""),
        ("LANG", "lang", ""),
        ("lang en", "lang", "en"),
        ("भाषा", "lang", ""),
        ("DELETE", "delete", ""),
        ("हटाएं", "delete", ""),
        ("hatao", "delete", ""),
        ("REG Asha 15/3/2025 226001", "reg", "Asha 15/3/2025 226001"),
        ("पंजीकरण आशा 15/3/2025 226001", "reg", "आशा 15/3/2025 226001"),
    ],
)
def test_commands_in_three_scripts(typed: str, command: str, argument: str) -> None:
    found = match_command(typed)
    assert found is not None
    assert (found.name, found.argument) == (command, argument)


@pytest.mark.parametrize("typed", ["stop it now", "asha", "", "next week maybe"])
def test_words_that_are_not_commands(typed: str) -> None:
    assert match_command(typed) is None


def test_clean_drops_control_characters_and_keeps_devanagari() -> None:
    assert clean("a\x00b\x1b[31m  c\u200bd") == "ab[31m cd"
    assert clean("जोड़ें") == "जोड़ें"
