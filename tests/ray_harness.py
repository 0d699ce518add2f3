"""A real local Ray cluster for tests and benchmarks, kept on loopback.

Ray 2.60 advertises the machine's network address even when told 127.0.0.1, so everything
Ray touches (cluster, bridge, client) runs inside a network namespace that has only the
loopback interface (`unshare -n`, then `ip link set lo up`): there Ray finds no other
address and uses 127.0.0.1, and its ports are private to the namespace.

`unshare -n` needs root on Linux. Where it is missing (macOS, Windows, a user account), the
Ray tests are skipped with that reason, unless CI=true or PROMPTCUT_REQUIRE_RAY=1, where they
fail instead: CI runs as root on Debian, so a skip there would hide a broken test.

Every process started here gets its own session, and is stopped by its process-group id
(`os.killpg`), never by name: `ray stop` would kill every Ray on the machine.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
PIDS_FILE = "pids.txt"


def namespace_problem() -> str | None:
    """None when a loopback-only namespace can be made here, else why not."""
    if not sys.platform.startswith("linux"):
        return "network namespaces (unshare -n) exist on Linux only"
    if os.geteuid() != 0:
        return "unshare -n needs root"
    if not shutil.which("unshare") or not shutil.which("ip"):
        return "unshare (util-linux) or ip (iproute2) is not installed"
    try:
        import ray  # noqa: F401
    except ImportError:
        return "ray is not installed (pip install promptcut[ray])"
    return None


def must_run() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get(
        "PROMPTCUT_REQUIRE_RAY") == "1"


def run_in_loopback(script: Path, out_dir: Path, timeout: float, *args: str) -> dict:
    """Run `script out_dir *args` in a loopback-only namespace; return its result.json."""
    out_dir.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "RAY_USAGE_STATS_ENABLED": "0",
           "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1"}
    inner = (f'ip link set lo up && exec "{sys.executable}" "{script}" "{out_dir}" '
             + " ".join(f'"{a}"' for a in args))
    log = open(out_dir / "scenario.log", "wb")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(["unshare", "-n", "sh", "-c", inner], cwd=ROOT, env=env,
                            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    finally:
        log.close()
        kill_recorded(out_dir)
    text = (out_dir / "scenario.log").read_text(encoding="utf-8", errors="replace")
    result = out_dir / "result.json"
    if not result.is_file():
        raise AssertionError(f"scenario wrote no result (exit {proc.returncode}):\n{text[-6000:]}")
    data = json.loads(result.read_text(encoding="utf-8"))
    data["_log"] = text[-6000:]
    return data


def descendants(pid: int) -> list[int]:
    """Every process below `pid`, read from /proc (Linux, where these tests run)."""
    parents: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def kill_recorded(out_dir: Path) -> None:
    """Kill every process group a scenario recorded (what it could not stop itself)."""
    path = out_dir / PIDS_FILE
    if not path.is_file():
        return
    for line in path.read_text().split():
        with contextlib.suppress(ProcessLookupError, PermissionError, ValueError):
            os.killpg(int(line), signal.SIGKILL)


class LocalCluster:
    """A Ray head and extra nodes, each `ray start --block` in a session of its own.

    Inside the scenario's namespace: fixed ports are private to it. Each node gets its own
    Promptcut node folder and Hugging Face cache (no node shares the other's weights).
    """

    def __init__(self, work: Path, port: int = 6390, env: dict[str, str] | None = None) -> None:
        self.work = work
        self.env = env or {}
        self.port = port
        self.address = f"127.0.0.1:{port}"
        # Ray's Unix sockets live under the temp dir: keep it short and ASCII.
        self.temp = Path(tempfile.mkdtemp(prefix="pcray", dir="/tmp"))
        self.nodes: dict[str, subprocess.Popen] = {}

    def _record(self, pid: int) -> None:
        with open(self.work / PIDS_FILE, "a") as f:
            f.write(f"{pid}\n")

    def node_dir(self, name: str) -> Path:
        return self.work / f"node {name} é"

    def _start(self, name: str, args: list[str]) -> subprocess.Popen:
        folder = self.node_dir(name)
        folder.mkdir(parents=True, exist_ok=True)
        env = {**os.environ, "PROMPTCUT_NODE_DIR": str(folder / "promptcut"),
               "HF_HOME": str(folder / "hf"), "HF_HUB_OFFLINE": "1",
               "RAY_USAGE_STATS_ENABLED": "0", "PYTHONPATH": str(ROOT),
               # Notice a dead node within seconds rather than half a minute.
               "RAY_health_check_period_ms": "1000", "RAY_health_check_failure_threshold": "3",
               "RAY_health_check_initial_delay_ms": "1000", **self.env}
        log = open(self.work / f"ray-{name}.log", "wb")  # noqa: SIM115 (child owns it)
        proc = subprocess.Popen(
            [str(BIN / "ray"), "start", "--block", "--num-cpus", "1", "--num-gpus", "1",
             "--object-store-memory", str(80 * 2**20), "--disable-usage-stats",
             "--temp-dir", str(self.temp), *args],
            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        self._record(proc.pid)
        self.nodes[name] = proc
        return proc

    def start_head(self, timeout: float = 60) -> None:
        self._start("head", ["--head", "--port", str(self.port), "--include-dashboard",
                             "false", "--node-ip-address", "127.0.0.1"])
        deadline = time.monotonic() + timeout
        import socket

        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return
            if self.nodes["head"].poll() is not None:
                raise RuntimeError((self.work / "ray-head.log").read_text(errors="replace"))
            time.sleep(0.2)
        raise RuntimeError("the Ray head did not start")

    def add_node(self, name: str) -> None:
        self._start(name, ["--address", self.address, "--node-ip-address", "127.0.0.1"])

    def kill(self, name: str) -> None:
        """Like a power cut on that machine: SIGKILL to its raylet and everything with it
        (Ray's workers start sessions of their own, so they are found as descendants)."""
        proc = self.nodes.pop(name)
        doomed = descendants(proc.pid)
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in doomed:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.wait()

    def stop(self) -> None:
        for name in list(self.nodes):
            self.kill(name)
        shutil.rmtree(self.temp, ignore_errors=True)
