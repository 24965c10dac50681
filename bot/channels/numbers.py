"""Numbers and ids read from providers' requests: plain ASCII digits, within the bounds
the database can hold, or nothing ("²", "١٢" and a hundred digits are not numbers here);
a provider's id is printable ASCII that fits its column, or nothing."""

from __future__ import annotations

MAX_ID = 2**31 - 1  # an INTEGER column
MAX_ERROR_CODE = 999_999
MAX_PROVIDER_ID = 64  # the provider_sid and call_sid columns


def bounded_int(text: str | None, maximum: int) -> int | None:
    """``text`` as a whole number from 0 to ``maximum``, else None."""
    if not text or len(text) > len(str(maximum)) or not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if value <= maximum else None


def provider_id(text: str | None) -> str | None:
    """``text`` as a provider's message or call id (Twilio's are 34 letters and digits):
    1 to 64 printable ASCII characters without spaces, else None."""
    if not text or len(text) > MAX_PROVIDER_ID or not text.isascii():
        return None
    return text if text.isprintable() and " " not in text else None
