"""The interface between the job engine and any model backend.

The engine calls `resolve` when a job is queued (so bad requests fail before they wait in
the queue, and the stored request is complete and reproducible) and `generate` on the
worker thread. A backend reports progress through `on_progress` and polls `is_cancelled`
once per denoising step, raising `bridge.errors.Cancelled` to stop.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from typing_extensions import TypedDict  # pydantic reads it on 3.10/3.11

from bridge.generators.details import DownloadBytes, ModelDetails
from bridge.request import GenerationRequest


class Phase(str, enum.Enum):
    DOWNLOADING = "downloading"
    LOADING = "loading"
    DENOISING = "denoising"
    DECODING = "decoding"
    ENCODING = "encoding"


class ProgressData(TypedDict):
    """A Progress as JSON: a running job's `progress` and a `job.progress` event's data."""

    phase: Phase
    step: int
    steps: int
    eta_s: float | None


class DownloadProgress(DownloadBytes):
    """A model download's progress: a `model.progress` event's data."""

    name: str
    done: bool


@dataclass(frozen=True)
class Progress:
    phase: Phase
    step: int = 0
    steps: int = 0
    eta_s: float | None = None

    def to_json(self) -> ProgressData:
        # The phase's value (plain JSON), which equals the enum member.
        return {"phase": self.phase.value, "step": self.step,  # type: ignore[typeddict-item]
                "steps": self.steps,
                "eta_s": None if self.eta_s is None else round(self.eta_s, 2)}


ProgressFn = Callable[[Progress], None]
CancelledFn = Callable[[], bool]


@dataclass
class GeneratedVideo:
    """Frames as uint8 (frames, height, width, 3) plus what the take record must hold."""

    frames: np.ndarray
    fps: float
    request: GenerationRequest  # resolved: no field left to a default
    model_id: str
    revision: str | None = None
    info: dict[str, Any] = field(default_factory=dict)  # device, dtype, profile, timings, warm


@dataclass(frozen=True)
class ModelState:
    """A preset as the model manager reports it."""

    name: str
    label: str
    family: str
    model_id: str
    state: str  # ready | needs_download | unavailable | downloading
    test_model: bool = False
    size_bytes: int | None = None
    details: ModelDetails = field(default_factory=dict)  # type: ignore[assignment]
    provider: str | None = None  # a cloud provider's name; None: runs on this machine


class Generator(Protocol):
    def resolve(self, request: GenerationRequest) -> GenerationRequest:
        """Fill preset defaults and validate; raise InvalidRequest naming the field."""

    def generate(self, request: GenerationRequest, on_progress: ProgressFn,
                 is_cancelled: CancelledFn) -> GeneratedVideo:
        """Run one take; raise Cancelled, or GenerationFailed with an actionable message."""

    def models(self) -> list[ModelState]:
        """Every preset with its current state."""
