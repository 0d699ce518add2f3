"""The worker: one thread runs jobs on the device; a small pool encodes beside it.

Encoding, posters and filmstrips happen in the pool so the next take's denoising starts
while the previous one encodes: a batch's pace is set by the GPU alone. A bounded number of
finished-but-unencoded takes keeps memory in check when encoding is the slower side.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Any

from bridge import __version__
from bridge.config import Settings
from bridge.engine.events import EventBus, EventKind
from bridge.engine.lock import LibraryLock
from bridge.engine.queue import JobState, Queue, sources_for, take_stem
from bridge.engine.request import GenerationRequest
from bridge.errors import Cancelled, GenerationFailed
from bridge.generators.base import GeneratedVideo, Generator, Phase, Progress
from bridge.library import credentials, media, store
from bridge.library.db import Database
from bridge.logfile import see_the_log

log = logging.getLogger("promptcut.worker")


def software_versions() -> dict[str, str]:
    out = {"promptcut": __version__}
    for name in ("diffusers", "torch", "transformers", "av"):
        with contextlib.suppress(metadata.PackageNotFoundError):
            out[name] = metadata.version(name)
    return out


class Worker:
    def __init__(self, settings: Settings, db: Database, events: EventBus, queue: Queue,
                 generator: Generator) -> None:
        self.settings = settings
        self.db = db
        self.events = events
        self.queue = queue
        self.generator = generator
        self.progress: dict[str, dict[str, Any]] = {}
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._encoder = ThreadPoolExecutor(settings.encode_workers,
                                           thread_name_prefix="promptcut-encode")
        self._pending = threading.BoundedSemaphore(settings.encode_workers + 1)
        self._versions = software_versions()
        self._lock = LibraryLock(settings.data_dir)
        self._identity = credentials.identity_for(settings)
        queue.on_change = self._wake.set

    # ------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Raises LibraryBusy when another process works on this library."""
        self._lock.acquire()
        self.recover()
        self._thread = threading.Thread(target=self._loop, name="promptcut-worker", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 30) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread:
            self._thread.join(timeout)
        self._encoder.shutdown(wait=True)
        self._lock.release()

    def recover(self) -> None:
        """Undo what a crash left: running jobs are queued again, unregistered files go."""
        conn = self.db.conn()
        for job in store.requeue_running(conn):
            log.info("job %s was running when Promptcut stopped; queued again", job["id"])
            self.events.publish(EventKind.JOB_QUEUED, job_id=job["id"],
                                batch_id=job["batch_id"], data={"recovered": True})
        media_dir = self.settings.media_dir
        if not media_dir.is_dir():
            return
        for folder in media_dir.iterdir():
            if not folder.is_dir() or folder == self.settings.images_dir:
                continue
            for path in media.remove_partials(folder):
                log.info("removed partial file %s", path)
            for path in folder.iterdir():
                take_id = path.name.split(".")[0].rsplit("_", 1)[-1]
                if take_id.startswith("t") and not store.take_exists(conn, take_id):
                    path.unlink(missing_ok=True)
                    log.info("removed file of an unfinished take: %s", path)

    # ------------------------------------------------------------ the device thread

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._pending.acquire()
            job = store.claim_next_job(self.db.conn())
            if job is None:
                self._pending.release()
                self._wake.wait(1.0)
                self._wake.clear()
                continue
            try:
                self._run(job)
            except Exception:  # a bug: keep the worker alive, fail the job plainly
                log.exception("job %s crashed the worker loop", job["id"])
                self._fail(job, "internal", "Promptcut hit an internal error; "
                           f"{see_the_log(self.settings)}")
                self._pending.release()

    def _run(self, job: dict) -> None:
        job_id = job["id"]
        self.events.publish(EventKind.JOB_STARTED, job_id=job_id, batch_id=job["batch_id"])
        request = GenerationRequest.from_dict(job["request"])
        started = time.monotonic()
        last_sent = [0.0]

        def on_progress(p: Progress) -> None:
            self.progress[job_id] = p.to_json()
            now = time.monotonic()
            # Every step is reported, but very fast steps (the tiny model) are thinned
            # so the event buffer is not flooded: at most 20 a second, plus the last step.
            if now - last_sent[0] >= 0.05 or p.step == p.steps or p.phase != Phase.DENOISING:
                last_sent[0] = now
                self.events.publish(EventKind.JOB_PROGRESS, job_id=job_id,
                                    batch_id=job["batch_id"], data=p.to_json())

        def is_cancelled() -> bool:
            return job_id in self.queue.cancel_requested or self._stop.is_set()

        try:
            video = self.generator.generate(request, on_progress, is_cancelled)
        except Cancelled:
            self.progress.pop(job_id, None)
            if self._stop.is_set() and job_id not in self.queue.cancel_requested:
                # Shutting down, not cancelled: leave it for the next start.
                store.set_job_status(self.db.conn(), job_id, JobState.QUEUED.value,
                                     from_status=(JobState.RUNNING.value,))
            log.info("job %s stopped during generation", job_id)
            self._pending.release()
            return
        except GenerationFailed as exc:
            self._fail(job, exc.code, exc.message)
            self._pending.release()
            return
        except Exception as exc:
            log.exception("job %s failed", job_id)
            self._fail(job, "generation_failed", f"Generation failed: {exc}")
            self._pending.release()
            return
        gen_s = time.monotonic() - started
        self._encoder.submit(self._finish, job, video, gen_s)

    def _fail(self, job: dict, code: str, message: str) -> None:
        self.progress.pop(job["id"], None)
        if store.set_job_status(self.db.conn(), job["id"], JobState.FAILED.value,
                                from_status=sources_for(JobState.FAILED),
                                error=(code, message)):
            self.events.publish(EventKind.JOB_FAILED, job_id=job["id"],
                                batch_id=job["batch_id"],
                                data={"code": code, "message": message})

    # ------------------------------------------------------------ the encode pool

    def _finish(self, job: dict, video: GeneratedVideo, gen_s: float) -> None:
        try:
            self._encode_and_register(job, video, gen_s)
        except Exception as exc:
            log.exception("encoding job %s failed", job["id"])
            self._fail(job, "encode_failed", f"Writing the video file failed: {exc}")
        finally:
            self.progress.pop(job["id"], None)
            self._pending.release()

    def _encode_and_register(self, job: dict, video: GeneratedVideo, gen_s: float) -> None:
        job_id, batch_id = job["id"], job["batch_id"]
        take_id = store.planned_take_id(self.db.conn(), job_id)
        if job_id in self.queue.cancel_requested:
            return
        req = video.request
        self.progress[job_id] = Progress(Phase.ENCODING).to_json()
        self.events.publish(EventKind.JOB_PROGRESS, job_id=job_id, batch_id=batch_id,
                            data=self.progress[job_id])
        frames, height, width = video.frames.shape[0], video.frames.shape[1], video.frames.shape[2]
        created = time.time()
        started_enc = time.monotonic()
        record = {
            "schema_version": 1,
            "take_id": take_id, "job_id": job_id, "batch_id": batch_id,
            "created_at": created,
            "request": req.to_dict(),
            "model_id": video.model_id, "revision": video.revision,
            "width": width, "height": height, "num_frames": frames, "fps": video.fps,
            "parent_take_id": req.parent_take_id,
            "init_image": req.init_image.sha256 if req.init_image else None,
            "software": self._versions,
            "generation": video.info,
            "timings": {"queued_s": round((job["started_at"] or created) - job["created_at"], 3),
                        "generate_s": round(gen_s, 3)},
        }
        folder = self.settings.media_dir / batch_id
        folder.mkdir(parents=True, exist_ok=True)
        stem = take_stem(req.prompt, req.seed, take_id)
        files = media.write_take(video.frames, video.fps, record, folder, stem,
                                 sign=self._signer(req, record, f"{stem}.mp4"))
        encode_s = round(time.monotonic() - started_enc, 3)
        if files.credentials is not None:
            record = {**record, "credentials": files.credentials}
        take = {
            "id": take_id, "job_id": job_id, "batch_id": batch_id, "created_at": created,
            "prompt": req.prompt, "model": req.model, "seed": req.seed, "width": width,
            "height": height, "num_frames": frames, "fps": video.fps,
            "duration_s": frames / video.fps, "folder": folder.relative_to(
                self.settings.media_dir).as_posix(), "stem": stem,
            "filmstrip": _grid_json(files.grid), "record": {**record, "encode_s": encode_s},
            "parent_take_id": req.parent_take_id,
            "test_model": bool(video.info.get("test_model", False)),
        }
        if not store.insert_take_and_finish(self.db.conn(), take):
            # Cancelled while encoding: the job is over and leaves no file behind.
            _remove(files.video, files.poster, files.filmstrip, files.sidecar)
            return
        self.events.publish(EventKind.TAKE_CREATED, take_id=take_id, job_id=job_id,
                            batch_id=batch_id)
        self.events.publish(EventKind.JOB_DONE, job_id=job_id, take_id=take_id,
                            batch_id=batch_id)


    def _signer(self, req: GenerationRequest, record: dict, title: str):
        """Content Credentials for this take, signed here in the encode pool (see credentials)."""
        parent = None
        if req.parent_take_id:
            found = store.get_take(self.db.conn(), req.parent_take_id)
            parent = Path(found["media_path"]) if found else None
        ingredients = credentials.ingredients_for(self.settings, req, parent)
        return lambda src, dst: credentials.sign_video(src, dst, record, ingredients,
                                                       self._identity, title=title)


def _grid_json(grid: Any) -> dict[str, int]:
    return {"columns": grid.columns, "rows": grid.rows, "frames": grid.frames,
            "tile_width": grid.tile_width, "tile_height": grid.tile_height}


def _remove(*paths: Path) -> None:
    for p in paths:
        p.unlink(missing_ok=True)
