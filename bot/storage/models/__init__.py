"""Every table of the service, one module per capability: importing this package fills
``Base.metadata`` (migrations and the test that compares them with the models use it)."""

from bot.storage.models import accounts, alerts, campaigns, core, inbox, voice  # noqa: F401
from bot.storage.models.core import Base

__all__ = ["Base"]
