"""District names as a caller hears them: every district the PIN code data knows has its
name in Devanagari for Hindi callers, as people say it."""

import re

import indian_pincode
import pytest

from flows.parsing import parse_pincode
from flows.voice_words import place_words
from locales.places import district_name, district_names, state_name, state_names

DISTRICTS = {(s, d) for s in indian_pincode.list_states() for d in indian_pincode.list_districts(s)}
DEVANAGARI = re.compile(r"[\u0900-\u097F]+(?:[ -](?:[\u0900-\u097F]+|\d+))*")


def test_every_district_has_a_hindi_name_in_devanagari() -> None:
    hindi = district_names("hi")
    assert len(DISTRICTS) > 700 and set(hindi) == DISTRICTS
    not_devanagari = [name for name in hindi.values() if not DEVANAGARI.fullmatch(name)]
    assert not_devanagari == []
    for state in indian_pincode.list_states():  # two districts of a state never sound alike
        names = [name for (s, _), name in hindi.items() if s == state]
        assert len(names) == len(set(names)), state


def test_every_state_has_a_hindi_name_in_devanagari() -> None:
    hindi = state_names("hi")
    assert set(hindi) == set(indian_pincode.list_states())
    assert [name for name in hindi.values() if not DEVANAGARI.fullmatch(name)] == []
    assert state_name("uttar pradesh", "hi") == "उत्तर प्रदेश"
    assert state_name("UTTAR PRADESH", "en") == "Uttar Pradesh"  # English: title case


def test_english_names_only_mend_what_the_official_spelling_says_badly() -> None:
    assert set(district_names("en")) <= DISTRICTS
    assert district_name("DELHI", "SOUTH", "en") == "South Delhi"
    assert district_name("UTTAR PRADESH", "LUCKNOW", "en") == "Lucknow"  # title case


@pytest.mark.parametrize(
    "pincode, hindi, english",
    [
        ("226001", "लखनऊ", "Lucknow"),
        ("211001", "प्रयागराज", "Prayagraj"),
        ("243601", "बदायूं", "Budaun"),
        ("824101", "औरंगाबाद", "Aurangabad"),  # in Bihar
        ("431001", "छत्रपति संभाजीनगर", "Aurangabad"),  # in Maharashtra, renamed in 2023
        ("110017", "दक्षिणी दिल्ली", "South Delhi"),
        ("700001", "कोलकाता", "Kolkata"),
    ],
)
def test_a_pin_codes_district_is_said_in_the_callers_language(pincode, hindi, english) -> None:
    place = parse_pincode(pincode)
    assert (place_words(place, "hi"), place_words(place, "en")) == (hindi, english)
