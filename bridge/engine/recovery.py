"""What a crash left, put right at start-up, before any slot runs (the library lock held).

In order (a row it cannot read is set aside, never a reason to stop):
0. Take rows the Take record cannot read are moved aside whole (named in the log and in
   /health); their takes are rebuilt from their records in step 4 where those can be read.
1. Trash moves a crash interrupted are finished (a take is never half in trash/).
2. Each attempt the journal names as unfinished: if its take is complete on disk (all four
   files, the record naming this job's take) it is registered, since the work is done;
   otherwise exactly the files the journal says it created are removed. Nothing is ever
   chosen by its file name, and a file that belongs to a registered take is never removed.
3. Jobs still marked running go back to the queue, unless they have already been tried
   `max_attempts` times: a job that takes the whole process down each time it runs (the
   OS killing it for memory, a driver crash) fails with a sentence instead of looping.
4. Takes whose record sits beside their media but that the database does not know are
   restored (bridge.library.repair); other unknown files are left alone and reported.
5. Takes the database knows are brought up to what their records and files say (an older
   database restored from a backup): bridge.library.repair.reconcile.
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from bridge.config import Settings
from bridge.engine.events import EventBus, EventKind
from bridge.engine.records import JobState
from bridge.library import journal, repair, sidecar, store, trash
from bridge.library.db import Database
from bridge.library.media import SUFFIXES
from bridge.library.records import SetAside

log = logging.getLogger("promptcut.recovery")


@dataclass
class RecoveryReport:
    trash_finished: int = 0
    removed: list[Path] = field(default_factory=list)
    completed: list[str] = field(default_factory=list)  # takes registered from disk
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    library: repair.Report = field(default_factory=repair.Report)
    reconciled: list[str] = field(default_factory=list)  # takes brought up to their records
    set_aside: list[SetAside] = field(default_factory=list)  # rows start-up could not read


def recover(settings: Settings, db: Database, events: EventBus) -> RecoveryReport:
    conn = db.conn()
    report = RecoveryReport(trash_finished=trash.finish_pending(conn, settings))
    for take_id, reason in store.set_aside_unreadable(conn):
        log.warning("take %s: its database row cannot be read (%s); it is set aside and "
                    "rebuilt from its record where that can be read", take_id, reason)
        report.set_aside.append(SetAside(kind="take", id=take_id, reason=reason))
    owned = {path for take in store.all_takes(conn) for path in take.files}
    for (job_id, attempt), files in journal.open_attempts(conn, settings.data_dir).items():
        job = store.get_job(conn, job_id)
        finals = [f.path for f in files if f.kind == journal.FINAL]
        if job is not None and job.status is JobState.RUNNING and _register(
                conn, settings, job_id, finals):
            report.completed.append(job_id)
            events.publish(EventKind.JOB_DONE, job_id=job_id, batch_id=job.batch_id,
                           data={"recovered": True})
        else:
            for f in files:
                if f.path not in owned and _remove(f):
                    report.removed.append(f.path)
                    log.info("removed %s, left by an interrupted attempt of job %s",
                             f.path, job_id)
        journal.forget_attempt(conn, job_id, attempt)
    for job in store.running_jobs(conn):
        if job.attempts >= job.max_attempts:
            message = (f"Promptcut stopped (it crashed or was killed) each of the "
                       f"{job.attempts} times it ran this job, so it was not tried again. "
                       "Out of memory in the OS or a driver crash are the usual causes: try "
                       "a smaller size, fewer frames or a leaner memory profile.")
            store.set_job_state(conn, job.id, JobState.FAILED, error=("crashed", message))
            report.failed.append(job.id)
            events.publish(EventKind.JOB_FAILED, job_id=job.id, batch_id=job.batch_id,
                           data={"code": "crashed", "message": message})
        elif store.set_job_state(conn, job.id, JobState.QUEUED, expect=(JobState.RUNNING,)):
            report.requeued.append(job.id)
            log.info("job %s was running when Promptcut stopped; queued again", job.id)
            events.publish(EventKind.JOB_QUEUED, job_id=job.id, batch_id=job.batch_id,
                           data={"recovered": True})
    report.library = repair.restore_unknown(conn, settings)
    report.reconciled = repair.reconcile(conn, settings)
    return report


def _register(conn, settings: Settings, job_id: str, finals: list[Path]) -> bool:
    """Register a take the attempt finished writing before the process died."""
    by_suffix = {s: next((p for p in finals if p.name.endswith(s) and not (
        s == ".jpg" and p.name.endswith(".strip.jpg"))), None) for s in SUFFIXES}
    if not all(p is not None and p.is_file() for p in by_suffix.values()):
        return False
    sidecar_path = by_suffix[".json"]
    record = sidecar.read(sidecar_path)
    if record is None or record.get("job_id") != job_id or record["take_id"] != (
            store.planned_take_id(conn, job_id)):
        return False
    folder = sidecar_path.parent.relative_to(settings.media_dir).as_posix()
    row = sidecar.take_row(record, folder, sidecar_path.name[: -len(".json")])
    return store.insert_take_and_finish(conn, row)


def _remove(f: journal.JournaledFile) -> bool:
    if f.kind == journal.STAGING:
        if f.path.is_dir():
            shutil.rmtree(f.path, ignore_errors=True)
            return True
        return False
    if f.path.is_file():
        f.path.unlink()
        return True
    return False
