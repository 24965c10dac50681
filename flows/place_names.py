"""A caregiver's place without a PIN code: the district as she writes it, in Hindi or
English ("बहराइच", "Bahraich", "bahraich zila"), matched to the districts the PIN code data
knows; or "pata nahi", when she does not know it either."""

from __future__ import annotations

from functools import cache

import indian_pincode

from flows import texts
from flows.hindi_words import dont_know
from flows.matching import key, tokens, typo_distance_is_one, wordlist
from flows.parsing import InputError, Place, clean, parse_pincode
from locales import Text
from locales.places import district_names

# Said around a district's name: "bahraich zila", "hum Sitapur jile me rehte hain".
PLACE_FILLERS = wordlist(
    "zila jila zilla jilla jile zile district dist distt janpad tehsil ka ki ke se me "
    "mein hai h hain hum ham main mai rehte rahte rehti rahti hu hoon from in at my mera "
    "meri village gaon जिला ज़िला जिले जनपद का की के से में है हैं हम मैं रहते रहती हूँ गांव"
)


def _squeezed(words: list[str]) -> str:
    return "".join(key(w) for w in words)


@cache
def _index() -> dict[str, list[tuple[str, str]]]:
    """Each district's spelling key (English and Hindi, spaces dropped) → (state, district)."""
    index: dict[str, list[tuple[str, str]]] = {}
    hindi, english = district_names("hi"), district_names("en")
    for state in indian_pincode.list_states():
        for district in indian_pincode.list_districts(state):
            names = {district, hindi.get((state, district), ""), english.get((state, district), "")}
            for name in filter(None, names):
                index.setdefault(_squeezed(tokens(name)), []).append((state, district))
    return index


@cache
def _states() -> dict[str, str]:
    return {_squeezed(tokens(state)): state for state in indian_pincode.list_states()}


def find_district(text: str) -> list[tuple[str, str]]:
    """The districts (state, district) the text names: one, several when the name is in
    more than one state ("Aurangabad"; a state named too picks one), or none."""
    words = [w for w in tokens(text) if key(w) not in {key(f) for f in PLACE_FILLERS}]
    if not words:
        return []
    state = None
    for size in (3, 2, 1):  # a state named at the end: "aurangabad bihar"
        if len(words) > size and _squeezed(words[-size:]) in _states():
            state = _states()[_squeezed(words[-size:])]
            words = words[:-size]
            break
    name = _squeezed(words)
    found = _index().get(name)
    if found is None and len(name) >= 5:  # one typo in a longer name
        found = [
            place
            for spelled, places in _index().items()
            if typo_distance_is_one(name, spelled)
            for place in places
        ]
    found = sorted(set(found or []))
    if state is not None:
        found = [place for place in found if place[0] == state]
    return found


# Said before a PIN code: "PIN 226001", "pincode 226001", "पिन 226001".
PIN_WORDS = {key(w) for w in wordlist("pin pincode pinkod code पिन पिनकोड कोड")}


def parse_place(text: str) -> Place | None:
    """A PIN code; or, for a caregiver who does not know it, the district ("bahraich zila",
    "बहराइच"); or None when she does not know that either ("pata nahi")."""
    words = [w for w in tokens(clean(text)) if key(w) not in PIN_WORDS]
    digits = "".join(words)
    if digits.isdigit() and digits != "0":
        return parse_pincode(digits)
    if dont_know(" ".join(words)):
        return None
    found = find_district(" ".join(words))
    if len(found) == 1:
        [(state, district)] = found
        return Place("", state, district)
    if found:  # "Aurangabad": in Bihar and in Maharashtra
        states = ", ".join(sorted(state.title() for state, _ in found))
        raise InputError(Text(texts.DISTRICT_IN_STATES, states=states))
    raise InputError(Text(texts.PLACE_UNKNOWN))
