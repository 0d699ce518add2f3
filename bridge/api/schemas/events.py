"""The event record in the document: one variant per kind, each with its own `data`.

bridge.engine.events holds the one record (`Event`) and the one enum (`EventKind`); this
module only says, once, what `data` holds for each kind, and builds each variant from the
record's own fields, so the panel's generated types narrow `data` by `kind`.
"""

from __future__ import annotations

import typing
from typing import Annotated, Any, Literal, Union

from pydantic import Field
from typing_extensions import NotRequired, TypedDict

from bridge.api.schemas.common import Answer, Query
from bridge.api.schemas.models import ModelUpdated
from bridge.api.schemas.takes import TakeUpdated
from bridge.engine.events import (
    CancelledData,
    Event,
    EventKind,
    FailedData,
    NoData,
    PriorityData,
    QueuedData,
)
from bridge.generators.base import DownloadProgress, ProgressData

K = EventKind
EVENT_DATA: dict[EventKind, Any] = {
    K.JOB_QUEUED: QueuedData, K.JOB_STARTED: NoData, K.JOB_PROGRESS: ProgressData,
    K.JOB_DONE: NoData, K.JOB_FAILED: FailedData, K.JOB_CANCELLED: CancelledData,
    K.JOB_UPDATED: PriorityData, K.TAKE_CREATED: NoData, K.TAKE_UPDATED: TakeUpdated,
    K.TAKE_DELETED: NoData, K.MODEL_PROGRESS: DownloadProgress, K.MODEL_UPDATED: ModelUpdated,
}
assert set(EVENT_DATA) == set(EventKind), "every kind says what its data holds"

MAX_WAIT_S = 60


def _variant(kind: EventKind) -> Any:
    hints = typing.get_type_hints(Event)
    fields = {k: NotRequired[v] if k in Event.__optional_keys__ else v
              for k, v in hints.items()}
    fields.update(kind=Literal[kind.value], data=EVENT_DATA[kind])  # type: ignore[valid-type]
    name = "".join(p.title() for p in kind.value.split(".")) + "Event"
    return TypedDict(name, fields)  # type: ignore[operator]


AnyEvent = Annotated[Union[tuple(_variant(k) for k in EventKind)],  # noqa: UP007
                     Field(discriminator="kind")]


class EventsQuery(Query):
    after: Annotated[int, Field(ge=0)] = Field(
        default=0, description="the last seq seen; 0 for everything still buffered")
    timeout: Annotated[float, Field(ge=0, le=MAX_WAIT_S)] = Field(
        default=0, description="seconds to wait for the first event")
    epoch: Annotated[str, Field(max_length=64)] | None = Field(
        default=None, description="the epoch of the last answer; another one means reset")


class StreamQuery(Query):
    after: Annotated[int, Field(ge=0)] = 0
    epoch: Annotated[str, Field(max_length=64)] | None = None


class EventPage(Answer):
    epoch: str = Field(description="changes when the bridge restarts")
    last_seq: int
    reset: bool = Field(description="true: reload jobs and takes, then go on from last_seq")
    events: list[AnyEvent]
