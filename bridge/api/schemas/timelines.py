"""Bodies of /timelines. The cut list itself is otio_export's Cut (documented from it,
checked by Cut.from_dict, which names the field at fault)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field

from bridge.api.schemas.common import Answer, Body, DocumentedAs, Id, text
from bridge.generators.validate import MAX_FPS
from bridge.library.timelines import MAX_TAKES
from otio_export import FORMATS, Cut

CutIn = Annotated[dict[str, Any], DocumentedAs(Cut)]


class TimelineIn(Body):
    """Either `takes` (ids, in order) or `cut` (a full cut list)."""

    takes: Annotated[list[Id], Field(min_length=1, max_length=MAX_TAKES)] | None = None
    cut: CutIn | None = None
    name: text(200) | None = None  # type: ignore[valid-type]
    fps: Annotated[float, Field(ge=1, le=MAX_FPS)] | None = Field(
        default=None, description="the sequence rate; from the first take when absent")
    formats: list[Annotated[str, Field(max_length=20)]] | Annotated[
        str, Field(max_length=200)] | None = Field(
        default=None, max_length=10,
        description=f"format names ({', '.join(FORMATS)}), or one comma-separated string")


class TimelineFile(Answer):
    filename: str
    bytes: int
    url: str = Field(description="download it here (with the token)")


class TimelineOut(Answer):
    id: str
    name: str
    fps: float
    created_at: float
    formats: dict[str, TimelineFile]
    cut: Cut


class ImportForm(BaseModel):
    file: bytes = Field(description="an .otio, .otioz, FCP7 .xml, .edl or .fcpxml file")
    fps: str | None = Field(default=None, description="the EDL's rate (default 24)")
