"""Bodies of /timelines. The cut list and the format record are otio_export's dataclasses,
documented from them (pydantic reads stdlib dataclasses) so each field is defined once; a
sent cut is checked field by field by `Cut.from_dict`, whose errors name the field as
`cut.entries[3].media_path`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from bridge.api.schemas.common import Answer, Body, DocumentedAs, Id, text
from bridge.library.timelines import MAX_TAKES
from otio_export import FORMATS, Cut, TimelineFormat
from otio_export.rates import MAX_FPS

CutIn = Annotated[dict[str, Any], DocumentedAs(Cut)]


class TimelineIn(Body):
    """Either `takes` (ids, in order) or `cut` (a full cut list, docs/timelines.md)."""

    takes: Annotated[list[Id], Field(min_length=1, max_length=MAX_TAKES)] | None = None
    cut: CutIn | None = None
    name: text(200) | None = None  # type: ignore[valid-type]
    fps: Annotated[float, Field(ge=1, le=MAX_FPS)] | None = Field(
        default=None, description="the sequence rate; from the first take when absent")
    formats: list[Annotated[str, Field(max_length=20)]] | Annotated[
        str, Field(max_length=200)] | None = Field(
        default=None, max_length=10,
        description=f"format names ({', '.join(FORMATS)}, see GET /timelines/formats), or "
                    "one comma-separated string; default otio and fcp7xml")
    include_disabled: bool = Field(default=False, description="write clips and tracks that "
                                   "are switched off (marked so) instead of leaving them out")
    drop_frame: bool | None = Field(default=None, description="drop-frame timecode at 29.97 "
                                    "and 59.94; default the bridge's setting (on)")


class TimelineFile(Answer):
    filename: str
    bytes: int
    url: str = Field(description="download it here (with the token)")


class TimelineOptions(Answer):
    include_disabled: bool
    drop_frame: bool


class TimelineOut(Answer):
    id: str
    name: str
    fps: float
    created_at: float
    url: str = Field(description="the timeline itself (DELETE removes it)")
    formats: dict[str, TimelineFile]
    warnings: list[str] = Field(description="what the formats could not carry, and what was "
                                "adjusted (a one-frame rounding, clips left out)")
    options: TimelineOptions
    cut: Cut = Field(description="the cut as laid out (every start and duration filled in)")


class FormatList(Answer):
    formats: list[TimelineFormat]


class ImportForm(BaseModel):
    file: bytes = Field(description="an .otio, .otioz, FCP7 .xml, .edl or .fcpxml file")
    fps: str | None = Field(default=None, description="the EDL's rate (default 24)")
