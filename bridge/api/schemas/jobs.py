"""Bodies of /jobs: what a submission may hold, and what a job looks like in answers.

Bounds come from where they are defined once: the batch limits from bridge.engine.queue,
the generation limits from bridge.generators.validate (which also checks requests that do
not come over HTTP), the size and frame rules of each model from its preset.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator
from pydantic_core import PydanticCustomError

from bridge.api.schemas.common import Answer, Body, Id, Query, Sha256, answer_of, text
from bridge.api.schemas.direct import DirectFields
from bridge.engine.queue import MAX_TAKES, SEED_SPACE
from bridge.engine.records import Job, JobState
from bridge.engine.request import MemoryProfile
from bridge.generators.base import ProgressData
from bridge.generators.validate import MAX_FPS, MAX_GUIDANCE, MAX_SIZE, MAX_STEPS

PRIORITY = Field(ge=-1000, le=1000)
Priority = Annotated[int, PRIORITY]
Prompt = text(4000, min_length=1, strip=True)
NegativePrompt = text(4000)
PresetName = text(200, min_length=1)
ClientKey = text(200, min_length=1)
CacheName = text(64)


class InitImageIn(Body):
    """`{"upload": sha256}` or `{"take_id": id, "frame": "first" | "last" | seconds}`."""

    upload: Sha256 | None = Field(default=None, description="the sha256 from POST /images")
    take_id: Id | None = Field(default=None, description="start from a frame of this take")
    frame: Literal["first", "last"] | Annotated[float, Field(ge=0)] = Field(
        default="last", description="which frame of the take: first, last or seconds")

    @model_validator(mode="after")
    def _one_source(self) -> InitImageIn:
        if self.upload is None and self.take_id is None:
            raise PydanticCustomError("required", "needs 'upload' or 'take_id'")
        return self


class JobSubmit(DirectFields):
    """Queue `takes` takes of one prompt; each gets its own seed (seed, seed+1, ...)."""

    prompt: Prompt
    model: PresetName = Field(default="ltx-video",
                                           description="a preset name from GET /models")
    negative_prompt: NegativePrompt = ""
    takes: Annotated[int, Field(ge=1, le=MAX_TAKES)] = 1
    seed: Annotated[int, Field(ge=0, le=SEED_SPACE - 1)] | None = Field(
        default=None, description="the first take's seed; random when absent")
    width: Annotated[int, Field(ge=8, le=MAX_SIZE)] | None = Field(
        default=None, description="the preset's rules apply (multiples, limits)")
    height: Annotated[int, Field(ge=8, le=MAX_SIZE)] | None = None
    num_frames: Annotated[int, Field(ge=1, le=2049)] | None = Field(
        default=None, description="the preset's rule applies (for example 8k+1)")
    fps: Annotated[float, Field(ge=1, le=MAX_FPS)] | None = None
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = None
    guidance: Annotated[float, Field(ge=0, le=MAX_GUIDANCE)] | None = None
    priority: Priority = 0
    client_key: ClientKey | None = Field(
        default=None, description="a repeated key returns the first batch (200)")
    init_image: InitImageIn | None = None
    parent_take_id: Id | None = Field(default=None,
                                      description="the take this one continues")
    memory_profile: Annotated[MemoryProfile, Strict(False)] = MemoryProfile.AUTO
    cache: CacheName | None = Field(default=None,
                                   description="a step cache the preset offers")
    compile: bool = False
    min_memory_gb: Annotated[float, Field(ge=0.5, le=4096)] | None = Field(
        default=None, description="a device class: only devices with this much memory run it")
    force: bool = Field(default=False, description="run it even when the estimate says it "
                        "would take longer than the bridge's limit")


class JobsCancel(Body):
    """One batch (`batch_id`), or every queued and running job (`all: true`)."""

    batch_id: Id | None = None
    all: bool = False


class CancelledOut(Answer):
    cancelled: list[str] = Field(description="the ids of the jobs cancelled")


class JobPatch(Body):
    """Only a queued job's priority can change."""

    priority: Priority


class JobQuery(Query):
    status: JobState | None = None
    batch_id: Id | None = None
    limit: Annotated[int, Field(ge=1, le=5000)] = 500


class RequestRecord(BaseModel):
    """The resolved GenerationRequest as stored: defaults are left out (see request.py)."""

    model_config = ConfigDict(extra="allow")

    schema_version: int
    prompt: str
    model: str
    seed: int


# A job as answers show it: every field of the Job record, and what the engine knows now.
JobOut = answer_of(
    Job, "JobOut",
    request=(RequestRecord, ...),
    stopping=(bool, Field(description="cancelled, and the device is finishing its step")),
    progress=(ProgressData | None, Field(description="while running")),
    position=(int | None, Field(description="place in the queue while queued, from 0")))


class BatchOut(Answer):
    batch_id: str
    jobs: list[JobOut]  # type: ignore[valid-type]


class JobList(Answer):
    jobs: list[JobOut]  # type: ignore[valid-type]


def job_out(job: Job, progress: dict | None, position: int | None,
            stopping: bool = False) -> JobOut:  # type: ignore[valid-type]
    return JobOut.model_validate({**job.to_json(), "progress": progress, "position": position,
                                  "stopping": stopping})
