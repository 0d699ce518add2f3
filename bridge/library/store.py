"""The library's store: every SQL statement about batches, jobs and takes (with the journal,
bridge.library.journal, all the SQL of the engine and the take library).

One concept, one home: a take is the outcome of a job, a job belongs to a batch, and the
statements that tie them (a job done and its take registered in one transaction, a take
recovered from disk with its batch and job) need both sides. Rows come back as typed
records (bridge.library.records.Take, bridge.engine.records.Job), so callers (HTTP
handlers, the CLI, the timeline exporter) never see SQL.

Job states change only through `set_job_state`, built on bridge.engine.records.TRANSITIONS:
it updates a job only when its current state may legally move to the target, in one
statement, so two threads (a cancel from the API and an executor finishing) cannot both win.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bridge.engine.records import FINAL, Job, JobError, JobState, sources_for
from bridge.library.db import transaction
from bridge.library.records import Take

TAKE_SORTS = {
    "created": ("created_at", "ASC"),
    "-created": ("created_at", "DESC"),
    "rating": ("rating", "ASC"),
    "-rating": ("rating", "DESC"),
}


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
            "INSERT INTO jobs(id, batch_id, idx, status, priority, created_at, request, take_id,"
            " max_attempts, min_memory_gb, shot_id, board_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            [(j["id"], batch["id"], j["idx"], JobState.QUEUED.value, j["priority"],
              batch["created_at"], json.dumps(j["request"]), j["take_id"],
              j.get("max_attempts", 3), j.get("min_memory_gb"), j.get("shot_id"),
              j.get("board_id")) for j in jobs])


def _job(row: sqlite3.Row) -> Job:
    error = None
    if row["error_code"]:
        error = JobError(code=row["error_code"], message=row["error_message"] or "")
    status = JobState(row["status"])
    return Job(
        id=row["id"], batch_id=row["batch_id"], index=row["idx"], status=status,
        priority=row["priority"], created_at=row["created_at"], started_at=row["started_at"],
        finished_at=row["finished_at"], request=json.loads(row["request"]),
        take_id=row["take_id"] if status is JobState.DONE else None, error=error,
        attempts=row["attempts"], max_attempts=row["max_attempts"],
        executor=row["executor"], min_memory_gb=row["min_memory_gb"],
        shot_id=row["shot_id"], board_id=row["board_id"])


def get_job(conn: sqlite3.Connection, job_id: str) -> Job | None:
    row = conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return _job(row) if row else None


def job_state(conn: sqlite3.Connection, job_id: str) -> JobState | None:
    """Just the state: executors' slots read it several times a second."""
    row = conn.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return JobState(row[0]) if row else None


def planned_take_id(conn: sqlite3.Connection, job_id: str) -> str | None:
    row = conn.execute("SELECT take_id FROM jobs WHERE id = ?", (job_id,)).fetchone()
    return row[0] if row else None


def list_jobs(conn: sqlite3.Connection, *, status: str | None = None,
              batch_id: str | None = None, shot_id: str | None = None,
              limit: int = 500) -> list[Job]:
    where, args = [], []
    for column, value in (("status", status), ("batch_id", batch_id), ("shot_id", shot_id)):
        if value:
            where.append(f"{column} = ?")
            args.append(value)
    sql = "SELECT * FROM jobs"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY created_at DESC, idx ASC LIMIT ?"
    return [_job(r) for r in conn.execute(sql, (*args, limit))]


def count_queued(conn: sqlite3.Connection) -> int:
    return conn.execute("SELECT count(*) FROM jobs WHERE status = 'queued'").fetchone()[0]


def queue_order(conn: sqlite3.Connection) -> list[str]:
    """Queued job ids in the order they are taken: priority, then age."""
    return [r[0] for r in conn.execute(
        "SELECT id FROM jobs WHERE status = 'queued' ORDER BY priority DESC, created_at, idx")]


