"""The `promptcut` command as an editor runs it: generate, token, and a busy port."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

from bridge.cli import running
from bridge.library import media
from tests.conftest import ROOT, Bridge, new_data_dir


def promptcut(*args: str, timeout: float = 180, **extra: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1", **extra}
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
    assert "denoising" not in done.stderr and "%|" not in done.stderr  # no bar in a pipe


def test_generate_reports_bad_input_by_field(tmp_path):
    done = promptcut("generate", "x", "--model", "tiny", "--width", "33",
                     "--data-dir", str(new_data_dir(tmp_path)))
    assert done.returncode == 2 and "width" in done.stderr


def test_token_prints_the_token_file(tmp_path):
    data = new_data_dir(tmp_path)
    none = promptcut("token", "--data-dir", str(data))  # no library there: none is made
    assert none.returncode == 3 and "--new" in none.stderr and not (data / "token").exists()
    first = promptcut("token", "--data-dir", str(data), "--new").stdout.strip()
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


def test_one_worker_per_library_and_generate_queues_into_the_running_one(server, tmp_path):
    """A second process on a library in use does not start a worker: `generate` queues into
    the running bridge and follows it; a second `serve` refuses."""
    record = json.loads((running.state_dir() / "running" / f"{server.port}.json").read_text())
    assert Path(record["data_dir"]) == server.data_dir.resolve()
    before = len(server.api("GET", "/jobs").json()["jobs"])
    gen = promptcut("generate", "a second worker", "--model", "tiny", "--width", "32",
                    "--height", "32", "--num-frames", "9", "--steps", "1", "--data-dir",
                    str(server.data_dir), timeout=120)
    assert gen.returncode == 0, gen.stderr
    assert f"running Promptcut at {server.url}" in gen.stderr
    made = Path(gen.stdout.strip())
    assert made.is_file() and made.is_relative_to(server.data_dir / "media")
    assert len(server.api("GET", "/jobs").json()["jobs"]) == before + 1
    bad = promptcut("generate", "x", "--model", "tiny", "--width", "33", "--data-dir",
                    str(server.data_dir))
    assert bad.returncode == 2 and "width" in bad.stderr  # the bridge's answer, by field
    other = promptcut("serve", "--port", "0", "--data-dir", str(server.data_dir), timeout=120)
    assert other.returncode == 1 and "already working on the library" in other.stderr
    # The running server is unharmed.
    assert server.make_takes(1, width=32, height=32, num_frames=9, steps=1)


def test_commands_without_data_dir_use_the_running_bridges_library(server, tmp_path):
    state = tmp_path / "state é"
    (state / "running").mkdir(parents=True)
    (state / "running" / f"{server.port}.json").write_text(json.dumps(
        {"data_dir": str(server.data_dir), "port": server.port, "version": "0", "pid": 1}))
    (state / "running" / "1.json").write_text(json.dumps(  # left by a crash: ignored
        {"data_dir": str(tmp_path / "gone"), "port": 1, "version": "0", "pid": 1}))
    env = {k: v for k, v in os.environ.items() if k != "PROMPTCUT_DATA_DIR"}
    done = subprocess.run([sys.executable, "-m", "bridge", "token"], capture_output=True,
                          text=True, encoding="utf-8", timeout=60, cwd=ROOT,
                          env={**env, "PROMPTCUT_STATE_DIR": str(state)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == server.token
    log = server.log()
    assert "promptcut token --data-dir" in log and str(server.data_dir) in log  # the banner


def test_every_flag_has_help_and_every_listing_or_report_has_json():
    import argparse

    from bridge.cli import build_parser

    leaves: dict[str, argparse.ArgumentParser] = {}

    def walk(p: argparse.ArgumentParser, path: str) -> None:
        subs = [a for a in p._actions if isinstance(a, argparse._SubParsersAction)]
        for s in subs:
            for name, child in s.choices.items():
                walk(child, f"{path} {name}".strip())
        if not subs:
            leaves[path] = p

    walk(build_parser(), "")
    for path, p in leaves.items():
        quiet = [a.dest for a in p._actions if not a.help]
        assert not quiet, f"promptcut {path}: no help on {quiet}"
    reports = ["token", "generate", "models list", "export", "library repair", "verify",
               "doctor", "panel install", "panel uninstall", "logs", "providers list", "docs",
               "board import", "board generate", "board assemble", "board list", "loras list"]
    for path in reports:
        assert "--json" in leaves[path]._option_string_actions, path


def test_commands_are_quiet_and_leave_one_log_line_without_the_token(tmp_path):
    data = new_data_dir(tmp_path)
    done = promptcut("token", "--new", "--json", "--data-dir", str(data))
    assert done.returncode == 0 and done.stderr == ""  # no INFO lines without -v
    token = json.loads(done.stdout)["token"]
    log = (data / "logs" / "promptcut.log").read_text(encoding="utf-8")
    assert "cli run" in log and "promptcut token --new --json --data-dir" in log
    assert token not in log
    from bridge.logfile import redacted

    assert redacted(["x", "--api-key", "s3cret", "--token=abc", "--port", "1"]) == [
        "x", "--api-key", "***", "--token=***", "--port", "1"]


def test_refused_requests_are_logged_without_the_token(server):
    server.api("GET", "/jobs", headers={"Authorization": "Bearer not-the-token"})
    log = server.log()
    assert "refused GET /api/v1/jobs (Origin none): 401 unauthorized" in log
    assert "not-the-token" not in log and server.token not in log
