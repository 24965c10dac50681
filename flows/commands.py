"""Keywords that work at any point of a conversation, in English, Hindi and romanised Hindi."""

from __future__ import annotations

from dataclasses import dataclass

from flows.parsing import clean, fold

# command: (takes an argument, keywords). A keyword may be several words.
KEYWORDS: dict[str, tuple[bool, str]] = {
    "help": (False, "help | मदद | madad | sahayata | सहायता"),
    "stop": (False, "stop | unsubscribe | बंद | band | roko | रोको | रोकें | ruko"),
    "start": (False, "start | शुरू | shuru | chalu | चालू"),
    "next": (False, "next | अगला | agla | agla tika | अगला टीका"),
    "done": (True, "done | हो गया | ho gaya | hogaya | लग गया | lag gaya | laga diya | लगा दिया"),
    "add": (False, "add | जोड़ें | जोड़ो | jodo | jode | jodna | नया बच्चा | naya bachcha"),
    "lang": (True, "lang | language | भाषा | bhasha | bhasa"),
    "delete": (False, "delete | हटाएं | हटाओ | hatao | mitao | मिटाओ | मिटाएं"),
    "time": (True, "time | samay | समय"),
    "covid": (False, "covid | covid19 | covid-19 | corona | kovid | कोविड | कोरोना"),
    "reg": (True, "reg | register | पंजीकरण | panjikaran | panjeekaran"),
}

_TABLE: list[tuple[tuple[str, ...], str, bool]] = sorted(
    (
        (tuple(fold(keyword).split()), command, takes_argument)
        for command, (takes_argument, words) in KEYWORDS.items()
        for keyword in words.split("|")
    ),
    key=lambda row: -len(row[0]),
)


@dataclass(frozen=True)
class Command:
    """A recognised keyword and the rest of the message after it."""

    name: str
    argument: str
    keyword: str


def match_command(text: str) -> Command | None:
    """The command ``text`` starts with, or None. Argument-less commands must stand alone."""
    cleaned = clean(text)
    words = fold(cleaned).split()
    if not words:
        return None
    for keyword, name, takes_argument in _TABLE:
        n = len(keyword)
        if tuple(words[:n]) != keyword:
            continue
        if len(words) > n and not takes_argument:
            return None
        # Keep the argument as typed (names keep their case): drop the keyword's words.
        argument = " ".join(cleaned.split()[n:]) if takes_argument else ""
        return Command(name, argument, " ".join(keyword))
    return None
