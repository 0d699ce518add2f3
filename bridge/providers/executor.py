"""A cloud provider as an executor: create the remote job, poll it, download the MP4.

Polling the provider's API is the provider's own protocol, so it stays here, in the job's
thread; the engine is told of each change it finds (`changed`, `updates`) and never polls
this executor (bridge.engine.slots).

Each provider gets a few executors (`concurrency`, default 4: remote jobs run side by side)
that claim only that provider's presets, and refuse everything while no key is stored: a
job for a local model can never end up at a paid service, and a provider job is never sent
anywhere else. The delivered MP4 is written into the ticket's staging folder as it came
(no re-encode); the finisher stores it and makes the poster and strip from it.
"""

from __future__ import annotations

import base64
import logging
import threading
import time
from collections import deque
from pathlib import Path
from typing import Any

from bridge.engine.executors.base import ExecutorInfo, ExecutorResult, Ticket
from bridge.errors import Cancelled, GenerationFailed
from bridge.generators.base import Phase, Progress
from bridge.providers import keys
from bridge.providers.base import Limits, ProviderPreset, ProviderSpec, RemoteState, Status
from bridge.providers.http import Client
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.providers")


class ProviderExecution:
    """One remote job, driven by a thread of its own (Execution in executors.base). It
    pushes: `changed` is set at each new progress and when the job is over."""

    def __init__(self, executor: ProviderExecutor, ticket: Ticket, preset: ProviderPreset,
                 key: str) -> None:
        self.executor = executor
        self.ticket = ticket
        self.preset = preset
        self.remote_id: str | None = None
        self._created: dict[str, Any] = {}
        self.remote_cancel: str | None = None  # what the provider said to our cancel
        self._cancel = threading.Event()
        self._done = threading.Event()
        self._progress: Progress | None = None
        self._pending: deque[Progress] = deque(maxlen=1000)
        self.changed = threading.Event()
        self._result: ExecutorResult | None = None
        self._error: BaseException | None = None
        limits = executor.limits
        self.client = Client(executor.spec, key, limits, time.monotonic() + limits.deadline_s,
                             self._cancel)
        self._thread = threading.Thread(target=self._run, daemon=True,
                                        name=f"promptcut-{executor.spec.name}")
        self._thread.start()

    def updates(self) -> list[Progress]:
        """Every change of progress since the last call, in order."""
        out = []
        while self._pending:
            out.append(self._pending.popleft())
        return out

    def _report(self, p: Progress) -> None:
        if p == self._progress:
            return  # the provider said the same again: nothing to tell
        self._progress = p
        self._pending.append(p)
        self.changed.set()

    def cancel(self) -> None:
        self._cancel.set()

    def result(self, timeout: float | None = None) -> ExecutorResult | None:
        if not self._done.wait(timeout):
            return None
        if self._error is not None:
            raise self._error
        return self._result

    # -- the job's thread -------------------------------------------------------------------

    def _run(self) -> None:
        started = time.monotonic()
        try:
            self._result = self._execute(started)
        except Cancelled as exc:
            self._cancel_remote()
            self._error = exc
        except GenerationFailed as exc:
            if exc.code == "provider_timeout":
                self._cancel_remote()  # stop paying for a job we no longer wait for
            where = f" ({self.executor.spec.label} job {self.remote_id})" if self.remote_id else ""
            self._error = GenerationFailed(exc.message + where, code=exc.code)
        except Exception as exc:  # a bug here must fail the job, never hang the slot
            log.exception("provider job %s failed", self.ticket.job_id)
            self._error = GenerationFailed(f"{self.executor.spec.label}: {exc}",
                                           code="generation_failed")
        finally:
            self._done.set()
            self.changed.set()

    def _execute(self, started: float) -> ExecutorResult:
        spec, preset, client = self.executor.spec, self.preset, self.client
        req = self.ticket.request
        self._report(Progress(Phase.LOADING))
        created = client.send(spec.create(client.base, preset, self._inputs(req)))
        self.remote_id, self._created = spec.job_id(created), created
        log.info("%s job %s started for %s", spec.name, self.remote_id, self.ticket.job_id)
        status = self._wait_done(created)
        if status.video_url is None and (call := spec.result(client.base, preset,
                                                             self.remote_id, created)):
            final = spec.read(client.send(call))
            status = Status(final.state, 1.0, final.video_url, cost=status.cost,
                            version=status.version)
        if not status.video_url:
            raise GenerationFailed(f"{spec.label} finished without a video.",
                                   code="provider_failed")
        self._report(Progress(Phase.DOWNLOADING))
        staging = Path(self.ticket.staging)
        staging.mkdir(parents=True, exist_ok=True)
        video = staging / f"{self.ticket.job_id}-{self.ticket.attempt}.mp4"
        size = client.download(status.video_url, video)
        provider = {"provider": spec.name, "model": preset.model, "version": status.version,
                    "job_id": self.remote_id, "cost": status.cost}
        info = {"remote_s": round(time.monotonic() - started, 3), "bytes": size,
                "http_attempts": client.attempts, "test_model": False}
        return ExecutorResult(request=req, fps=float(req.fps or preset.fps),
                              model_id=f"{spec.name}:{preset.model}", revision=status.version,
                              video=video, info=info, provider=provider)

    def _wait_done(self, created: dict[str, Any]) -> Status:
        spec, client = self.executor.spec, self.client
        while True:
            status = spec.read(client.send(spec.poll(client.base, self.preset,
                                                     self.remote_id or "", created)))
            if status.state is RemoteState.DONE:
                return status
            if status.state is RemoteState.FAILED:
                code = "moderation" if status.moderated else "provider_failed"
                tail = " Change the prompt or image; retrying will not help." \
                    if status.moderated else ""
                raise GenerationFailed(f"{spec.label} failed the job: "
                                       f"{status.error or 'no reason given'}.{tail}", code=code)
            if status.state is RemoteState.CANCELLED:
                if self._cancel.is_set():
                    raise Cancelled()
                raise GenerationFailed(f"The job was cancelled at {spec.label}.",
                                       code="provider_cancelled")
            if status.state is RemoteState.RUNNING:
                pct = round((status.progress or 0.0) * 100)
                self._report(Progress(Phase.DENOISING, pct, 100 if status.progress
                                      is not None else 0))
            if client.remaining() <= 0:
                raise GenerationFailed(f"{spec.label} did not finish within the job's "
                                       f"deadline of {client.limits.deadline_s:.0f} s.",
                                       code="provider_timeout")
            if self._cancel.wait(min(client.limits.poll_s, max(0.0, client.remaining()))):
                raise Cancelled()

    def _inputs(self, req: GenerationRequest) -> dict[str, Any]:
        image = None
        if req.init_image is not None:
            path = self.executor.images_dir / f"{req.init_image.sha256}.png"
            try:
                image = "data:image/png;base64," + base64.b64encode(
                    path.read_bytes()).decode("ascii")
            except OSError as exc:
                raise GenerationFailed(f"The start image {path.name} is missing; upload it "
                                       "again.", code="generation_failed") from exc
        fps = float(req.fps or self.preset.fps)
        return {"prompt": req.prompt, "negative_prompt": req.negative_prompt,
                "seed": int(req.seed), "width": int(req.width), "height": int(req.height),
                "duration_s": round(int(req.num_frames) / fps), "image": image}

    def _cancel_remote(self) -> None:
        """Ask the provider to stop (where it allows it); one try, failures only logged."""
        spec = self.executor.spec
        if self.remote_id is None:
            return
        call = spec.cancel(self.client.base, self.preset, self.remote_id, self._created)
        self.remote_cancel = self.client.try_once(call) if call else "not offered"
        log.info("%s job %s: cancel asked (%s)", spec.name, self.remote_id, self.remote_cancel)


