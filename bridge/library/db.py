"""SQLite: one connection per thread, WAL, and a schema that migrates forward.

Each migration is a script run once, in order; `PRAGMA user_version` records how far a
database has come, so an old library is upgraded in place rather than dropped.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

MIGRATIONS: list[str] = [
    # 1: batches, jobs, takes; meta holds where the media root is now
    """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    CREATE TABLE batches (
        id TEXT PRIMARY KEY,
        created_at REAL NOT NULL,
        client_key TEXT UNIQUE,
        takes INTEGER NOT NULL,
        request TEXT NOT NULL
    );
    CREATE TABLE jobs (
        id TEXT PRIMARY KEY,
        batch_id TEXT NOT NULL REFERENCES batches(id),
        idx INTEGER NOT NULL,
        status TEXT NOT NULL,
        priority INTEGER NOT NULL DEFAULT 0,
        created_at REAL NOT NULL,
        started_at REAL,
        finished_at REAL,
        request TEXT NOT NULL,
        take_id TEXT NOT NULL,
        error_code TEXT,
        error_message TEXT,
        attempts INTEGER NOT NULL DEFAULT 0
    );
    CREATE INDEX jobs_queue ON jobs(status, priority DESC, created_at, idx);
    CREATE INDEX jobs_batch ON jobs(batch_id, idx);
    CREATE TABLE takes (
        id TEXT PRIMARY KEY,
        job_id TEXT NOT NULL UNIQUE REFERENCES jobs(id),
        batch_id TEXT NOT NULL,
        created_at REAL NOT NULL,
        prompt TEXT NOT NULL,
        model TEXT NOT NULL,
        seed INTEGER NOT NULL,
        width INTEGER NOT NULL,
        height INTEGER NOT NULL,
        num_frames INTEGER NOT NULL,
        fps REAL NOT NULL,
        duration_s REAL NOT NULL,
        rating INTEGER NOT NULL DEFAULT 0,
        status TEXT NOT NULL DEFAULT 'new',
        tags TEXT NOT NULL DEFAULT '[]',
        notes TEXT NOT NULL DEFAULT '',
        folder TEXT NOT NULL,
        stem TEXT NOT NULL,
        filmstrip TEXT NOT NULL,
        record TEXT NOT NULL,
        parent_take_id TEXT,
        test_model INTEGER NOT NULL DEFAULT 0,
        deleted_at REAL
    );
    CREATE INDEX takes_created ON takes(deleted_at, created_at, id);
    CREATE INDEX takes_batch ON takes(batch_id, created_at);
    CREATE INDEX takes_rating ON takes(deleted_at, rating, created_at, id);
    """,
    # 2 (boards): songs by content hash, boards, their ordered shots, and which shot each
    # take was made for (a take belongs to at most one shot: the take id is the key)
    """
    CREATE TABLE songs (
        id TEXT PRIMARY KEY,
        sha256 TEXT NOT NULL UNIQUE,
        created_at REAL NOT NULL,
        filename TEXT NOT NULL,
        path TEXT NOT NULL,
        duration_s REAL NOT NULL,
        sample_rate INTEGER NOT NULL,
        samples INTEGER NOT NULL,
        analysis TEXT NOT NULL
    );
    CREATE TABLE boards (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        song_id TEXT REFERENCES songs(id),
        settings TEXT NOT NULL,
        deleted_at REAL
    );
    CREATE INDEX boards_updated ON boards(deleted_at, updated_at);
    CREATE TABLE shots (
        id TEXT PRIMARY KEY,
        board_id TEXT NOT NULL REFERENCES boards(id),
        position INTEGER NOT NULL,
        selected_take_id TEXT,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        data TEXT NOT NULL,
        deleted_at REAL
    );
    CREATE INDEX shots_board ON shots(board_id, deleted_at, position);
    CREATE TABLE shot_takes (
        take_id TEXT PRIMARY KEY,
        shot_id TEXT NOT NULL REFERENCES shots(id),
        board_id TEXT NOT NULL REFERENCES boards(id),
        job_id TEXT,
        created_at REAL NOT NULL
    );
    CREATE INDEX shot_takes_shot ON shot_takes(shot_id, created_at);
    """,
]


def connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA busy_timeout=30000")
    return conn


def migrate(conn: sqlite3.Connection) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"This library was written by a newer Promptcut (schema {version}); update Promptcut.")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE so that writers queue up instead of failing halfway."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


class Database:
    """Hands each thread its own connection (sqlite3 objects must not be shared)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        migrate(self.conn())

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path)
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()
