"""One slot per executor: the thread that claims jobs for it and sees each one through.

A slot claims the best queued job its executor accepts (its warm model first), submits it,
relays the progress the executor pushes (it waits on the execution's `changed` event and
takes its `updates`; every executor pushes, none is polled), reads the job's state from the
database five times a second (so a cancel from any process reaches the executor within one
denoising step), and hands the result to the finisher. Database errors (a library locked
by another program, a full disk) never kill it: it retries with backoff and says so in its
state, which /health reports.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from tenacity import RetryError, Retrying, retry_if_exception_type, wait_exponential

from bridge.config import Settings
from bridge.engine.events import EventBus, EventKind
from bridge.engine.executors.base import Executor, ExecutorResult, Ticket
from bridge.engine.finisher import Finisher, make_staging, remove_staging
from bridge.engine.records import Job, JobState
from bridge.errors import Cancelled, ExecutorLost, GenerationFailed
from bridge.library import journal, store
from bridge.library.db import Database
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.worker")

CHECK_S = 0.2  # how often a slot reads the job's state (a cancel from any process)


@dataclass
class Shared:
    """What every slot of one worker shares."""

    settings: Settings
    db: Database
    events: EventBus
    finisher: Finisher
    progress: dict[str, dict[str, Any]] = field(default_factory=dict)
    wake: threading.Event = field(default_factory=threading.Event)
    stop: threading.Event = field(default_factory=threading.Event)


class Slot:
    def __init__(self, executor: Executor, shared: Shared) -> None:
        self.executor = executor
        self.shared = shared
        self.state = "stopped"
        self.reason: str | None = None
        self.job_id: str | None = None
        self.stopping = False  # the job was cancelled; the device is still finishing a step
        self._backlog = threading.BoundedSemaphore(2)  # one running, one being finished
        self._thread: threading.Thread | None = None
        self.retired = threading.Event()  # its executor is gone (a Ray node left)

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        self.state, self.reason = "ok", None
        self._thread = threading.Thread(target=self._loop, daemon=True,
                                        name=f"promptcut-slot-{self.executor.info.id}")
        self._thread.start()

    def join(self, timeout: float) -> None:
        if self._thread:
            self._thread.join(timeout)

    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # ------------------------------------------------------------ the loop

    def _loop(self) -> None:
        stop = self.shared.stop
        try:
            while not stop.is_set() and not self.retired.is_set():
                if not self._backlog.acquire(timeout=0.5):
                    continue
                job = self._db(self._claim)
                if job is None:
                    self._backlog.release()
                    self.shared.wake.wait(1.0)
                    self.shared.wake.clear()
                    continue
                self._handle(job)
        except RetryError:
            pass  # stopping while the database was failing
        finally:
            self.state = "stopped"

    def _claim(self) -> Job | None:
        ex = self.executor
        return store.claim_next_job(
            self.shared.db.conn(), ex.info.id,
            # An executor decides from the model and the device class (see claim_next_job).
            accepts=lambda model, memory: ex.refuses(
                GenerationRequest(prompt="", model=model), memory) is None,
            warm_model=ex.warm_model())

    def _handle(self, job: Job) -> None:
        started = time.monotonic()
        self.job_id, self.stopping = job.id, False
        staging = None
        try:
            staging = make_staging(self.shared.settings, self.shared.db, job.id, job.attempts)
            ticket = Ticket(job.id, job.attempts, job.request,
                            staging)
            result = self._run(job, ticket)
        except Cancelled:
            self._stopped(job, staging)
            self._backlog.release()
            return
        except ExecutorLost as exc:
            self._lost(job, str(exc), staging)
            self._backlog.release()
            return
        except GenerationFailed as exc:
            self._fail(job, exc.code, exc.message, staging)
            self._backlog.release()
            return
        except Exception as exc:
            log.exception("job %s failed on %s", job.id, self.executor.info.id)
            self._fail(job, "generation_failed", f"Generation failed: {exc}", staging)
            self._backlog.release()
            return
        finally:
            self.job_id, self.stopping = None, False
        future = self.shared.finisher.submit(job, ticket, result, self.executor.info,
                                             time.monotonic() - started)
        future.add_done_callback(lambda f: self._finished(job, ticket, f))

    def _run(self, job: Job, ticket: Ticket) -> ExecutorResult:
        shared = self.shared
        shared.events.publish(EventKind.JOB_STARTED, job_id=job.id, batch_id=job.batch_id,
                              data={"executor": self.executor.info.id})
        execution = self.executor.submit(ticket)
        # Every execution pushes: it sets `changed` at each report and when its result is
        # in, and keeps its reports for `updates`; the slot sleeps on `changed` (waking at
        # least every CHECK_S to read the job's state for a cancel).
        changed = execution.changed
        sent, last_sent, next_check = None, 0.0, 0.0
        latest = None
        while True:
            changed.wait(CHECK_S)
            changed.clear()  # before reading, so a report from now on wakes us again
            result = execution.result(0)
            now = time.monotonic()
            reports = execution.updates()
            if latest is not None and not reports:
                reports = [latest]  # one thinned out before: it goes out once time allows
            for progress in reports:
                # Every phase change and a step's last report go out; denoising steps are
                # thinned to 20 a second so fast models do not flood the event buffer.
                latest = progress
                if progress is not None and progress != sent and (
                        now - last_sent >= 0.05 or progress.step == progress.steps
                        or sent is None or progress.phase is not sent.phase):
                    sent, last_sent = progress, now
                    shared.progress[job.id] = progress.to_json()
                    shared.events.publish(EventKind.JOB_PROGRESS, job_id=job.id,
                                          batch_id=job.batch_id, data=progress.to_json())
            if result is not None:
                return result
            if now >= next_check and not self.stopping:
                next_check = now + CHECK_S
                if shared.stop.is_set() or self._state(job.id) is not JobState.RUNNING:
                    self.stopping = True
                    execution.cancel()

    def _state(self, job_id: str) -> JobState | None:
        try:
            return store.job_state(self.shared.db.conn(), job_id)
        except sqlite3.Error:
            return JobState.RUNNING  # cannot tell now; look again at the next poll

    # ------------------------------------------------------------ outcomes

    def _finished(self, job: Job, ticket: Ticket, future) -> None:
        try:
            if future.cancelled():  # dropped at a stop before it began: queued again
                return
            exc = future.exception()
            if exc is not None:
                log.error("finishing job %s failed: %s", job.id, exc, exc_info=exc)
                self._fail(job, "encode_failed", f"Writing the video file failed: {exc}", None)
                self._db(journal.forget_attempt, self.shared.db.conn(), job.id, ticket.attempt)
        except RetryError:
            pass
        finally:
            self.shared.progress.pop(job.id, None)
            self._backlog.release()

    def _stopped(self, job: Job, staging) -> None:
        """Cancelled by the user, or the bridge is stopping: in that case the job runs
        again at the next start (its state is still running, so it goes back to queued)."""
        self._cleanup(job, staging)
        if self.shared.stop.is_set():  # not the job's fault: the attempt does not count
            self._db(store.set_job_state, self.shared.db.conn(), job.id, JobState.QUEUED,
                     expect=(JobState.RUNNING,), uncount=True)
        log.info("job %s stopped during generation", job.id)

    def _lost(self, job: Job, message: str, staging) -> None:
        """The executor went away mid-job (a Ray node died): nothing of the attempt was
        delivered, so the job is queued again for another executor, up to its attempt cap;
        this slot claims nothing more."""
        self.retired.set()
        log.warning("job %s: %s", job.id, message)
        if job.attempts >= job.max_attempts:
            self._fail(job, "executor_lost", f"{message} It was lost {job.attempts} times, "
                       "so it was not tried again.", staging)
            return
        self._cleanup(job, staging)
        if self._db(store.set_job_state, self.shared.db.conn(), job.id, JobState.QUEUED,
                    expect=(JobState.RUNNING,)):
            self.shared.events.publish(EventKind.JOB_QUEUED, job_id=job.id,
                                       batch_id=job.batch_id,
                                       data={"requeued": True, "reason": message})
            self.shared.wake.set()

    def _fail(self, job: Job, code: str, message: str, staging) -> None:
        self._cleanup(job, staging)
        conn = self.shared.db.conn()
        if self._db(store.set_job_state, conn, job.id, JobState.FAILED, error=(code, message)):
            log.warning("job %s failed (%s): %s", job.id, code, message)
            self.shared.events.publish(EventKind.JOB_FAILED, job_id=job.id,
                                       batch_id=job.batch_id,
                                       data={"code": code, "message": message})

    def _cleanup(self, job: Job, staging) -> None:
        self.shared.progress.pop(job.id, None)
        if staging is not None:
            remove_staging(staging)
            self._db(journal.forget_attempt, self.shared.db.conn(), job.id, job.attempts)

    def _db(self, fn, *args, **kwargs):
        """Call a store function, retrying database errors with backoff until it works or
        the worker stops (then RetryError), and keep `state` saying what is going on."""
        shared = self.shared

        def before_sleep(rs) -> None:
            self.state = "retrying"
            self.reason = f"The library database failed: {rs.outcome.exception()}; retrying."
            log.warning("%s (%s)", self.reason, self.executor.info.id)

        for attempt in Retrying(retry=retry_if_exception_type(sqlite3.Error),
                                wait=wait_exponential(multiplier=0.25, max=15),
                                stop=lambda rs: shared.stop.is_set(),
                                sleep=shared.stop.wait, before_sleep=before_sleep):
            with attempt:
                value = fn(*args, **kwargs)
        self.state, self.reason = "ok", None
        return value
