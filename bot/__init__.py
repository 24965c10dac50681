"""Tika's web service: ``create_app`` builds the Flask app, its clients and its commands."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

from flask import Flask

from bot import web_security
from bot.config import load_config
from bot.logs import configure_logging
from bot.services import Services


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app: settings from the environment, overridden by ``config``."""
    settings = load_config(config)
    configure_logging(settings["LOG_LEVEL"])
    app = Flask(__name__)
    app.config.update(settings)
    app.config["SECRET_KEY"] = settings["SECRET_KEY"] or secrets.token_hex(32)
    app.extensions["tika"] = Services.from_config(settings)
    web_security.install(app)

    import bot.storage.models  # noqa: F401  (every table mapped before the first query)
    from bot.api import broadcasts as api
    from bot.channels import exotel_sms, twilio_sms
    from bot.cli import register_commands
    from bot.conversation import exotel_webhook
    from bot.conversation import webhook as sms_webhook
    from bot.dashboard import install as install_dashboard
    from bot.voice import exotel_webhooks as exotel_voice
    from bot.voice import webhooks as voice_webhooks

    webhooks = [
        sms_webhook.blueprint,
        twilio_sms.blueprint,
        exotel_webhook.blueprint,
        exotel_sms.blueprint,
        voice_webhooks.blueprint,
        exotel_voice.blueprint,
    ]
    for blueprint in (*webhooks, api.blueprint):
        app.register_blueprint(blueprint)
    # Webhooks and the API are signed or carry a token: no CSRF check on them.
    install_dashboard(app, bool(settings["SECRET_KEY"]), [*webhooks, api.blueprint])
    register_commands(app)

    @app.get("/healthz")
    def health() -> dict[str, str]:
        return {"status": "ok"}

    return app
