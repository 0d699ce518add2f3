"""What steers a take in time besides its prompt: keyframes and a conditioning video.

Typed records at the bottom of the stack (they import nothing from Promptcut), held by the
generation request and saved with every take, so a take record names each image that
conditioned it and the frame it landed on.

- A `Keyframe` is one image pinned to a frame of the take, with a strength. `asked` is the
  frame the editor asked for; `frame` is where the model put it (models that work in
  latent frames need keyframes on their temporal stride, LTX on multiples of 8), so the
  move is never silent. `place` keeps how the editor placed it (a frame, seconds, a beat
  or a bar of the shot), so the record reads as it was directed.
- A `VideoCondition` is a run of frames of another take: its last frames at the start of
  a continuation (`mode="continue"`: the new take starts by repeating them, and the cut
  trims that overlap), or the whole take for a retake (`mode="retake"`: video-to-video at
  `strength`, from a touch-up near 0 to a reimagining near 1).
- A `PromptSection` changes the prompt from a moment of the take on; the sections of a
  take are made as one long take (a prompt per window) or as a chain (a link per
  section), `SECTION_ROUTES`.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Literal

from typing_extensions import Self, TypedDict

KEYFRAME_SOURCES = ("upload", "take_frame")
VIDEO_MODES = ("continue", "retake")
SECTION_ROUTES = ("long_take", "chain")


class Place(TypedDict, total=False):
    """How the editor placed a keyframe: one of frame, seconds, beat or bar, as asked; a
    beat or a bar also carries the seconds it was laid out at on the song's grid."""

    frame: int | Literal["first", "last"]
    seconds: float
    beat: float
    bar: float


class _Placed:
    """What a keyframe and a prompt section share: the frame they landed on against the one
    asked (`moved_by`, so a move to the model's stride is never silent), and their stored
    form (None left out; keys a later version added are ignored on reading)."""

    frame: int
    asked: int | None

    @property
    def moved_by(self) -> int:
        return 0 if self.asked is None else self.frame - self.asked

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in dataclasses.asdict(self).items()  # type: ignore[call-overload]
                if v is not None}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        known = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Keyframe(_Placed):
    sha256: str  # the stored image (bridge.library.images)
    frame: int  # where it lands in the take, after any move to the model's stride
    strength: float = 1.0
    asked: int | None = None  # the frame asked for, when the model moved it
    place: Place | None = None  # how it was asked
    source: str = "upload"  # upload | take_frame
    take_id: str | None = None
    take_frame: str | None = None  # first | last | a frame index, for take_frame


@dataclass(frozen=True)
class VideoCondition:
    take_id: str
    frames: tuple[str, ...]  # the sha256 of each stored frame, in order
    first: int  # the index in that take of frames[0]
    mode: str = "continue"  # continue | retake
    strength: float = 1.0  # retake: how far from the take (denoise strength)

    @property
    def count(self) -> int:
        return len(self.frames)

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["frames"] = list(self.frames)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> VideoCondition:
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["frames"] = tuple(kwargs.get("frames") or ())
        return cls(**kwargs)


@dataclass(frozen=True)
class Retake:
    """Asked with a submission: make the take's shot again, following the take."""

    take_id: str
    strength: float = 0.5  # 0.1 touches up, 1 reimagines


@dataclass(frozen=True)
class PromptSection(_Placed):
    """A prompt that takes over from a moment of the take ("bar 3: the table becomes a
    field"); before the first section the request's own `prompt` holds.

    Placed like a keyframe (`place`: a frame, seconds, a beat or a bar of the shot; beats
    and bars kept beside their seconds into the take). `frame` is where the model lets the
    prompt change: the middle of the cross-fade between two windows of one long take, or
    the first new frame of a chain's link; `asked` is the frame asked for when the two
    differ, so the move is never silent.
    """

    prompt: str
    frame: int = 0
    asked: int | None = None
    place: Place | None = None  # how it was asked, as a keyframe's


def place_frame(place: dict[str, Any] | None, fallback: int | str, fps: float,
                num_frames: int) -> int:
    """The frame a keyframe or a prompt section was asked for, from how it was placed:
    seconds (beats and bars arrive as seconds into the take too) at the take's rate,
    rounded half up; a frame index, "first" or "last"; else `fallback`."""
    place = place or {}
    if "seconds" in place:
        return math.floor(float(place["seconds"]) * fps + 0.5)
    at = place.get("frame", fallback)
    if at == "first":
        return 0
    if at == "last":
        return num_frames - 1
    return int(at)
