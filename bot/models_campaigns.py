"""Tables of campaigns, broadcasts, adults' doses and health workers (issue 6)."""

from __future__ import annotations
