"""The mother's mobile number an ASHA gives after the PIN code of a one-line REG. Pure."""

from __future__ import annotations

import phonenumbers

from flows import asha_texts
from flows.parsing import InputError
from locales import Text

_MOBILE_TYPES = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
)


def parse_mobile(text: str) -> str:
    """An Indian mobile number (10 digits, with or without +91, 0, spaces or hyphens) in
    E.164 form; InputError with a reply naming what was sent otherwise (too few digits, a
    landline, another country, not a number)."""
    invalid = InputError(Text(asha_texts.MOTHER_PHONE_INVALID, number=text.strip()))
    digits = "".join(str(int(ch)) if ch.isdigit() else ch for ch in text.strip())
    try:
        number = phonenumbers.parse(digits, "IN")
    except phonenumbers.NumberParseException:
        raise invalid from None
    if (
        number.country_code != 91
        or not phonenumbers.is_valid_number(number)
        or phonenumbers.number_type(number) not in _MOBILE_TYPES
    ):
        raise invalid
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def national(phone: str) -> str:
    """The 10 digits of an Indian mobile in E.164 form, as people write it."""
    return phone[3:] if phone.startswith("+91") else phone


def ending(phone: str) -> str:
    """The last four digits of a phone number: all of it a text may show."""
    return phone[-4:]
