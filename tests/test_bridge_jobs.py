"""Jobs end to end over real HTTP: takes, seeds, reproducibility, cancel, idempotency, priority."""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np

from bridge.library import media

SLOW = {"steps": 200, "width": 128, "height": 128, "num_frames": 25}


def decoded(path: str) -> np.ndarray:
    import av

    with av.open(path) as c:
        return np.stack([f.to_ndarray(format="rgb24") for f in c.decode(video=0)])


def test_three_takes_decode_with_asked_size_frames_fps(server):
    takes = server.make_takes(3, prompt="three takes", width=64, height=32, num_frames=9,
                              fps=16, steps=2)
    assert len({t["seed"] for t in takes}) == 3
    for take in takes:
        info = media.probe(Path(take["media_path"]))
        assert (info.width, info.height, info.frames, info.fps) == (64, 32, 9, 16)
        assert info.codec == "h264" and info.pix_fmt == "yuv420p"
        assert info.record["take_id"] == take["id"]
        assert info.record["request"]["seed"] == take["seed"]
        sidecar = json.loads(Path(take["media_path"]).with_suffix(".json").read_text("utf-8"))
        assert sidecar["request"] == take["record"]["request"]
        assert take["test_model"] is True
        for url in ("media_url", "poster_url", "filmstrip_url"):
            resp = server.http.get(server.url + take[url], timeout=10)
            assert resp.status_code == 200, url


def test_seeds_are_consecutive_from_given_seed_and_same_seed_same_frames(server):
    a = server.make_takes(2, prompt="same seed", seed=1234, width=32, height=32,
                          num_frames=9, steps=2)
    assert [t["seed"] for t in a] == [1234, 1235]
    b = server.make_takes(1, prompt="same seed", seed=1234, width=32, height=32,
                          num_frames=9, steps=2)
    c = server.make_takes(1, prompt="same seed", seed=99, width=32, height=32,
                          num_frames=9, steps=2)
    same = decoded(a[0]["media_path"])
    assert np.array_equal(same, decoded(b[0]["media_path"]))
    assert not np.array_equal(same, decoded(c[0]["media_path"]))
    assert a[0]["record"]["request"] == b[0]["record"]["request"]


def test_seed_is_fixed_at_submit(server):
    batch = server.submit(prompt="seed fixed at queue time", takes=4, width=32, height=32,
                          num_frames=9, steps=1)
    seeds = [j["request"]["seed"] for j in batch["jobs"]]
    assert len(set(seeds)) == 4
    jobs = server.wait_jobs([j["id"] for j in batch["jobs"]])
    assert [j["request"]["seed"] for j in jobs] == seeds


def test_client_key_is_idempotent(server):
    body = {"prompt": "once only", "takes": 2, "client_key": "key-ü-1", "width": 32,
            "height": 32, "num_frames": 9, "steps": 1, "model": "tiny"}
    first = server.api("POST", "/jobs", json=body)
    second = server.api("POST", "/jobs", json=body)
    assert first.status_code == 201 and second.status_code == 200
    assert first.json()["batch_id"] == second.json()["batch_id"]
    assert [j["id"] for j in first.json()["jobs"]] == [j["id"] for j in second.json()["jobs"]]
    listed = server.api("GET", "/jobs", params={"batch_id": first.json()["batch_id"]}).json()
    assert len(listed["jobs"]) == 2


