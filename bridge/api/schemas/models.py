"""Bodies of /models: a preset with its state (bridge.generators.base.ModelState)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field
from typing_extensions import NotRequired, TypedDict

from bridge.api.schemas.common import Answer, answer_of
from bridge.engine.events import FailedData
from bridge.generators.base import ModelState

ModelStateName = Literal["ready", "needs_download", "unavailable", "downloading", "needs_key"]

ModelOut = answer_of(ModelState, "ModelOut", state=(ModelStateName, ...))

# A `model.updated` event's data: the state, and after a download its error (null if none).
ModelUpdate = answer_of(ModelState, "ModelUpdate", base=BaseModel,
                        state=(ModelStateName, ...), error=(FailedData | None, None))


class ProviderChanged(TypedDict):
    """`model.updated` after a provider's key was stored or removed: its presets' states
    changed (GET /models says how)."""

    provider: str


class WorkerDownloaded(TypedDict):
    """`model.updated` after a download on a Ray worker's machine ended."""

    worker: str
    status: Literal["done", "failed"]
    message: NotRequired[str]
    path: NotRequired[str]


# Every shape a `model.updated` event's data takes, by who sends it.
ModelUpdated = ModelUpdate | ProviderChanged | WorkerDownloaded


class ModelList(Answer):
    models: list[ModelOut]  # type: ignore[valid-type]


class DownloadOut(Answer):
    model: ModelOut  # type: ignore[valid-type]
    started: bool = Field(description="false when it was ready or already downloading")


class RemovedOut(Answer):
    model: ModelOut  # type: ignore[valid-type]
    freed_bytes: int
