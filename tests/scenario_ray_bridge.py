"""Scenario (run by tests/test_ray.py inside a loopback-only namespace): the bridge on Ray.

A Ray head and a second node (separate `ray start` processes, each with its own node folder
and Hugging Face cache), then `promptcut serve --executor ray --ray-address ...` and an HTTP
client, all on 127.0.0.1. Through the public API: a take runs on a Ray actor and its record
names the node, and its progress reaches the events as the actor pushes it; progress and
cancel reach the actor; a node without a preset's weights says
so in the job's error; two jobs run side by side and the second node is killed in the middle
of its job: that job is queued again and completes on the head, with one take per job and
no partial file; a node that joins later gets an actor and work. Writes result.json.
"""

from __future__ import annotations

import json
import sys
import time
import traceback
from pathlib import Path

from tests.conftest import Bridge, new_data_dir
from tests.ray_harness import LocalCluster

SLOW = dict(steps=40, width=64, height=64, num_frames=17)


def wait(predicate, timeout: float, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(every)
    raise TimeoutError(f"gave up after {timeout} s")


def ray_workers(bridge: Bridge) -> list[dict]:
    return [w for w in bridge.api("GET", "/workers").json()["workers"] if w["kind"] == "ray"]


def main(out: Path) -> None:
    res: dict = {"checks": {}}
    t0 = time.monotonic()
    cluster = LocalCluster(out)
    bridge = None
    try:
        cluster.start_head()
        cluster.add_node("second")
        bridge = Bridge(new_data_dir(out / "bridge"), extra_args=(
            "--executor", "ray", "--ray-address", cluster.address))
        bridge.start(timeout=240)
        workers = wait(lambda: (w := ray_workers(bridge)) and len(w) == 2 and w, 120)
        res["startup_s"] = round(time.monotonic() - t0, 1)
        res["workers"] = workers
        nodes = {w["node"] for w in workers}
        check = res["checks"]

        # 1. a take on a Ray actor; its record names the node
        take = bridge.make_takes(1, steps=2, num_frames=9, width=32, height=32)[0]
        check["take"] = {"executor": take["record"]["executor"],
                         "node_known": take["record"]["executor"]["node"] in nodes,
                         "frames": take["num_frames"]}
        # the actor pushed each report: the events carry every phase, in order, and the
        # first and last denoising step (the slot sends those always; a poll of the actor's
        # latest report every 100 ms could miss them on a take this quick)
        check["pushed"] = [(e["data"]["phase"], e["data"]["step"], e["data"]["steps"])
                           for e in bridge.api("GET", "/events?timeout=0").json()["events"]
                           if e["kind"] == "job.progress" and e["job_id"] == take["job_id"]]

        # 1b. the model manager asks a node to fetch a preset into its own cache
        worker = workers[0]["id"]
        after = bridge.api("GET", "/events?timeout=0").json()["last_seq"]
        resp = bridge.api("POST", f"/workers/{worker}/download", json={"model": "tiny"})
        event = wait(lambda: next((e for e in bridge.api(
            "GET", f"/events?after={after}&timeout=1").json()["events"]
            if e["kind"] == "model.updated" and (e.get("data") or {}).get("worker") == worker),
            None), 60)
        check["download"] = {"status": resp.status_code, "outcome": event["data"]["status"]}

        # 2. progress and cancel reach the actor
        job = bridge.submit(prompt="a slow take to cancel", seed=1, **SLOW)["jobs"][0]
        seen = wait(lambda: (j := bridge.api("GET", f"/jobs/{job['id']}").json())["progress"]
                    and j["progress"]["step"] >= 1 and j, 90)
        bridge.api("POST", f"/jobs/{job['id']}/cancel")
        stopped = wait(lambda: not bridge.api("GET", f"/jobs/{job['id']}").json()["stopping"]
                       and not any(w["job_id"] == job["id"] for w in ray_workers(bridge)), 60)
        check["cancel"] = {"progress": seen["progress"], "stopped": bool(stopped),
                           "status": bridge.api("GET", f"/jobs/{job['id']}").json()["status"]}

        # 3. a node without the weights says so plainly
        job = bridge.submit(prompt="needs real weights", model="ltx-video", force=True,
                            width=64, height=64, num_frames=9, steps=1)["jobs"][0]
        failed = bridge.wait_jobs([job["id"]], timeout=120)[0]
        check["no_weights"] = failed["error"]

        # 4. the second node dies mid-job; its job completes on the head
        head_node = next(w["node"] for w in workers if w["details"].get("is_head"))
        batch = bridge.submit(prompt="two at once", takes=2, seed=10, **SLOW)
        ids = [j["id"] for j in batch["jobs"]]
        on_second = wait(lambda: next((w for w in ray_workers(bridge) if w["job_id"] in ids
                                       and w["node"] != head_node), None), 90)
        victim = on_second["job_id"]
        wait(lambda: (bridge.api("GET", f"/jobs/{victim}").json()["progress"] or {}).get(
            "step", 0) >= 2, 90)
        cluster.kill("second")
        jobs = bridge.wait_jobs(ids, timeout=240)
        takes = bridge.api("GET", f"/takes?batch_id={batch['batch_id']}").json()["takes"]
        media = bridge.data_dir / "media" / batch["batch_id"]
        staging = bridge.data_dir / "staging"
        check["failover"] = {
            "statuses": [j["status"] for j in jobs],
            "victim_attempts": next(j["attempts"] for j in jobs if j["id"] == victim),
            "take_nodes_are_head": [t["record"]["executor"]["node"] == head_node
                                    for t in takes],
            "takes": len(takes), "jobs_with_takes": len({t["job_id"] for t in takes}),
            "media_files": sorted(p.suffix for p in media.iterdir()),
            "partials": [p.name for p in media.iterdir() if ".partial" in p.name],
            "staging_left": sorted(p.name for p in staging.rglob("*")) if staging.exists()
            else [],
            "lost_listed": [w["state"] for w in ray_workers(bridge)
                            if w["node"] == on_second["node"]]}

        # 5. a node that joins later gets an actor, and work
        cluster.add_node("late")
        late = wait(lambda: next((w for w in ray_workers(bridge) if w["node"] not in nodes
                                  and w["state"] == "idle"), None), 150)
        batch = bridge.submit(prompt="for the newcomer", takes=2, seed=20, steps=20,
                              width=64, height=64, num_frames=17)
        bridge.wait_jobs([j["id"] for j in batch["jobs"]], timeout=120)
        takes = bridge.api("GET", f"/takes?batch_id={batch['batch_id']}").json()["takes"]
        check["late_node"] = {"worker": late["id"],
                              "take_nodes": [t["record"]["executor"]["node"] == late["node"]
                                             for t in takes]}
    except Exception:
        res["error"] = traceback.format_exc()
        if bridge is not None and bridge.proc is not None:
            res["bridge_log"] = bridge.log()[-4000:]
    finally:
        if bridge is not None:
            bridge.stop()
        cluster.stop()
        res["total_s"] = round(time.monotonic() - t0, 1)
        (out / "result.json").write_text(json.dumps(res, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