def test_cancel_queued_and_running(server):
    blocker = server.submit(prompt="long running", **SLOW)["jobs"][0]
    queued = server.submit(prompt="never runs", width=32, height=32, num_frames=9)["jobs"][0]
    running = server.wait_status(blocker["id"], "running")
    # Wait until denoising has begun, so the cancel must stop the loop itself.
    deadline = time.monotonic() + 60
    while (running.get("progress") or {}).get("phase") != "denoising":
        assert time.monotonic() < deadline
        time.sleep(0.05)
        running = server.api("GET", f"/jobs/{blocker['id']}").json()
    step_before = running["progress"]["step"]

    assert server.api("POST", f"/jobs/{queued['id']}/cancel").json()["status"] == "cancelled"
    t0 = time.monotonic()
    assert server.api("POST", f"/jobs/{blocker['id']}/cancel").json()["status"] == "cancelled"
    # The worker is free again quickly: a new job runs to completion well before 200 steps.
    after = server.make_takes(1, prompt="after cancel", width=32, height=32, num_frames=9,
                              steps=1)
    assert time.monotonic() - t0 < 30
    for job_id in (queued["id"], blocker["id"]):
        job = server.api("GET", f"/jobs/{job_id}").json()
        assert job["status"] == "cancelled" and job["take_id"] is None
    assert server.api("GET", f"/jobs/{queued['id']}").json()["started_at"] is None
    assert step_before < 200
    # No take and no file for either cancelled job.
    media_dir = server.data_dir / "media"
    for job in (queued, blocker):
        # A job's files would carry its planned take id: "t" + the job id's tail.
        assert list(media_dir.rglob(f"*t{job['id'][1:]}*")) == []
    assert Path(after[0]["media_path"]).exists()
    # A finished job cannot be cancelled: 409, not a 5xx.
    again = server.api("POST", f"/jobs/{blocker['id']}/cancel")
    assert again.status_code == 409 and again.json()["error"]["field"] == "job_id"


def test_priority_reorders_the_queue(server):
    blocker = server.submit(prompt="blocker", **SLOW)["jobs"][0]
    server.wait_status(blocker["id"], "running")
    a = server.submit(prompt="first queued", width=32, height=32, num_frames=9,
                      steps=1)["jobs"][0]
    b = server.submit(prompt="second queued", width=32, height=32, num_frames=9,
                      steps=1)["jobs"][0]
    assert server.api("GET", f"/jobs/{a['id']}").json()["position"] < server.api(
        "GET", f"/jobs/{b['id']}").json()["position"]
    patched = server.api("PATCH", f"/jobs/{b['id']}", json={"priority": 10})
    assert patched.status_code == 200 and patched.json()["priority"] == 10
    assert patched.json()["position"] == 0
    server.api("POST", f"/jobs/{blocker['id']}/cancel")
    done = server.wait_jobs([a["id"], b["id"]])
    by_id = {j["id"]: j for j in done}
    assert by_id[b["id"]]["started_at"] < by_id[a["id"]]["started_at"]
    # Reordering a finished job is an illegal transition.
    assert server.api("PATCH", f"/jobs/{a['id']}", json={"priority": 1}).status_code == 409


def test_events_long_poll_and_restart_detection(server):
    first = server.api("GET", "/events", params={"after": 0, "timeout": 0}).json()
    seq, epoch = first["last_seq"], first["epoch"]
    t0 = time.monotonic()
    empty = server.api("GET", "/events", params={"after": seq, "timeout": 0.5}).json()
    assert empty["events"] == [] and time.monotonic() - t0 >= 0.45
    batch = server.submit(prompt="events", width=32, height=32, num_frames=9, steps=2)
    job_id = batch["jobs"][0]["id"]
    kinds: list[str] = []
    deadline = time.monotonic() + 60
    while "job.done" not in kinds and time.monotonic() < deadline:
        poll = server.api("GET", "/events",
                          params={"after": seq, "timeout": 5, "epoch": epoch}).json()
        assert not poll["reset"]
        assert [e["seq"] for e in poll["events"]] == list(range(seq + 1, poll["last_seq"] + 1))
        seq = poll["last_seq"]
        kinds += [e["kind"] for e in poll["events"] if e.get("job_id") == job_id]
    assert kinds[0] == "job.queued" and "job.started" in kinds and "job.progress" in kinds
    assert "take.created" in kinds and kinds[-1] == "job.done"
    progress = [e for e in kinds if e == "job.progress"]
    assert progress
    # A client from another epoch (the bridge restarted) is told to reload.
    stale = server.api("GET", "/events", params={"after": seq, "epoch": "0" * 16}).json()
    assert stale["reset"] is True and stale["epoch"] == epoch
    ahead = server.api("GET", "/events", params={"after": seq + 10_000}).json()
    assert ahead["reset"] is True


