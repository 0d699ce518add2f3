"""The journal: which files an attempt is creating, and which trash moves are under way.

Recovery must never guess from file names what a crashed process was writing (a prompt such
as "a dog on the table." once made a finished take look like an unfinished one). So every
path is written here *before* the file is created, and forgotten in the same transaction
that registers the finished take. What is left at start-up is exactly what an interrupted
attempt created, and nothing else.

Paths are stored relative to the data dir (POSIX separators), so a library that is moved or
opened from another drive letter still recovers.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from bridge.library.db import transaction

TEMP, FINAL, STAGING = "temp", "final", "staging"


@dataclass(frozen=True)
class JournaledFile:
    path: Path  # absolute
    kind: str  # temp | final | staging (a folder the attempt made for an executor)


def _rel(data_dir: Path, path: Path) -> str:
    return PurePosixPath(Path(path).relative_to(data_dir)).as_posix()


def will_create(conn: sqlite3.Connection, data_dir: Path, job_id: str, attempt: int,
                files: list[tuple[Path, str]]) -> None:
    """Note the paths an attempt is about to create (committed before they exist)."""
    conn.executemany(
        "INSERT OR IGNORE INTO attempt_files(job_id, attempt, path, kind) VALUES (?,?,?,?)",
        [(job_id, attempt, _rel(data_dir, p), kind) for p, kind in files])


def forget_attempt(conn: sqlite3.Connection, job_id: str, attempt: int | None = None) -> None:
    if attempt is None:
        conn.execute("DELETE FROM attempt_files WHERE job_id = ?", (job_id,))
    else:
        conn.execute("DELETE FROM attempt_files WHERE job_id = ? AND attempt = ?",
                     (job_id, attempt))


def open_attempts(conn: sqlite3.Connection, data_dir: Path
                  ) -> dict[tuple[str, int], list[JournaledFile]]:
    """Every attempt that created files and never finished, with those files."""
    out: dict[tuple[str, int], list[JournaledFile]] = defaultdict(list)
    for row in conn.execute("SELECT job_id, attempt, path, kind FROM attempt_files "
                            "ORDER BY job_id, attempt, path"):
        out[(row[0], row[1])].append(JournaledFile(data_dir / row[2], row[3]))
    return dict(out)


# ------------------------------------------------------------------ trash moves

@dataclass(frozen=True)
class Moves:
    id: int
    take_id: str
    op: str  # delete | restore
    pairs: list[tuple[Path, Path]]  # (from, to), absolute


def begin_moves(conn: sqlite3.Connection, data_dir: Path, take_id: str, op: str,
                pairs: list[tuple[Path, Path]], deleted: bool) -> Moves:
    """Journal a set of moves and flip the take's deleted mark in one transaction; the
    moves themselves follow, and `pending_moves` finishes them after a crash."""
    rel = [[_rel(data_dir, a), _rel(data_dir, b)] for a, b in pairs]
    with transaction(conn):
        cur = conn.execute("INSERT INTO trash_moves(take_id, op, moves, started_at) "
                           "VALUES (?,?,?,?)", (take_id, op, json.dumps(rel), time.time()))
        conn.execute("UPDATE takes SET deleted_at = ? WHERE id = ?",
                     (time.time() if deleted else None, take_id))
    return Moves(int(cur.lastrowid or 0), take_id, op, list(pairs))


def end_moves(conn: sqlite3.Connection, moves_id: int) -> None:
    conn.execute("DELETE FROM trash_moves WHERE id = ?", (moves_id,))


def pending_moves(conn: sqlite3.Connection, data_dir: Path) -> list[Moves]:
    out = []
    for row in conn.execute("SELECT id, take_id, op, moves FROM trash_moves ORDER BY id"):
        pairs = [(data_dir / a, data_dir / b) for a, b in json.loads(row[3])]
        out.append(Moves(row[0], row[1], row[2], pairs))
    return out
