"""The finisher: everything after an executor's result, on the encode pool beside the GPUs.

Encode (frames) or keep as delivered (an MP4), sign, write the poster, filmstrip and record,
and register the take, with every path journaled before it is created. It runs on a small
thread pool so that the next take's denoising starts while this one encodes; a batch's pace
is set by the executors alone.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor, wait
from importlib import metadata
from pathlib import Path
from typing import Any

from bridge import __version__, faults
from bridge.config import Settings
from bridge.engine.events import EventBus, EventKind
from bridge.engine.executors.base import ExecutorInfo, ExecutorResult, Ticket
from bridge.engine.records import Job
from bridge.generators.base import Phase, Progress
from bridge.library import journal, store, take_files
from bridge.library.db import Database
from bridge.library.media import probe
from bridge.library.names import take_stem
from bridge.library.records import TakeRecord

log = logging.getLogger("promptcut.finisher")

RECORD_SCHEMA = 2


def software_versions() -> dict[str, str]:
    out = {"promptcut": __version__}
    for name in ("diffusers", "torch", "transformers", "av"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


class Finisher:
    def __init__(self, settings: Settings, db: Database, events: EventBus,
                 progress: dict[str, dict[str, Any]], signer=None) -> None:
        self.settings = settings
        self.db = db
        self.events = events
        self.progress = progress
        self.signer = signer  # take_files.Signer factory: record -> Signer | None
        self._pool = ThreadPoolExecutor(settings.encode_workers,
                                        thread_name_prefix="promptcut-encode")
        self._versions = software_versions()
        self._inflight: set[Future] = set()
        self._guard = threading.Lock()

    def submit(self, job: Job, ticket: Ticket, result: ExecutorResult,
               where: ExecutorInfo, generate_s: float) -> Future:
        future = self._pool.submit(self.finish, job, ticket, result, where, generate_s)
        with self._guard:
            self._inflight.add(future)
        future.add_done_callback(self._done)
        return future

    def _done(self, future: Future) -> None:
        with self._guard:
            self._inflight.discard(future)

    def shutdown(self, timeout: float | None = None) -> bool:
        """Finish the encodes in flight within `timeout`; those not yet started are
        dropped (their jobs are queued again). False when one is still running."""
        with self._guard:
            inflight = list(self._inflight)
        _done, running = wait(inflight, timeout)
        self._pool.shutdown(wait=False, cancel_futures=True)
        return not [f for f in running if not f.cancelled()]

    def finish(self, job: Job, ticket: Ticket, result: ExecutorResult, where: ExecutorInfo,
               generate_s: float) -> str | None:
        """Write and register the take; its id, or None when the job was cancelled meanwhile.
        Raises on failure, having removed every file this attempt created: the staging
        folder goes whatever fails, the journal's first write on a full disk included (the
        caller then forgets the attempt, and nothing else would ever remove it)."""
        try:
            return self._finish(job, ticket, result, where, generate_s)
        finally:
            remove_staging(ticket.staging)

    def _finish(self, job: Job, ticket: Ticket, result: ExecutorResult, where: ExecutorInfo,
                generate_s: float) -> str | None:
        conn = self.db.conn()
        take_id = store.planned_take_id(conn, job.id) or "t" + job.id[1:]
        req = result.request
        self.progress[job.id] = Progress(Phase.ENCODING).to_json()
        self.events.publish(EventKind.JOB_PROGRESS, job_id=job.id, batch_id=job.batch_id,
                            data=self.progress[job.id])
        folder = self.settings.media_dir / job.batch_id
        stem = take_stem(req.prompt, req.seed, take_id)
        token = take_files.new_token()
        paths = take_files.take_paths(folder, stem, token)
        journal.will_create(conn, self.settings.data_dir, job.id, ticket.attempt, paths.all())
        record = self._record(job, take_id, result, where, generate_s)
        sign = self.signer(record) if self.signer else None
        started = time.monotonic()
        if result.frames is not None:
            files = take_files.write_take(result.frames, result.fps, record, folder, stem,
                                          token=token, sign=sign)
        elif result.video is not None:
            files = take_files.store_encoded(result.video, record, folder, stem,
                                             token=token, sign=sign)
        else:
            raise ValueError("the executor returned neither frames nor a video")
        remove_staging(ticket.staging)  # delivered files are moved in: the folder is done
        if result.frames is not None:  # the pixels asked for (an odd size is padded in the MP4)
            count, height, width = result.frames.shape[:3]
            fps = float(result.fps)
        else:
            info = probe(files.video)
            count, height, width, fps = info.frames, info.height, info.width, info.fps
        take = {
            "id": take_id, "job_id": job.id, "batch_id": job.batch_id,
            "created_at": record["created_at"], "prompt": req.prompt, "model": req.model,
            "seed": req.seed, "width": int(width), "height": int(height),
            "num_frames": int(count), "fps": fps, "duration_s": count / fps,
            "folder": folder.relative_to(self.settings.media_dir).as_posix(), "stem": stem,
            "filmstrip": _grid_json(files.grid),
            "record": {**record, "encode_s": round(time.monotonic() - started, 3)},
            "parent_take_id": req.parent_take_id, "shot_id": job.shot_id,
            "board_id": job.board_id, "test_model": bool(result.info.get("test_model")),
        }
        faults.point("finisher.before_register")
        if not store.insert_take_and_finish(conn, take):
            # Cancelled while encoding: the job is over and leaves no file behind.
            for path in (files.video, files.poster, files.filmstrip, files.sidecar):
                path.unlink(missing_ok=True)  # created by this attempt (journaled above)
            journal.forget_attempt(conn, job.id, ticket.attempt)
            return None
        log.info("take %s done (job %s, %s, %.1f s): %s", take_id, job.id, where.id,
                 generate_s, files.video)
        self.events.publish(EventKind.TAKE_CREATED, take_id=take_id, job_id=job.id,
                            batch_id=job.batch_id, data={"shot_id": job.shot_id})
        self.events.publish(EventKind.JOB_DONE, job_id=job.id, take_id=take_id,
                            batch_id=job.batch_id)
        return take_id

    def _record(self, job: Job, take_id: str, result: ExecutorResult, where: ExecutorInfo,
                generate_s: float) -> TakeRecord:
        req = result.request
        created = time.time()
        frames = result.frames
        record: TakeRecord = {
            "schema_version": RECORD_SCHEMA,
            "take_id": take_id, "job_id": job.id, "batch_id": job.batch_id,
            "created_at": created, "request": req.to_dict(),
            "model_id": result.model_id, "revision": result.revision,
            "width": int(frames.shape[2]) if frames is not None else req.width,
            "height": int(frames.shape[1]) if frames is not None else req.height,
            "num_frames": int(frames.shape[0]) if frames is not None else req.num_frames,
            "fps": result.fps, "parent_take_id": req.parent_take_id,
            "init_image": req.init_image.sha256 if req.init_image else None,
            "shot_id": job.shot_id, "board_id": job.board_id,
            "executor": {"id": where.id, "kind": where.kind, "node": where.node,
                         "device": where.device},
            "software": self._versions, "generation": result.info,
            "timings": {"queued_s": round((job.started_at or created) - job.created_at, 3),
                        "generate_s": round(generate_s, 3)},
        }
        if result.provider:
            record["provider"] = result.provider  # type: ignore[typeddict-item]
        return record


def make_staging(settings: Settings, db: Database, job_id: str, attempt: int) -> Path:
    """A fresh folder for one attempt's delivered files, journaled before it exists."""
    folder = settings.data_dir / "staging" / f"{job_id}-{attempt}"
    journal.will_create(db.conn(), settings.data_dir, job_id, attempt,
                        [(folder, journal.STAGING)])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def remove_staging(folder: Path) -> None:
    """The staging folder and whatever the attempt's executor wrote in it (both made by
    this attempt, and nothing else ever writes there)."""
    shutil.rmtree(folder, ignore_errors=True)


def _grid_json(grid: Any) -> dict[str, int]:
    return {"columns": grid.columns, "rows": grid.rows, "frames": grid.frames,
            "tile_width": grid.tile_width, "tile_height": grid.tile_height}
