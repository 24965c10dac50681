"""The WSGI app the webhook benchmark serves: Tika, plus a minimal Flask baseline
mounted on the same server at /baseline (same gunicorn, same workers, same run)."""

from __future__ import annotations

import gc
import os
import time
from pathlib import Path

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
    return DispatcherMiddleware(create_app(), {"/baseline": baseline_app()})
