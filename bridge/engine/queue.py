"""Queueing and job states: what a submitted batch becomes, and which changes are legal.

The worker that runs jobs lives in bridge.engine.worker; this module is the part HTTP handlers and
the CLI call. Seeds are fixed here, at submit time, never at run time (DESIGN.md).
"""

from __future__ import annotations

import enum
import logging
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass

from bridge.engine.events import EventBus, EventKind
from bridge.engine.request import GenerationRequest
from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.generators.base import Generator
from bridge.library import store
from bridge.library.db import Database

log = logging.getLogger("promptcut.jobs")

SEED_SPACE = 2**32
MAX_TAKES = 64


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


# Which states each state may move to. RUNNING -> QUEUED only happens on restart after a crash.
TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELLED}),
    JobState.RUNNING: frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED,
                                 JobState.QUEUED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}


def sources_for(target: JobState) -> tuple[str, ...]:
    return tuple(s.value for s, targets in TRANSITIONS.items() if target in targets)


def new_id(prefix: str) -> str:
    """Sortable by creation time (hex milliseconds) and unique (random tail)."""
    return f"{prefix}{int(time.time() * 1000):011x}{secrets.token_hex(4)}"


@dataclass(frozen=True)
class Submission:
    request: GenerationRequest  # seed is the batch's base seed, or None-equivalent below
    takes: int = 1
    seed: int | None = None
    priority: int = 0
    client_key: str | None = None


def batch_seeds(seed: int | None, takes: int) -> list[int]:
    """Distinct seeds for a batch: seed, seed+1, ... (wrapping), or a random base."""
    base = secrets.randbelow(SEED_SPACE) if seed is None else seed
    return [(base + i) % SEED_SPACE for i in range(takes)]


def take_stem(prompt: str, seed: int, take_id: str) -> str:
    """A file name an editor can read in Premiere's bin, safe on Windows and macOS."""
    text = unicodedata.normalize("NFC", prompt)
    text = re.sub(r'[<>:"/\\|?*\x00-\x1f]+', " ", text)
    text = re.sub(r"\s+", " ", text).strip().rstrip(". ")[:40].strip().rstrip(".")
    slug = text.replace(" ", "_") or "take"
    return f"{slug}_s{seed}_{take_id}"


class Queue:
    """Submits, cancels and reprioritises jobs; wakes the worker when there is work."""

    def __init__(self, db: Database, events: EventBus, generator: Generator) -> None:
        self.db = db
        self.events = events
        self.generator = generator
        self.cancel_requested: set[str] = set()
        self.on_change = lambda: None  # the worker sets this to be woken

    def submit(self, sub: Submission) -> tuple[str, list[dict], bool]:
        """Returns (batch id, jobs, created). A repeated client_key creates nothing."""
        conn = self.db.conn()
        if sub.client_key and (existing := store.batch_by_client_key(conn, sub.client_key)):
            return existing, store.batch_jobs(conn, existing), False
        if not 1 <= sub.takes <= MAX_TAKES:
            raise InvalidRequest(f"'takes' must be between 1 and {MAX_TAKES}.", field="takes")
        resolved = self.generator.resolve(sub.request)
        batch_id = new_id("b")
        now = time.time()
        jobs = []
        for idx, seed in enumerate(batch_seeds(sub.seed, sub.takes)):
            job_id = new_id("j")
            jobs.append({"id": job_id, "idx": idx, "priority": sub.priority,
                         "take_id": "t" + job_id[1:],
                         "request": resolved.replace(seed=seed).to_dict()})
        batch = {"id": batch_id, "created_at": now, "client_key": sub.client_key,
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
            self.events.publish(EventKind.JOB_QUEUED, job_id=job["id"], batch_id=batch_id,
                                data={"index": job["index"], "seed": job["request"]["seed"]})
        self.on_change()
        return batch_id, created, True

    def get(self, job_id: str) -> dict:
        job = store.get_job(self.db.conn(), job_id)
        if job is None:
            raise NotFound(f"There is no job '{job_id}'.", field="job_id")
        return job

    def cancel(self, job_id: str) -> dict:
        """A queued job never runs; a running one stops within one denoising step."""
        job = self.get(job_id)
        conn = self.db.conn()
        if not store.set_job_status(conn, job_id, JobState.CANCELLED.value,
                                    from_status=sources_for(JobState.CANCELLED)):
            raise Conflict(f"Job '{job_id}' is {job['status']} and cannot be cancelled.",
                           field="job_id", code="illegal_transition")
        self.cancel_requested.add(job_id)
        self.events.publish(EventKind.JOB_CANCELLED, job_id=job_id, batch_id=job["batch_id"],
                            data={"was": job["status"]})
        self.on_change()
        return self.get(job_id)

    def set_priority(self, job_id: str, priority: int) -> dict:
        job = self.get(job_id)
        if job["status"] != JobState.QUEUED.value:
            raise Conflict(f"Job '{job_id}' is {job['status']}; only queued jobs can be "
                           "reordered.", field="priority", code="illegal_transition")
        store.set_job_priority(self.db.conn(), job_id, priority)
        self.events.publish(EventKind.JOB_UPDATED, job_id=job_id, batch_id=job["batch_id"],
                            data={"priority": priority})
        self.on_change()
        return self.get(job_id)

    def positions(self) -> dict[str, int]:
        return {job_id: i for i, job_id in enumerate(store.queue_order(self.db.conn()))}
