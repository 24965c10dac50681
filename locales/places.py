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
