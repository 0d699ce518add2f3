"""Every SQL statement of the take library and job queue; nothing else touches the tables.

Rows come back as plain dicts shaped like the API's JSON, so callers (HTTP handlers, the
CLI, the timeline exporter) never see SQL.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from pathlib import Path
from typing import Any

from bridge.library.db import transaction

TAKE_SORTS = {
    "created": ("created_at", "ASC"),
    "-created": ("created_at", "DESC"),
    "rating": ("rating", "ASC"),
    "-rating": ("rating", "DESC"),
}


# ---------------------------------------------------------------- meta

def set_media_root(conn: sqlite3.Connection, root: Path) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES ('media_root', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(root),))


def media_root(conn: sqlite3.Connection) -> Path:
    row = conn.execute("SELECT value FROM meta WHERE key = 'media_root'").fetchone()
    return Path(row[0]) if row else Path()


# ---------------------------------------------------------------- batches and jobs

def batch_by_client_key(conn: sqlite3.Connection, client_key: str) -> str | None:
    row = conn.execute("SELECT id FROM batches WHERE client_key = ?", (client_key,)).fetchone()
    return row[0] if row else None


def insert_batch(conn: sqlite3.Connection, batch: dict, jobs: list[dict]) -> None:
    with transaction(conn):
        conn.execute(
            "INSERT INTO batches(id, created_at, client_key, takes, request) VALUES (?,?,?,?,?)",
            (batch["id"], batch["created_at"], batch.get("client_key"), len(jobs),
             json.dumps(batch["request"])))
        conn.executemany(
            "INSERT INTO jobs(id, batch_id, idx, status, priority, created_at, request, take_id)"
            " VALUES (?,?,?,?,?,?,?,?)",
            [(j["id"], batch["id"], j["idx"], "queued", j["priority"], batch["created_at"],
              json.dumps(j["request"]), j["take_id"]) for j in jobs])


def _job(row: sqlite3.Row) -> dict[str, Any]:
    error = None
    if row["error_code"]:
        error = {"code": row["error_code"], "message": row["error_message"]}
    return {
        "id": row["id"], "batch_id": row["batch_id"], "index": row["idx"],
        "status": row["status"], "priority": row["priority"],
        "created_at": row["created_at"], "started_at": row["started_at"],
        "finished_at": row["finished_at"], "request": json.loads(row["request"]),
        "take_id": row["take_id"] if row["status"] == "done" else None,
        "error": error, "attempts": row["attempts"],
    }


def get_job(conn: sqlite3.Connection, job_id: str) -> dict | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return _job(row) if row else None


def planned_take_id(conn: sqlite3.Connection, job_id: str) -> str | None:
    row = conn.execute("SELECT take_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row[0] if row else None


def list_jobs(conn: sqlite3.Connection, *, status: str | None = None,
              batch_id: str | None = None, limit: int = 500) -> list[dict]:
    where, args = [], []
    if status:
        where.append("status = ?")
        args.append(status)
    if batch_id:
        where.append("batch_id = ?")
        args.append(batch_id)
    sql = "SELECT * FROM jobs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC, idx ASC LIMIT ?"
    return [_job(r) for r in conn.execute(sql, (*args, limit))]


def queue_order(conn: sqlite3.Connection) -> list[str]:
    """Queued job ids in the order the worker will take them: priority, then age."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM jobs WHERE status = 'queued' ORDER BY priority DESC, created_at, idx")]


def claim_next_job(conn: sqlite3.Connection) -> dict | None:
    """Move the first queued job to running in one step, so a cancel cannot race it."""
    with transaction(conn):
        row = conn.execute(
            "SELECT id FROM jobs WHERE status = 'queued' "
            "ORDER BY priority DESC, created_at, idx LIMIT 1").fetchone()
        if row is None:
            return None
        conn.execute("UPDATE jobs SET status = 'running', started_at = ?, "
                     "attempts = attempts + 1 WHERE id = ?", (time.time(), row[0]))
    return get_job(conn, row[0])


