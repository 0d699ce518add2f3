"""What runs on each Ray node: one actor per GPU that keeps its pipeline warm.

The actor is the same DiffusersGenerator the local executor uses, started on the node with
the node's own data folder (tiny test models) and its own Hugging Face cache. It encodes the
take to MP4 on the node, so only a few megabytes travel back through Ray, and the bridge
stores that file as delivered. No shared filesystem is assumed in either direction.

Methods run in a small thread pool (`max_concurrency`), so that `updates` and `cancel` are
answered while `run` is busy denoising. The bridge runs at most one job per actor.

Progress is pushed, not polled: the bridge keeps one `updates` call waiting on the actor,
and the actor answers it as soon as the take reports (a step, a phase) or ends; the bridge
then asks again from where it got to. Each report is kept in order, so none is lost between
two calls.

Every node needs Promptcut installed (`pip install promptcut[ray]`), like the head: Ray
imports this module by name on the node.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import platform
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bridge import __version__
from bridge.config import Settings, default_data_dir
from bridge.engine.executors.base import NodeDetails
from bridge.errors import Cancelled, GenerationFailed
from bridge.generators.base import Progress
from bridge.generators.diffusers_backend import DiffusersGenerator
from bridge.generators.presets import Preset
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.ray")

NODE_DIR_ENV = "PROMPTCUT_NODE_DIR"


def node_data_dir() -> Path:
    """The node's own Promptcut folder (tiny models, scratch files); never the bridge's."""
    if env := os.environ.get(NODE_DIR_ENV):
        return Path(env)
    return default_data_dir() / "ray-node"


def preset_to_dict(preset: Preset) -> dict[str, Any]:
    return dataclasses.asdict(preset)


def preset_from_dict(data: dict[str, Any]) -> Preset:
    data = dict(data)
    if data.get("caches") is not None:
        data["caches"] = tuple(data["caches"])
    return Preset(**data)


class _NodeGenerator(DiffusersGenerator):
    """The bridge sends each job's preset, so user presets need no copy on the node."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(settings)
        self.sent: dict[str, Preset] = {}

    def presets(self) -> dict[str, Preset]:
        return {**super().presets(), **self.sent}


