"""The bridge on a real local Ray cluster (a head and more nodes as separate processes),
the CPU torch build and the tiny model, all inside a loopback-only network namespace.

See tests/ray_harness.py for why the namespace, and what happens where it cannot be made.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.ray_harness import must_run, namespace_problem, run_in_loopback

HERE = Path(__file__).resolve().parent


@pytest.fixture
def loopback_only():
    problem = namespace_problem()
    if problem and must_run():
        pytest.fail(f"Ray tests must run here (CI or PROMPTCUT_REQUIRE_RAY=1): {problem}")
    if problem:
        pytest.skip(problem)


@pytest.mark.slow
@pytest.mark.timeout(420)
def test_bridge_on_ray_cancel_failover_and_late_node(loopback_only, tmp_path):
    res = run_in_loopback(HERE / "scenario_ray_bridge.py", tmp_path / "ray ü", 400)
    assert "error" not in res, res.get("error", "") + res.get("bridge_log", "") + res["_log"]
    checks = res["checks"]
    assert len(res["workers"]) == 2
    assert all(w["kind"] == "ray" and w["state"] == "idle" for w in res["workers"])
    take = checks["take"]
    assert take["executor"]["kind"] == "ray" and take["node_known"] and take["frames"] == 9
    pushed = checks["pushed"]  # (phase, step, steps) of each job.progress event, in order
    phases = [p for i, (p, _, _) in enumerate(pushed) if i == 0 or pushed[i - 1][0] != p]
    assert phases == ["loading", "denoising", "decoding", "encoding"], pushed  # + the bridge's
    denoising = [step for phase, step, _ in pushed if phase == "denoising"]
    assert denoising[0] == 0 and denoising[-1] == 2 and denoising == sorted(denoising), pushed
    assert checks["download"] == {"status": 202, "outcome": "done"}
    assert checks["cancel"]["progress"]["phase"] == "denoising"
    assert checks["cancel"] == {**checks["cancel"], "stopped": True, "status": "cancelled"}
    assert checks["no_weights"]["code"] == "model_unavailable"
    assert "has no weights for 'ltx-video'" in checks["no_weights"]["message"]
    lost = checks["failover"]
    assert lost["statuses"] == ["done", "done"], lost
    assert lost["victim_attempts"] == 2  # lost once, then run again elsewhere
    assert lost["take_nodes_are_head"] == [True, True]  # the second node is gone
    assert lost["takes"] == 2 and lost["jobs_with_takes"] == 2  # none lost, none twice
    assert lost["media_files"].count(".mp4") == 2 and lost["media_files"].count(".json") == 2
    assert lost["partials"] == [] and lost["staging_left"] == []
    assert set(lost["lost_listed"]) <= {"lost"}
    assert True in checks["late_node"]["take_nodes"]  # the newcomer got work
