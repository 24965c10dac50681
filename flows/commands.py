"""Keywords that work at any point of a conversation, in English, Hindi and romanised Hindi,
as people write them: "STOP", "stp", "band karo", "sms mat bhejo", "बंद करो".

A keyword may stand with polite and filler words ("ji", "please", "karo") and with the
words that go with it ("teeka lag gaya", "agla teeka kab hai"); a keyword that takes an
argument ("REG Asha 15/3/2025 226001") keeps the rest as typed. One typo is forgiven in
a keyword of four letters or more ("stpo", "regster").
"""

from __future__ import annotations

from dataclasses import dataclass

from flows.matching import (
    Vocabulary,
    find_phrase,
    key,
    only,
    phrases,
    skeleton,
    tokens,
    typo_distance_is_one,
    wordlist,
)
from flows.parsing import clean

# Words that say nothing on their own: polite forms, "please", "do it", "now", "my".
FILLERS = wordlist(
    "ji sir madam mam maam please plz pls bhai didi hai h hain hu hun hoon karo kro "
    "kar kare karen karein kijiye kijie karna karni karde kar do de dena dijiye ab "
    "abhi mujhe hame hamein mera meri mere me mein my the a to ko ka ki ke ye yeh ok "
    "okay जी कृपया करो करें कीजिए करना कर दो दें है हैं अब अभी मुझे मेरा मेरी मेरे "
    "में को का की के "
)

# Greetings, never taken for a keyword with a typo ("hello" is not "help").
GREETINGS = wordlist("hello helo hlo hi hii hey namaste namaskar नमस्ते नमस्कार हेलो")

# command: (takes an argument, its keywords, the words that may go with it).
KEYWORDS: dict[str, tuple[bool, str, str]] = {
    "help": (False, "help | मदद | madad | sahayata | सहायता", "chahiye चाहिए"),
    "stop": (
        False,
        "stop | unsubscribe | बंद | band | roko | रोको | रोकें | ruko | mat bhejo | "
        "mat bhejna | mat bhejiye | मत भेजो | मत भेजें | मत भेजना",
        "sms msg message messages reminder reminders sab all सब मैसेज एसएमएस",
    ),
    "start": (
        False,
        "start | शुरू | shuru | chalu | चालू | resume",
        "phir fir se again dobara sms msg message reminder फिर से दोबारा",
    ),
    "next": (
        False,
        "next | अगला | agla | agli | aage | आगे",
        "tika teeka vaccine vaccines kab kaunsa konsa kon lagega hoga date टीका कब कौनसा "
        "कौन लगेगा होगा",
    ),
    "done": (
        True,
        "done | हो गया | ho gaya | hogaya | ho gayi | लग गया | lag gaya | lag gaye | laga diya | "
        "लगा दिया | lagwa liya | lagwa diya | लगवा लिया | लगवा दिया | लग गए | given",
        "tika teeka vaccine vaccines tike टीका टीके aaj आज",
    ),
    "add": (
        False,
        "add | जोड़ें | जोड़ो | jodo | jode | jodna | नया बच्चा | naya bachcha | dusra bachcha | "
        "दूसरा बच्चा | ek aur bachcha",
        "child another baby bachcha bachche bachchi naam naya dusra ek aur बच्चा बच्चे नाम "
        "नया दूसरा एक और",
    ),
    "lang": (
        True,
        "lang | language | भाषा | bhasha | bhasa",
        "change badlo badalni badalna badle बदलें बदलो बदलना",
    ),
    "delete": (
        False,
        "delete | हटाएं | हटाओ | hatao | hata do | mitao | mita do | मिटाओ | मिटाएं | मिटा दो | "
        "dilit | डिलीट",
        "data record details number sab all डेटा रिकॉर्ड सब",
    ),
    "time": (True, "time | samay | समय", "change badlo बदलें"),
    "pin": (True, "pin | pincode | पिन | पिनकोड", "code कोड"),
    "garbh": (
        False,
        "garbh | गर्भ | preg | pregnant | pregnancy | garbhvati | गर्भवती | गर्भावस्था",
        "hu hoon hun hai main mai registration register हूँ हूं है मैं",
    ),
    "born": (True, "born | जन्म | janam | janm | birth", "baby bachcha hua huaa हुआ"),
    "schedule": (True, "schedule | शेड्यूल | सारणी | sarni", "tika टीका vaccine"),
    "site": (True, "site | kendra | केंद्र | केन्द्र | tika kendra | टीका केंद्र", ""),
    "covid": (
        False,
        "covid | covid19 | covid-19 | corona | kovid | कोविड | कोरोना",
        "vaccine tika टीका",
    ),
    "reg": (
        True,
        "reg | register | registration | पंजीकरण | panjikaran | panjeekaran | रजिस्टर",
        "karna karwana chahiye naya new चाहिए",
    ),
}

