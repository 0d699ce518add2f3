"""Every SQL statement about batches and jobs. States change only through `set_job_state`.

`set_job_state` is built on bridge.engine.records.TRANSITIONS: it updates a job only when
its current state may legally move to the target, in one statement, so two threads (a
cancel from the API and an executor finishing) cannot both win.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable
from typing import Any

from bridge.engine.records import FINAL, Job, JobError, JobState, sources_for
from bridge.library.db import transaction


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
                  executor: str | None = None) -> bool:
    """Move a job to `target` if the transition table allows it from its current state
    (narrowed to `expect` when given); False when it was not in such a state. A move to
    running is an attempt: it counts, and records which `executor` runs it."""
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


def running_jobs(conn: sqlite3.Connection) -> list[Job]:
    return [_job(r) for r in conn.execute("SELECT * FROM jobs WHERE status = 'running'")]


def batch_jobs(conn: sqlite3.Connection, batch_id: str) -> list[Job]:
    return [_job(r) for r in conn.execute(
        "SELECT * FROM jobs WHERE batch_id = ? ORDER BY idx", (batch_id,))]
