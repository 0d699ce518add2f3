"""The looks records a generation request holds (bottom of the stack: imports nothing of
Promptcut), so a take's record names every adapter that shaped it."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AppliedLora:
    """A LoRA as a take used it: enough to make the take again exactly (the file's sha256)
    and to say in words what it was (the shelf's name at the time). The file's path is
    not part of it: the shelf finds the file by id and hash when a job runs, and a take's
    record and Content Credentials carry no path from the editor's disk."""

    id: str
    name: str
    sha256: str
    weight: float = 1.0
    family: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> AppliedLora:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


CAMERA_ROUTES = ("keyframes", "camera_lora")


@dataclass(frozen=True)
class CameraShot:
    """A camera move as a take used it (bridge.looks.moves fills the route when the job is
    queued): `move` and `amount` as the editor asked (bridge.looks.camera.Move); `route`
    says how the model was steered: `keyframes` (start and end drawn from `still`, the
    image the move starts from, stored by sha256) or `camera_lora` (the model's own camera
    adapter, `lora` its repo). `link` counts the push-ins of an infinite zoom (0 starts from
    the still; each next one from the last frame of the one before)."""

    move: str
    amount: float = 0.25
    route: str | None = None
    still: str | None = None
    lora: str | None = None
    link: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items() if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CameraShot:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
