"""Scenario (run by tests/test_ray.py inside a loopback-only namespace): Ray executors.

A head and a second node, each with its own node folder and Hugging Face cache; one actor
per declared GPU. Checks, through the executor seam itself (submit, progress, cancel,
result): a take comes back as an MP4 in the staging folder; cancel stops a running take;
a node without a preset's weights says so; the second node killed mid-job makes `result`
raise ExecutorLost, leaves no file, and the same job then completes on the head; a node
that joins later gets an actor that runs a take. Writes result.json into the folder given.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from bridge.engine.executors.base import Ticket
from bridge.engine.executors.ray import RayCluster
from bridge.engine.request import GenerationRequest
from bridge.errors import Cancelled, ExecutorLost, GenerationFailed
from bridge.generators.presets import all_presets
from bridge.generators.validate import resolve_request
from bridge.library.media import probe
from tests.ray_harness import LocalCluster


def resolved(work: Path, **fields) -> GenerationRequest:
    return resolve_request(GenerationRequest(**fields), all_presets(work))


def wait_progress(execution, at_least: int, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        p = execution.progress()
        if p is not None and p.step >= at_least:
            return p.step
        time.sleep(0.05)
    raise TimeoutError("no progress from the actor")


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    res: dict = {"checks": {}}
    t0 = time.monotonic()
    work = out / "work é"
    work.mkdir(exist_ok=True)
    cluster = LocalCluster(out)
    pool = None
    try:
        cluster.start_head()
        cluster.add_node("second")
        pool = RayCluster(cluster.address, lambda: all_presets(work), poll_s=0.5)
        pool.start()
        executors = pool.wait_for(2, timeout=120)
        res["startup_s"] = round(time.monotonic() - t0, 1)
        res["executors"] = [e.info.to_json() for e in executors]
        head_id = next(n["NodeID"] for n in __import__("ray").nodes()
                       if "node:__internal_head__" in n.get("Resources", {}))
        head = next(e for e in executors if e.info.node == head_id)
        second = next(e for e in executors if e.info.node != head_id)
        staging = work / "staging ü"

        # 1. a take, with progress
        req = resolved(work, prompt="a red fox", model="tiny", seed=3, steps=3)
        ex1 = head.submit(Ticket("j1", 1, req, staging / "j1"))
        result = None
        while result is None:
            result = ex1.result(timeout=0.2)
        info = probe(result.video)
        res["checks"]["take"] = {"video": result.video.name, "frames": info.frames,
                                 "width": info.width, "in_staging": result.video.parent.name,
                                 "warm": head.warm_model(), "model_id": result.model_id,
                                 "node_ok": result.info["ray"]["node_id"] == head_id}

        # 2. cancel a running take
        slow = resolved(work, prompt="a slow take", model="tiny", seed=4, steps=150,
                        width=64, height=64)
        ex2 = head.submit(Ticket("j2", 1, slow, staging / "j2"))
        step = wait_progress(ex2, 1)
        ex2.cancel()
        try:
            ex2.result(timeout=60)
            res["checks"]["cancel"] = {"raised": None}
        except Cancelled:
            res["checks"]["cancel"] = {"raised": "Cancelled", "at_step": step,
                                       "files": sorted(p.name for p in (staging / "j2").glob(
                                           "*")) if (staging / "j2").exists() else []}

        # 3. a node without the weights says so
        hub = resolved(work, prompt="needs weights", model="ltx-video", seed=5)
        try:
            head.submit(Ticket("j3", 1, hub, staging / "j3")).result(timeout=120)
            res["checks"]["no_weights"] = {"raised": None}
        except GenerationFailed as exc:
            res["checks"]["no_weights"] = {"code": exc.code, "message": exc.message}

        # 4. the second node dies mid-job; the same job then completes on the head
        ticket = Ticket("j4", 1, slow, staging / "j4")
        ex4 = second.submit(ticket)
        step = wait_progress(ex4, 2)
        killed_at = time.monotonic()
        cluster.kill("second")
        try:
            ex4.result(timeout=90)
            lost = {"raised": None}
        except ExecutorLost as exc:
            lost = {"raised": "ExecutorLost", "message": str(exc), "at_step": step,
                    "after_s": round(time.monotonic() - killed_at, 2)}
        lost["files_after_loss"] = sorted(p.name for p in (staging / "j4").glob("*")) if (
            staging / "j4").exists() else []
        lost["refuses"] = second.refuses(slow, None)
        again = head.submit(Ticket("j4", 2, slow.replace(steps=3), staging / "j4"))
        done = again.result(timeout=120)
        lost["rerun_node_is_head"] = done.info["ray"]["node_id"] == head_id
        lost["files_after_rerun"] = sorted(p.name for p in (staging / "j4").glob("*"))
        pool.refresh()
        lost["executors_after"] = [e.info.id for e in pool.executors()]
        res["checks"]["failover"] = lost

        # 5. a node that joins later gets an actor, and work
        cluster.add_node("late")
        joined = pool.wait_for(2, timeout=120)
        late = [e for e in joined if e.info.node not in (head_id, second.info.node)]
        late_check: dict = {"joined": len(late)}
        if late:
            r = late[0].submit(Ticket("j5", 1, req.replace(seed=9), staging / "j5")).result(120)
            late_check["take_frames"] = probe(r.video).frames
        res["checks"]["late_node"] = late_check
    except Exception:
        res["error"] = traceback.format_exc()
    finally:
        if pool is not None:
            pool.close()
        cluster.stop()
        res["total_s"] = round(time.monotonic() - t0, 1)
        (out / "result.json").write_text(json.dumps(res, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
