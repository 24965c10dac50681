"""Logging set-up, with phone numbers masked in every record as a last line of defence."""

from __future__ import annotations

import logging
import re

from bot.storage.privacy import mask_phone

# Ten or more digits (with an optional + and spaces) standing on their own: not part of a
# longer word such as a hex token.
PHONE_PATTERN = re.compile(r"(?<![\w+])\+?\d[\d ]{8,14}\d(?!\w)")


class MaskPhones(logging.Filter):
    """Rewrites anything that looks like a phone number in a log record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = PHONE_PATTERN.sub(lambda m: mask_phone(m.group().replace(" ", "")), message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(level: str = "INFO") -> None:
    """Log to stderr with timestamps; phone numbers are masked."""
    root = logging.getLogger()
    if any(isinstance(f, MaskPhones) for h in root.handlers for f in h.filters):
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskPhones())
    root.addHandler(handler)
    root.setLevel(level)
    # Libraries that say too much at INFO: alembic's plugins; twilio logs every request.
    for noisy in ("alembic", "twilio.http_client", "twilio.async_http_client"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
