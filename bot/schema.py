"""Every table of the service: importing this module fills ``Base.metadata``.

Each channel or feature keeps its tables in its own module; migrations and the test
that compares them with the models import this one.
"""

from bot import (  # noqa: F401  (tables join Base)
    models_accounts,
    models_alerts,
    models_campaigns,
    models_inbox,
    models_voice,
)
from bot.models import Base

__all__ = ["Base"]
