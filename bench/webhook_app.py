"""The WSGI app the webhook benchmark serves: Tika, plus a minimal Flask baseline
mounted on the same server at /baseline (same gunicorn, same workers, same run), and at
/floor Tika's webhook with the conversation taken out."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

from flask import Flask, Response, request
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from bot import create_app
from bot.channels.signature import twilio_signed
from bot.channels.sms import normalise_phone, twiml
from bot.config import load_config
from flows import texts
from locales import Text, render


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


def floor_app() -> Flask:
    """Tika's webhook without the conversation: the same signature check, phone check and
    TwiML reply, but no database, no flows, one fixed Hindi reply. What /twilio/sms costs
    beyond this is the conversation's own work."""
    app = Flask("floor")
    app.config.update(load_config())
    reply = render(Text(texts.HELP), "hi")

    @app.post("/twilio/sms")
    @twilio_signed
    def sms() -> Response | tuple[str, int]:
        if normalise_phone(request.form.get("From", "")) is None:
            return "missing From", 400
        return twiml([reply])

    return app


def record_full_collections(folder: Path) -> None:
    """Write when each full garbage collection started (Unix time) and how long it stopped
    this process (ms) to a file of its own in ``folder``."""
    path = folder / f"gc-{os.getpid()}.txt"
    started = at = 0.0

    def watch(phase: str, info: dict) -> None:
        nonlocal started, at
        if info["generation"] != 2:
            return
        if phase == "start":
            started, at = time.perf_counter(), time.time()
        else:
            with path.open("a") as out:
                out.write(f"{at:.3f} {(time.perf_counter() - started) * 1000:.1f}\n")

    gc.callbacks.append(watch)


def application_factory():
    """Gunicorn entry point: ``gunicorn 'bench.webhook_app:application_factory()'``.

    With BENCH_GC_LOG set to a folder, each worker records its full collections there.
    """
    if os.environ.get("BENCH_GC_LOG"):
        record_full_collections(Path(os.environ["BENCH_GC_LOG"]))
    return DispatcherMiddleware(create_app(), {"/baseline": baseline_app(), "/floor": floor_app()})
