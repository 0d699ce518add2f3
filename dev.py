#!/usr/bin/env python3
"""Set up a fresh checkout and run Promptcut: `python3 dev.py serve` or `python3 dev.py test`.

Why a Python script and not a Makefile: editors run Windows and macOS, and Python is the one
interpreter every supported machine already has. It only uses the standard library, so it
runs before anything is installed.

torch is the one dependency chosen with care. `serve` keeps any torch already in the
environment and otherwise picks the build that fits the machine (`choose_torch`): the CUDA
build where an NVIDIA GPU is present, Apple's build (Metal) on Apple silicon, the CPU build
otherwise. It says what it chose and why. PROMPTCUT_TORCH names another spec and
PROMPTCUT_TORCH_INDEX a wheel index (PyTorch's install page lists one per CUDA version and
one for CPU-only builds); PROMPTCUT_TORCH_CPU_INDEX / PROMPTCUT_TORCH_CUDA_INDEX give the
index each kind of machine uses when PROMPTCUT_TORCH_INDEX is unset. `test` installs the
pinned release (PROMPTCUT_TEST_TORCH, default torch==2.13.0) as a CPU build when none is
present, so CI does not pull a multi-gigabyte GPU build it cannot use.
"""

from __future__ import annotations

import os
import platform
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Machine:
    """The platform facts the torch choice depends on, gathered by `machine_facts`."""

    system: str  # sys.platform: "linux", "win32", "darwin"
    arch: str  # platform.machine(): "x86_64", "AMD64", "arm64", "aarch64"
    nvidia_gpu: bool  # nvidia-smi lists a GPU, or the driver is loaded


@dataclass(frozen=True)
class TorchChoice:
    build: str  # "cuda", "mps", "cpu" or "custom"
    spec: str  # what is installed
    index: str | None  # a wheel index for pip's --index-url, or None
    reason: str  # one sentence for the person watching
    backend: str | None = None  # uv's --torch-backend ("cpu", "auto") where PyTorch's own
    # index holds the build that fits; None where pip's default (or `index`) is the one

    def pip_args(self) -> list[str]:
        return [self.spec, *(["--index-url", self.index] if self.index else [])]


def choose_torch(machine: Machine, env: dict[str, str]) -> TorchChoice:
    """Which torch build `serve` installs on this machine: a pure function of the platform
    facts and the environment, so each platform's choice is tested without that platform.

    pip's default torch differs by platform: on Linux x86-64 it is one CUDA build (several GB,
    useless without an NVIDIA GPU, and tied to one CUDA version), on Windows the CPU build
    (useless with one), on macOS the build with Apple's Metal backend. The builds that fit
    Linux and Windows live on PyTorch's own wheel index. We do not keep its address: uv knows
    it (`--torch-backend`, which also reads the driver's CUDA version to pick the matching
    build), so those machines install through uv. PROMPTCUT_TORCH_INDEX (any machine) or
    PROMPTCUT_TORCH_CPU_INDEX / PROMPTCUT_TORCH_CUDA_INDEX (per kind) name an index instead.
    """
    spec = env.get("PROMPTCUT_TORCH") or "torch"
    chosen = env.get("PROMPTCUT_TORCH_INDEX") or None
    if env.get("PROMPTCUT_TORCH") or chosen:
        return TorchChoice("custom", spec, chosen,
                           "PROMPTCUT_TORCH / PROMPTCUT_TORCH_INDEX are set: using them as given")
    if machine.system == "darwin":
        if machine.arch in ("arm64", "aarch64"):
            return TorchChoice("mps", spec, None, "Apple silicon: pip's torch for macOS runs "
                               "on the GPU through Apple's Metal (MPS) backend")
        return TorchChoice("cpu", spec, None, "an Intel Mac: torch runs on the CPU")
    if machine.nvidia_gpu:
        if index := env.get("PROMPTCUT_TORCH_CUDA_INDEX"):
            return TorchChoice("cuda", spec, index, "an NVIDIA GPU is present: the CUDA build "
                               "from PROMPTCUT_TORCH_CUDA_INDEX")
        return TorchChoice("cuda", spec, None, "an NVIDIA GPU is present: the CUDA build that "
                           "matches its driver, from PyTorch's own index (through uv)",
                           backend="auto")
    if index := env.get("PROMPTCUT_TORCH_CPU_INDEX"):
        return TorchChoice("cpu", spec, index, "no NVIDIA GPU: the CPU build from "
                           "PROMPTCUT_TORCH_CPU_INDEX")
    if machine.system == "win32":
        return TorchChoice("cpu", spec, None, "no NVIDIA GPU: pip's torch for Windows is the "
                           "CPU build")
    return TorchChoice("cpu", spec, None, "no NVIDIA GPU: the CPU-only build (a fraction of "
                       "the CUDA build's size), from PyTorch's own index (through uv)",
                       backend="cpu")


