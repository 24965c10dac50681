"""The SQLite store under many writes: writers take turns, and the write-ahead log is
copied back and kept small."""

import multiprocessing
import threading
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.storage.db import CHECKPOINT_EVERY, Database, WriteLock


def wal_frames(database: Path) -> int:
    wal = database.with_name(database.name + "-wal")
    return wal.stat().st_size // (4096 + 24) if wal.exists() else 0


def test_the_write_ahead_log_stays_small_under_many_writes(tmp_path):
    path = tmp_path / "tika.sqlite3"
    db = Database(f"sqlite:///{path}")
    with db.writing() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    writes = 10 * CHECKPOINT_EVERY
    for n in range(writes // 2):
        with db.writing() as conn:
            conn.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": f"note {n}"})
        with db.session() as session:
            session.execute(text("INSERT INTO note (body) VALUES (:b)"), {"b": f"more {n}"})
    # Every write adds a page or two to the log; copied back every CHECKPOINT_EVERY
    # writes, the log is reused from its start instead of growing with every write.
    assert 0 < wal_frames(path) < 3 * CHECKPOINT_EVERY < writes
    with db.reading() as conn:
        assert conn.execute(text("SELECT count(*) FROM note")).scalar() == writes
    db.dispose()


def _take(lock: WriteLock, entered, leave=None) -> None:
    with lock:
        entered.set()
        if leave is not None:
            leave.wait(10)


def test_the_write_lock_makes_threads_of_one_process_wait_their_turn(tmp_path):
    lock = WriteLock(str(tmp_path / "tika.sqlite3.writelock"))
    entered = threading.Event()
    with lock:
        waiting = threading.Thread(target=_take, args=(lock, entered))
        waiting.start()
        assert not entered.wait(0.3), "a second thread got in while the lock was held"
    assert entered.wait(10), "the waiting thread never got in"
    waiting.join()


def test_a_write_inside_a_write_is_refused_instead_of_waiting_for_itself(tmp_path):
    db = Database(f"sqlite:///{tmp_path / 'tika.sqlite3'}")
    with db.writing() as conn:
        conn.execute(text("CREATE TABLE note (id INTEGER PRIMARY KEY, body TEXT)"))
    with pytest.raises(RuntimeError, match="write inside a write"), db.writing() as conn:
        conn.execute(text("INSERT INTO note (body) VALUES ('outer')"))
        with db.writing():
            pass
    with db.writing() as conn:  # the lock was let go: writing goes on
        conn.execute(text("INSERT INTO note (body) VALUES ('after')"))
    with db.reading() as conn:
        assert conn.execute(text("SELECT body FROM note")).scalars().all() == ["after"]
    db.dispose()


def test_the_write_lock_makes_other_processes_wait_their_turn(tmp_path):
    lock = WriteLock(str(tmp_path / "tika.sqlite3.writelock"))
    fork = multiprocessing.get_context("fork")
    entered, leave = fork.Event(), fork.Event()
    with lock:  # taken in this process before the fork: the child opens its own
        child = fork.Process(target=_take, args=(lock, entered, leave))
        child.start()
        assert not entered.wait(0.3), "another process got in while the lock was held"
    assert entered.wait(10), "the other process never got in"
    # While the child holds it, this process waits.
    mine = threading.Event()
    here = threading.Thread(target=_take, args=(lock, mine))
    here.start()
    assert not mine.wait(0.3)
    leave.set()
    assert mine.wait(10)
    here.join()
    child.join(10)
    assert child.exitcode == 0