def set_job_status(conn: sqlite3.Connection, job_id: str, status: str, *,
                   from_status: tuple[str, ...], error: tuple[str, str] | None = None) -> bool:
    """Change a job's status only from the states allowed; False if it was not in them."""
    marks = ",".join("?" * len(from_status))
    code, message = error or (None, None)
    finished = time.time() if status in ("done", "failed", "cancelled") else None
    cur = conn.execute(
        f"UPDATE jobs SET status = ?, finished_at = ?, error_code = ?, error_message = ? "
        f"WHERE id = ? AND status IN ({marks})",
        (status, finished, code, message, job_id, *from_status))
    return cur.rowcount == 1


def set_job_priority(conn: sqlite3.Connection, job_id: str, priority: int) -> None:
    conn.execute("UPDATE jobs SET priority = ? WHERE id = ?", (priority, job_id))


def requeue_running(conn: sqlite3.Connection) -> list[dict]:
    """After a crash: jobs left running go back to the queue (their take ids are kept)."""
    with transaction(conn):
        rows = conn.execute("SELECT id FROM jobs WHERE status = 'running'").fetchall()
        conn.execute("UPDATE jobs SET status = 'queued', started_at = NULL "
                     "WHERE status = 'running'")
    return [get_job(conn, r[0]) for r in rows]


def batch_jobs(conn: sqlite3.Connection, batch_id: str) -> list[dict]:
    return [_job(r) for r in conn.execute(
        "SELECT * FROM jobs WHERE batch_id = ? ORDER BY idx", (batch_id,))]


# ---------------------------------------------------------------- takes

def insert_take_and_finish(conn: sqlite3.Connection, take: dict) -> bool:
    """Record the take and mark its job done together: a take never exists half-registered.

    Returns False (and writes nothing) when the job was cancelled meanwhile.
    """
    with transaction(conn):
        cur = conn.execute(
            "UPDATE jobs SET status = 'done', finished_at = ? WHERE id = ? AND status = 'running'",
            (time.time(), take["job_id"]))
        if cur.rowcount != 1:
            return False
        conn.execute(
            "INSERT INTO takes(id, job_id, batch_id, created_at, prompt, model, seed, width,"
            " height, num_frames, fps, duration_s, folder, stem, filmstrip, record,"
            " parent_take_id, test_model) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (take["id"], take["job_id"], take["batch_id"], take["created_at"], take["prompt"],
             take["model"], take["seed"], take["width"], take["height"], take["num_frames"],
             take["fps"], take["duration_s"], take["folder"], take["stem"],
             json.dumps(take["filmstrip"]), json.dumps(take["record"]),
             take.get("parent_take_id"), int(take.get("test_model", False))))
    return True


def _take(row: sqlite3.Row, root: Path) -> dict[str, Any]:
    folder = root / row["folder"]
    return {
        "id": row["id"], "job_id": row["job_id"], "batch_id": row["batch_id"],
        "created_at": row["created_at"], "prompt": row["prompt"], "model": row["model"],
        "seed": row["seed"], "width": row["width"], "height": row["height"],
        "num_frames": row["num_frames"], "fps": row["fps"], "duration_s": row["duration_s"],
        "rating": row["rating"], "status": row["status"], "tags": json.loads(row["tags"]),
        "notes": row["notes"], "record": json.loads(row["record"]),
        "filmstrip": json.loads(row["filmstrip"]), "parent_take_id": row["parent_take_id"],
        "test_model": bool(row["test_model"]), "folder": row["folder"], "stem": row["stem"],
        "media_path": str(folder / f"{row['stem']}.mp4"),
        "poster_path": str(folder / f"{row['stem']}.jpg"),
        "filmstrip_path": str(folder / f"{row['stem']}.strip.jpg"),
        "sidecar_path": str(folder / f"{row['stem']}.json"),
    }


def get_take(conn: sqlite3.Connection, take_id: str, *, include_deleted: bool = False
             ) -> dict | None:
    sql = "SELECT * FROM takes WHERE id = ?"
    if not include_deleted:
        sql += " AND deleted_at IS NULL"
    row = conn.execute(sql, (take_id,)).fetchone()
    return _take(row, media_root(conn)) if row else None


def find_take_by_media_path(conn: sqlite3.Connection, path: str | Path) -> dict | None:
    """Match a file an editor's timeline points at back to its take (same folder and stem)."""
    p = Path(path)
    root = media_root(conn)
    try:
        rel = p.parent.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return None
    row = conn.execute(
        "SELECT * FROM takes WHERE folder = ? AND stem = ? AND deleted_at IS NULL",
        (rel.as_posix(), p.stem)).fetchone()
    return _take(row, root) if row else None


