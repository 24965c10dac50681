"""SMS segment counting: GSM-7 (160, or 153 per part) or UCS-2 (70, or 67 per part)."""

from __future__ import annotations

# GSM 03.38 basic character set and the extension table (each extension char costs 2).
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENSION = frozenset("^{}\\[~]|€\f")
GSM7 = GSM7_BASIC | GSM7_EXTENSION


def is_gsm7(text: str) -> bool:
    """True when every character can be sent in the GSM-7 alphabet."""
    return GSM7.issuperset(text)


def encoding(text: str) -> str:
    """ "GSM-7" or "UCS-2": what a phone network will use for ``text``."""
    return "GSM-7" if is_gsm7(text) else "UCS-2"


def units(text: str) -> int:
    """Length in the units a segment is counted in (septets or UTF-16 code units)."""
    if is_gsm7(text):
        return len(text) + sum(text.count(ch) for ch in GSM7_EXTENSION)
    return len(text.encode("utf-16-le")) // 2


def segment_count(text: str) -> int:
    """How many SMS segments ``text`` is billed as."""
    gsm7 = is_gsm7(text)
    n = units(text)
    single, part = (160, 153) if gsm7 else (70, 67)
    if n <= single:
        return 1
    return -(-n // part)