def queued_ids(conn: sqlite3.Connection, *, batch_id: str | None = None) -> list[str]:
    sql, args = "SELECT id FROM jobs WHERE status IN ('queued', 'running')", []
    if batch_id:
        sql += " AND batch_id = ?"
        args.append(batch_id)
    return [r[0] for r in conn.execute(sql, args)]


def set_job_state(conn: sqlite3.Connection, job_id: str, target: JobState, *,
                  error: tuple[str, str] | None = None,
                  expect: tuple[JobState, ...] | None = None,
                  executor: str | None = None, uncount: bool = False) -> bool:
    """Move a job to `target` if the transition table allows it from its current state
    (narrowed to `expect` when given); False when it was not in such a state. A move to
    running is an attempt: it counts, and records which `executor` runs it. `uncount`
    takes the attempt back (a clean stop interrupted it: that was no crash of the job's)."""
    sources = [s.value for s in sources_for(target) if expect is None or s in expect]
    if not sources:
        return False
    code, message = error or (None, None)
    sets = ["status = ?", "error_code = ?", "error_message = ?"]
    args: list[Any] = [target.value, code, message]
    if target in FINAL:
        sets.append("finished_at = ?")
        args.append(time.time())
    if target is JobState.QUEUED:
        sets.append("started_at = NULL")
        if uncount:
            sets.append("attempts = max(attempts - 1, 0)")
    if target is JobState.RUNNING:
        sets += ["started_at = ?", "attempts = attempts + 1", "executor = ?"]
        args += [time.time(), executor]
    marks = ",".join("?" * len(sources))
    cur = conn.execute(f"UPDATE jobs SET {', '.join(sets)} WHERE id = ? AND status IN ({marks})",
                       (*args, job_id, *sources))
    return cur.rowcount == 1


def claim_next_job(conn: sqlite3.Connection, executor: str,
                   accepts: Callable[[str, float | None], bool] = lambda model, memory: True,
                   warm_model: str | None = None) -> Job | None:
    """Move the best queued job this executor accepts to running, in one transaction.

    Best: highest priority, then oldest; among the jobs of the highest priority it accepts,
    one for its warm model goes first (a load takes minutes on a real model). Whether an
    executor accepts a job depends on its model and device class alone, so it is asked once
    per distinct pair among the queued jobs, and SQL picks the row: one row is read back.
    """
    model = "json_extract(request, '$.model')"
    with transaction(conn):
        pairs = conn.execute(f"SELECT DISTINCT {model}, min_memory_gb FROM jobs "
                             "WHERE status = 'queued'").fetchall()
        refused = [(m, mem) for m, mem in pairs if not accepts(m, mem)]
        if len(refused) == len(pairs):
            return None
        where = "".join(f" AND NOT ({model} IS ? AND min_memory_gb IS ?)" for _ in refused)
        row = conn.execute(
            f"SELECT id FROM jobs WHERE status = 'queued'{where} "
            f"ORDER BY priority DESC, {model} IS ? DESC, created_at, idx LIMIT 1",
            (*(v for pair in refused for v in pair), warm_model)).fetchone()
        set_job_state(conn, row[0], JobState.RUNNING, expect=(JobState.QUEUED,),
                      executor=executor)
    return get_job(conn, row[0])


def set_job_priority(conn: sqlite3.Connection, job_id: str, priority: int) -> None:
    conn.execute("UPDATE jobs SET priority = ? WHERE id = ?", (priority, job_id))


def requeue_interrupted(conn: sqlite3.Connection) -> list[str]:
    """At a clean stop: every job still running goes back to the queue, its attempt not
    counted (only crashes count towards `max_attempts`). Returns their ids."""
    ids = [job.id for job in running_jobs(conn)]
    return [i for i in ids if set_job_state(conn, i, JobState.QUEUED,
                                            expect=(JobState.RUNNING,), uncount=True)]