def machine_facts() -> Machine:
    """The real machine: an NVIDIA GPU is seen by nvidia-smi or by its loaded driver."""
    gpu = Path("/proc/driver/nvidia/gpus").is_dir() and any(
        Path("/proc/driver/nvidia/gpus").iterdir())
    if not gpu and shutil.which("nvidia-smi"):
        try:
            out = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True,
                                 timeout=20)
            gpu = out.returncode == 0 and "GPU" in out.stdout
        except (OSError, subprocess.SubprocessError):
            gpu = False
    return Machine(sys.platform, platform.machine(), gpu)


UV = "uv==0.13.9"  # installs torch from PyTorch's own index by backend name (see choose_torch)


def install_torch(choice: TorchChoice) -> None:
    """Install `choice`; where it needs PyTorch's own index and that cannot be reached (a
    mirror, an offline network, a proxy uv is not told of), pip's default torch is installed
    instead, so the one command still brings the bridge up, and the notice says so."""
    if choice.backend is None:
        pip(*choice.pip_args())
        return
    pip(UV)
    env = {**os.environ, "UV_HTTP_RETRIES": os.environ.get("UV_HTTP_RETRIES", "1")}
    got = subprocess.run([str(venv_python()), "-m", "uv", "pip", "install", "--quiet",
                          "--python", str(venv_python()), "--torch-backend", choice.backend,
                          choice.spec], env=env)
    if got.returncode == 0:
        return
    print(f"torch: PyTorch's index for the {choice.build} build could not be reached (uv "
          "said why above). Installing pip's default torch instead so that everything runs; "
          "for the build that fits, run this again in a fresh .venv once the index is "
          "reachable, or name a wheel index with PROMPTCUT_TORCH_INDEX.", file=sys.stderr,
          flush=True)
    pip(choice.spec)


def ensure_torch(spec: str) -> None:
    """`test`: the pinned release, as a CPU build (tests never need a GPU)."""
    if has_module("torch"):
        return
    env = {k: v for k, v in os.environ.items() if k != "PROMPTCUT_TORCH"}
    choice = choose_torch(Machine(sys.platform, platform.machine(), nvidia_gpu=False), env)
    install_torch(TorchChoice(choice.build, spec, choice.index, choice.reason, choice.backend))


def ensure_serving_torch() -> bool:
    """Install the torch that fits, saying what was chosen and how to change it; True once
    torch is there."""
    if has_module("torch"):
        print("torch: keeping the build already in .venv (remove .venv, or set "
              "PROMPTCUT_TORCH / PROMPTCUT_TORCH_INDEX in a fresh one, to change it)")
        return True
    choice = choose_torch(machine_facts(), dict(os.environ))
    where = f" from {choice.index}" if choice.index else ""
    print(f"torch: installing the {choice.build} build ({choice.spec}{where}): {choice.reason}."
          "\n  To change it: PROMPTCUT_TORCH=<pip spec> and/or PROMPTCUT_TORCH_INDEX=<wheel "
          "index from PyTorch's install page>, in a fresh .venv.", flush=True)
    install_torch(choice)
    return True


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
    if not ensure_serving_torch():
        return 2
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
    # librosa's numba kernels compiled once before the workers start (bridge.boards.song).
    run(venv_python(), "-m", "bridge.boards.song", "--warm", cwd=ROOT)
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
