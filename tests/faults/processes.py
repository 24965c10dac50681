"""Real processes for fault tests: the web service under gunicorn (threads and all)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.request
from collections.abc import Iterator

from scripts.services import free_port, gunicorn_command
from tests.support import ROOT, process_env


@contextlib.contextmanager
def gunicorn(config: dict, workers: int = 2, threads: int = 4, **env: str) -> Iterator[str]:
    """The app under gunicorn as the Procfile starts it (gthread workers when ``threads``
    > 1), on a free port; yields its base URL and stops it, with every worker, after."""
    port = free_port()
    command = gunicorn_command("bot:create_app()", port, workers, threads)
    server = subprocess.Popen(
        command,
        cwd=ROOT,
        env=process_env({**config, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, **env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as answer:
                    if answer.status == 200:
                        break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"gunicorn did not start:\n{server.stdout.read()}") from None
                time.sleep(0.2)
        yield url
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.communicate()
