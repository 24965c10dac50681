"""What a reminder costs: every reminder Tika sends, for every visit of the schedule, every
kind of reminder and names short and long, in every language, fits two SMS segments, and
a Hindi reminder mostly fits one (70 UCS-2 characters) for a child of a usual name."""

from __future__ import annotations

import datetime as dt
from statistics import mean

import pytest

from flows.actions import SITE_LIMIT
from flows.reminder_texts import ChildReminder, reminder_message
from locales import LANGUAGES
from locales.segments import segment_count
from scheduler import load_schedule

TODAY = dt.date(2025, 9, 24)
# Usual names, and the longest a name may be in one DLT variable.
NAMES = {"hi": ("आशा", "प्रियंका", "राजलक्ष्मी"), "en": ("Asha", "Priyanka", "Rajalakshmi")}


def visits() -> list[tuple[str, ...]]:
    """The doses of each visit of the UIP schedule, by due age."""
    by_age: dict[str, list[str]] = {}
    for series in load_schedule("uip").series:
        for dose, *_ in series.slots:
            by_age.setdefault(str(dose.due_age), []).append(dose.code)
    return [tuple(codes) for codes in by_age.values()]


# The longest session site SITE takes (24 letters), as an ASHA would write it.
SITES = {"hi": "आंगनवाड़ी केंद्र रामपुरा", "en": "Anganwadi Centre Rampura"}


def reminders(lang: str, site: str = "") -> list[str]:
    """Each kind of reminder, for each visit and name (naming the session ``site``)."""
    made = []
    for codes in visits():
        for name in NAMES[lang]:
            due = TODAY + dt.timedelta(days=3)
            for item in (
                ChildReminder("advance", name, codes, due, site=site),
                ChildReminder("due", name, codes, TODAY, site=site),
                ChildReminder("overdue-1", name, codes, TODAY - dt.timedelta(days=20), site=site),
                ChildReminder("advance", name, codes, due, session_day=due, today=TODAY, site=site),
                ChildReminder("due", name, codes, TODAY, session_day=TODAY, today=TODAY, site=site),
            ):
                made.append(reminder_message([item], lang))
    return made


def average_segments(lang: str) -> float:
    return mean(segment_count(text) for text in reminders(lang))


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_reminder_fits_two_segments(lang) -> None:
    made = reminders(lang)
    print(f"\n{lang}: {len(made)} reminders, {average_segments(lang):.2f} segments on average")
    too_long = [text for text in made if segment_count(text) > 2]
    assert too_long == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_reminder_naming_the_longest_session_site_still_fits_two_segments(lang) -> None:
    site = SITES[lang]
    assert len(SITES[lang]) == SITE_LIMIT
    made = reminders(lang, site)
    assert all(site in text for text in made)
    print(f"\n{lang}, naming the site: {mean(segment_count(t) for t in made):.2f} on average")
    assert [text for text in made if segment_count(text) > 2] == []


def test_a_hindi_reminder_for_a_usual_name_is_one_segment() -> None:
    usual = [text for text in reminders("hi") if "राजलक्ष्मी" not in text]
    one = [text for text in usual if segment_count(text) == 1]
    # Not all: the names mothers use are longer ("पोलियो बूस्टर", "खसरा-रूबेला-1"), and
    # "प्रियंका के टीके पोलियो बूस्टर +3 आज लगवाएं। लगे तो 'हो गया' भेजें।" is 72.
    print(f"\nhi: {len(one)} of {len(usual)} reminders for usual names in one segment")
    assert len(one) / len(usual) >= 0.8


def test_an_english_reminder_for_a_child_named_in_devanagari_goes_in_hindi() -> None:
    codes = visits()[1]  # the 6-week visit
    item = ChildReminder("due", "आशा", codes, TODAY)
    english_with_the_name = reminder_message([ChildReminder("due", "Asha", codes, TODAY)], "en")
    sent = reminder_message([item], "en")
    assert sent.startswith("टीका: आशा के टीके")
    # The English words with a Devanagari name would be UCS-2: two segments, not one.
    assert segment_count(english_with_the_name.replace("Asha", "आशा")) == 2
    assert segment_count(sent) == 1
