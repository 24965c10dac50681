"""The telecom circle of a new sender's number, where the gateway can tell it.

Exotel's number metadata API (``GET /v1/Accounts/<sid>/Numbers/<number>.json``) answers
``{"Numbers": {"Circle": "UE", "CircleName": "...", ...}}``; the circle's state
(``locales.places.circle_state``) says which language to write first. Twilio has no such
lookup for Indian numbers, and the console none: there the state is not known. A lookup
that fails or is slow is not known either; the conversation goes on without it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Protocol

import requests

from bot.channels.senders import proxies
from bot.storage.privacy import mask_phone
from locales.places import circle_state

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 2.0


class Circles(Protocol):
    def state_of(self, phone: str) -> str | None:
        """The state of ``phone``'s telecom circle, or None when not known."""


class NoCircles:
    """A gateway that cannot tell a number's circle."""

    def state_of(self, phone: str) -> str | None:
        return None


class ExotelCircles:
    """Exotel's number metadata API, with the account's API key and token."""

    def __init__(self, account_sid: str, auth: tuple[str, str], api_base: str) -> None:
        self.numbers_url = f"{api_base.rstrip('/')}/v1/Accounts/{account_sid}/Numbers"
        self.auth = auth

    def state_of(self, phone: str) -> str | None:
        try:
            answer = requests.get(
                f"{self.numbers_url}/{phone}.json",
                auth=self.auth,
                timeout=TIMEOUT_SECONDS,
                proxies=proxies(),
            )
            number = answer.json().get("Numbers") if answer.status_code == 200 else None
        except (requests.RequestException, ValueError) as error:
            log.info("circle of %s not known: %s", mask_phone(phone), type(error).__name__)
            return None
        if not isinstance(number, dict):
            return None
        return circle_state(str(number.get("Circle") or ""), str(number.get("CircleName") or ""))


def make_circles(config: Mapping[str, Any]) -> Circles:
    """The lookup ``CIRCLE_LOOKUP`` names ("exotel" or "none"); empty: the SMS gateway's
    own, where it has one (Exotel)."""
    choice = config["CIRCLE_LOOKUP"] or config["SMS_BACKEND"]
    if choice not in ("exotel", "none", "twilio", "console"):
        raise ValueError(f"unknown CIRCLE_LOOKUP {choice!r}: use exotel or none")
    if choice == "exotel":
        return ExotelCircles(
            config["EXOTEL_ACCOUNT_SID"],
            (config["EXOTEL_API_KEY"], config["EXOTEL_API_TOKEN"]),
            config["EXOTEL_API_BASE"],
        )
    return NoCircles()