def running_jobs(conn: sqlite3.Connection) -> list[Job]:
    return [_job(r) for r in conn.execute("SELECT * FROM jobs WHERE status = 'running'")]


def batch_jobs(conn: sqlite3.Connection, batch_id: str) -> list[Job]:
    return [_job(r) for r in conn.execute(
        "SELECT * FROM jobs WHERE batch_id = ? ORDER BY idx", (batch_id,))]


# ---------------------------------------------------------------- meta

def set_media_root(conn: sqlite3.Connection, root: Path) -> None:
    conn.execute("INSERT INTO meta(key, value) VALUES ('media_root', ?) "
                 "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (str(root),))


def media_root(conn: sqlite3.Connection) -> Path:
    row = conn.execute("SELECT value FROM meta WHERE key = 'media_root'").fetchone()
    return Path(row[0]) if row else Path()


# ---------------------------------------------------------------- takes

TAKE_COLUMNS = ("id", "job_id", "batch_id", "created_at", "prompt", "model", "seed", "width",
                "height", "num_frames", "fps", "duration_s", "folder", "stem", "filmstrip",
                "record", "parent_take_id", "test_model", "shot_id", "board_id", "rating",
                "status", "tags", "notes", "deleted_at", "updated_at")


def _insert_take(conn: sqlite3.Connection, take: dict) -> None:
    defaults = {"rating": 0, "status": "new", "tags": [], "notes": "", "deleted_at": None,
                "updated_at": None,
                "parent_take_id": None, "shot_id": None, "board_id": None, "test_model": False}
    row = {**defaults, **take}
    values = [json.dumps(row[c]) if c in ("filmstrip", "record", "tags") else row[c]
              for c in TAKE_COLUMNS]
    values[TAKE_COLUMNS.index("test_model")] = int(bool(row["test_model"]))
    conn.execute(f"INSERT INTO takes({', '.join(TAKE_COLUMNS)}) VALUES "
                 f"({','.join('?' * len(TAKE_COLUMNS))})", values)


def insert_take_and_finish(conn: sqlite3.Connection, take: dict) -> bool:
    """Record the take, mark its job done and close its attempt's journal, together: a take
    never exists half-registered. Returns False (and writes nothing) when the job is no
    longer running (cancelled meanwhile)."""
    with transaction(conn):
        if not set_job_state(conn, take["job_id"], JobState.DONE, expect=(JobState.RUNNING,)):
            return False
        _insert_take(conn, take)
        conn.execute("DELETE FROM attempt_files WHERE job_id = ?", (take["job_id"],))
    return True


def insert_recovered_take(conn: sqlite3.Connection, take: dict, job: dict,
                          batch: dict) -> None:
    """A take found on disk (its record beside its media) that the database did not know:
    its batch and job rows are made too, as done, so the library is whole again."""
    with transaction(conn):
        conn.execute("INSERT OR IGNORE INTO batches(id, created_at, client_key, takes, request)"
                     " VALUES (?,?,NULL,?,?)", (batch["id"], batch["created_at"],
                                                batch["takes"], json.dumps(batch["request"])))
        conn.execute(
            "INSERT OR IGNORE INTO jobs(id, batch_id, idx, status, priority, created_at,"
            " started_at, finished_at, request, take_id, attempts, shot_id, board_id)"
            " VALUES (?,?,?,'done',0,?,?,?,?,?,1,?,?)",
            (job["id"], batch["id"], job["idx"], job["created_at"], job["created_at"],
             job["created_at"], json.dumps(job["request"]), take["id"], take.get("shot_id"),
             take.get("board_id")))
        _insert_take(conn, take)


def _take(row: sqlite3.Row, root: Path) -> Take:
    folder = root / row["folder"]
    base = f"{row['stem']}"
    return Take(
        id=row["id"], job_id=row["job_id"], batch_id=row["batch_id"],
        created_at=row["created_at"], prompt=row["prompt"], model=row["model"],
        seed=row["seed"], width=row["width"], height=row["height"],
        num_frames=row["num_frames"], fps=row["fps"], duration_s=row["duration_s"],
        rating=row["rating"], status=row["status"], tags=json.loads(row["tags"]),
        notes=row["notes"], record=json.loads(row["record"]),
        filmstrip=json.loads(row["filmstrip"]), parent_take_id=row["parent_take_id"],
        test_model=bool(row["test_model"]), shot_id=row["shot_id"], board_id=row["board_id"],
        deleted_at=row["deleted_at"], updated_at=row["updated_at"], folder=row["folder"],
        stem=row["stem"],
        media_path=str(folder / f"{base}.mp4"), poster_path=str(folder / f"{base}.jpg"),
        filmstrip_path=str(folder / f"{base}.strip.jpg"),
        sidecar_path=str(folder / f"{base}.json"))


def get_take(conn: sqlite3.Connection, take_id: str, *, include_deleted: bool = False
             ) -> Take | None:
    sql = "SELECT * FROM takes WHERE id = ?"
    if not include_deleted:
        sql += " AND deleted_at IS NULL"
    row = conn.execute(sql, (take_id,)).fetchone()
    return _take(row, media_root(conn)) if row else None


def find_take_by_media_path(conn: sqlite3.Connection, path: str | Path) -> Take | None:
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


class BadCursor(ValueError):
    """A cursor this module did not make: the caller's mistake, told apart from any other
    ValueError on the way (a damaged row is a bug to log, not the caller's cursor)."""


def decode_cursor(cursor: str) -> list:
    """Raises BadCursor on anything that is not a cursor this module made."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        values = json.loads(raw)
    except Exception as exc:
        raise BadCursor("not a cursor") from exc
    if (not isinstance(values, list) or len(values) != 3
            or not isinstance(values[2], str)
            or not all(isinstance(v, int | float) and not isinstance(v, bool)
                       for v in values[:2])):
        raise BadCursor("not a cursor")
    return values


def _take_filters(*, batch_id: str | None = None, q: str | None = None,
                  min_rating: int | None = None, status: str | None = None,
                  parent_take_id: str | None = None, shot_id: str | None = None,
                  board_id: str | None = None) -> tuple[list[str], list[Any]]:
    """WHERE clauses and their arguments for GET /takes's filters (one place for both the
    page and its count)."""
    where: list[str] = ["deleted_at IS NULL"]
    args: list[Any] = []
    for name, value in (("batch_id", batch_id), ("shot_id", shot_id), ("board_id", board_id),
                        ("status", status), ("parent_take_id", parent_take_id)):
        if value:
            where.append(f"{name} = ?")
            args.append(value)
    if q:
        escaped = q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("prompt LIKE ? ESCAPE '\\'")
        args.append(f"%{escaped}%")
    if min_rating is not None:
        where.append("rating >= ?")
        args.append(min_rating)
    return where, args


def count_matching(conn: sqlite3.Connection, **filters: Any) -> int:
    """How many takes in the whole library pass GET /takes's filters (not just one page)."""
    where, args = _take_filters(**filters)
    return conn.execute(f"SELECT count(*) FROM takes WHERE {' AND '.join(where)}",
                        args).fetchone()[0]


