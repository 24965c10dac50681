"""Tables of the voice channel: missed calls, call-backs and IVR calls (issue 5)."""

from __future__ import annotations
