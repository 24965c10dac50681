"""Place names as callers say them: a district in Devanagari for a Hindi caller.

PIN codes give districts in their official English spelling, upper case ("LUCKNOW",
"KAIMUR (BHABUA)"); a speech engine reading that to a Hindi caller says "लकनो" at best.
Each language other than English has ``locales/<lang>/districts.csv`` (state, district,
name), written by hand for every district the PIN code data knows: names as people say
them (लखनऊ, प्रयागराज, लखीमपुर खीरी), not letter-by-letter transliterations. English
lists only the names its official spelling says badly ("SOUTH" is South Delhi); any
other district is said in English, in title case.
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from locales import normalise_language

LOCALES = Path(__file__).parent


@cache
def district_names(lang: str) -> dict[tuple[str, str], str]:
    """``(STATE, DISTRICT) -> name`` for one language (empty when it has no table)."""
    path = LOCALES / lang / "districts.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as rows:
        return {(row["state"], row["district"]): row["name"] for row in csv.DictReader(rows)}


def district_name(state: str, district: str, lang: str) -> str:
    """A district in ``lang``: "लखनऊ" in Hindi, "Lucknow" in English (and when unknown)."""
    name = district_names(normalise_language(lang)).get((state.upper(), district.upper()))
    return name or district.title()


@cache
def state_names(lang: str) -> dict[str, str]:
    """``STATE -> name`` for one language (empty when it has no table)."""
    path = LOCALES / lang / "states.csv"
    if not path.exists():
        return {}
    with path.open(encoding="utf-8", newline="") as rows:
        return {row["state"]: row["name"] for row in csv.DictReader(rows)}


def state_name(state: str, lang: str) -> str:
    """A state in ``lang``: "उत्तर प्रदेश" in Hindi, "Uttar Pradesh" in English (and when
    unknown)."""
    return state_names(normalise_language(lang)).get(state.upper()) or state.title()


# States and union territories where Hindi is the official language and most people's
# (Census of India 2011, "Statement 4: scheduled languages", and the states' Official
# Language Acts): a mother new to Tika there is written to in Hindi.
HINDI_STATES = frozenset(
    {
        "BIHAR",
        "CHANDIGARH",
        "CHHATTISGARH",
        "DELHI",
        "HARYANA",
        "HIMACHAL PRADESH",
        "JHARKHAND",
        "MADHYA PRADESH",
        "RAJASTHAN",
        "UTTAR PRADESH",
        "UTTARAKHAND",
    }
)


def speaks_hindi(state: str | None) -> bool:
    """Whether Tika writes first in Hindi to someone new in ``state``."""
    return bool(state) and state.upper() in HINDI_STATES


# India's 22 licensed telecom service areas ("circles"), by the two-letter codes gateways
# report (Exotel's number metadata API answers e.g. Circle "GJ", CircleName "Gujarat Telecom
# Circle (includes Daman & Diu, Dadra & Nagar Haveli)"), each with the state whose
# language its people mostly speak. Source: Department of Telecommunications, the list of
# licensed service areas (Unified Licence, Schedule "Service Areas"); the metro circles are
# those of the state they lie in. A circle name is read where its code is not one of these.
CIRCLE_STATES: dict[str, str] = {
    "AP": "ANDHRA PRADESH",  # Andhra Pradesh and Telangana
    "AS": "ASSAM",
    "BR": "BIHAR",  # Bihar and Jharkhand
    "CH": "TAMIL NADU",  # Chennai
    "DL": "DELHI",
    "GJ": "GUJARAT",
    "HP": "HIMACHAL PRADESH",
    "HR": "HARYANA",
    "JK": "JAMMU AND KASHMIR",
    "KA": "KARNATAKA",
    "KL": "KERALA",
    "KO": "WEST BENGAL",  # Kolkata
    "MH": "MAHARASHTRA",  # Maharashtra and Goa
    "MP": "MADHYA PRADESH",  # Madhya Pradesh and Chhattisgarh
    "MU": "MAHARASHTRA",  # Mumbai
    "NE": "MEGHALAYA",  # the North East but Assam
    "OR": "ODISHA",
    "PB": "PUNJAB",
    "RJ": "RAJASTHAN",
    "TN": "TAMIL NADU",
    "UE": "UTTAR PRADESH",  # Uttar Pradesh (East)
    "UW": "UTTAR PRADESH",  # Uttar Pradesh (West) and Uttarakhand
    "WB": "WEST BENGAL",  # West Bengal and the Andaman and Nicobar Islands
}
# Words of a circle's name that say its state, for a code not listed above.
_CIRCLE_NAME_WORDS = {
    "uttar pradesh": "UTTAR PRADESH",
    "bihar": "BIHAR",
    "madhya pradesh": "MADHYA PRADESH",
    "rajasthan": "RAJASTHAN",
    "delhi": "DELHI",
    "haryana": "HARYANA",
    "himachal": "HIMACHAL PRADESH",
    "gujarat": "GUJARAT",
    "maharashtra": "MAHARASHTRA",
    "mumbai": "MAHARASHTRA",
    "karnataka": "KARNATAKA",
    "kerala": "KERALA",
    "tamil nadu": "TAMIL NADU",
    "chennai": "TAMIL NADU",
    "andhra": "ANDHRA PRADESH",
    "bengal": "WEST BENGAL",
    "kolkata": "WEST BENGAL",
    "odisha": "ODISHA",
    "orissa": "ODISHA",
    "punjab": "PUNJAB",
    "assam": "ASSAM",
    "north east": "MEGHALAYA",
    "jammu": "JAMMU AND KASHMIR",
}


def circle_state(code: str, name: str = "") -> str | None:
    """The state a telecom circle stands for (its code first, else words of its name), or
    None when neither says."""
    if state := CIRCLE_STATES.get(code.strip().upper()):
        return state
    lowered = name.lower()
    return next((state for word, state in _CIRCLE_NAME_WORDS.items() if word in lowered), None)
