"""Bodies of /takes: the library's query, the changes an editor may make, a take's answer."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, Strict, model_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from bridge.api.schemas.common import Answer, Body, Id, Query, answer_of, shape_of, text
from bridge.api.schemas.jobs import RequestRecord
from bridge.library.records import Take, TakeRecord, TakeStatus
from bridge.library.store import TAKE_SORTS

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
    shot_id: Id | None = None
    board_id: Id | None = None


class TakePatch(Body):
    """What an editor changes on a take; at least one field. Absent fields stay as they are."""

    rating: Rating = None  # type: ignore[assignment]  (absent: unchanged; null is refused)
    status: Annotated[TakeStatus, Strict(False)] = None  # type: ignore[assignment]
    tags: Annotated[list[Tag], Field(max_length=MAX_TAGS)] = None  # type: ignore[assignment]
    notes: Notes = None  # type: ignore[assignment]

    @model_validator(mode="after")
    def _something(self) -> TakePatch:
        if not self.model_fields_set:
            raise PydanticCustomError("required",
                                      "needs at least one of rating, status, tags, notes")
        return self

    def changes(self) -> dict[str, Any]:
        out = self.model_dump(mode="json", include=self.model_fields_set)
        if "tags" in out:
            out["tags"] = list(dict.fromkeys(out["tags"]))
        return out


# The take's record as stored, its request typed as a job's is.
TakeRecordOut = shape_of(TakeRecord, "TakeRecordOut", request=RequestRecord)

# A take as answers show it: the Take record without its private paths, with signed URLs.
TAKE_OUT_EXCLUDED = ("poster_path", "filmstrip_path", "sidecar_path", "deleted_at",
                     "updated_at")
TakeOut = answer_of(
    Take, "TakeOut", exclude=TAKE_OUT_EXCLUDED,
    record=(TakeRecordOut, Field(description="the take's record (its sidecar JSON)")),
    media_path=(str, Field(description="the file on this machine, for the host to import")),
    media_url=(str, Field(description="signed: works without the token (docs/api.md)")),
    poster_url=(str, Field(description="signed, like media_url")),
    filmstrip_url=(str, Field(description="signed, like media_url")))

# A `take.updated` event's data: the changes made (TakePatch's fields), or a restore.
TakeUpdated = TypedDict("TakeUpdated", {  # type: ignore[misc]
    **{n: info.rebuild_annotation() for n, info in TakePatch.model_fields.items()},
    "restored": bool}, total=False)


class TakePage(Answer):
    takes: list[TakeOut]  # type: ignore[valid-type]
    next_cursor: str | None
    total: int = Field(description="takes passing the filters in the whole library, not "
                       "only on this page")


class TakeList(Answer):
    takes: list[TakeOut]  # type: ignore[valid-type]
