"""GET /workers through a real bridge: every executor, where it runs, its warm model and
state; a take's record names where it ran; provider executors come and go with keys."""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path


def _workers(server) -> dict:
    resp = server.api("GET", "/workers")
    assert resp.status_code == 200, resp.text
    return {w["id"]: w for w in resp.json()["workers"]}


def test_workers_list_where_jobs_run_and_what_is_warm(server):
    take = server.make_takes(1, steps=1, num_frames=9, width=32, height=32)[0]
    where = take["record"]["executor"]
    workers = _workers(server)
    local = workers[where["id"]]
    assert local["kind"] == "local" and local["node"] == socket.gethostname()
    assert local["device"] == where["device"] == "cpu"
    assert local["warm_model"] == "tiny"
    assert local["state"] in ("idle", "busy") and set(local) >= {"memory_gb", "job_id"}


def test_provider_workers_come_with_a_key_and_go_without(server):
    assert not [w for w in _workers(server).values() if w["kind"] == "provider"]
    assert server.api("PUT", "/providers/runway/key", json={"key": "key_0123456789ab"}).ok
    runway = [w for w in _workers(server).values() if w["kind"] == "provider"]
    assert runway and all(w["node"] == "runway" and w["device"] == "cloud" for w in runway)
    assert server.api("DELETE", "/providers/runway/key").ok
    deadline = time.monotonic() + 10
    while [w for w in _workers(server).values() if w["kind"] == "provider" and
           w["state"] != "lost"] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [w for w in _workers(server).values() if w["kind"] == "provider"
                and w["state"] != "lost"]


def test_download_on_a_worker_refuses_what_it_cannot_do(server):
    local = next(w for w in _workers(server).values() if w["kind"] == "local")
    resp = server.api("POST", f"/workers/{local['id']}/download", json={"model": "tiny"})
    assert resp.status_code == 400 and resp.json()["error"]["field"] == "worker_id"
    resp = server.api("POST", "/workers/nope/download", json={"model": "tiny"})
    assert resp.status_code == 404 and resp.json()["error"]["field"] == "worker_id"
    resp = server.api("POST", f"/workers/{local['id']}/download", json={})
    assert resp.status_code == 400 and resp.json()["error"]["field"] == "model"


def test_auto_devices_know_a_cpu_build_without_importing_torch(tmp_path):
    """`--devices auto` reads a CPU-only build from torch/version.py (importing torch costs
    every start 2-4 s); any other build, or an unreadable file, asks torch itself."""
    import subprocess
    import sys

    import torch

    from bridge.engine.executors.local import _cpu_only_build, parse_devices

    if sys.platform != "darwin":  # this machine's real torch: the two answers agree
        assert _cpu_only_build() == (torch.version.cuda is None and torch.version.hip is None)
    if _cpu_only_build():
        assert parse_devices("auto") == parse_devices("cpu")
    probe = ("import sys; from bridge.engine.executors.local import _cpu_only_build; "
             "print(_cpu_only_build(), 'torch' in sys.modules)")
    for cuda, expected in (("None", "True"), ("'12.8'", "False")):
        fake = tmp_path / f"cuda {cuda.strip(chr(39))}" / "torch"
        fake.mkdir(parents=True)
        (fake / "__init__.py").write_text("raise ImportError('not imported, only read')\n")
        (fake / "version.py").write_text(
            f"from typing import Optional\ncuda: Optional[str] = {cuda}\n"
            "hip: Optional[str] = None\nxpu: Optional[str] = None\n", "utf-8")
        out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                             env={**os.environ, "PYTHONPATH": f"{fake.parent}{os.pathsep}"
                                                f"{Path(__file__).resolve().parents[1]}"})
        if sys.platform != "darwin":
            assert out.stdout.split() == [expected, "False"], out.stderr
