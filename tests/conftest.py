"""Shared fixtures: a real bridge process on loopback with the tiny model.

The server runs as `python -m bridge serve` in a child process, exactly as an editor starts
it, so tests cross real HTTP, a real SQLite file and the real job engine. Data dirs have
spaces and non-ASCII characters on purpose.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
ODD_NAME = "Promptcut data é ü 東京"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Bridge:
    """A `promptcut serve` child process and a small client for it."""

    def __init__(self, data_dir: Path, port: int | None = None,
                 extra_args: tuple[str, ...] = (), env: dict[str, str] | None = None,
                 launcher: tuple[str, ...] = ()) -> None:
        self.data_dir = data_dir
        self.env = dict(env or {})
        self.launcher = launcher  # a command the server runs under (a mount namespace ...)
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.extra_args = extra_args
        self.proc: subprocess.Popen | None = None
        self.log_path = data_dir.parent / f"bridge-{self.port}.log"
        self.http = requests.Session()

    @property
    def token(self) -> str:
        return (self.data_dir / "token").read_text(encoding="ascii").strip()

    def start(self, timeout: float = 90) -> Bridge:
        env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1", **self.env}
        self._log = open(self.log_path, "ab")  # noqa: SIM115 (closed in stop)
        self.proc = subprocess.Popen(
            [*self.launcher, sys.executable, "-m", "bridge", "serve", "--port", str(self.port),
             "--data-dir", str(self.data_dir), *self.extra_args],
            stdout=self._log, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"bridge exited: {self.log_path.read_text(errors='replace')}")
            try:
                if requests.get(f"{self.url}/api/v1/health", timeout=1).ok:
                    return self
            except (requests.ConnectionError, requests.Timeout):
                pass  # not listening yet, or too busy starting (a loaded machine) to answer
            time.sleep(0.1)
        raise RuntimeError("bridge did not start in time")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self._log.close()
        self.proc = None

    def kill(self) -> None:
        """Like a crash or a power cut: no shutdown code runs (SIGKILL; TerminateProcess)."""
        assert self.proc is not None
        self.proc.kill()
        self.proc.wait()
        self._log.close()
        self.proc = None

    def wait_exit(self, timeout: float = 120) -> int:
        """For crash tests: wait until the process dies by itself (a fault point)."""
        assert self.proc is not None
        code = self.proc.wait(timeout)
        self._log.close()
        self.proc = None
        return code

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    # ------------------------------------------------------------ client

    def api(self, method: str, path: str, *, auth: bool = True, **kw) -> requests.Response:
        headers = dict(kw.pop("headers", {}) or {})
        if auth:
            headers.setdefault("Authorization", f"Bearer {self.token}")
        kw.setdefault("timeout", 60)
        return self.http.request(method, f"{self.url}/api/v1{path}", headers=headers, **kw)

    def wait_jobs(self, job_ids: list[str], timeout: float = 120,
                  states: tuple[str, ...] = ("done", "failed", "cancelled")) -> list[dict]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            jobs = [self.api("GET", f"/jobs/{j}").json() for j in job_ids]
            if all(j["status"] in states for j in jobs):
                return jobs
            time.sleep(0.1)
        raise TimeoutError(f"jobs not finished: {jobs}")

    def wait_status(self, job_id: str, status: str, timeout: float = 60) -> dict:
        return self.wait_jobs([job_id], timeout, states=(status,))[0]

    def submit(self, **fields) -> dict:
        fields.setdefault("model", "tiny")
        resp = self.api("POST", "/jobs", json=fields)
        assert resp.status_code in (200, 201), resp.text
        return resp.json()

    def make_takes(self, n: int = 1, **fields) -> list[dict]:
        fields.setdefault("prompt", "a red fox in snow")
        batch = self.submit(takes=n, **fields)
        jobs = self.wait_jobs([j["id"] for j in batch["jobs"]])
        assert all(j["status"] == "done" for j in jobs), jobs
        return [self.api("GET", f"/takes/{j['take_id']}").json() for j in jobs]


@pytest.fixture(autouse=True)
def _hub_offline(monkeypatch):
    """No test may reach a model hub, whichever way pytest was started."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def new_data_dir(base: Path) -> Path:
    d = base / ODD_NAME
    d.mkdir(parents=True)
    return d


@pytest.fixture(scope="session")
def server(tmp_path_factory) -> Bridge:
    """One bridge for the whole session (start-up costs a few seconds of imports)."""
    bridge = Bridge(new_data_dir(tmp_path_factory.mktemp("session-bridge")))
    bridge.start()
    yield bridge
    bridge.stop()


@pytest.fixture
def fresh_server(tmp_path) -> Bridge:
    """A bridge of its own, for tests that kill it or need an empty queue."""
    bridge = Bridge(new_data_dir(tmp_path))
    yield bridge
    bridge.stop()


# The modules that take longest, longest first (measured with --durations on 2 cores). Run
# on two workers one module at a time (dev.py: -n 2 --dist loadfile), a long module that
# starts last keeps one worker busy while the other idles; starting them first lets the
# short ones fill in around them. A stale entry only costs time, never a result.
SLOW_FIRST = ("test_recovery", "test_engine_limits", "test_ray", "test_cli",
              "test_boards_cli", "test_bridge_openapi", "test_recovery_crashes",
              "test_boards_panel", "test_bridge_crash", "test_boards_chains",
              "test_panel_browser", "test_providers_api", "test_credentials",
              "test_panel_pairing", "test_install")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    rank = {name: i for i, name in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.stem, len(rank)))  # stable: order kept within

