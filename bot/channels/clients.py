"""What the channels floor needs of a process's services: the storage floor's clients and
the SMS gateway's sender (``bot.services.Services`` is one)."""

from __future__ import annotations

from typing import Protocol

from flask import current_app

from bot.channels.senders import Sender
from bot.storage.clients import Clients


class SendingClients(Clients, Protocol):
    """Settings, database, Redis, planner, and the sender of this process's gateway."""

    sender: Sender


def current_clients() -> SendingClients:
    """The services of the current app (what ``bot.services.services()`` returns)."""
    return current_app.extensions["tika"]
