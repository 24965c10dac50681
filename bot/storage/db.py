"""Database engine and sessions: SQLite (WAL) by default, PostgreSQL through DATABASE_URL."""

from __future__ import annotations

import datetime as dt
import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path

from sqlalchemy import Connection, DateTime, Engine, String, Table, Text, create_engine, event
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.types import TypeDecorator

MMAP_BYTES = 256 * 1024 * 1024  # SQLite reads pages straight from the mapped file
CHECKPOINT_EVERY = 200  # writes by one process between copies of the WAL into the database
DEFAULT_BUSY_MS = 5000  # the longest a writer waits for the database (DB_BUSY_TIMEOUT_MS)


class DatabaseBusy(Exception):
    """The database did not let a writer in within the busy timeout: another writer (or
    another program, such as a backup) has held it all that time."""


class UTCDateTime(TypeDecorator):
    """Stores instants as naive UTC and gives them back timezone-aware."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use scheduler.clock.now()")
        return value.astimezone(dt.UTC).replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect) -> dt.datetime | None:
        return value.replace(tzinfo=dt.UTC) if value is not None else None


class NulFreeString(TypeDecorator):
    """A String that never holds NUL: PostgreSQL cannot keep one in a text, so a NUL
    becomes U+FFFD on the way in, on both databases alike. That goes for the values
    compared with a column too, so a lookup with a NUL in it finds nothing instead of
    failing."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: object, dialect) -> object:
        return value.replace("\x00", "\ufffd") if isinstance(value, str) else value


class NulFreeText(NulFreeString):
    """Text, of any length, that never holds NUL (see NulFreeString)."""

    impl = Text
    cache_ok = True


def conflict_insert(dialect_name: str, table: Table):
    """An INSERT into ``table`` in the form that takes an ON CONFLICT clause, for
    PostgreSQL or SQLite (each dialect has its own)."""
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table)


def _sqlite_pragmas(dbapi_connection, _record, busy_ms: int = DEFAULT_BUSY_MS) -> None:
    # Let SQLAlchemy, not the driver, say when a transaction begins (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(busy_ms)}")
    cursor.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    # Writers checkpoint after they let go of the write lock (Database.writing).
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    cursor.close()


def _sqlite_begin(connection) -> None:
    """BEGIN, or BEGIN IMMEDIATE for writers: a writer takes SQLite's write lock at once,
    so it waits its turn instead of failing when another writer committed first."""
    immediate = connection.get_execution_options().get("sqlite_immediate", False)
    connection.connection.driver_connection.execute("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, busy_ms: int = DEFAULT_BUSY_MS) -> Engine:
    """An engine for ``url``; SQLite files get their folder, WAL mode and foreign keys.
    A writer waits at most ``busy_ms`` for a lock another holds (SQLite's busy timeout,
    PostgreSQL's lock_timeout)."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        # LIFO: a process keeps reusing its most recent connection, whose page cache is warm.
        engine = create_engine(url, connect_args={"timeout": busy_ms / 1000}, pool_use_lifo=True)
        event.listen(engine, "connect", lambda conn, record: _sqlite_pragmas(conn, record, busy_ms))
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(
        url,
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=10,
        pool_timeout=max(busy_ms / 1000, 1),
        connect_args={"options": f"-c lock_timeout={int(busy_ms)}"},
    )


def _is_busy(error: Exception) -> bool:
    """A lock wait that ran out: SQLite's "database is locked" (raised by the driver itself
    when BEGIN IMMEDIATE waits too long), PostgreSQL's lock_timeout."""
    text = str(getattr(error, "orig", None) or error).lower()
    return "database is locked" in text or "lock timeout" in text