def list_takes(conn: sqlite3.Connection, *, batch_id: str | None = None,
               q: str | None = None, min_rating: int | None = None,
               status: str | None = None, sort: str = "-created", limit: int = 100,
               cursor: str | None = None, parent_take_id: str | None = None,
               shot_id: str | None = None, board_id: str | None = None
               ) -> tuple[list[Take], str | None]:
    """A page of takes and the cursor for the next one (keyset paging: stable under inserts)."""
    column, direction = TAKE_SORTS[sort]
    where, args = _take_filters(batch_id=batch_id, q=q, min_rating=min_rating, status=status,
                                parent_take_id=parent_take_id, shot_id=shot_id,
                                board_id=board_id)
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


def take_chain(conn: sqlite3.Connection, take_id: str, limit: int = 1000) -> list[Take]:
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
    allowed = {"rating", "status", "tags", "notes", "shot_id", "board_id", "updated_at"}
    sets, args = [], []
    for key, value in changes.items():
        if key not in allowed:
            raise KeyError(key)
        sets.append(f"{key} = ?")
        args.append(json.dumps(value) if key == "tags" else value)
    if sets:
        conn.execute(f"UPDATE takes SET {', '.join(sets)} WHERE id = ? AND deleted_at IS NULL",
                     (*args, take_id))


