"""Shared fixtures: a real Redis server, a migrated SQLite file per test, the real app."""

from __future__ import annotations

import contextlib
import itertools
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from redis import Redis
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from bot import create_app
from bot.services import services
from bot.storage.migrations import alembic_config
from scripts.services import postgres_server, redis_server
from tests.support import SmsPhone, register_seed_families

AUTH_TOKEN = "test-auth-token-not-a-secret"
PUBLIC_BASE_URL = "https://tika.example.org"


@pytest.fixture(scope="session")
def redis_url() -> Iterator[str]:
    """The Redis that `make test` started; or one started here for a bare `pytest` run."""
    url = os.environ.get("REDIS_URL")
    if url:
        yield url
        return
    with redis_server() as started:
        yield started


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """The PostgreSQL server `make test` started; or one started here."""
    url = os.environ.get("TEST_POSTGRES_URL")
    if url:
        yield url
        return
    with postgres_server() as started:
        yield started


@pytest.fixture
def redis(redis_url: str) -> Iterator[Redis]:
    """A client on an empty Redis database."""
    client = Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file migrated to the latest revision once; tests get copies."""
    path = tmp_path_factory.mktemp("template") / "tika.sqlite3"
    command.upgrade(alembic_config(f"sqlite:///{path}"), "head")
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path, migrated_template: Path) -> str:
    """A fresh, migrated SQLite file."""
    path = tmp_path / "tika.sqlite3"
    shutil.copy(migrated_template, path)
    return f"sqlite:///{path}"


@pytest.fixture(scope="session")
def postgres_template(postgres_url: str) -> str:
    """A PostgreSQL database migrated once, copied for each test that needs one."""
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql("DROP DATABASE IF EXISTS tika_template")
        conn.exec_driver_sql("CREATE DATABASE tika_template")
    admin.dispose()
    command.upgrade(alembic_config(_database(postgres_url, "tika_template")), "head")
    return "tika_template"


_pg_databases = itertools.count(1)


@pytest.fixture
def fresh_postgres_url(postgres_url: str, postgres_template: str) -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped after the test."""
    name = f"tika_test_{os.getpid()}_{next(_pg_databases)}"
    admin = create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f"CREATE DATABASE {name} TEMPLATE {postgres_template}")
    yield _database(postgres_url, name)
    with admin.connect() as conn:
        conn.exec_driver_sql(f"DROP DATABASE {name} WITH (FORCE)")
    admin.dispose()


def _database(url: str, name: str) -> str:
    return make_url(url).set(database=name).render_as_string(hide_password=False)


BOTH_DATABASES = ["sqlite", "postgresql"]


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Tests marked ``both_databases`` run once on SQLite and once on PostgreSQL."""
    marked = metafunc.definition.get_closest_marker("both_databases")
    if marked and "database_url" in metafunc.fixturenames:
        metafunc.parametrize("database_url", BOTH_DATABASES, indirect=True)


@pytest.fixture
def database_url(request: pytest.FixtureRequest) -> str:
    """The database of the app under test: SQLite, or each in turn (``both_databases``)."""
    kind = getattr(request, "param", "sqlite")
    return request.getfixturevalue("sqlite_url" if kind == "sqlite" else "fresh_postgres_url")


@pytest.fixture
def config(database_url: str, redis_url: str) -> dict[str, object]:
    """Settings of the app under test: real SQLite, real Redis, no real Twilio."""
    return {
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "PUBLIC_BASE_URL": PUBLIC_BASE_URL,
        "SMS_BACKEND": "console",
        "SECRET_KEY": "secret-key-of-the-tests",
    }


@pytest.fixture
def app(config: dict[str, object], redis: Redis):
    app = create_app(config)
    app.testing = True
    yield app
    services(app).close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def phone(client, config) -> SmsPhone:
    """A caregiver's phone that texts the service through signed webhooks."""
    return SmsPhone(client, "+919812345678", AUTH_TOKEN, config["PUBLIC_BASE_URL"])


@pytest.fixture
def frozen_clock():
    """Hold the service's clock; use as ``with frozen_clock("2025-03-20T10:00"): ...``."""
    from scheduler import clock

    return clock.frozen


@pytest.fixture
def session(app):
    """A database session on the app's database, for checking what was stored."""
    with contextlib.closing(services(app).db.sessions()) as db_session:
        yield db_session


TWILIO_ACCOUNT = "AC" + "1" * 32
TWILIO_FROM = "+15005550006"


@pytest.fixture
def fake():
    """A local server answering like Twilio's REST API."""
    from tests.fake_twilio import FakeTwilio

    with FakeTwilio(TWILIO_ACCOUNT, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def web_port() -> int:
    from scripts.services import free_port

    return free_port()


def sending_through(config: dict, fake, web_port: int) -> dict:
    """``config`` changed to send through the real twilio client to ``fake``, with the
    provider's callbacks coming back to the app served on ``web_port``."""
    return {
        **config,
        "SMS_BACKEND": "twilio",
        "TWILIO_ACCOUNT_SID": TWILIO_ACCOUNT,
        "TWILIO_FROM_NUMBER": TWILIO_FROM,
        "TWILIO_API_BASE": fake.url,
        "PUBLIC_BASE_URL": f"http://127.0.0.1:{web_port}",
        "SMS_RATE_PER_SECOND": 1000,
    }


@pytest.fixture
def web(app, web_port):
    """The app served over HTTP on ``web_port``, for the provider's callbacks."""
    from tests.support import serving

    with serving(app, web_port) as url:
        yield url


@pytest.fixture
def line(client, config):
    """A caregiver's phone calling the service: Twilio's signed voice webhooks."""
    from tests.voice_support import VoiceLine

    return VoiceLine(client, config["PUBLIC_BASE_URL"], AUTH_TOKEN, "+919812345678")


@pytest.fixture
def families(phone):
    """Lucknow: two in Hindi, one in English, one who said STOP; Gorakhpur: one."""
    register_seed_families(phone)
