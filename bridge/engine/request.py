"""The one request object that describes a take, saved unchanged with every take.

Everything needed to reproduce a take lives here (DESIGN.md, Contracts). It serialises by
field name, leaves defaults out, and carries a schema version so that old records can be
upgraded when fields are added.
"""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass
from typing import Any

from bridge.conditions import Keyframe, VideoCondition

SCHEMA_VERSION = 1
# Written even when they equal the default: a record must not change meaning if a default does.
ALWAYS = frozenset({"prompt", "model", "seed"})


class MemoryProfile(str, enum.Enum):
    """How much of the model stays on the accelerator, from fastest to leanest."""

    AUTO = "auto"
    FULL = "full"
    MODEL_OFFLOAD = "model_offload"
    GROUP_OFFLOAD = "group_offload"
    SEQUENTIAL_OFFLOAD = "sequential_offload"


@dataclass(frozen=True)
class InitImage:
    """An image a take starts from, stored by content hash under the data dir."""

    sha256: str
    source: str = "upload"  # upload | take_frame
    take_id: str | None = None
    frame: str | None = None  # first | last | seconds as a string


@dataclass(frozen=True)
class GenerationRequest:
    prompt: str
    model: str = "ltx-video"
    negative_prompt: str = ""
    seed: int = 0
    steps: int | None = None
    guidance: float | None = None
    width: int | None = None
    height: int | None = None
    num_frames: int | None = None
    fps: float | None = None
    init_image: InitImage | None = None
    parent_take_id: str | None = None
    memory_profile: MemoryProfile = MemoryProfile.AUTO
    cache: str | None = None  # None | first_block_cache | taylorseer | ...
    compile: bool = False
    keyframes: tuple[Keyframe, ...] = ()  # images pinned to frames (bridge.conditions)
    video: VideoCondition | None = None  # frames of a take: continue from or retake it
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict, defaults left out so records stay small and readable."""
        out: dict[str, Any] = {"schema_version": self.schema_version}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "schema_version" or (value == f.default and f.name not in ALWAYS):
                continue
            if f.name in ALWAYS:
                out[f.name] = value
            elif f.name == "keyframes":
                out[f.name] = [k.to_dict() for k in value]
            elif f.name == "video":
                out[f.name] = value.to_dict()
            elif isinstance(value, enum.Enum):
                out[f.name] = value.value
            elif dataclasses.is_dataclass(value):
                out[f.name] = {k: v for k, v in dataclasses.asdict(value).items() if v is not None}
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        data = upgrade(dict(data))
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if isinstance(kwargs.get("init_image"), dict):
            kwargs["init_image"] = InitImage(**kwargs["init_image"])
        if "keyframes" in kwargs:
            kwargs["keyframes"] = tuple(k if isinstance(k, Keyframe) else Keyframe.from_dict(k)
                                        for k in kwargs["keyframes"] or ())
        if isinstance(kwargs.get("video"), dict):
            kwargs["video"] = VideoCondition.from_dict(kwargs["video"])
        if "memory_profile" in kwargs:
            kwargs["memory_profile"] = MemoryProfile(kwargs["memory_profile"])
        return cls(**kwargs)

    def replace(self, **changes: Any) -> GenerationRequest:
        return dataclasses.replace(self, **changes)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a saved request up to SCHEMA_VERSION. Version 1 is the first; add steps here."""
    version = data.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"request schema {version} is newer than this Promptcut ({SCHEMA_VERSION})")
    data["schema_version"] = SCHEMA_VERSION
    return data
