"""Argument types shared by ``python -m scheduler``'s commands."""

from __future__ import annotations

import argparse
import datetime as dt


def iso_date(text: str) -> dt.date:
    """A YYYY-MM-DD date, for argparse."""
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"malformed date {text!r} (expected YYYY-MM-DD)") from None
