"""The engine under strain: a locked database, a damaged one, full queues, hopeless requests,
hostile prompts, and several devices sharing one queue. Real server, real SQLite."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, Bridge, free_port, new_data_dir
from hypothesis import given, settings
from hypothesis import strategies as st

from bridge.library.names import check_stem, take_stem

TINY = {"width": 32, "height": 32, "num_frames": 9, "steps": 1}
SLOW = {"width": 128, "height": 128, "num_frames": 25, "steps": 200}


@given(st.text(max_size=300), st.integers(0, 2**32 - 1))
@settings(max_examples=400, deadline=None)
def test_any_prompt_makes_a_portable_file_name(prompt, seed):
    stem = take_stem(prompt, seed, "t0123456789abcdef")
    check_stem(stem)
    assert len(f".{stem}.12345678.partial.strip.jpg".encode()) <= 255


@pytest.mark.parametrize("prompt", [
    "...and the camera pulls back", "CON", "aux.", " . ", "\u202egnp.exe slow pan",
    "zero\u200bwidth\ufeff joiner", "tab\tand\nnewline", "NUL", "COM1 at dawn"])
def test_hostile_prompts_generate_and_name_files_safely(server, prompt):
    take = server.make_takes(1, prompt=prompt, **TINY)[0]
    path = Path(take["media_path"])
    assert path.is_file()
    check_stem(path.stem)
    assert take["prompt"] == prompt.strip()


def test_a_locked_database_makes_the_worker_retry_not_die(tmp_path):
    bridge = Bridge(new_data_dir(tmp_path), env={"PROMPTCUT_DB_BUSY_TIMEOUT": "0.3"}).start()
    try:
        blocker = sqlite3.connect(bridge.data_dir / "promptcut.sqlite3", isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
        deadline = time.monotonic() + 20
        health = {}
        while time.monotonic() < deadline:
            health = bridge.api("GET", "/health", auth=False).json()
            if health["worker"] == "retrying":
                break
            time.sleep(0.1)
        assert health["worker"] == "retrying", health
        assert "database" in health["worker_reason"]
        blocker.execute("ROLLBACK")
        blocker.close()
        take = bridge.make_takes(1, prompt="after the lock", **TINY)[0]
        assert Path(take["media_path"]).is_file()
        assert bridge.api("GET", "/health", auth=False).json()["worker"] == "ok"
    finally:
        bridge.stop()


def test_queue_cap_and_cancelling_many(tmp_path):
    bridge = Bridge(new_data_dir(tmp_path), env={"PROMPTCUT_MAX_QUEUED": "3"}).start()
    try:
        running = bridge.submit(prompt="holds the device", **SLOW)["jobs"][0]
        bridge.wait_status(running["id"], "running")
        batch = bridge.submit(prompt="waits", takes=3, **TINY)
        full = bridge.api("POST", "/jobs", json={"prompt": "one too many", "model": "tiny",
                                                 **TINY})
        assert full.status_code == 429, full.text
        assert int(full.headers["Retry-After"]) > 0  # every 429 says when to try again
        assert full.json()["error"]["field"] == "takes"
        assert "at most 3" in full.json()["error"]["message"]
        gone = bridge.api("POST", "/jobs/cancel", json={"batch_id": batch["batch_id"]}).json()
        assert sorted(gone["cancelled"]) == sorted(j["id"] for j in batch["jobs"])
        assert bridge.api("POST", "/jobs", json={"prompt": "fits again", "model": "tiny",
                                                 **TINY}).status_code == 201
        everything = bridge.api("POST", "/jobs/cancel", json={"all": True}).json()
        assert running["id"] in everything["cancelled"]
        bridge.wait_status(running["id"], "cancelled")
        jobs = bridge.api("GET", "/jobs").json()["jobs"]
        assert all(j["status"] in ("cancelled", "done") for j in jobs)
        for body in ({}, {"batch_id": "b1", "all": True}, {"batch_id": "nope"}):
            resp = bridge.api("POST", "/jobs/cancel", json=body)
            assert 400 <= resp.status_code < 500 and resp.json()["error"]["field"], body
    finally:
        bridge.stop()


def test_a_hopeless_request_is_refused_at_submit_unless_forced(tmp_path):
    # A low limit keeps the forced take small; the defaults refuse 512x512x257 at 200 steps.
    server = Bridge(new_data_dir(tmp_path), env={"PROMPTCUT_MAX_ESTIMATE_S": "20"}).start()
    body = {"prompt": "far too big", "model": "tiny", "width": 128, "height": 128,
            "num_frames": 25, "steps": 200}
    refused = server.api("POST", "/jobs", json=body)
    assert refused.status_code == 400, refused.text
    err = refused.json()["error"]
    assert err["code"] == "too_slow" and err["field"] == "num_frames"
    assert err["details"]["estimate_s"] > err["details"]["limit_s"]
    assert "force" in err["message"]
    forced = server.api("POST", "/jobs", json={**body, "force": True})
    assert forced.status_code == 201
    job = forced.json()["jobs"][0]
    assert server.api("POST", f"/jobs/{job['id']}/cancel").status_code == 200
    server.wait_jobs([job["id"]])
    server.stop()


def test_two_devices_run_two_jobs_at_once(tmp_path):
    bridge = Bridge(new_data_dir(tmp_path), extra_args=("--devices", "cpu,cpu")).start()
    try:
        jobs = bridge.submit(prompt="two at once", takes=2, width=64, height=64, num_frames=17,
                             steps=40)["jobs"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            states = [bridge.api("GET", f"/jobs/{j['id']}").json() for j in jobs]
            if all(s["status"] == "running" for s in states):
                break
            time.sleep(0.05)
        assert {s["status"] for s in states} == {"running"}, states
        assert {s["executor"] for s in states} == {"local:cpu", "local:cpu:1"}
        done = bridge.wait_jobs([j["id"] for j in jobs], timeout=180)
        assert [j["status"] for j in done] == ["done", "done"], done
        takes = [bridge.api("GET", f"/takes/{j['take_id']}").json() for j in done]
        assert {t["record"]["executor"]["id"] for t in takes} == {"local:cpu", "local:cpu:1"}
        too_big = bridge.api("POST", "/jobs", json={"prompt": "needs a big card",
                                                    "model": "tiny", "min_memory_gb": 24,
                                                    **TINY})
        assert too_big.status_code == 400 and too_big.json()["error"]["field"] == \
            "min_memory_gb"
    finally:
        bridge.stop()


def serve_once(data_dir: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bridge", "serve", "--port", str(free_port()),
                           "--data-dir", str(data_dir)], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_a_damaged_database_stops_with_one_sentence_and_repair_rebuilds(tmp_path):
    bridge = Bridge(new_data_dir(tmp_path)).start()
    take = bridge.make_takes(1, prompt="kept through the damage", **TINY)[0]
    bridge.stop()
    db = bridge.data_dir / "promptcut.sqlite3"
    good = db.read_bytes()
    page = 4096
    damaged = {"garbage": b"this is not a database" * 100,
               "truncated": good[: page + 100],
               "one bad page": good[:page] + b"\xff" * page + good[2 * page:]}
    for name, data in damaged.items():
        db.write_bytes(data)
        out = serve_once(bridge.data_dir)
        assert out.returncode != 0, name
        assert "Traceback" not in out.stderr, (name, out.stderr)
        assert str(db) in out.stderr and "promptcut library repair" in out.stderr, name
    repair = subprocess.run([sys.executable, "-m", "bridge", "library", "repair",
                             "--data-dir", str(bridge.data_dir)], capture_output=True,
                            text=True, timeout=120, cwd=ROOT)
    assert repair.returncode == 0, repair.stderr
    assert "restored 1 take(s)" in repair.stdout
    kept = list(bridge.data_dir.glob("promptcut.sqlite3.damaged-*"))
    assert kept and kept[0].read_bytes() == damaged["one bad page"]
    bridge.start()
    assert bridge.api("GET", f"/takes/{take['id']}").status_code == 200
    bridge.stop()
