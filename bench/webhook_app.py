"""The WSGI app the webhook benchmark serves: Tika, plus a minimal Flask baseline
mounted on the same server at /baseline (same gunicorn, same workers, same run)."""

from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import create_app


def baseline_app() -> Flask:
    """The least a Flask SMS webhook can do: read the form, answer fixed TwiML."""
    app = Flask("baseline")

    @app.post("/twilio/sms")
    def sms() -> Response:
        body = request.form.get("Body", "")
        xml = (
            '<?xml version="1.0" encoding="UTF-8"?>'
            f"<Response><Message>{len(body)}</Message></Response>"
        )
        return Response(xml, mimetype="text/xml")

    return app


def application_factory():
    """Gunicorn entry point: ``gunicorn 'bench.webhook_app:application_factory()'``."""
    return DispatcherMiddleware(create_app(), {"/baseline": baseline_app()})
