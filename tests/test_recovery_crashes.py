"""Never lose a take when the process dies at the worst moment: in the middle of a delete,
between writing a take and registering it, or on every attempt of one job (real kills by
fault points, real restarts, real files)."""

from __future__ import annotations

import contextlib

import pytest
import requests
from test_recovery import TINY, files_of


@pytest.fixture
def bridge(fresh_server):
    return fresh_server


def test_a_kill_in_the_middle_of_a_delete_is_finished_at_start(bridge):
    bridge.env["PROMPTCUT_FAULT"] = "trash.delete.after_first_move"
    bridge.start()
    take = bridge.make_takes(1, prompt="deleted by a dying process", **TINY)[0]
    with pytest.raises(requests.ConnectionError):  # the process dies mid-request
        bridge.api("DELETE", f"/takes/{take['id']}", timeout=30)
    assert bridge.wait_exit(30) == 137
    trash = bridge.data_dir / "trash" / take["id"]
    assert 0 < len(list(trash.iterdir())) < 4  # half in trash/, half in media/
    del bridge.env["PROMPTCUT_FAULT"]
    bridge.start()
    assert bridge.api("GET", f"/takes/{take['id']}").status_code == 404
    assert sorted(p.name for p in trash.iterdir()) == sorted(p.name for p in files_of(take))
    assert not any(p.exists() for p in files_of(take))
    restored = bridge.api("POST", f"/takes/{take['id']}/restore")
    assert restored.status_code == 200, restored.text
    assert all(p.exists() for p in files_of(take)) and not list(trash.iterdir())
    again = bridge.api("POST", f"/takes/{take['id']}/restore")
    assert again.status_code == 409 and again.json()["error"]["field"] == "take_id"


def test_a_crash_between_writing_and_registering_keeps_the_take(bridge):
    bridge.env["PROMPTCUT_FAULT"] = "finisher.before_register"
    bridge.start()
    job = bridge.submit(prompt="written, not yet registered", **TINY)["jobs"][0]
    assert bridge.wait_exit(60) == 137
    del bridge.env["PROMPTCUT_FAULT"]
    bridge.start()
    done = bridge.wait_jobs([job["id"]])[0]
    assert done["status"] == "done" and done["attempts"] == 1  # finished, not re-run
    take = bridge.api("GET", f"/takes/{done['take_id']}").json()
    assert all(p.exists() for p in files_of(take))
    media = [p for p in (bridge.data_dir / "media").rglob("*") if p.is_file()]
    assert sorted(media) == sorted(files_of(take))  # nothing partial, nothing twice


def test_a_job_that_kills_the_process_each_time_is_given_up(bridge):
    bridge.env["PROMPTCUT_FAULT"] = "executor.run"
    bridge.start()
    with contextlib.suppress(requests.ConnectionError):  # it may die before it answers
        bridge.api("POST", "/jobs", json={"prompt": "takes the process down", "model": "tiny",
                                          **TINY}, timeout=30)
    for _ in range(3):  # attempts 1, 2 and 3 each kill the process
        assert bridge.wait_exit(60) == 137
        with contextlib.suppress(RuntimeError):  # died before /health answered
            bridge.start()
    (job,) = bridge.api("GET", "/jobs").json()["jobs"]
    failed = bridge.wait_status(job["id"], "failed")
    assert failed["attempts"] == 3 and failed["error"]["code"] == "crashed"
    assert "each of the 3 times" in failed["error"]["message"]
    assert bridge.api("GET", "/health").json()["worker"] == "ok"
