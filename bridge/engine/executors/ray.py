"""Ray executors: one actor per GPU of a Ray cluster, each an Executor of the engine.

`promptcut serve --executor ray [--ray-address ADDR]` connects the bridge to an existing
cluster as a Ray driver. The bridge stays the one place that holds the queue, the database
and the library; Ray only runs takes. No scheduler of ours spans machines: Ray places one
actor (`num_gpus=1`) on every GPU it has, pinned to its node, and the engine's slot for each
actor claims jobs from the one queue like a local device does.

- Results come back through Ray as MP4 bytes (encoded on the node) and are written into the
  ticket's staging folder under a temporary name, then renamed: no half file, no shared disk.
- Progress is pushed: a listener thread per job keeps one `updates` call waiting on the
  actor, which answers as soon as the take reports or ends (a long call on the threaded
  actor, so no extra actor or queue process); the result's ObjectRef future wakes the slot
  when the take is done. Cancel is an actor call answered while the take denoises.
- A node or actor that dies mid-job makes `result` raise ExecutorLost: the engine queues the
  job again and another executor runs it; nothing of the lost attempt was delivered.
- A watcher thread (`RayCluster`) asks Ray for the cluster's nodes every few seconds: a node
  that joins gets one actor per GPU (pinned to it, `num_gpus=1`), and once an actor has
  answered `describe` it becomes an executor (the worker starts a slot for it); a node that
  leaves takes its executors with it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from pathlib import Path
from typing import Any

import ray
import ray.exceptions as rx
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from bridge import __version__
from bridge.engine.executors.base import ExecutorInfo, ExecutorResult, Ticket
from bridge.engine.executors.ray_node import NodeWorker, preset_to_dict
from bridge.errors import Cancelled, ExecutorLost, GenerationFailed
from bridge.generators.base import Phase, Progress
from bridge.generators.presets import Preset
from bridge.request import GenerationRequest

log = logging.getLogger("promptcut.ray")

NAMESPACE = "promptcut"
ACTOR_THREADS = 4  # run + updates + cancel + download at once
LISTEN_S = 30.0  # how long one `updates` call waits on the actor before it is asked again

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
    """One job on one actor (Execution in bridge.engine.executors.base). It pushes:
    `changed` is set when the actor reports and when the result is in."""

    def __init__(self, executor: RayExecutor, ticket: Ticket, ref: Any) -> None:
        self.executor = executor
        self.ticket = ticket
        self.ref = ref
        self.changed = threading.Event()
        self._pending: deque[Progress] = deque(maxlen=1000)
        # Ray resolves the result's future on its own thread: the slot wakes at once.
        ref.future().add_done_callback(lambda _f: self.changed.set())
        self._listener = threading.Thread(target=self._listen, daemon=True,
                                          name=f"promptcut-ray-{ticket.job_id}")
        self._listener.start()

    def _listen(self) -> None:
        """Keep one `updates` call waiting on the actor until the job has ended; a lost
        actor ends it too (then `result` says so)."""
        seen = 0
        handle, job_id = self.executor.handle, self.ticket.job_id
        while True:
            try:
                got = ray.get(handle.updates.remote(job_id, seen, LISTEN_S))
            except rx.RayError:
                self.changed.set()
                return
            self._pending.extend(Progress(Phase(p["phase"]), p["step"], p["steps"], p["eta_s"])
                                 for p in got["reports"])
            seen += len(got["reports"])
            if got["reports"]:
                self.changed.set()
            if got["ended"] or (not got["reports"] and ray.wait([self.ref], timeout=0)[0]):
                return  # the take is over (or its result is in, whatever the actor kept)

    def updates(self) -> list[Progress]:
        """Every report since the last call, in order."""
        out = []
        while self._pending:
            out.append(self._pending.popleft())
        return out

    def cancel(self) -> None:
        with contextlib.suppress(rx.RayError):
            self.executor.handle.cancel.remote(self.ticket.job_id)

    def result(self, timeout: float | None = None) -> ExecutorResult | None:
        ready, _ = ray.wait([self.ref], timeout=timeout)
        if not ready:
            return None
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


# --- the cluster: one executor per GPU of its live nodes ---------------------------------

START_TIMEOUT_S = 300.0  # an actor imports torch and diffusers on its node first


class RayCluster:
    """Keeps one RayExecutor per GPU of the cluster's live nodes."""

    def __init__(self, address: str | None, presets: Callable[[], dict[str, Preset]], *,
                 poll_s: float = 2.0, on_change: Callable[[], None] = lambda: None) -> None:
        self.address = address
        self.presets = presets
        self.poll_s = poll_s
        self.on_change = on_change
        self._lock = threading.Lock()
        self._executors: dict[str, RayExecutor] = {}  # "<node id>:<slot>" -> executor
        self._starting: dict[str, tuple[Any, Any, float]] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._actor_class: Any = None

    def start(self) -> None:
        connect(self.address)
        self._actor_class = ray.remote(num_gpus=1, num_cpus=0, max_concurrency=ACTOR_THREADS,
                                       max_restarts=0, max_task_retries=0)(NodeWorker)
        self.refresh()
        self._thread = threading.Thread(target=self._watch, name="promptcut-ray", daemon=True)
        self._thread.start()

    def executors(self) -> list[RayExecutor]:
        with self._lock:
            return [e for e in self._executors.values() if not e.lost]

    def wait_for(self, count: int, timeout: float) -> list[RayExecutor]:
        """Block until `count` actors are ready (start-up, tests, benchmarks)."""
        deadline = time.monotonic() + timeout
        while len(self.executors()) < count and time.monotonic() < deadline:
            time.sleep(0.2)
            self.refresh()
        return self.executors()

    def _watch(self) -> None:
        while not self._stop.wait(self.poll_s):
            try:
                self.refresh()
            except Exception:  # the cluster may be restarting; try again next round
                log.warning("could not read the Ray cluster's nodes", exc_info=True)

    def refresh(self) -> None:
        """Drop executors of nodes that left, start actors on GPUs that have none."""
        alive = {n["NodeID"]: n for n in ray.nodes() if n.get("Alive")}
        changed = False
        with self._lock:
            for key, ex in list(self._executors.items()):
                if ex.info.node not in alive:
                    ex.mark_lost("its node left the cluster")
                if ex.lost:
                    del self._executors[key]
                    changed = True
            for node_id, node in alive.items():
                for slot in range(int(node.get("Resources", {}).get("GPU", 0))):
                    key = f"{node_id}:{slot}"
                    if key not in self._executors and key not in self._starting:
                        self._starting[key] = self._start_actor(node_id)
            changed |= self._collect_started(alive)
        if changed:
            self.on_change()

    def _start_actor(self, node_id: str) -> tuple[Any, Any, float]:
        handle = self._actor_class.options(
            scheduling_strategy=NodeAffinitySchedulingStrategy(node_id, soft=False)).remote()
        return handle, handle.describe.remote(), time.monotonic()

    def _collect_started(self, alive: dict[str, Any]) -> bool:
        changed = False
        for key, (handle, ref, since) in list(self._starting.items()):
            node_id, slot = key.rsplit(":", 1)
            ready, _ = ray.wait([ref], timeout=0)
            if not ready:
                if node_id not in alive or time.monotonic() - since > START_TIMEOUT_S:
                    log.warning("Ray worker on node %s did not start; trying again", node_id)
                    with contextlib.suppress(Exception):
                        ray.kill(handle, no_restart=True)
                    del self._starting[key]
                continue
            del self._starting[key]
            try:
                desc = ray.get(ref)
            except rx.RayError as exc:
                log.warning("Ray worker on node %s failed to start: %s", node_id, exc)
                continue
            if desc.get("promptcut", __version__) != __version__:
                log.warning("node %s runs Promptcut %s, the bridge %s; not using it",
                            desc["host"], desc.get("promptcut"), __version__)
                continue
            desc["is_head"] = "node:__internal_head__" in alive.get(node_id, {}).get(
                "Resources", {})
            self._executors[key] = RayExecutor(handle, desc, int(slot), self.presets)
            log.info("Ray worker %s ready on %s (%s)", self._executors[key].info.id,
                     desc["host"], desc["device"])
            changed = True
        return changed

    def close(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=5)
        with self._lock:
            for ex in self._executors.values():
                ex.close()
            for handle, _, _ in self._starting.values():
                with contextlib.suppress(Exception):
                    ray.kill(handle, no_restart=True)
            self._executors.clear()
            self._starting.clear()
        with contextlib.suppress(Exception):
            ray.shutdown()


def start_cluster(address: str | None, presets: Callable[[], dict[str, Preset]],
                  timeout: float = 180.0) -> RayCluster:
    """Join the cluster and wait (up to `timeout`) for an actor on every GPU it has now, so
    that the first jobs find executors; GPUs that come later join by themselves."""
    cluster = RayCluster(address, presets)
    cluster.start()
    gpus = sum(int(n.get("Resources", {}).get("GPU", 0)) for n in ray.nodes() if n.get("Alive"))
    ready = cluster.wait_for(gpus, timeout) if gpus else []
    log.info("Ray cluster at %s: %d GPU(s), %d worker(s) ready", address or "auto", gpus,
             len(ready))
    return cluster
