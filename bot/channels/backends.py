"""The sender ``SMS_BACKEND`` names: the console, Twilio or Exotel."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from bot.channels.exotel_sms import ExotelSender
from bot.channels.senders import ConsoleSender, Sender
from bot.channels.twilio_sender import TwilioSender

BACKENDS = ("console", "twilio", "exotel")


def make_sender(config: Mapping[str, Any]) -> Sender:
    """The gateway's sender, its settings checked: a gateway without its credentials (or,
    for Exotel, its webhook secret) refuses to start."""
    backend = config["SMS_BACKEND"]
    if backend == "console":
        return ConsoleSender()
    if backend == "twilio":
        return TwilioSender.from_config(config)
    if backend == "exotel":
        return ExotelSender.from_config(config)
    raise ValueError(f"unknown SMS_BACKEND {backend!r}: use {', '.join(BACKENDS)}")
