"""The local executor: one device of this machine, one warm pipeline, one job at a time.

Each device gets its own executor (`--devices`, default every CUDA device, else MPS, else the
CPU), each with its own DiffusersGenerator pinned to that device, so two GPUs keep two warm
models. The job runs on a thread of the executor's own; the slot that submitted it polls
`progress` and `result` and calls `cancel`, which the step callback sees within one step.
"""

from __future__ import annotations

import socket
import threading
from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from pathlib import Path

from bridge import faults
from bridge.config import Settings
from bridge.engine.executors.base import ExecutorInfo, ExecutorResult, Ticket
from bridge.errors import Cancelled
from bridge.generators.base import Progress
from bridge.request import GenerationRequest

GIB = 1024**3


@dataclass(frozen=True)
class DeviceSpec:
    device: str  # cuda:0, mps, cpu
    memory_gb: float | None  # total memory (declared with @NN, or read from the driver)


def parse_devices(spec: str, default: str = "auto") -> list[DeviceSpec]:
    """`auto`, or a list such as `0,2`, `cuda:1`, `cpu`, `cpu,cpu` (two CPU executors, for
    tests), each optionally with `@24` to declare the memory in GB it offers."""
    spec = (spec or default or "auto").strip()
    if spec in ("auto", "cuda", "mps"):
        return _detected(spec)
    out = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        name, _, mem = part.partition("@")
        device = f"cuda:{name}" if name.isdigit() else name
        if not (device in ("cpu", "mps") or device.startswith("cuda:")):
            raise ValueError(f"'{part}' is not a device: use auto, 0,1 (CUDA indices), "
                             "cuda:N, mps or cpu")
        out.append(DeviceSpec(device, float(mem) if mem else _memory_gb(device)))
    return out


def _detected(kind: str) -> list[DeviceSpec]:
    if kind == "auto" and _cpu_only_build():
        return [DeviceSpec("cpu", None)]
    import torch

    if kind in ("auto", "cuda") and torch.cuda.is_available():
        return [DeviceSpec(f"cuda:{i}", _memory_gb(f"cuda:{i}"))
                for i in range(torch.cuda.device_count())]
    mps = getattr(torch.backends, "mps", None)
    if kind in ("auto", "mps") and mps is not None and mps.is_available():
        return [DeviceSpec("mps", None)]
    return [DeviceSpec("cpu", None)]


def _memory_gb(device: str) -> float | None:
    if not device.startswith("cuda"):
        return None
    import torch

    if not torch.cuda.is_available():
        return None
    index = int(device.split(":")[1]) if ":" in device else 0
    return round(torch.cuda.get_device_properties(index).total_memory / GIB, 1)


class LocalExecution:
    """One job on the device. It pushes: `changed` is set at every report and when the
    result is in, so the slot waits on it instead of polling (bridge.engine.slots)."""

    def __init__(self) -> None:
        self.future: Future[ExecutorResult] = Future()
        self.cancelled = threading.Event()
        self.changed = threading.Event()
        self.latest: Progress | None = None
        self._pending: deque[Progress] = deque(maxlen=1000)
        self.future.add_done_callback(lambda _f: self.changed.set())

    def report(self, p: Progress) -> None:
        self.latest = p
        self._pending.append(p)
        self.changed.set()
        if p.step:  # a step that does not look at cancel (tests: a clean stop bounds it)
            faults.stall("executor.step")

    def updates(self) -> list[Progress]:
        """Every report since the last call, in order: a fast take can go through all its
        phases between two polls of the slot, and each phase should still be seen."""
        out = []
        while self._pending:
            out.append(self._pending.popleft())
        return out

    def cancel(self) -> None:
        self.cancelled.set()

    def result(self, timeout: float | None = None) -> ExecutorResult | None:
        try:
            return self.future.result(timeout)
        except FutureTimeout:
            return None


class LocalExecutor:
    """Executor (bridge.engine.executors.base) for one device of this machine."""

    def __init__(self, settings: Settings, spec: DeviceSpec, index: int, manager=None,
                 generator=None) -> None:
        from bridge.generators.diffusers_backend import DiffusersGenerator

        self.spec = spec
        device = spec.device
        self.info = ExecutorInfo(id=f"local:{device}" + (f":{index}" if device == "cpu" and
                                                          index else ""),
                                 kind="local", node=socket.gethostname(), device=device,
                                 memory_gb=spec.memory_gb)
        self.generator = generator or DiffusersGenerator(settings, device=device,
                                                         manager=manager)
        self._pool = ThreadPoolExecutor(1, thread_name_prefix=f"promptcut-{self.info.id}")

    def refuses(self, request: GenerationRequest, min_memory_gb: float | None) -> str | None:
        presets = getattr(self.generator, "presets", None)
        preset = presets().get(request.model) if presets else None
        if presets and preset is None:  # a cloud provider's preset, or one removed since
            return f"'{request.model}' is not a model of this machine"
        if preset is not None and getattr(preset, "provider", None):
            return f"'{request.model}' runs at {preset.provider}, not on this machine"
        if min_memory_gb and (self.info.memory_gb or 0) < min_memory_gb:
            have = f"{self.info.memory_gb:g} GB" if self.info.memory_gb else "no dedicated memory"
            return f"{self.info.device} has {have}; the job asks for {min_memory_gb:g} GB"
        return None

    def warm_model(self) -> str | None:
        warm = getattr(self.generator, "warm_model", None)
        return warm() if warm else None

    def submit(self, ticket: Ticket) -> LocalExecution:
        execution = LocalExecution()

        def run() -> None:
            faults.point("executor.run")
            try:
                video = self.generator.generate(ticket.request, execution.report,
                                                execution.cancelled.is_set)
            except BaseException as exc:  # the slot turns it into the job's outcome
                execution.future.set_exception(exc)
                return
            execution.future.set_result(ExecutorResult(
                request=video.request, fps=video.fps, model_id=video.model_id,
                revision=video.revision, frames=video.frames, info=video.info))

        if execution.cancelled.is_set():
            execution.future.set_exception(Cancelled())
        else:
            self._pool.submit(run)
        return execution

    def close(self, wait: bool = True) -> None:
        """Let go of the device. `wait=False` at a clean stop that abandoned a step still
        running: its thread is left to the process's exit, the model is not unloaded under it."""
        self._pool.shutdown(wait=wait, cancel_futures=True)
        if not wait:
            return
        unload = getattr(self.generator, "unload", None)
        if unload:
            unload()


def _cpu_only_build() -> bool:
    """True when the installed torch can only run on the CPU, found without importing it.

    Importing torch takes 2 to 4 s, and every start of `serve` and every CLI command that
    opens the library would pay it just to learn "cpu" (the model loads later, in the
    worker, and imports it then). A build says what it was compiled for in torch/version.py
    (`cuda`, `hip`, `xpu` are None on a CPU build); macOS builds may use MPS whatever the
    file says. Anything unexpected answers False, and torch is asked as before.
    """
    import importlib.util
    import re
    import sys

    if sys.platform == "darwin":
        return False
    try:
        spec = importlib.util.find_spec("torch")
        folders = list(spec.submodule_search_locations or []) if spec else []
        text = (Path(folders[0]) / "version.py").read_text(encoding="utf-8")
    except (ImportError, OSError, IndexError, ValueError):
        return False
    backends = [re.search(rf"^{name}(?:: [^=]+)? = (.+)$", text, re.M)
                for name in ("cuda", "hip", "xpu")]
    return all(m is not None and m.group(1).strip() == "None" for m in backends)

