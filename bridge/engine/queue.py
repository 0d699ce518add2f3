"""Queueing: what a submitted batch becomes, cancelling and reordering it, and the limits.

The part HTTP handlers and the CLI call; the slots that run jobs live in bridge.engine.slots.
Seeds are fixed here, at submit time, never at run time, and every take of a batch gets its
own (DESIGN.md). Cancelling is a state in the database: the slot running a job reads it
within a fraction of a second, whichever process or machine runs the job.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable

from bridge.engine.estimate import check_duration
from bridge.engine.events import EventBus, EventKind
from bridge.engine.records import Job, JobState
from bridge.errors import Conflict, InvalidRequest, NotFound, PromptcutError
from bridge.generators.base import Generator
from bridge.library import store
from bridge.library.db import Database
from bridge.library.names import take_stem  # noqa: F401 (re-exported for callers and tests)
from bridge.request import MAX_TAKES, SEED_SPACE, GenerationRequest, Submission

log = logging.getLogger("promptcut.jobs")



class QueueFull(PromptcutError):
    status = 429
    code = "queue_full"


def new_id(prefix: str) -> str:
    """Sortable by creation time (hex milliseconds) and unique (random tail)."""
    return f"{prefix}{int(time.time() * 1000):011x}{secrets.token_hex(4)}"


def batch_seeds(seed: int | None, takes: int) -> list[int]:
    """Distinct seeds for a batch: seed, seed+1, ... (wrapping), or a random base."""
    base = secrets.randbelow(SEED_SPACE) if seed is None else seed
    return [(base + i) % SEED_SPACE for i in range(takes)]


class Queue:
    """Submits, cancels and reprioritises jobs; wakes the slots when there is work."""

    def __init__(self, db: Database, events: EventBus, generator: Generator, *,
                 max_queued: int = 1000,
                 capacity: Callable[[GenerationRequest, float | None], str | None] | None = None,
                 speed: Callable[[GenerationRequest], float | None] | None = None,
                 max_estimate_s: float = 4 * 3600) -> None:
        self.db = db
        self.events = events
        self.generator = generator
        self.max_queued = max_queued
        self.capacity = capacity  # None: every request fits; else the reason none can run it
        self.speed = speed  # seconds per step per latent token on the fastest executor
        self.max_estimate_s = max_estimate_s
        self.on_change = lambda: None  # the worker sets this to be woken

    def submit(self, sub: Submission) -> tuple[str, list[Job], bool]:
        """Returns (batch id, jobs, created). A repeated client_key creates nothing."""
        conn = self.db.conn()
        if sub.client_key and (existing := store.batch_by_client_key(conn, sub.client_key)):
            return existing, store.batch_jobs(conn, existing), False
        if not 1 <= sub.takes <= MAX_TAKES:
            raise InvalidRequest(f"'takes' must be between 1 and {MAX_TAKES}.", field="takes")
        queued = store.count_queued(conn)
        if queued + sub.takes > self.max_queued:
            raise QueueFull(
                f"The queue holds {queued} jobs and takes at most {self.max_queued}: wait for "
                "some to finish or cancel some (POST /jobs/cancel cancels a batch or all "
                "queued jobs) before queueing more.", field="takes")
        resolved = self.generator.resolve(sub.request)
        if self.capacity and (reason := self.capacity(resolved, sub.min_memory_gb)):
            raise InvalidRequest(reason, field="min_memory_gb" if sub.min_memory_gb else "model",
                                 code="no_executor")
        if not sub.force:
            check_duration(resolved, self.speed(resolved) if self.speed else None,
                           self.max_estimate_s)
        batch_id = new_id("b")
        jobs = []
        for idx, seed in enumerate(batch_seeds(sub.seed, sub.takes)):
            job_id = new_id("j")
            jobs.append({"id": job_id, "idx": idx, "priority": sub.priority,
                         "take_id": "t" + job_id[1:], "request": resolved.replace(
                             seed=seed).to_dict(), "min_memory_gb": sub.min_memory_gb,
                         "shot_id": sub.shot_id, "board_id": sub.board_id})
        batch = {"id": batch_id, "created_at": time.time(), "client_key": sub.client_key,
                 "request": resolved.to_dict()}
        try:
            store.insert_batch(conn, batch, jobs)
        except Exception:
            # Two submissions with one client_key raced: the first one wins.
            if sub.client_key and (existing := store.batch_by_client_key(conn, sub.client_key)):
                return existing, store.batch_jobs(conn, existing), False
            raise
        created = store.batch_jobs(conn, batch_id)
        for job in created:
            self.events.publish(EventKind.JOB_QUEUED, job_id=job.id, batch_id=batch_id,
                                data={"index": job.index, "seed": job.request.seed,
                                      "shot_id": job.shot_id})
        self.on_change()
        return batch_id, created, True

    def get(self, job_id: str) -> Job:
        job = store.get_job(self.db.conn(), job_id)
        if job is None:
            raise NotFound(f"There is no job '{job_id}'.", field="job_id")
        return job

    def cancel(self, job_id: str) -> Job:
        """A queued job never runs; a running one stops within one denoising step."""
        job = self.get(job_id)
        if not store.set_job_state(self.db.conn(), job_id, JobState.CANCELLED):
            raise Conflict(f"Job '{job_id}' is {job.status.value} and cannot be cancelled.",
                           field="job_id", code="illegal_transition")
        self.events.publish(EventKind.JOB_CANCELLED, job_id=job_id, batch_id=job.batch_id,
                            data={"was": job.status.value})
        self.on_change()
        return self.get(job_id)

    def cancel_many(self, *, batch_id: str | None = None) -> list[str]:
        """Cancel every unfinished job of a batch (or every queued and running job)."""
        conn = self.db.conn()
        if batch_id is not None and not store.batch_jobs(conn, batch_id):
            raise NotFound(f"There is no batch '{batch_id}'.", field="batch_id")
        cancelled = []
        for job_id in store.queued_ids(conn, batch_id=batch_id):
            try:
                self.cancel(job_id)
            except Conflict:  # it finished meanwhile
                continue
            cancelled.append(job_id)
        return cancelled

    def set_priority(self, job_id: str, priority: int) -> Job:
        job = self.get(job_id)
        if job.status is not JobState.QUEUED:
            raise Conflict(f"Job '{job_id}' is {job.status.value}; only queued jobs can be "
                           "reordered.", field="priority", code="illegal_transition")
        store.set_job_priority(self.db.conn(), job_id, priority)
        self.events.publish(EventKind.JOB_UPDATED, job_id=job_id, batch_id=job.batch_id,
                            data={"priority": priority})
        self.on_change()
        return self.get(job_id)

    def positions(self) -> dict[str, int]:
        return {job_id: i for i, job_id in enumerate(store.queue_order(self.db.conn()))}
