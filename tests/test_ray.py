"""Ray executors on a real local Ray cluster (a head and more nodes as separate processes),
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
@pytest.mark.timeout(300)
def test_ray_executor_seam_failover_and_late_node(loopback_only, tmp_path):
    res = run_in_loopback(HERE / "scenario_ray_executor.py", tmp_path / "ray ü", 280)
    assert "error" not in res, res.get("error", "") + res["_log"]
    checks = res["checks"]
    assert len(res["executors"]) == 2 and all(e["kind"] == "ray" for e in res["executors"])
    take = checks["take"]
    assert take == {**take, "frames": 17, "width": 32, "in_staging": "j1", "warm": "tiny",
                    "node_ok": True}
    assert checks["cancel"] == {"raised": "Cancelled", "at_step": checks["cancel"]["at_step"],
                                "files": []}
    assert checks["no_weights"]["code"] == "model_unavailable"
    assert "has no weights for 'ltx-video'" in checks["no_weights"]["message"]
    lost = checks["failover"]
    assert lost["raised"] == "ExecutorLost", lost
    assert lost["files_after_loss"] == []  # nothing half-written by the lost attempt
    assert lost["refuses"] and "gone" in lost["refuses"]
    assert lost["rerun_node_is_head"] is True
    assert lost["files_after_rerun"] == ["j4-2.mp4"]  # one take, from the second attempt
    assert len(lost["executors_after"]) == 1
    assert checks["late_node"] == {"joined": 1, "take_frames": 17}