class ProviderExecutor:
    """Executor (bridge.engine.executors.base) for one provider; one job at a time."""

    def __init__(self, spec: ProviderSpec, presets: dict[str, ProviderPreset], data_dir: Path,
                 images_dir: Path, slot: int = 0, limits: Limits | None = None) -> None:
        self.spec = spec
        self.presets = presets
        self.data_dir = Path(data_dir)
        self.images_dir = Path(images_dir)
        self.limits = limits or Limits.from_env()
        self.info = ExecutorInfo(id=f"provider:{spec.name}:{slot}", kind="provider",
                                 node=spec.name, device="cloud")
        self.current: ProviderExecution | None = None

    def refuses(self, request: GenerationRequest, min_memory_gb: float | None) -> str | None:
        preset = self.presets.get(request.model)
        if preset is None or preset.provider != self.spec.name:
            return f"'{request.model}' does not run at {self.spec.label}."
        if not keys.has(self.data_dir, self.spec.name):
            return (f"No {self.spec.label} API key is stored; `promptcut providers set "
                    f"{self.spec.name}` or the panel stores one.")
        return None

    def warm_model(self) -> str | None:
        return None  # nothing stays loaded here: any of its presets is equally quick

    def submit(self, ticket: Ticket) -> ProviderExecution:
        why = self.refuses(ticket.request, None)
        key = keys.get(self.data_dir, self.spec.name)
        if why or not key:
            raise GenerationFailed(why or "no key", code="needs_key")
        self.current = ProviderExecution(self, ticket, self.presets[ticket.request.model], key)
        return self.current

    def close(self) -> None:
        if self.current is not None:
            self.current.cancel()
