"""The SQLite store under many writes: the write-ahead log is copied back and kept small."""

from pathlib import Path

from sqlalchemy import text

from bot.db import CHECKPOINT_EVERY, Database


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