class NodeWorker:
    """The actor class (wrapped with `ray.remote` by bridge.engine.executors.ray)."""

    def __init__(self) -> None:
        folder = node_data_dir()
        folder.mkdir(parents=True, exist_ok=True)
        self.settings = Settings(data_dir=folder)
        self.generator = _NodeGenerator(self.settings)
        self._lock = threading.Lock()
        self._reported = threading.Condition(self._lock)
        self._reports: dict[str, list[dict[str, Any]]] = {}  # the running job's, in order
        self._ended: set[str] = set()
        self._cancelled: set[str] = set()
        self._warm: str | None = None

    def describe(self) -> NodeDetails:
        """Where this actor runs: the bridge's ExecutorInfo and GET /workers show it."""
        import ray
        import torch

        from bridge.generators.memory import GIB, pick_device

        device = pick_device("auto")
        memory_gb = None
        name = None
        if device == "cuda":
            props = torch.cuda.get_device_properties(0)
            memory_gb, name = round(props.total_memory / GIB, 1), props.name
        context = ray.get_runtime_context()
        return {"node_id": context.get_node_id(), "host": platform.node(),
                "gpu_ids": [str(g) for g in ray.get_gpu_ids()], "device": device,
                "device_name": name, "memory_gb": memory_gb, "pid": os.getpid(),
                "data_dir": str(self.settings.data_dir), "torch": torch.__version__,
                "cpu_threads": torch.get_num_threads(),
                "promptcut": __version__}

    def warm_model(self) -> str | None:
        return self._warm

    def updates(self, job_id: str, after: int, wait_s: float) -> dict[str, Any]:
        """The job's reports from number `after` on, once there is one or the job has
        ended (or after `wait_s`): `{"reports": [...], "ended": bool}`."""
        def ready() -> bool:
            return len(self._reports.get(job_id, ())) > after or job_id in self._ended

        with self._reported:
            self._reported.wait_for(ready, wait_s)
            return {"reports": self._reports.get(job_id, [])[after:],
                    "ended": job_id in self._ended}

    def cancel(self, job_id: str) -> None:
        with self._lock:
            self._cancelled.add(job_id)

    def run(self, job_id: str, request: dict[str, Any], preset: dict[str, Any]) -> dict[str, Any]:
        """One take. Returns a plain outcome record rather than raising across Ray, so the
        bridge tells a failed take from a lost node without parsing exception text."""
        req = GenerationRequest.from_dict(request)
        chosen = preset_from_dict(preset)
        self.generator.sent[chosen.name] = chosen
        started = time.monotonic()

        with self._reported:  # one job at a time: older jobs' reports go (ended stays)
            self._reports = {job_id: []}
            self._ended.discard(job_id)
            if len(self._ended) > 64:
                self._ended.clear()  # long over: their listeners have been answered

        def on_progress(p: Progress) -> None:
            with self._reported:
                self._reports[job_id].append(p.to_json())
                self._reported.notify_all()

        def is_cancelled() -> bool:
            with self._lock:
                return job_id in self._cancelled

        try:
            self._check_weights(chosen)
            video = self.generator.generate(req, on_progress, is_cancelled)
            self._warm = chosen.name
            mp4 = self._encode(video.frames, video.fps)
        except Cancelled:
            return {"status": "cancelled"}
        except GenerationFailed as exc:
            return {"status": "failed", "code": exc.code, "message": exc.message}
        except Exception as exc:  # a failed take, never a dead actor
            log.exception("job %s failed on this node", job_id)
            return {"status": "failed", "code": "generation_failed",
                    "message": f"Generation failed on Ray node {platform.node()}: {exc}"}
        finally:
            with self._reported:
                self._ended.add(job_id)  # reports stay until the next job: none is lost
                self._cancelled.discard(job_id)
                self._reported.notify_all()
        return {"status": "done", "mp4": mp4, "fps": video.fps, "model_id": video.model_id,
                "revision": video.revision, "request": video.request.to_dict(),
                "info": {**video.info, "node_generate_s": round(time.monotonic() - started, 4)}}

    def _check_weights(self, preset: Preset) -> None:
        """A node never downloads on its own: it says plainly that it lacks the weights."""
        if preset.source != "hub":
            return
        from bridge.generators.hf_cache import hub_cache_dir, local_snapshot

        cache = hub_cache_dir(self.settings)
        if local_snapshot(cache, preset.model_id, preset.revision) is None:
            raise GenerationFailed(
                f"Ray node {platform.node()} has no weights for '{preset.name}' "
                f"({preset.model_id}) in its Hugging Face cache at {cache}. Download them to "
                f"that node from the model manager (POST /api/v1/workers/<id>/download) or "
                f"run `promptcut models download {preset.name}` on that machine.",
                code="model_unavailable")

    def _encode(self, frames: Any, fps: float) -> bytes:
        """H.264 MP4 bytes, made with the library's own encoder in a scratch file here."""
        from bridge.library import media

        scratch = self.settings.data_dir / "scratch"
        scratch.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(suffix=".mp4", dir=scratch)
        os.close(fd)
        path = Path(name)
        try:
            # The library's one H.264 writer (BT.709 tags, CFR, faststart); the node needs
            # only the video: the bridge makes the poster and strip from it.
            media.encode_video(frames, media.fps_fraction(fps), "{}", path)
            return path.read_bytes()
        finally:
            path.unlink(missing_ok=True)

    def download(self, preset: dict[str, Any]) -> dict[str, Any]:
        """Fetch a preset's weights into this node's Hugging Face cache (the model manager
        asks for it); returns the outcome as a record."""
        chosen = preset_from_dict(preset)
        self.generator.sent[chosen.name] = chosen
        try:
            path = self.generator.manager.download(chosen.name)
        except Exception as exc:
            return {"status": "failed", "message": getattr(exc, "message", str(exc))}
        return {"status": "done", "path": str(path)}

    def model_state(self, preset: dict[str, Any]) -> str:
        chosen = preset_from_dict(preset)
        self.generator.sent[chosen.name] = chosen
        return self.generator.manager.state(chosen).state
