"""What every cloud provider shares: presets, the remote job's state, and the client seam.

A provider module (fal.py, replicate.py, runway.py) is a small set of pure functions over
HTTP bodies (build the create request, read a status body, find the video URL, tell a
moderation refusal from a transient error) plus one ProviderSpec. The executor
(bridge.providers.executor) does the calling, retrying, polling and downloading for all of
them, so each provider's quirks sit in one short file next to the documentation it follows.
"""

from __future__ import annotations

import enum
import math
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


def aspect(width: int, height: int) -> str:
    """1280x720 -> "16:9", the form most providers take aspect ratios in."""
    g = math.gcd(width, height) or 1
    return f"{width // g}:{height // g}"


class RemoteState(str, enum.Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Status:
    """One poll of a remote job, in our terms."""

    state: RemoteState
    progress: float | None = None  # 0..1 when the provider reports it
    video_url: str | None = None
    error: str | None = None
    moderated: bool = False  # refused by the provider's content checks: never retried
    cost: dict[str, Any] | None = None  # what the provider reports (amount, unit, metrics)
    version: str | None = None


@dataclass(frozen=True)
class ProviderPreset:
    """A model that runs at a provider. Sizes and durations are what its API accepts."""

    name: str  # our preset name, e.g. "fal-ltx-video"
    label: str
    provider: str  # fal | replicate | runway
    model: str  # the provider's model or endpoint id
    t2v: str | None = None  # endpoint/model for text-to-video (None: not offered)
    i2v: str | None = None  # endpoint/model for image-to-video
    fps: float = 24.0
    sizes: tuple[tuple[int, int], ...] = ((1280, 720),)
    durations_s: tuple[int, ...] = (5,)
    seed: bool = True  # the API takes a seed
    negative_prompt: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # fixed body fields
    notes: str = ""

    @property
    def frame_choices(self) -> list[int]:
        return [round(d * self.fps) for d in self.durations_s]

    def public(self, how: str = "") -> dict[str, Any]:
        """The details GET /models shows (bridge.generators.details.ModelDetails)."""
        w, h = self.sizes[0]
        return {"fps": self.fps, "size_multiple": 1,
                "sizes": [list(s) for s in self.sizes], "frames": self.frame_choices,
                "defaults": {"width": w, "height": h, "num_frames": self.frame_choices[0],
                             "steps": None, "guidance": None, "fps": self.fps, "shift": None},
                "image_to_video": self.i2v is not None, "caches": [], "vram_gb": 0.0,
                "min_vram_gb": 0.0, "source": "provider", "revision": None,
                "notes": self.notes,
                "cloud": {"provider": self.provider, "remote_model": self.model,
                          "text_to_video": self.t2v is not None,
                          "durations_s": list(self.durations_s), "paid": True, "how": how}}


@dataclass(frozen=True)
class Call:
    """One HTTP request a provider module asks the executor to make."""

    method: str
    url: str
    json: dict[str, Any] | None = None


@dataclass(frozen=True)
class ProviderSpec:
    """A provider: its API's base URL, how the key is sent, and its body functions."""

    name: str
    label: str
    base_url: str
    docs: str  # the documentation page the client follows
    key_help: str  # where a user gets a key
    auth: Callable[[str], dict[str, str]]  # key -> headers
    create: Callable[[str, ProviderPreset, dict[str, Any]], Call]  # base, preset, inputs
    job_id: Callable[[dict[str, Any]], str]  # create response -> remote job id
    poll: Callable[[str, ProviderPreset, str, dict[str, Any]], Call]  # base, preset, id, created
    read: Callable[[dict[str, Any]], Status]  # poll response -> status
    cancel: Callable[[str, ProviderPreset, str, dict[str, Any]], Call | None]
    refusal: Callable[[int, Any], str | None]  # (HTTP status, body) -> moderation message
    result: Callable[[str, ProviderPreset, str, dict[str, Any]], Call | None] = (
        lambda base, preset, job, created: None)  # a separate result fetch (fal)
    headers: dict[str, str] = field(default_factory=dict)

    def url(self) -> str:
        """The API's base URL; PROMPTCUT_<NAME>_URL points it elsewhere (a stub, a proxy)."""
        return os.environ.get(f"PROMPTCUT_{self.name.upper()}_URL", self.base_url).rstrip("/")


@dataclass(frozen=True)
class Limits:
    """How long a remote job may take, and how politely it is polled."""

    deadline_s: float = 30 * 60.0  # whole job: create, queue, run, download
    poll_s: float = 2.0
    connect_s: float = 10.0
    read_s: float = 60.0
    backoff_max_s: float = 30.0

    @classmethod
    def from_env(cls) -> Limits:
        """PROMPTCUT_PROVIDER_DEADLINE_S / _POLL_S / _READ_S, for slow links and tests."""
        def num(name: str, default: float) -> float:
            try:
                return float(os.environ.get(f"PROMPTCUT_PROVIDER_{name}", default))
            except ValueError:
                return default

        return cls(deadline_s=num("DEADLINE_S", cls.deadline_s), poll_s=num("POLL_S", cls.poll_s),
                   read_s=num("READ_S", cls.read_s),
                   backoff_max_s=num("BACKOFF_MAX_S", cls.backoff_max_s))
