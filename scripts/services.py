"""Run a command with throwaway servers beside it, and stop them when it ends.

    python scripts/services.py --redis [--postgres] -- COMMAND...

Each server gets a free port on 127.0.0.1 and a temporary folder; its URL is passed
to the command as REDIS_URL or TEST_POSTGRES_URL. ``--redis-url URL`` reuses a Redis
that answers at URL, or starts one on that port (for ``make run``).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(port: int) -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.2):
        return True
    return False


def wait_until(ready, what: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.05)
    raise RuntimeError(f"{what} did not start within {seconds:.0f}s")


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def gunicorn_command(
    app: str, port: int, workers: int, threads: int, *options: str, settings: bool = True
) -> list[str]:
    """The command that serves ``app`` under gunicorn on 127.0.0.1:``port`` as the
    Procfile does (its settings, bot/gunicorn_config.py, unless ``settings`` is False);
    gthread workers when ``threads`` > 1."""
    config = ["--config", "python:bot.gunicorn_config"] if settings else []
    bind = ["--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--threads", str(threads)]
    return [sys.executable, "-m", "gunicorn", *config, *bind, *options, app]


@contextlib.contextmanager
def redis_server(port: int | None = None) -> Iterator[str]:
    """A Redis server with no persistence, on ``port`` or a free one."""
    binary = shutil.which("redis-server")
    if binary is None:
        raise RuntimeError("redis-server is not installed (make installs it with apt-get)")
    port = port or free_port()
    with tempfile.TemporaryDirectory(prefix="tika-redis-") as folder:
        process = subprocess.Popen(
            [
                binary,
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                folder,
            ],
            stdout=subprocess.DEVNULL,
        )
        try:
            wait_until(lambda: answers(port), "redis-server")
            yield f"redis://127.0.0.1:{port}/0"
        finally:
            stop(process)


def postgres_bindir() -> Path:
    """The folder of initdb and postgres: on PATH, or where pg_config says."""
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        return Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin"))
    if candidates:
        return candidates[-1]
    raise RuntimeError("PostgreSQL is not installed (make installs it with apt-get)")


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """A PostgreSQL cluster in a temporary folder, on a free port, with a database "tika"."""
    bindir = postgres_bindir()
    port = free_port()
    with tempfile.TemporaryDirectory(prefix="tika-pg-") as folder:
        data = Path(folder) / "data"
        run_as: dict = {}
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            import pwd

            nobody = pwd.getpwnam("nobody")
            os.chown(folder, nobody.pw_uid, nobody.pw_gid)
            run_as = {"user": nobody.pw_uid, "group": nobody.pw_gid}
        subprocess.run(
            [
                bindir / "initdb",
                "-D",
                data,
                "-U",
                "tika",
                "--auth=trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            **run_as,
        )
        process = subprocess.Popen(
            [
                bindir / "postgres",
                "-D",
                data,
                "-p",
                str(port),
                "-k",
                folder,
                "-c",
                "listen_addresses=127.0.0.1",
                "-c",
                "fsync=off",
                "-c",
                "max_connections=200",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            **run_as,
        )
        try:
            wait_until(lambda: answers(port), "postgres")
            url = f"postgresql+psycopg://tika@127.0.0.1:{port}/postgres"
            yield url
        finally:
            stop(process)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", action="store_true", help="start Redis on a free port")
    parser.add_argument("--redis-url", help="use the Redis at this URL, starting it if needed")
    parser.add_argument("--postgres", action="store_true", help="start PostgreSQL")
    parser.add_argument("command", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        parser.error("no command given")
    env = dict(os.environ)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with contextlib.ExitStack() as stack:
        if args.redis_url:
            port = urlparse(args.redis_url).port or 6379
            if not answers(port):
                stack.enter_context(redis_server(port))
            env["REDIS_URL"] = args.redis_url
        elif args.redis:
            env["REDIS_URL"] = stack.enter_context(redis_server())
        if args.postgres:
            env["TEST_POSTGRES_URL"] = stack.enter_context(postgres_server())
        child = subprocess.Popen(command, env=env)
        try:
            return child.wait()
        except KeyboardInterrupt:
            child.send_signal(signal.SIGINT)
            return child.wait()
        finally:
            stop(child)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
