"""The service as an operator starts it: migrations, the Procfile, the terminal chat."""

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

from bot.storage.migrations import alembic_config
from bot.storage.models import Base
from scripts.services import free_port

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def service_env(database_url: str, redis_url: str, **extra: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("TWILIO_")}
    env.update(DATABASE_URL=database_url, REDIS_URL=redis_url, PYTHONPATH=str(ROOT), **extra)
    env["PATH"] = f"{BIN}{os.pathsep}{env['PATH']}"
    return env


def flask(*args: str, env: dict[str, str], **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "flask"), "--app", "bot", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def test_db_upgrade_creates_a_database_that_matches_the_models(tmp_path, redis_url):
    url = f"sqlite:///{tmp_path / 'new' / 'tika.sqlite3'}"
    result = flask("db", "upgrade", env=service_env(url, redis_url))
    assert result.returncode == 0, result.stderr
    engine = create_engine(url)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    # And back down again, leaving nothing behind.
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(engine).get_table_names()) == {"alembic_version"}
    engine.dispose()


def test_migrations_on_postgresql_match_the_models(postgres_url):
    url = postgres_url
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    command.upgrade(alembic_config(url), "head")
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
    command.downgrade(alembic_config(url), "base")
    engine.dispose()


def test_chat_in_the_terminal(database_url, redis_url, redis):
    env = service_env(database_url, redis_url, TIKA_NOW="2025-03-20T10:00:00+05:30")
    lines = ["hello", "2", "Asha", "15/3/2025", "226001", "1", "NEXT", ""]
    result = flask("chat", "+919812345678", env=env, input="\n".join(lines) + "\n")
    assert result.returncode == 0, result.stderr
    assert "For English, send 2." in result.stdout
    assert "tika> Send 1 for a child's vaccines, 2 for a pregnancy's." in result.stdout
    assert "tika> Asha is registered; we will remind you before each vaccine." in result.stdout
    assert (
        "tika> Asha: BCG, OPV-0 can be given now, at the next session on Saturday 22 March."
        in result.stdout
    )
    assert "9812345678" not in result.stderr


def test_chat_refuses_a_number_that_is_not_one(database_url, redis_url):
    result = flask("chat", "not-a-number", env=service_env(database_url, redis_url))
    assert result.returncode == 2
    assert "is not a phone number" in result.stderr


def test_the_procfile_starts_every_process(database_url, redis_url, redis):
    procfile = (ROOT / "Procfile").read_text()
    names = [line.split(":", 1)[0] for line in procfile.splitlines() if line.strip()]
    port = free_port()
    env = service_env(database_url, redis_url, PORT=str(port), BIND="127.0.0.1")
    honcho = subprocess.Popen(
        [str(BIN / "honcho"), "start", "-f", str(ROOT / "Procfile"), "-p", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1) as r:
                    assert r.status == 200
                    break
            except OSError:
                assert honcho.poll() is None, honcho.stdout.read()
                assert time.monotonic() < deadline, "web did not answer"
                time.sleep(0.2)
        # The RQ worker registered itself with Redis.
        deadline = time.monotonic() + 30
        while not redis.smembers("rq:workers"):
            assert time.monotonic() < deadline, "no RQ worker registered"
            time.sleep(0.2)
        time.sleep(1)
        assert honcho.poll() is None, "a process exited"
    finally:
        os.killpg(honcho.pid, signal.SIGTERM)
        output, _ = honcho.communicate(timeout=30)
    for name in names:
        assert f"{name}.1" in output, f"{name} never started:\n{output}"
    # Nothing is left running.
    leftovers = subprocess.run(["pgrep", "-f", f"127.0.0.1:{port}"], capture_output=True)
    assert leftovers.returncode == 1


def test_web_workers_take_the_app_out_of_garbage_collection_once_it_is_built(
    database_url, redis_url
):
    web = next(line for line in (ROOT / "Procfile").read_text().splitlines() if line[:4] == "web:")
    assert "--config python:bot.gunicorn_config" in web
    # Build the app as a gunicorn worker does, then run its post_worker_init hook; in a
    # process of its own, so that this test process's garbage collection is left alone.
    worker = (
        "import gc\n"
        "from bot import create_app\n"
        "from bot.gunicorn_config import post_worker_init\n"
        "create_app()\n"
        "gc.collect()\n"
        "print(len(gc.get_objects(generation=2)))\n"
        "post_worker_init(None)\n"
        "print(len(gc.get_objects(generation=2)), gc.get_freeze_count())\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", worker],
        cwd=ROOT,
        env=service_env(database_url, redis_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    before, after = result.stdout.splitlines()
    walked_after, frozen = map(int, after.split())
    # What a full collection walks: the whole app before the hook, next to nothing after,
    # for the app's objects are kept (frozen), not thrown away.
    assert int(before) > 50_000
    assert walked_after < 1_000
    assert frozen > 50_000