def test_takes_filter_sort_page_patch_delete(server):
    takes = server.make_takes(3, prompt="library zebra crossing", width=32, height=32,
                              num_frames=9, steps=1)
    batch_id = takes[0]["batch_id"]
    ids = [t["id"] for t in takes]
    r = server.api("PATCH", f"/takes/{ids[0]}", json={"rating": 5, "status": "picked",
                                                      "tags": ["hero", "hero", " wide "],
                                                      "notes": "the one ✓"}).json()
    assert (r["rating"], r["status"], r["tags"], r["notes"]) == (5, "picked", ["hero", "wide"],
                                                                 "the one ✓")
    server.api("PATCH", f"/takes/{ids[1]}", json={"rating": 3})
    page = server.api("GET", "/takes", params={"batch_id": batch_id, "min_rating": 3,
                                               "sort": "-rating"}).json()
    assert [t["id"] for t in page["takes"]] == [ids[0], ids[1]]
    assert [t["id"] for t in server.api("GET", "/takes", params={
        "q": "zebra", "status": "picked"}).json()["takes"]] == [ids[0]]
    # Cursor paging walks the batch one by one, in order, without repeats.
    seen, cursor = [], None
    while True:
        params = {"batch_id": batch_id, "sort": "created", "limit": 1}
        if cursor:
            params["cursor"] = cursor
        page = server.api("GET", "/takes", params=params).json()
        seen += [t["id"] for t in page["takes"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == sorted(ids, key=lambda i: next(t["created_at"] for t in takes
                                                   if t["id"] == i))
    media_path = Path(takes[2]["media_path"])
    assert server.api("DELETE", f"/takes/{ids[2]}").status_code == 204
    assert not media_path.exists()
    assert (server.data_dir / "trash" / ids[2] / media_path.name).exists()
    assert server.api("GET", f"/takes/{ids[2]}").status_code == 404


def test_sse_stream_delivers_events_with_ids(server):
    import requests

    start = server.api("GET", "/events").json()["last_seq"]
    with requests.get(f"{server.url}/api/v1/events/stream", params={"after": start},
                      headers={"Authorization": f"Bearer {server.token}"}, stream=True,
                      timeout=60) as resp:
        assert resp.headers["Content-Type"].startswith("text/event-stream")
        job = server.submit(prompt="sse", width=32, height=32, num_frames=9, steps=1)
        job_id = job["jobs"][0]["id"]
        ids, kinds = [], []
        for line in resp.iter_lines(decode_unicode=True):
            if line.startswith("id: "):
                ids.append(int(line[4:]))
            elif line.startswith("data: "):
                event = json.loads(line[6:])
                if event.get("job_id") == job_id:
                    kinds.append(event["kind"])
                if event["kind"] == "job.done" and event.get("job_id") == job_id:
                    break
    assert ids == sorted(ids) and ids[0] == start + 1
    assert kinds[0] == "job.queued" and kinds[-1] == "job.done"


def test_missing_weights_fail_fast_with_advice(server):
    t0 = time.monotonic()
    job = server.submit(prompt="the real model is not here", model="ltx-video")["jobs"][0]
    assert job["request"]["model"] == "ltx-video"
    failed = server.wait_jobs([job["id"]], timeout=60)[0]
    assert failed["status"] == "failed"
    assert failed["error"]["code"] == "model_unavailable"
    assert "promptcut models download ltx-video" in failed["error"]["message"]
    assert time.monotonic() - t0 < 30
    # The worker is unharmed: the next job on the tiny model still runs.
    assert server.make_takes(1, width=32, height=32, num_frames=9, steps=1)
