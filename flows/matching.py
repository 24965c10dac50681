"""Matching words as people type them on a phone: any case, spacing and script, romanised
Hindi spelled a dozen ways ("theek", "thik", "thk"), vowels dropped ("kro" for "karo"),
letters doubled ("haan", "yess") and one typo in a longer keyword ("stpo", "regster").

Written by hand: spelling variants of romanised Hindi are a known, small set of habits
(long vowels doubled or not, "w" for "v", vowels dropped in SMS), which no fuzzy-matching
library knows, and a general edit distance would take "ha" (yes) for "na" (no).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from functools import lru_cache

_MARKS = str.maketrans(
    {
        "\u093c": None,  # nukta: ज़ → ज, ड़ → ड
        "\u0901": None,  # chandrabindu: हाँ → हा
        "\u0902": None,  # anusvara: हां → हा, नहीं → नही
        "ी": "ि",  # long and short vowels are written either way
        "ू": "ु",
        "ॉ": "ो",
    }
)
_ROMAN = [
    ("chch", "ch"),
    ("cch", "ch"),
    ("ph", "f"),
    ("w", "v"),
    ("z", "j"),
    ("q", "k"),
    ("ck", "k"),
    ("ee", "i"),
    ("oo", "u"),
]
_DOUBLE = re.compile(r"(.)\1+")
_KEPT = "/-.:+"  # inside dates, times and numbers
_DIGIT_LETTER = re.compile(r"(?<=\d)(?=[^\W\d_])|(?<=[^\W\d_])(?=\d)")


def tokens(text: str) -> list[str]:
    """Words, case folded, punctuation and emoji dropped, "15march" split into two."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = "".join(
        " " if unicodedata.category(ch)[0] in "PSZ" and ch not in _KEPT else ch for ch in text
    )
    text = _DIGIT_LETTER.sub(" ", text)
    return [word.strip(".:-") for word in text.split() if word.strip(".:-")]


@lru_cache(maxsize=16384)
def key(word: str) -> str:
    """A word's spelling key: Devanagari marks and vowel lengths folded; romanised Hindi
    spelling habits folded ("theek" and "thik", "haan" and "han", "yess" and "yes")."""
    word = word.casefold().translate(_MARKS)
    if word.isascii():
        for variant, usual in _ROMAN:
            word = word.replace(variant, usual)
        word = _DOUBLE.sub(r"\1", word)
    return word


@lru_cache(maxsize=16384)
def skeleton(word: str) -> str:
    """A spelling key without its vowels after the first letter ("karo", "kro": "kr"):
    words that differ only by vowels left out share it."""
    folded = key(word)
    return folded[:1] + "".join(ch for ch in folded[1:] if ch not in "aeiou")


def drops_vowels(typed: str, word: str) -> bool:
    """Whether ``typed`` is ``word`` with vowels left out after its first letter, as SMS
    writers do: "kro" for "karo", "thk" for "thik", "nxt" for "next"."""
    if not typed or typed[0] != word[:1]:
        return False
    rest = iter(word[1:])
    for letter in typed[1:]:
        for other in rest:
            if other == letter:
                break
            if other not in "aeiou":
                return False
        else:
            return False
    return all(other in "aeiou" for other in rest)


def typo_distance_is_one(a: str, b: str) -> bool:
    """Whether ``a`` is ``b`` with one letter added, dropped, changed or two swapped."""
    if abs(len(a) - len(b)) > 1 or a == b:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        return len(diff) == 1 or (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = sorted((a, b), key=len)
    return any(long[:i] + long[i + 1 :] == short for i in range(len(long)))


def same_word(typed: str, word: str, typo: bool = False) -> bool:
    """Whether ``typed`` is ``word`` as people spell it: the same spelling key, the same
    with vowels left out (two letters or more), or, with ``typo``, one typo away from a
    keyword of four letters or more."""
    a, b = key(typed), key(word)
    if a == b:
        return True
    vowels_left_out = len(a) >= 2 and a.isascii() and a.isalpha() and b.isascii()
    if vowels_left_out and skeleton(a) == skeleton(b) and drops_vowels(a, b):
        return True
    return typo and len(b) >= 4 and len(a) >= 3 and typo_distance_is_one(a, b)


def find_phrase(words: list[str], phrase: tuple[str, ...], typo: bool = False) -> int | None:
    """Where ``phrase`` starts in ``words`` (one typo allowed in a one-word phrase), or None."""
    n = len(phrase)
    allow_typo = typo and n == 1
    for start in range(len(words) - n + 1):
        if all(same_word(words[start + i], phrase[i], allow_typo) for i in range(n)):
            return start
    return None


class Vocabulary:
    """A set of words to tell words of (as people spell them) quickly: by spelling key,
    then, for a word with vowels left out, by its consonants."""

    def __init__(self, words: Iterable[str]) -> None:
        self.words = tuple(words)
        self.keys = frozenset(key(w) for w in self.words)
        self.by_skeleton: dict[str, list[str]] = {}
        for word in self.keys:
            self.by_skeleton.setdefault(skeleton(word), []).append(word)

    def __contains__(self, word: str) -> bool:
        folded = key(word)
        if folded in self.keys:
            return True
        return any(same_word(folded, w) for w in self.by_skeleton.get(skeleton(folded), ()))


def only(words: Iterable[str], allowed: Vocabulary | Iterable[str]) -> bool:
    """Whether every word is one of ``allowed`` (as people spell it)."""
    vocabulary = allowed if isinstance(allowed, Vocabulary) else Vocabulary(allowed)
    return all(word in vocabulary for word in words)


def phrases(text: str) -> list[tuple[str, ...]]:
    """ "stop | band karo" → [("stop",), ("band", "karo")]."""
    return [tuple(tokens(part)) for part in text.split("|") if tokens(part)]


def wordlist(text: str) -> tuple[str, ...]:
    """A list of words written as one string: "ji sir madam" → ("ji", "sir", "madam")."""
    return tuple(text.split())
