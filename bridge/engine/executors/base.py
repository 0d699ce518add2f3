"""The executor seam: what runs one job somewhere and hands back a video.

The queue, the database and the library stay on the editor's machine. An executor is the
part that may live elsewhere: the local GPU (one executor per device), a Ray actor on a
studio's GPU server, or a cloud provider's API. The engine talks to every one of them
through the same four verbs (docs/architecture.md, A job):

    submit(ticket)        -> Execution     start the job; returns at once
    execution.changed     a threading.Event set at each progress report and when it is over
    execution.updates()   -> [Progress]    every report since the last call (phase, step
                                           i of n, ETA), in order
    execution.cancel()                     stop within one denoising step (or ask the provider)
    execution.result(t)   -> ExecutorResult | None   wait up to t seconds; None: not yet

`result` raises `bridge.errors.Cancelled` when the job was cancelled and
`bridge.errors.GenerationFailed` (code + a sentence a person can act on) when it failed. The
engine's slot thread for each executor claims jobs, sleeps until the execution pushes a
report (no executor is polled for progress), reads the database's job
state (cancellation is a state in the database, so whichever process sees it first, the
slot tells the executor), and passes the result to the finisher, which encodes when it got
frames, stores an encoded file as delivered, and records and registers the take.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np
from typing_extensions import TypedDict

from bridge.generators.base import Progress
from bridge.request import GenerationRequest


@dataclass(frozen=True)
class ExecutorInfo:
    """Where an executor runs; every take's record names it (`executor`)."""

    id: str  # unique in this bridge: "local:cuda:0", "ray:<node id>:0", "provider:fal"
    kind: str  # local | ray | provider
    node: str  # the machine: its host name, a Ray node id, or the provider's name
    device: str  # cuda:0, mps, cpu, or the provider's model
    memory_gb: float | None = None  # the device's total memory, when it has one

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "node": self.node, "device": self.device,
                "memory_gb": self.memory_gb}


class NodeDetails(TypedDict, total=False):
    """What a remote executor reports of the process it runs in (a Ray actor's `describe`;
    GET /workers shows it as `details`). A local or provider executor reports none."""

    node_id: str
    is_head: bool  # the cluster's head node (the bridge's RayCluster adds it)
    host: str
    gpu_ids: list[str]
    device: str
    device_name: str | None
    memory_gb: float | None
    pid: int
    data_dir: str
    torch: str
    cpu_threads: int
    promptcut: str


@dataclass(frozen=True)
class Ticket:
    """One attempt at one job, as the engine hands it to an executor.

    `staging` is a folder the engine made (and journaled) for this attempt alone: an
    executor that delivers an encoded file writes it there, nowhere else, so that recovery
    knows exactly which files a crashed attempt created.
    """

    job_id: str
    attempt: int
    request: GenerationRequest  # resolved: every field filled from the preset
    staging: Path


@dataclass
class ExecutorResult:
    """What came back: decoded frames to encode, or an encoded MP4 to store as is."""

    request: GenerationRequest
    fps: float
    model_id: str
    revision: str | None = None
    frames: np.ndarray | None = None  # uint8 (frames, height, width, 3) RGB
    video: Path | None = None  # an MP4 inside the ticket's staging folder
    info: dict[str, Any] = field(default_factory=dict)  # device, dtype, profile, timings
    provider: dict[str, Any] | None = None  # provider, model, version, job id, cost


class Execution(Protocol):
    changed: threading.Event

    def updates(self) -> list[Progress]: ...

    def cancel(self) -> None: ...

    def result(self, timeout: float | None = None) -> ExecutorResult | None: ...


class Executor(Protocol):
    info: ExecutorInfo

    def refuses(self, request: GenerationRequest, min_memory_gb: float | None) -> str | None:
        """None when this executor can run the request, else a sentence saying why not."""

    def warm_model(self) -> str | None:
        """The preset whose pipeline is loaded now (jobs for it prefer this executor)."""

    def submit(self, ticket: Ticket) -> Execution:
        """Start the job and return at once; at most one job runs per executor."""

    def close(self) -> None:
        """Release the device (or the connection) for good."""
