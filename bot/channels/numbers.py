"""Numbers read from providers' requests: plain ASCII digits, within the bounds the
database can hold, or nothing ("²", "١٢" and a hundred digits are not numbers here)."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # an INTEGER column
MAX_ERROR_CODE = 999_999


def bounded_int(text: str | None, maximum: int) -> int | None:
    """``text`` as a whole number from 0 to ``maximum``, else None."""
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None
