"""The worker: the library lock, recovery, one slot per executor, and the finisher.

`start` takes the library lock (one worker per library), puts right what a crash left
(bridge.engine.recovery) and starts a slot thread per executor; `stop` stops claiming,
cancels the running jobs as a user's cancel does (they let go within a step), waits for the
encodes in flight, and releases the devices and the lock, all within one deadline.

A clean stop is bounded: a step that does not look at cancel (one block of a large model on
a slow device can take minutes) is abandoned when the deadline passes. Its thread is left
running and is never touched: its database connection stays open (closing a connection
another thread uses can crash the process), its device is not unloaded under it, and the
process exits without waiting for it (`Services.close` says so). Every job still running is
queued again without counting the attempt: only crashes count towards `max_attempts`.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from typing import Any

from bridge.config import Settings
from bridge.engine.events import EventBus
from bridge.engine.executors.base import Executor
from bridge.engine.finisher import Finisher
from bridge.engine.lock import LibraryLock
from bridge.engine.queue import Queue
from bridge.engine.recovery import RecoveryReport, recover
from bridge.engine.slots import Shared, Slot
from bridge.library import store
from bridge.library.db import Database
from bridge.logfile import see_the_log

log = logging.getLogger("promptcut.worker")


class Worker:
    def __init__(self, settings: Settings, db: Database, events: EventBus, queue: Queue,
                 executors: list[Executor], signer=None) -> None:
        self.settings = settings
        self.db = db
        self.events = events
        self.queue = queue
        self.executors = executors
        self.progress: dict[str, dict[str, Any]] = {}
        self.finisher = Finisher(settings, db, events, self.progress, signer)
        self.shared = Shared(settings, db, events, self.finisher, self.progress)
        self.slots = [Slot(ex, self.shared) for ex in executors]
        self.recovery: RecoveryReport | None = None
        self._lock = LibraryLock(settings.data_dir)
        self._sync = threading.Lock()
        self._started = False
        self._stop_began: float | None = None
        queue.on_change = self.shared.wake.set

    def start(self) -> None:
        """Raises LibraryBusy when another process works on this library."""
        self._lock.acquire()
        self.recovery = recover(self.settings, self.db, self.events)
        for slot in self.slots:
            slot.start()
        self._started = True

    def begin_stop(self) -> None:
        """Stop claiming and cancel what runs; `stop` then waits for it (bounded)."""
        if self._stop_began is None:
            self._stop_began = time.monotonic()
        self.shared.stop.set()
        self.shared.wake.set()

    def stop(self, timeout: float = 8) -> bool:
        """Stop within `timeout` seconds of `begin_stop` (the signal, when the server
        stops); False when a thread had to be abandoned (still running a step or an
        encode), and then the caller must not wait for it at exit."""
        self.begin_stop()
        deadline = (self._stop_began or time.monotonic()) + timeout
        for slot in self.slots:
            slot.join(max(0.0, deadline - time.monotonic()))
        encoded = self.finisher.shutdown(max(0.0, deadline - time.monotonic()))
        abandoned = [s for s in self.slots if s.alive()]
        for slot in self.slots:
            ex = slot.executor
            if slot in abandoned:
                log.warning("a step of job %s on %s did not end within %g s of the stop; "
                            "it is abandoned and the job queued again", slot.job_id,
                            ex.info.id, timeout)
                continue
            try:
                ex.close()
            except Exception:  # one device failing to let go must not keep the lock held
                log.warning("closing %s failed", ex.info.id, exc_info=True)
        if self._started:
            try:
                for job_id in store.requeue_interrupted(self.db.conn()):
                    log.info("job %s was stopped by the stop; queued again", job_id)
            except sqlite3.Error as exc:  # recovery at the next start queues them
                log.warning("could not queue the interrupted jobs again: %s", exc)
        self._lock.release()
        return not abandoned and encoded

    def sync_executors(self, current: list[Executor], kind: str) -> None:
        """Executors of one kind come and go (Ray nodes join and leave, a provider key is
        stored): start a slot for each new one, retire the slots of those that are gone."""
        with self._sync:
            known = {id(ex) for ex in self.executors}
            for ex in current:
                if id(ex) not in known:
                    self.executors.append(ex)
                    slot = Slot(ex, self.shared)
                    self.slots.append(slot)
                    if self._started:
                        slot.start()
            keep = {id(ex) for ex in current}
            for slot in [s for s in self.slots if id(s.executor) not in keep
                         and s.executor.info.kind == kind]:
                slot.retired.set()
            for slot in [s for s in self.slots if s.retired.is_set() and s.job_id is None]:
                self.slots.remove(slot)
                if slot.executor in self.executors:
                    self.executors.remove(slot.executor)
        self.shared.wake.set()

    def state(self) -> tuple[str, str | None]:
        """("ok" | "retrying" | "stopped", the reason) for /health."""
        if not self._started:
            return "stopped", "The worker has not started."
        if self.shared.stop.is_set():
            return "stopped", "Promptcut is shutting down."
        for slot in self.slots:
            if not slot.alive() and not slot.retired.is_set():
                return "stopped", (f"The slot for {slot.executor.info.id} stopped; "
                                   f"{see_the_log(self.settings)}")
        for slot in self.slots:
            if slot.state == "retrying":
                return "retrying", slot.reason
        return "ok", None

    def stopping(self, job_id: str) -> bool:
        """A cancelled job whose executor has not yet let go of the device."""
        return any(s.job_id == job_id and s.stopping for s in self.slots)

    def slot_of(self, job_id: str) -> Slot | None:
        return next((s for s in self.slots if s.job_id == job_id), None)
