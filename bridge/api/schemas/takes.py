"""Bodies of /takes: the library's query, the changes an editor may make, a take's answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from bridge.api.schemas.common import Answer, Body, Id, Query, text
from bridge.library.store import TAKE_SORTS

TakeStatus = Literal["new", "picked", "rejected"]
TakeSort = Literal[tuple(TAKE_SORTS)]  # type: ignore[valid-type]
Rating = Annotated[int, Field(ge=0, le=5)]
MAX_TAGS = 50
Tag = text(100, min_length=1, strip=True)
Notes = text(10_000)


class TakeQuery(Query):
    batch_id: Id | None = None
    q: text(500) | None = Field(default=None, description="words of the prompt")
    min_rating: Rating | None = None
    status: TakeStatus | None = None
    sort: TakeSort = "-created"
    limit: Annotated[int, Field(ge=1, le=500)] = 100
    cursor: Annotated[str, Field(max_length=1000)] | None = Field(
        default=None, description="next_cursor of the previous page")
    parent_take_id: Id | None = Field(default=None,
                                      description="the takes continued from this one")


class TakePatch(Body):
    """What an editor changes on a take; at least one field. Absent fields stay as they are."""

    rating: Rating = None  # type: ignore[assignment]  (absent: unchanged; null is refused)
    status: TakeStatus = None  # type: ignore[assignment]
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = None  # type: ignore[assignment]
    notes: Notes = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _something(self) -> TakePatch:
        if not self.model_fields_set:
            raise PydanticCustomError("required",
                                      "needs at least one of rating, status, tags, notes")
        return self

    def changes(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self.model_fields_set}
        if "tags" in out:
            out["tags"] = list(dict.fromkeys(out["tags"]))
        return out


class Filmstrip(Answer):
    columns: int
    rows: int
    frames: int
    tile_width: int
    tile_height: int


class TakeOut(Answer):
    id: str
    job_id: str
    batch_id: str
    created_at: float
    prompt: str
    model: str
    seed: int
    width: int
    height: int
    num_frames: int
    fps: float
    duration_s: float
    rating: int
    status: TakeStatus
    tags: list[str]
    notes: str
    record: dict[str, Any] = Field(description="the take's full record (see docs/api.md)")
    filmstrip: Filmstrip
    parent_take_id: str | None
    test_model: bool
    folder: str
    stem: str
    media_path: str = Field(description="the file on this machine, for the host to import")
    media_url: str = Field(description="signed: works without the token (docs/api.md)")
    poster_url: str
    filmstrip_url: str


class TakePage(Answer):
    takes: list[TakeOut]
    next_cursor: str | None


class TakeList(Answer):
    takes: list[TakeOut]
