"""Events as plain records with a sequence number, for long-polling and SSE clients.

The buffer lives in memory: events describe changes whose lasting state is in SQLite, so a
client that missed some (or sees a new `epoch` after a restart) reloads jobs and takes and
carries on from `last_seq`. The epoch is what lets a client tell that the sequence restarted.
"""

from __future__ import annotations

import enum
import itertools
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from typing_extensions import TypedDict  # pydantic reads these on 3.10/3.11


class EventKind(str, enum.Enum):
    JOB_QUEUED = "job.queued"
    JOB_STARTED = "job.started"
    JOB_PROGRESS = "job.progress"
    JOB_DONE = "job.done"
    JOB_FAILED = "job.failed"
    JOB_CANCELLED = "job.cancelled"
    JOB_UPDATED = "job.updated"
    TAKE_CREATED = "take.created"
    TAKE_UPDATED = "take.updated"
    TAKE_DELETED = "take.deleted"
    MODEL_PROGRESS = "model.progress"
    MODEL_UPDATED = "model.updated"


class EventIds(TypedDict, total=False):
    """The ids an event carries, each present when it applies."""

    job_id: str
    batch_id: str
    take_id: str
    name: str  # a model preset's name (model.*)


class Event(EventIds):
    """The one event record: what long-polls and SSE send, named the same in Python, JSON
    and the panel's generated types. What `data` holds for each kind is declared once, in
    bridge/api/schemas/events.py."""

    seq: int
    kind: EventKind
    at: float
    data: dict[str, Any]


# What some kinds carry in `data` (others reuse records: progress, a model's state, ...).
class QueuedData(TypedDict):
    index: int
    seed: int


class FailedData(TypedDict):
    code: str
    message: str


class CancelledData(TypedDict):
    was: str  # the job's state before


class PriorityData(TypedDict):
    priority: int


class NoData(TypedDict):
    pass


@dataclass(frozen=True)
class Poll:
    epoch: str
    last_seq: int
    reset: bool
    events: list[Event]

    def to_json(self) -> dict[str, Any]:
        return {"epoch": self.epoch, "last_seq": self.last_seq, "reset": self.reset,
                "events": self.events}


class EventBus:
    def __init__(self, capacity: int = 20_000) -> None:
        self.epoch = secrets.token_hex(8)
        self._events: deque[Event] = deque(maxlen=capacity)
        self._seq = 0
        self._cond = threading.Condition()
        self._closed = False
        self._listeners: list[Callable[[], None]] = []

    @property
    def closed(self) -> bool:
        return self._closed

    def add_listener(self, wake: Callable[[], None]) -> None:
        """`wake()` is called (from the publishing thread, outside the lock) after each
        publish and on close: how waiters that cannot block a thread, the server's asyncio
        loop, learn that there is something to poll (see bridge.api.event_wait)."""
        with self._cond:
            self._listeners.append(wake)

    def remove_listener(self, wake: Callable[[], None]) -> None:
        with self._cond:
            if wake in self._listeners:
                self._listeners.remove(wake)

    def _wake_listeners(self) -> None:
        with self._cond:
            listeners = list(self._listeners)
        for wake in listeners:
            wake()

    @property
    def last_seq(self) -> int:
        return self._seq

    def publish(self, kind: EventKind | str, *, data: dict[str, Any] | None = None,
                **ids: str | None) -> Event:
        kind = EventKind(kind)
        unknown = set(ids) - set(EventIds.__annotations__)
        if unknown:
            raise TypeError(f"events carry no {sorted(unknown)}")
        with self._cond:
            self._seq += 1
            # The kind's value (plain JSON), which equals the enum member.
            event = cast(Event, {"seq": self._seq, "kind": kind.value,
                                 "at": round(time.time(), 3),
                                 **{k: v for k, v in ids.items() if v is not None},
                                 "data": data or {}})
            self._events.append(event)
            self._cond.notify_all()
        self._wake_listeners()
        return event

    def poll(self, after: int, timeout: float = 0.0, epoch: str | None = None) -> Poll:
        """Events after `after`, waiting up to `timeout` seconds for the first one.

        `reset` is true when the client cannot be brought up to date from the buffer: it
        speaks of another epoch, is ahead of us (we restarted), or fell off the buffer's end.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        with self._cond:
            reset = (epoch is not None and epoch != self.epoch) or after > self._seq
            if reset:
                after = 0
            oldest = self._events[0]["seq"] if self._events else self._seq + 1
            if after < oldest - 1 and after != 0:
                reset = True
            while not reset and after >= self._seq and not self._closed:
                left = deadline - time.monotonic()
                if left <= 0:
                    break
                self._cond.wait(left)
            # Sequence numbers are contiguous in the buffer, so the start is an index.
            oldest = self._events[0]["seq"] if self._events else self._seq + 1
            start = max(0, after - oldest + 1)
            events = list(itertools.islice(self._events, start, None))
            return Poll(self.epoch, self._seq, reset, events)

    def close(self) -> None:
        """Wake every waiting long-poll so the server can shut down promptly."""
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._wake_listeners()
