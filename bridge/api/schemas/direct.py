"""How a body names what directs a take: keyframes and a retake (declared in
bridge.request; JobSubmit takes these shapes for them, as it takes InitImageIn for
`init_image`). The library resolves them into the request's typed records
(bridge.library.direct, bridge.conditions).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from bridge.api.schemas.common import Body, Id, Sha256
from bridge.conditions import Place
from bridge.request import MAX_PROMPT
from bridge.text import text

MAX_KEYFRAMES = 32
MAX_SECTIONS = 32
Strength = Annotated[float, Field(gt=0, le=1)]


class KeyframeIn(Body):
    """An image pinned to a moment of the take: from an upload or a frame of a take, placed
    by exactly one of `frame`, `seconds`, `beat` or `bar` (beats and bars count from 1 at
    the shot's first beat or bar; they need `shot_id` on a board with a song).

    A keyframe as a take record stores it (`sha256`, `place`, `asked`, `source`) is taken
    back as it is, so a re-roll sends its take's request unchanged: `sha256` names the
    stored image and `place` says where it was asked (beats already laid out in seconds).
    """

    upload: Sha256 | None = Field(default=None, description="the sha256 from POST /images")
    sha256: Sha256 | None = Field(default=None, description="a stored image (take records)")
    place: Place | None = Field(
        default=None, description="where it was asked, as a take record stores it")
    asked: int | None = Field(default=None, description="stored: the frame before it moved")
    source: Literal["upload", "take_frame"] | None = Field(default=None,
                                                         description="stored: where from")
    take_id: Id | None = Field(default=None, description="use a frame of this take")
    take_frame: Literal["first", "last"] | Annotated[int, Field(ge=0)] = Field(
        default="last", description="which frame of that take: first, last or an index")
    frame: Literal["first", "last"] | Annotated[int, Field(ge=0, le=100000)] | None = Field(
        default=None, description="where it lands: a frame index of the take, first or last")
    seconds: Annotated[float, Field(ge=0, le=3600)] | None = None
    beat: Annotated[float, Field(ge=1, le=100000)] | None = None
    bar: Annotated[float, Field(ge=1, le=100000)] | None = None
    strength: Strength = Field(default=1.0, description="how firmly the frame holds")

    @model_validator(mode="after")
    def _one_source_one_place(self) -> KeyframeIn:
        if self.sha256 is None and (self.upload is None) == (self.take_id is None):
            raise PydanticCustomError("required", "needs 'upload' or 'take_id' (one of them)")
        if self.place is not None:
            return self  # a stored keyframe: its place says where it was asked
        places = [v for v in (self.frame, self.seconds, self.beat, self.bar) if v is not None]
        if len(places) != 1:
            raise PydanticCustomError("required",
                                      "needs exactly one of frame, seconds, beat or bar")
        return self


class RetakeIn(Body):
    """The same shot again, following this take's motion and framing (video-to-video)."""

    take_id: Id
    strength: Strength = Field(default=0.5, description="0.1 touches up, 1 reimagines")


class VideoIn(Body):
    """Frames of a take as a take record stores them (continue_from and retake fill it):
    sent back as they are when a continued or retaken take is re-rolled."""

    take_id: Id
    frames: Annotated[list[Sha256], Field(min_length=1, max_length=2049)]
    first: Annotated[int, Field(ge=0)] = 0
    mode: Literal["continue", "retake"] = "continue"
    strength: Strength = 1.0


class PromptSectionIn(Body):
    """A prompt that takes over from a moment of the take, placed by exactly one of
    `frame`, `seconds`, `beat` or `bar` (beats and bars count from 1 at the shot's first
    beat or bar, with `shot_id` on a board with a song); before the first section the
    job's `prompt` holds. As a take record stores it (`place`, `frame`, `asked`), it is
    taken back as it is."""

    prompt: text(MAX_PROMPT, min_length=1, strip=True)  # type: ignore[valid-type]
    frame: Annotated[int, Field(ge=0, le=100000)] | None = Field(
        default=None, description="the frame of the take it starts on")
    seconds: Annotated[float, Field(ge=0, le=3600)] | None = None
    beat: Annotated[float, Field(ge=1, le=100000)] | None = None
    bar: Annotated[float, Field(ge=1, le=100000)] | None = None
    place: Place | None = Field(
        default=None, description="where it was asked, as a take record stores it")
    asked: int | None = Field(default=None, description="stored: the frame before it moved")

    @model_validator(mode="after")
    def _one_place(self) -> PromptSectionIn:
        if self.place is not None:
            return self
        places = [v for v in (self.frame, self.seconds, self.beat, self.bar) if v is not None]
        if len(places) != 1:
            raise PydanticCustomError("required",
                                      "needs exactly one of frame, seconds, beat or bar")
        return self
