"""kill -9 in the middle of a job: on restart the job completes, nothing partial survives."""

from __future__ import annotations

import time
from pathlib import Path

from bridge.library import media


def test_killed_mid_job_recovers_without_loss(fresh_server):
    bridge = fresh_server.start()
    before = bridge.make_takes(1, prompt="made before the crash", width=32, height=32,
                               num_frames=9, steps=1)[0]
    job = bridge.submit(prompt="interrupted by a crash", width=64, height=64,
                        num_frames=25, steps=12)["jobs"][0]
    deadline = time.monotonic() + 60
    while True:
        state = bridge.api("GET", f"/jobs/{job['id']}").json()
        if (state.get("progress") or {}).get("step", 0) >= 3:
            break
        assert time.monotonic() < deadline, state
        time.sleep(0.05)
    bridge.kill()

    bridge.start()
    state = bridge.api("GET", f"/jobs/{job['id']}").json()
    assert state["status"] in ("queued", "running")
    done = bridge.wait_jobs([job["id"]], timeout=180)[0]
    assert done["status"] == "done", done
    assert done["attempts"] == 2
    take = bridge.api("GET", f"/takes/{done['take_id']}").json()
    info = media.probe(Path(take["media_path"]))
    assert (info.width, info.height, info.frames) == (64, 64, 25)
    # The take made before the crash is still there, files and all.
    assert bridge.api("GET", f"/takes/{before['id']}").status_code == 200
    assert Path(before["media_path"]).exists()
    # Exactly the two takes' files exist: no stray, partial or duplicate file.
    files = sorted(p.name for p in (bridge.data_dir / "media").rglob("*") if p.is_file())
    expected = sorted(Path(t[k]).name for t in (before, take) for k in ("media_path",)) + sorted(
        f"{Path(t['media_path']).stem}{s}" for t in (before, take)
        for s in (".jpg", ".strip.jpg", ".json"))
    assert files == sorted(expected)
    listed = bridge.api("GET", "/takes").json()["takes"]
    assert {t["id"] for t in listed} == {before["id"], take["id"]}


def test_a_clean_stop_during_a_step_that_will_not_end_is_bounded(tmp_path):
    """SIGTERM while a denoising step runs for two minutes without looking at cancel: the
    process exits 0 within its stop time (not after the step), the job is queued again with
    its attempt not counted, and the WAL is merged into the database file."""
    import signal
    import sqlite3
    import subprocess

    import pytest

    from tests.conftest import Bridge, new_data_dir

    bridge = Bridge(new_data_dir(tmp_path), env={"PROMPTCUT_STALL": "executor.step:120",
                                                 "PROMPTCUT_STOP_TIMEOUT_S": "2"}).start()
    try:
        job = bridge.submit(prompt="stopped mid-step", width=32, height=32, num_frames=9,
                            steps=3)["jobs"][0]
        deadline = time.monotonic() + 60
        while (bridge.api("GET", f"/jobs/{job['id']}").json().get("progress")
               or {}).get("step", 0) < 1:
            assert time.monotonic() < deadline
            time.sleep(0.05)
        sent = time.monotonic()
        bridge.proc.send_signal(signal.SIGTERM)
        try:
            code = bridge.proc.wait(15)
        except subprocess.TimeoutExpired:
            pytest.fail("the bridge did not stop within 15 s of SIGTERM")
        assert code == 0, bridge.log()
        assert time.monotonic() - sent < 10
        bridge._log.close()
        bridge.proc = None
        db = bridge.data_dir / "promptcut.sqlite3"
        wal = Path(f"{db}-wal")
        assert not wal.exists() or wal.stat().st_size == 0  # checkpointed
        with sqlite3.connect(db) as conn:
            status, attempts = conn.execute("SELECT status, attempts FROM jobs WHERE id = ?",
                                            (job["id"],)).fetchone()
        assert (status, attempts) == ("queued", 0)  # runs again at the next start, uncounted
    finally:
        bridge.stop()
