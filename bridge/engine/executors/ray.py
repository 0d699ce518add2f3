"""Ray executors: one actor per GPU of a Ray cluster, each an Executor of the engine.

`promptcut serve --executor ray [--ray-address ADDR]` connects the bridge to an existing
cluster as a Ray driver. The bridge stays the one place that holds the queue, the database
and the library; Ray only runs takes. No scheduler of ours spans machines: Ray places one
actor (`num_gpus=1`) on every GPU it has, pinned to its node, and the engine's slot for each
actor claims jobs from the one queue like a local device does.

- Results come back through Ray as MP4 bytes (encoded on the node) and are written into the
  ticket's staging folder under a temporary name, then renamed: no half file, no shared disk.
- Progress and cancel are actor calls answered while the take denoises (a threaded actor).
- A node or actor that dies mid-job makes `result` raise ExecutorLost: the engine queues the
  job again and another executor runs it; nothing of the lost attempt was delivered.
- A watcher thread asks Ray for the cluster's nodes every few seconds: nodes that join get
  actors (and work), nodes that leave lose theirs.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ray
import ray.exceptions as rx

from bridge.engine.executors.base import ExecutorInfo, ExecutorResult, Ticket
from bridge.engine.executors.ray_node import preset_to_dict
from bridge.errors import Cancelled, ExecutorLost, GenerationFailed
from bridge.generators.base import Phase, Progress
from bridge.generators.presets import Preset
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.ray")

NAMESPACE = "promptcut"
ACTOR_THREADS = 4  # run + progress + cancel + download at once

# What Ray raises when the process or machine that held the work is gone.
LOST = (rx.RayActorError, rx.WorkerCrashedError, rx.ObjectLostError, rx.NodeDiedError,
        rx.OwnerDiedError, rx.LocalRayletDiedError)


def connect(address: str | None) -> None:
    """Join the cluster as a driver ("auto": the one this machine belongs to)."""
    if ray.is_initialized():
        return
    ray.init(address=address or "auto", namespace=NAMESPACE, log_to_driver=False,
             logging_level=logging.WARNING)


class RayExecution:
    """One job on one actor (Execution in bridge.engine.executors.base)."""

    def __init__(self, executor: RayExecutor, ticket: Ticket, ref: Any) -> None:
        self.executor = executor
        self.ticket = ticket
        self.ref = ref
        self._last: Progress | None = None
        self._finished = False

    def progress(self) -> Progress | None:
        if self._finished:
            return self._last
        try:
            p = ray.get(self.executor.handle.progress.remote(self.ticket.job_id), timeout=2)
        except (rx.GetTimeoutError, rx.RayError):
            return self._last
        if p:
            self._last = Progress(Phase(p["phase"]), p["step"], p["steps"], p["eta_s"])
        return self._last

    def cancel(self) -> None:
        with contextlib.suppress(rx.RayError):
            self.executor.handle.cancel.remote(self.ticket.job_id)

    def result(self, timeout: float | None = None) -> ExecutorResult | None:
        ready, _ = ray.wait([self.ref], timeout=timeout)
        if not ready:
            return None
        self._finished = True
        ex = self.executor
        try:
            out = ray.get(self.ref)
        except LOST as exc:
            ex.mark_lost(type(exc).__name__)
            raise ExecutorLost(f"The Ray worker {ex.info.id} on {ex.host} was lost mid-job "
                               f"({type(exc).__name__}); the job runs again elsewhere.") from exc
        except rx.RayError as exc:
            raise GenerationFailed(f"Ray could not run the take on {ex.host}: {exc}",
                                   code="generation_failed") from exc
        if out["status"] == "cancelled":
            raise Cancelled()
        if out["status"] == "failed":
            raise GenerationFailed(out["message"], code=out["code"])
        video = self._store(out["mp4"])
        ex.warm = self.ticket.request.model
        info = {**out["info"], "transfer_bytes": len(out["mp4"]),
                "ray": {"node_id": ex.info.node, "host": ex.host, "gpu_ids": ex.gpu_ids}}
        return ExecutorResult(request=GenerationRequest.from_dict(out["request"]),
                              fps=float(out["fps"]), model_id=out["model_id"],
                              revision=out["revision"], video=video, info=info)

    def _store(self, data: bytes) -> Path:
        """Into the ticket's staging folder: a temporary name, fsync, then the final name."""
        staging = Path(self.ticket.staging)
        staging.mkdir(parents=True, exist_ok=True)
        final = staging / f"{self.ticket.job_id}-{self.ticket.attempt}.mp4"
        temp = staging / f".{final.name}.partial"
        try:
            with open(temp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(temp, final)
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        return final


class RayExecutor:
    """One actor on one GPU of one node (Executor in bridge.engine.executors.base)."""

    def __init__(self, handle: Any, desc: dict[str, Any], slot: int,
                 presets: Callable[[], dict[str, Preset]]) -> None:
        self.handle = handle
        self.host = desc["host"]
        self.gpu_ids = desc["gpu_ids"]
        device = desc["device"]
        if device == "cuda" and self.gpu_ids:
            device = f"cuda:{self.gpu_ids[0]}"  # the node's own numbering, not the actor's
        self.info = ExecutorInfo(id=f"ray:{desc['node_id'][:12]}:{slot}", kind="ray",
                                 node=desc["node_id"], device=device,
                                 memory_gb=desc["memory_gb"])
        self.details = desc
        self.presets = presets
        self.warm: str | None = None
        self.lost: str | None = None

    def mark_lost(self, why: str) -> None:
        if self.lost is None:
            log.warning("Ray worker %s on %s is gone (%s)", self.info.id, self.host, why)
        self.lost = why

    def refuses(self, request: GenerationRequest, min_memory_gb: float | None) -> str | None:
        if self.lost:
            return f"The Ray worker on {self.host} is gone ({self.lost})."
        if min_memory_gb and (self.info.memory_gb or 0.0) < min_memory_gb:
            have = f"{self.info.memory_gb} GB" if self.info.memory_gb else "no GPU memory"
            return (f"{self.info.device} on {self.host} has {have}; the job asks for at least "
                    f"{min_memory_gb} GB.")
        return None

    def warm_model(self) -> str | None:
        return self.warm

    def submit(self, ticket: Ticket) -> RayExecution:
        preset = self.presets()[ticket.request.model]
        ref = self.handle.run.remote(ticket.job_id, ticket.request.to_dict(),
                                     preset_to_dict(preset))
        return RayExecution(self, ticket, ref)

    def download(self, name: str) -> dict[str, Any]:
        """Ask this node to fetch a preset's weights into its own cache (blocking)."""
        preset = self.presets()[name]
        return ray.get(self.handle.download.remote(preset_to_dict(preset)))

    def model_state(self, name: str) -> str:
        return ray.get(self.handle.model_state.remote(preset_to_dict(self.presets()[name])),
                       timeout=30)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            ray.kill(self.handle, no_restart=True)
