"""The Ray cluster as the engine sees it: one RayExecutor per GPU of its live nodes.

A watcher thread asks Ray for the nodes every few seconds: a node that joins gets one actor
per GPU (pinned to it, `num_gpus=1`), and once an actor has answered `describe` it becomes an
executor (the worker starts a slot for it); a node that leaves takes its executors with it.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

import ray
import ray.exceptions as rx
from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

from bridge import __version__
from bridge.engine.executors.ray import ACTOR_THREADS, RayExecutor, connect
from bridge.engine.executors.ray_node import NodeWorker
from bridge.generators.presets import Preset

log = logging.getLogger("promptcut.ray")

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
