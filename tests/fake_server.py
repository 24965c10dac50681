"""What the fake gateways (tests/fake_twilio.py, tests/fake_exotel.py) share: an aiohttp
server on 127.0.0.1 that runs on a thread of its own in a test (``with Fake(...) as
fake``), or in the foreground as a process of its own for a benchmark."""

from __future__ import annotations

import asyncio
import signal
import socket
import threading
import time
from collections.abc import Callable
from typing import Self


class LocalServer:
    """Binds ``host``:``port`` (0: a free one) and serves what ``_startup`` sets up on its
    own event loop; ``_shutdown`` ends it. Subclasses set those two up."""

    host = "127.0.0.1"

    def __init__(self, port: int = 0) -> None:
        self.port = port
        self._lock = threading.Lock()  # guards what the tests read and script
        self._tasks: set[asyncio.Task[None]] = set()  # callbacks still to post
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        """Where to point the provider's client instead of its real API."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> Self:
        """Listen, and serve on a background thread until ``stop()``."""
        name = type(self).__name__
        if self._thread is not None:
            raise RuntimeError(f"{name} is already running")
        self._bind()
        ready = threading.Event()
        loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, args=(loop, ready.set), daemon=True)
        self._thread.start()
        while not ready.wait(0.05):
            if not self._thread.is_alive():
                self._thread = None
                raise RuntimeError(f"{name} failed to start")
        return self

    def stop(self) -> None:
        """Stop serving, drop pending callbacks, close the port and join the thread."""
        thread, loop = self._thread, self._loop
        if thread is None or loop is None:
            return
        loop.call_soon_threadsafe(loop.stop)
        thread.join()
        self._thread = None

    def serve_forever(self) -> None:
        """Serve in the foreground until SIGTERM or SIGINT, printing the URL once listening."""
        self._bind()
        loop = asyncio.new_event_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, loop.stop)
        self._run(loop, lambda: print(self.url, flush=True))

    def reset(self) -> None:
        """Forget all traffic, scripts and storms, and drop callbacks not yet posted."""
        with self._lock:
            self._clear()
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._cancel_tasks)

    def wait_for_callbacks(self, timeout: float = 5.0) -> bool:
        """Block until every status callback scheduled so far was posted; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.005)
        return True

    def _cancel_tasks(self) -> None:
        for task in list(self._tasks):
            task.cancel()

    def _clear(self) -> None:
        """Forget the recorded traffic and the scripts (the lock held)."""
        raise NotImplementedError

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def _bind(self) -> None:
        self._sock = socket.create_server((self.host, self.port), backlog=1024)
        self.port = self._sock.getsockname()[1]

    def _run(self, loop: asyncio.AbstractEventLoop, on_ready: Callable[[], None]) -> None:
        asyncio.set_event_loop(loop)
        self._loop = loop
        try:
            loop.run_until_complete(self._startup())
            on_ready()
            loop.run_forever()
        finally:
            loop.run_until_complete(self._shutdown())
            loop.close()
            self._loop = None

    async def _startup(self) -> None:
        raise NotImplementedError

    async def _shutdown(self) -> None:
        raise NotImplementedError
