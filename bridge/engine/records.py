"""Jobs as typed records, and the one table of legal state changes.

A job is one take to make: queued -> running -> done | failed | cancelled (DESIGN.md,
Contracts). `TRANSITIONS` is the only statement of which changes are legal; the store's one
`set_job_state` function is built on it, so no code sets a state by hand in SQL.
RUNNING -> QUEUED happens only when an attempt ends without finishing: the process died, an
executor's machine went away, or the bridge shut down mid-job.

The records are pydantic models so that the API's response bodies (bridge/api/schemas)
reuse them field for field: each field is named here and nowhere else.
"""

from __future__ import annotations

import enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from bridge.request import StoredRequest


class JobState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


TRANSITIONS: dict[JobState, frozenset[JobState]] = {
    JobState.QUEUED: frozenset({JobState.RUNNING, JobState.CANCELLED}),
    JobState.RUNNING: frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED,
                                 JobState.QUEUED}),
    JobState.DONE: frozenset(),
    JobState.FAILED: frozenset(),
    JobState.CANCELLED: frozenset(),
}
FINAL = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})


def sources_for(target: JobState) -> tuple[JobState, ...]:
    """The states a job may be in for a move to `target` to be legal."""
    return tuple(s for s, targets in TRANSITIONS.items() if target in targets)


class Record(BaseModel):
    """Base of the library's records: frozen, read by attribute, JSON by `to_json`."""

    model_config = ConfigDict(frozen=True, use_enum_values=False)

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class JobError(Record):
    code: str
    message: str


class Job(Record):
    id: str
    batch_id: str
    index: int
    status: JobState
    priority: int = 0
    created_at: float
    started_at: float | None = None
    finished_at: float | None = None
    request: StoredRequest  # resolved against its preset; saved as GenerationRequest.to_dict
    take_id: str | None = None  # set once the job is done
    error: JobError | None = None
    attempts: int = 0
    max_attempts: int = 3
    executor: str | None = None  # the executor that ran (or runs) the latest attempt
    min_memory_gb: float | None = None  # device class: only executors with this much run it
    shot_id: str | None = None
    board_id: str | None = None
