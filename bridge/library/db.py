"""SQLite: one connection per thread, WAL, a schema that migrates forward, checked at start.

The schema lives in bridge.library.migrations. A database is checked when it is opened
(`PRAGMA quick_check`): a damaged or foreign file stops the service with one sentence that
names the file and what to do, instead of a traceback or a server that answers 500s. On a
clean stop the WAL is checkpointed into the main file, so a copy of `promptcut.sqlite3`
alone is a complete backup.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bridge.errors import CannotStart
from bridge.library.migrations import MIGRATIONS


class LibraryDamaged(CannotStart):
    """The database file is not a healthy Promptcut library."""


class LibraryTooNew(CannotStart):
    """The library was written by a newer Promptcut: opening it here could lose its data."""


def damaged(path: Path, reason: str) -> LibraryDamaged:
    return LibraryDamaged(
        f"The library database {path} is damaged ({reason}). Restore a backup of that file, "
        f"or rebuild it from the take records beside the media with `promptcut library "
        f"repair --data-dir \"{path.parent}\"` (the damaged file is kept beside it).")


def connect(path: Path, busy_timeout_s: float = 30.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, timeout=busy_timeout_s, isolation_level=None,
                           check_same_thread=False)
    conn.row_factory = sqlite3.Row
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    return conn


def check(conn: sqlite3.Connection, path: Path) -> None:
    """Raise LibraryDamaged unless SQLite's own quick check passes."""
    try:
        rows = [r[0] for r in conn.execute("PRAGMA quick_check").fetchall()]
    except sqlite3.DatabaseError as exc:
        raise damaged(path, str(exc)) from None
    if rows != ["ok"]:
        raise damaged(path, "; ".join(rows[:3]))


def migrate(conn: sqlite3.Connection, path: Path | None = None) -> int:
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(MIGRATIONS):
        where = f" ({path})" if path else ""
        raise LibraryTooNew(
            f"This library{where} was written by a newer Promptcut (library schema {version}; "
            f"this Promptcut knows up to {len(MIGRATIONS)}). Update Promptcut to open it; "
            "nothing in it was changed.")
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        with transaction(conn):
            for statement in script.split(";"):
                if statement.strip():
                    conn.execute(statement)
            conn.execute(f"PRAGMA user_version = {number}")
    return len(MIGRATIONS)


@contextmanager
def transaction(conn: sqlite3.Connection) -> Iterator[sqlite3.Connection]:
    """BEGIN IMMEDIATE so that writers queue up instead of failing halfway.

    Inside a transaction already, a savepoint: the inner part is undone alone on an error
    and commits with the outer one. The rollback never hides the error that caused it:
    SQLite rolls back by itself on some errors (a full disk), and a ROLLBACK then would
    raise "no transaction is active" in place of the real one.
    """
    if conn.in_transaction:
        name = f"inner_{threading.get_ident()}_{id(conn)}"
        conn.execute(f"SAVEPOINT {name}")
        try:
            yield conn
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                conn.execute(f"ROLLBACK TO {name}")
                conn.execute(f"RELEASE {name}")
            raise
        conn.execute(f"RELEASE {name}")
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield conn
    except BaseException:
        _rollback(conn)
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:  # a COMMIT that failed (full disk, busy) leaves nothing half open
        _rollback(conn)
        raise


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:
        with contextlib.suppress(sqlite3.Error):
            conn.execute("ROLLBACK")


class Database:
    """Hands each thread its own connection (sqlite3 objects must not be shared)."""

    def __init__(self, path: Path, busy_timeout_s: float = 30.0) -> None:
        self.path = path
        self.busy_timeout_s = busy_timeout_s
        self._local = threading.local()
        self._all: list[tuple[threading.Thread, sqlite3.Connection]] = []
        self._lock = threading.Lock()
        try:
            conn = self.conn()
            check(conn, path)
            migrate(conn, path)
        except sqlite3.DatabaseError as exc:
            self.close()
            raise damaged(path, str(exc)) from None
        except CannotStart:
            self.close()
            raise

    def conn(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = connect(self.path, self.busy_timeout_s)
            self._local.conn = conn
            with self._lock:
                self._all.append((threading.current_thread(), conn))
        return conn

    def close(self) -> None:
        """Checkpoint the WAL into the main file, then close the connections of the threads
        that have ended (and this one's). A thread still running (a step a clean stop
        abandoned, a request past its grace time) keeps its connection: closing a connection
        under a thread that uses it can crash the process; the process's exit closes it."""
        me = threading.current_thread()
        with self._lock:
            # A busy or damaged database stays as it is: the WAL still holds the data.
            # A connection of its own: another thread's may be in use right now.
            if self._all:
                with contextlib.suppress(sqlite3.Error):
                    own = connect(self.path, 2.0)
                    try:
                        own.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                    finally:
                        own.close()
            kept = []
            for thread, conn in self._all:
                if thread is me or not thread.is_alive():
                    conn.close()
                else:
                    kept.append((thread, conn))
            self._all = kept
        self._local = threading.local()