_TABLE: list[tuple[tuple[str, ...], str, bool, Vocabulary]] = sorted(
    (
        (phrase, command, takes_argument, Vocabulary(FILLERS + tuple(extras.split())))
        for command, (takes_argument, words, extras) in KEYWORDS.items()
        for phrase in phrases(words)
    ),
    key=lambda row: -len(row[0]),
)
# The rows a message's word may start, by the consonants of a phrase's first word (a word
# and the same with vowels left out share them); one-word rows for forgiving a typo.
_BY_SKELETON: dict[str, list[int]] = {}
for _index, (_phrase, *_) in enumerate(_TABLE):
    _BY_SKELETON.setdefault(skeleton(_phrase[0]), []).append(_index)
_TYPO_BY_LENGTH: dict[int, list[tuple[int, str]]] = {}
for _index, (_phrase, *_) in enumerate(_TABLE):
    if len(_phrase) == 1 and len(key(_phrase[0])) >= 4:
        _TYPO_BY_LENGTH.setdefault(len(key(_phrase[0])), []).append((_index, key(_phrase[0])))


def _one_typo_away(words: list[str]) -> list[int]:
    """The one-word rows whose keyword a word is one typo away from."""
    rows = set()
    for folded in {key(w) for w in words if len(key(w)) >= 3}:
        for length in (len(folded) - 1, len(folded), len(folded) + 1):
            for index, keyword in _TYPO_BY_LENGTH.get(length, ()):
                if typo_distance_is_one(folded, keyword):
                    rows.add(index)
    return sorted(rows)


_GREETINGS = Vocabulary(GREETINGS + FILLERS)


@dataclass(frozen=True)
class Command:
    """A recognised keyword, the rest of the message after it, and whether the keyword
    was only matched by forgiving a typo (then an answer to a question goes first)."""

    name: str
    argument: str
    keyword: str
    typo: bool = False


def _after(cleaned: str, count: int) -> str:
    """The text as typed after its first ``count`` words (as :func:`tokens` counts them)."""
    typed = cleaned.split()
    seen = 0
    for index, word in enumerate(typed):
        if seen >= count:
            return " ".join(typed[index:])
        seen += len(tokens(word))
    return ""


def match_command(text: str) -> Command | None:
    """The command ``text`` is, or None. A keyword taking an argument must come first;
    any keyword may stand with filler words and the words that go with it."""
    cleaned = clean(text)
    words = tokens(cleaned)
    if not words:
        return None
    greeting = only(words, _GREETINGS)
    for typo in (False, not greeting):
        if typo:
            rows = _one_typo_away(words)
        else:
            rows = sorted({i for w in words for i in _BY_SKELETON.get(skeleton(w), ())})
        for index in rows:
            phrase, name, takes_argument, company = _TABLE[index]
            start = find_phrase(words, phrase, typo)
            if start is None:
                continue
            others = words[:start] + words[start + len(phrase) :]
            keyword = " ".join(phrase)
            if only(others, company):
                return Command(name, "", keyword, typo=typo)
            if takes_argument and start == 0:
                return Command(name, _after(cleaned, len(phrase)), keyword, typo=typo)
    return None