class WriteLock:
    """An exclusive lock on a file, taken by every writer of one SQLite database.

    SQLite lets one writer in at a time and makes the others poll with growing sleeps
    (1, 2, 5, 10 ms ...); a writer waiting here tries again at most every 2 ms, until
    DB_BUSY_TIMEOUT_MS. A file lock excludes other processes only, so the threads of one
    process (gunicorn --threads, the development server) queue on a thread lock first.
    Opened per process, so forked workers do not share it.

    Needed: without it, bench/webhook.py served 0.14 of the baseline against 0.17-0.18.
    """

    _forked = threading.Lock()  # guards the first use of the lock in a new process

    def __init__(self, path: str) -> None:
        self.path = path
        self._fd: int | None = None
        self._pid = 0
        self._threads = threading.Lock()
        self._holder: int | None = None  # the thread in the lock, if any

    timeout = DEFAULT_BUSY_MS / 1000  # seconds a writer waits before DatabaseBusy

    def __enter__(self) -> None:
        if self._pid != os.getpid():
            self._open()
        if self._holder == threading.get_ident():
            raise RuntimeError("a write inside a write: this thread already holds the lock")
        deadline = time.monotonic() + self.timeout
        if not self._threads.acquire(timeout=self.timeout):
            raise DatabaseBusy(f"no write lock within {self.timeout:.1f}s (threads)")
        try:
            self._flock(deadline)
        except BaseException:
            self._threads.release()
            raise
        self._holder = threading.get_ident()

    def _flock(self, deadline: float) -> None:
        """Take the file lock by the deadline: at once when it is free (the usual case),
        else trying again at growing intervals of at most 2 ms."""
        wait = 0.0002
        while True:
            try:
                fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DatabaseBusy(f"no write lock within {self.timeout:.1f}s") from None
                time.sleep(wait)
                wait = min(wait * 2, 0.002)

    def __exit__(self, *exc_info) -> None:
        self._holder = None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._threads.release()

    def _open(self) -> None:
        """This process's own descriptor and thread lock (none are inherited from a parent)."""
        with WriteLock._forked:
            if self._pid != os.getpid():
                if self._fd is not None:
                    os.close(self._fd)  # the parent's: closing this copy leaves its lock alone
                self._threads = threading.Lock()
                self._holder = None
                self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
                self._pid = os.getpid()

    @classmethod
    def _after_fork(cls) -> None:
        cls._forked = threading.Lock()  # another thread may have held it at the fork


os.register_at_fork(after_in_child=WriteLock._after_fork)


class Database:
    """The engine and a session factory; one per app or worker process."""

    def __init__(self, url: str, busy_ms: int = DEFAULT_BUSY_MS) -> None:
        self.url = url
        self.engine = make_engine(url, busy_ms)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.writer = self.engine.execution_options(sqlite_immediate=True)
        database = make_url(url).database
        on_disk = self.is_sqlite and database not in (None, "", ":memory:")
        self._writes = 0
        self._write_lock = WriteLock(f"{database}.writelock") if on_disk else None
        if self._write_lock is not None:
            self._write_lock.timeout = busy_ms / 1000

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def session(self, write: bool = True) -> Iterator[Session]:
        """An ORM session whose transaction commits on success and rolls back on error.

        A writing session takes SQLite's write lock when it begins.
        """
        if not write:
            with self.sessions(bind=self.engine) as session, session.begin():
                yield session
            return
        with self.sessions(bind=self.writer) as session:
            with self._serialised(), session.begin():
                yield session
            self._after_write()

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        """A connection in a read transaction (a consistent snapshot; never blocks writers)."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A connection in a write transaction, committed on success.

        On SQLite it holds the write lock from the start; keep it short. Raises
        DatabaseBusy when the database is not free within the busy timeout.
        """
        try:
            with self.writer.connect() as connection, self._serialised(), connection.begin():
                yield connection
        except (OperationalError, sqlite3.OperationalError) as error:
            if _is_busy(error):
                raise DatabaseBusy(str(error)) from error
            raise
        self._after_write()

    def _after_write(self) -> None:
        """Every CHECKPOINT_EVERY writes, copy SQLite's write-ahead log into the database.

        SQLite would do it inside the commit of every thousandth page, while our write
        lock is held; here it happens after the lock is let go, so other writers go on.

        Needed: SQLite's own checkpoints at 200 pages (a log as small as this keeps,
        tests/test_database.py) made bench/webhook.py serve 0.15-0.16 against 0.17-0.18.
        """
        self._writes += 1
        if self.is_sqlite and self._writes % CHECKPOINT_EVERY == 0:
            with self.engine.connect() as connection:
                connection.connection.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")

    def _serialised(self):
        return self._write_lock if self._write_lock else nullcontext()

    def dispose(self) -> None:
        self.engine.dispose()
