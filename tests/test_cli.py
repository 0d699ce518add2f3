"""The `promptcut` command as an editor runs it: generate, token, and a busy port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

from bridge.library import media
from tests.conftest import ROOT, Bridge, new_data_dir


def promptcut(*args: str, timeout: float = 180) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1"}
    return subprocess.run([sys.executable, "-m", "bridge", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=timeout, env=env, cwd=ROOT)


def test_generate_without_a_server_prints_take_files(tmp_path):
    data = new_data_dir(tmp_path)
    done = promptcut("generate", "a paper boat on a puddle", "--model", "tiny", "--takes", "2",
                     "--width", "32", "--height", "32", "--num-frames", "9", "--steps", "2",
                     "--seed", "7", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    files = [Path(line) for line in done.stdout.splitlines() if line.strip()]
    assert len(files) == 2
    seeds = []
    for f in files:
        assert f.exists() and f.is_relative_to(data / "media")
        info = media.probe(f)
        assert (info.width, info.height, info.frames) == (32, 32, 9)
        seeds.append(info.record["request"]["seed"])
    assert seeds == [7, 8]
    assert "denoising" in done.stderr  # the progress bar


def test_generate_reports_bad_input_by_field(tmp_path):
    done = promptcut("generate", "x", "--model", "tiny", "--width", "33",
                     "--data-dir", str(new_data_dir(tmp_path)))
    assert done.returncode == 2 and "width" in done.stderr


def test_token_prints_the_token_file(tmp_path):
    data = new_data_dir(tmp_path)
    first = promptcut("token", "--data-dir", str(data)).stdout.strip()
    assert len(first) >= 32
    assert promptcut("token", "--data-dir", str(data)).stdout.strip() == first
    assert (data / "token").read_text(encoding="ascii").strip() == first


def test_busy_port_names_what_holds_it(server, tmp_path):
    again = promptcut("serve", "--port", str(server.port), "--data-dir",
                      str(new_data_dir(tmp_path / "a")), timeout=60)
    assert again.returncode == 1
    assert "Promptcut 0." in again.stderr and "already running" in again.stderr

    with socket.socket() as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        busy = promptcut("serve", "--port", str(port), "--data-dir",
                         str(new_data_dir(tmp_path / "b")), timeout=60)
    assert busy.returncode == 1
    assert "another program" in busy.stderr and str(port) in busy.stderr


def test_model_stays_warm_across_jobs(tmp_path):
    bridge = Bridge(new_data_dir(tmp_path)).start()
    try:
        bridge.make_takes(1, width=32, height=32, num_frames=9, steps=1)
        bridge.make_takes(1, width=32, height=32, num_frames=9, steps=1)
        second = bridge.make_takes(1, width=32, height=32, num_frames=9, steps=1)[0]
    finally:
        bridge.stop()
    log = bridge.log()
    assert log.count("loaded tiny") == 1
    assert log.count("warm tiny") >= 2
    assert second["record"]["generation"]["warm"] is True


def test_one_worker_per_library(server, tmp_path):
    """A second process on a library in use refuses to start its worker, and queues nothing."""
    before = len(server.api("GET", "/jobs").json()["jobs"])
    gen = promptcut("generate", "a second worker", "--model", "tiny", "--data-dir",
                    str(server.data_dir), timeout=120)
    assert gen.returncode == 1 and "already working on the library" in gen.stderr
    other = promptcut("serve", "--port", "0", "--data-dir", str(server.data_dir), timeout=120)
    assert other.returncode == 1 and "already working on the library" in other.stderr
    assert len(server.api("GET", "/jobs").json()["jobs"]) == before
    # The running server is unharmed.
    assert server.make_takes(1, width=32, height=32, num_frames=9, steps=1)