def set_curation(conn: sqlite3.Connection, take_id: str, values: dict[str, Any]) -> None:
    """Put a take's curation (and its stamp) as its record has it, deleted or not."""
    cols = [c for c in ("rating", "status", "tags", "notes", "shot_id", "board_id",
                        "updated_at") if c in values]
    args = [json.dumps(values[c]) if c == "tags" else values[c] for c in cols]
    conn.execute(f"UPDATE takes SET {', '.join(f'{c} = ?' for c in cols)} WHERE id = ?",
                 (*args, take_id))


def set_take_deleted(conn: sqlite3.Connection, take_id: str, deleted: bool) -> None:
    conn.execute("UPDATE takes SET deleted_at = ? WHERE id = ?",
                 (time.time() if deleted else None, take_id))


def set_aside_unreadable(conn: sqlite3.Connection) -> list[tuple[str, str]]:
    """Move every take row the Take record cannot read (written by another version, edited
    by hand) into `takes_aside`, whole, so the rest of the library comes up; returns
    (id, reason) for each. The take's files stay where they are: when its record beside them
    is readable, start-up rebuilds the row from it (bridge.library.repair)."""
    root = media_root(conn)
    bad = []
    for row in conn.execute("SELECT * FROM takes").fetchall():
        try:
            _take(row, root)
        except (ValueError, TypeError, KeyError) as exc:  # pydantic's errors are ValueErrors
            reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if isinstance(exc, ValueError) and "validation error" in reason:
                reason = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}"
                                   for e in exc.errors()[:3])  # type: ignore[attr-defined]
            bad.append((row, reason))
    if not bad:
        return []
    with transaction(conn):
        for row, reason in bad:
            conn.execute("INSERT INTO takes_aside(id, set_aside_at, reason, row) "
                         "VALUES (?,?,?,?)", (row["id"], time.time(), reason,
                                              json.dumps(dict(row), default=str)))
            conn.execute("DELETE FROM trash_moves WHERE take_id = ?", (row["id"],))
            conn.execute("DELETE FROM takes WHERE id = ?", (row["id"],))
    return [(row["id"], reason) for row, reason in bad]


def take_exists(conn: sqlite3.Connection, take_id: str) -> bool:
    return conn.execute("SELECT 1 FROM takes WHERE id = ?", (take_id,)).fetchone() is not None


def known_take_ids(conn: sqlite3.Connection) -> set[str]:
    return {r[0] for r in conn.execute("SELECT id FROM takes")}


def count_takes(conn: sqlite3.Connection, *, include_deleted: bool = False) -> int:
    sql = "SELECT count(*) FROM takes" + ("" if include_deleted else " WHERE deleted_at IS NULL")
    return conn.execute(sql).fetchone()[0]


def recent_records(conn: sqlite3.Connection, model: str, limit: int = 20) -> list[dict]:
    """The records of the model's newest takes (their timings feed the duration estimate)."""
    return [json.loads(r[0]) for r in conn.execute(
        "SELECT record FROM takes WHERE model = ? ORDER BY created_at DESC LIMIT ?",
        (model, limit))]


def all_takes(conn: sqlite3.Connection) -> list[Take]:
    """Every take, deleted ones too (recovery and repair compare them with the disk)."""
    root = media_root(conn)
    return [_take(r, root) for r in conn.execute("SELECT * FROM takes")]
