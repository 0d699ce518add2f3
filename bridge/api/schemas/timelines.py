"""Bodies of /timelines. The cut list and the format record are otio_export's dataclasses,
used here as they are (pydantic reads stdlib dataclasses), so each field is defined once;
a sent cut is checked field by field by `Cut.from_dict`, whose errors name the field as
`cut.entries[3].media_path`."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, TypeAdapter, WithJsonSchema

from bridge.api.schemas.common import Answer, Body, Id, text
from bridge.library.timelines import MAX_TAKES
from otio_export import Cut, TimelineFormat
from otio_export.catalog import writable

FormatName = Literal[tuple(writable())]  # type: ignore[valid-type]
CutIn = Annotated[dict[str, Any], WithJsonSchema(TypeAdapter(Cut).json_schema(mode="validation"))]


class TimelineCreate(Body):
    """Takes in order (`takes`) or a cut list (`cut`, docs/timelines.md), written in each
    of `formats`."""

    takes: Annotated[list[Id], Field(min_length=1, max_length=MAX_TAKES)] | None = Field(
        default=None, description="take ids in order, each to its end")
    cut: CutIn | None = Field(default=None, description="a cut list (docs/timelines.md)")
    name: text(200) | None = Field(default=None, description="the sequence's name")
    fps: Annotated[float, Field(ge=1, le=240)] | None = Field(
        default=None, description="23.976, 24, 25, 29.97, 30, 50, 59.94 or 60")
    formats: Annotated[list[FormatName], Field(min_length=1, max_length=10)] | None = Field(
        default=None, description="default otio and fcp7xml (GET /timelines/formats)")
    include_disabled: bool = Field(default=False, description="write clips and tracks that "
                                   "are switched off (marked so), instead of leaving them out")
    drop_frame: bool | None = Field(default=None, description="drop-frame timecode at 29.97 "
                                    "and 59.94; default the bridge's setting (on)")


class TimelineFile(Answer):
    filename: str
    bytes: int
    url: str


class TimelineOptions(Answer):
    include_disabled: bool
    drop_frame: bool


class TimelineOut(Answer):
    id: str
    name: str
    fps: float
    created_at: float
    url: str = Field(description="the timeline (DELETE removes it)")
    formats: dict[str, TimelineFile]
    warnings: list[str] = Field(description="what the formats could not carry, and what was "
                                "adjusted (a one-frame rounding, clips left out)")
    options: TimelineOptions
    cut: Cut = Field(description="the cut as laid out (every start and duration filled in)")


class FormatList(Answer):
    formats: list[TimelineFormat]


class TimelineUpload(BaseModel):
    """An editor's timeline file, and for an EDL the rate it runs at."""

    file: bytes = Field(description=".otio, .otioz, FCP7 .xml, .fcpxml or .edl")
    fps: str | None = Field(default=None, description="an EDL's rate (default 24)")