def _encode_cursor(values: list) -> str:
    return base64.urlsafe_b64encode(json.dumps(values).encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> list:
    """Raises ValueError on anything that is not a cursor this module made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except Exception as exc:
        raise ValueError("not a cursor") from exc
    if (not isinstance(values, list) or len(values) != 3
            or not isinstance(values[2], str)
            or not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in values[:2])):
        raise ValueError("not a cursor")
    return values


def list_takes(conn: sqlite3.Connection, *, batch_id: str | None = None,
               q: str | None = None, min_rating: int | None = None,
               status: str | None = None, sort: str = "-created", limit: int = 100,
               cursor: str | None = None, parent_take_id: str | None = None,
               shot_id: str | None = None) -> tuple[list[dict], str | None]:
    """A page of takes and the cursor for the next one (keyset paging: stable under inserts)."""
    column, direction = TAKE_SORTS[sort]
    where, args = ["deleted_at IS NULL"], []
    if batch_id:
        where.append("batch_id = ?")
        args.append(batch_id)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("prompt LIKE ? ESCAPE '\\'")
        args.append(f"%{escaped}%")
    if min_rating is not None:
        where.append("rating >= ?")
        args.append(min_rating)
    if status:
        where.append("status = ?")
        args.append(status)
    if parent_take_id:
        where.append("parent_take_id = ?")
        args.append(parent_take_id)
    if shot_id:  # the boards' own link table (bridge.library.boards_store)
        where.append("id IN (SELECT take_id FROM shot_takes WHERE shot_id = ?)")
        args.append(shot_id)
    cmp = ">" if direction == "ASC" else "<"
    if cursor:
        key, created, take_id = decode_cursor(cursor)
        if column == "created_at":
            where.append(f"(created_at, id) {cmp} (?, ?)")
            args += [created, take_id]
        else:
            where.append(f"({column}, created_at, id) {cmp} (?, ?, ?)")
            args += [key, created, take_id]
    order = f"{column} {direction}, created_at {direction}, id {direction}"
    if column == "created_at":
        order = f"created_at {direction}, id {direction}"
    rows = conn.execute(
        f"SELECT * FROM takes WHERE {' AND '.join(where)} ORDER BY {order} LIMIT ?",
        (*args, limit + 1)).fetchall()
    root = media_root(conn)
    takes = [_take(r, root) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = rows[limit - 1]
        next_cursor = _encode_cursor([last[column] if column != "created_at" else 0,
                                      last["created_at"], last["id"]])
    return takes, next_cursor


def take_chain(conn: sqlite3.Connection, take_id: str, limit: int = 1000) -> list[dict]:
    """The take and its ancestors through "continue from last frame", oldest first.

    This is the order an endless-zoom style sequence is cut in. Deleted ancestors are
    skipped but still followed, so a removed middle take does not break the chain.
    """
    chain, seen = [], set()
    current: str | None = take_id
    root = media_root(conn)
    while current and current not in seen and len(chain) < limit:
        seen.add(current)
        row = conn.execute("SELECT * FROM takes WHERE id = ?", (current,)).fetchone()
        if row is None:
            break
        if row["deleted_at"] is None:
            chain.append(_take(row, root))
        current = row["parent_take_id"]
    return chain[::-1]


def update_take(conn: sqlite3.Connection, take_id: str, changes: dict[str, Any]) -> None:
    allowed = {"rating", "status", "tags", "notes"}
    sets, args = [], []
    for key, value in changes.items():
        if key not in allowed:
            raise KeyError(key)
        sets.append(f"{key} = ?")
        args.append(json.dumps(value) if key == "tags" else value)
    if sets:
        conn.execute(f"UPDATE takes SET {', '.join(sets)} WHERE id = ? AND deleted_at IS NULL",
                     (*args, take_id))


def mark_take_deleted(conn: sqlite3.Connection, take_id: str) -> None:
    conn.execute("UPDATE takes SET deleted_at = ? WHERE id = ?", (time.time(), take_id))


def take_exists(conn: sqlite3.Connection, take_id: str) -> bool:
    return conn.execute("SELECT 1 FROM takes WHERE id = ?", (take_id,)).fetchone() is not None
