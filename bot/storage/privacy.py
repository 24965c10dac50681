"""Keeping personal data out of logs."""

from __future__ import annotations

import hashlib


def mask_phone(phone: str | None) -> str:
    """A phone number with all but its last four digits hidden: "+91******5678"."""
    if not phone:
        return "-"
    keep = 4
    head = phone[:3] if phone.startswith("+") else ""
    hidden = max(len(phone) - len(head) - keep, 0)
    return f"{head}{'*' * hidden}{phone[-keep:]}"


def phone_key(phone: str) -> str:
    """A short stable digest of a phone number, for Redis keys and log correlation."""
    return hashlib.sha256(phone.encode()).hexdigest()[:16]
