#!/usr/bin/env python3
"""Set up a fresh checkout and run Promptcut: `python3 dev.py serve` or `python3 dev.py test`.

Why a Python script and not a Makefile: editors run Windows and macOS, and Python is the one
interpreter every supported machine already has. It only uses the standard library, so it
runs before anything is installed.

torch is the one dependency chosen with care. `serve` keeps any torch already in the
environment (a user's CUDA or MPS build) and otherwise installs the newest one pip offers
(PROMPTCUT_TORCH may name another spec, PROMPTCUT_TORCH_INDEX a wheel index, as PyTorch's
install page gives for CUDA builds on Windows). `test` pins the CPU-capable release
(PROMPTCUT_TEST_TORCH, default torch==2.13.0) when none is present, so CI does not pull a
multi-gigabyte GPU build it cannot use.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("PROMPTCUT_VENV", ROOT / ".venv"))
TEST_TORCH = os.environ.get("PROMPTCUT_TEST_TORCH", "torch==2.13.0")
CHROMIUM = Path("/usr/bin/chromium")


def venv_python() -> Path:
    sub = "Scripts/python.exe" if os.name == "nt" else "bin/python"
    return VENV / sub


def run(*args: str | Path, **kw) -> None:
    print("+", " ".join(str(a) for a in args), flush=True)
    subprocess.run([str(a) for a in args], check=True, **kw)


def has_module(name: str) -> bool:
    probe = f"import importlib.util,sys; sys.exit(importlib.util.find_spec('{name}') is None)"
    return subprocess.run([str(venv_python()), "-c", probe]).returncode == 0


def ensure_venv() -> None:
    if not venv_python().exists():
        venv.EnvBuilder(with_pip=True).create(VENV)


def pip(*args: str) -> None:
    run(venv_python(), "-m", "pip", "install", "--disable-pip-version-check", "-q", *args)


def ensure_torch(spec: str) -> None:
    if has_module("torch"):
        return
    extra = []
    if index := os.environ.get("PROMPTCUT_TORCH_INDEX"):
        extra = ["--index-url", index]
    pip(spec, *extra)


def ensure_chromium() -> None:
    """Browser tests use Debian's Chromium; never a browser a test tool downloads itself."""
    if os.environ.get("PROMPTCUT_CHROMIUM") or CHROMIUM.exists():
        return
    if sys.platform.startswith("linux") and shutil.which("apt-get"):
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        run(*sudo, "apt-get", "update", "-q", env=env)
        run(*sudo, "apt-get", "install", "-y", "-q", "--no-install-recommends", "chromium", env=env)
    else:
        print("No Chromium found: set PROMPTCUT_CHROMIUM to a Chromium or Chrome binary.")


def ensure_node_tools() -> None:
    """TypeScript and Adobe's type packages check the UXP and CEP host adapters."""
    panel = ROOT / "panel"
    if (panel / "package.json").exists() and shutil.which("npm"):
        lock = (panel / "package-lock.json").exists()
        run("npm", "ci" if lock else "install", "--no-audit", "--no-fund", "--silent", cwd=panel)


def serve(args: list[str]) -> int:
    ensure_venv()
    ensure_torch(os.environ.get("PROMPTCUT_TORCH", "torch"))
    pip("-e", f"{ROOT}[desktop]" if "--desktop" in args else str(ROOT))
    args = [a for a in args if a != "--desktop"]
    return subprocess.run([str(venv_python()), "-m", "bridge", "serve", *args]).returncode


def test(args: list[str]) -> int:
    ensure_venv()
    ensure_torch(TEST_TORCH)
    pip("-e", f"{ROOT}[test,ray]")  # the Ray tests run a real local cluster
    ensure_chromium()
    ensure_node_tools()
    run(venv_python(), "-m", "ruff", "check", ROOT)
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUTF8": "1"}
    # Two workers: most tests wait on a real bridge process, so two keep both cores busy
    # (CI has two). A test module stays on one worker (its fixtures are built once).
    workers = [] if any(a.startswith("-n") for a in args) else ["-n", "2", "--dist", "loadfile"]
    cmd = [str(venv_python()), "-m", "pytest", "-q", "-p", "no:cacheprovider", *workers, *args]
    return subprocess.run(cmd, cwd=ROOT, env=env).returncode


def main() -> int:
    if len(sys.argv) < 2 or sys.argv[1] not in {"serve", "test"}:
        print(__doc__)
        return 2
    command, rest = sys.argv[1], sys.argv[2:]
    return serve(rest) if command == "serve" else test(rest)


if __name__ == "__main__":
    sys.exit(main())
