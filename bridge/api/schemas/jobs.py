"""Bodies of /jobs: what a submission may hold, and what a job looks like in answers.

The fields of a submission, their bounds and defaults are declared once, in bridge.request;
the body is built from those declarations. The size and frame rules of each model come from
its preset (bridge.generators.validate checks them, also for requests that do not come over
HTTP).
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, create_model, model_validator
from pydantic_core import PydanticCustomError

from bridge.api.schemas.common import Answer, Body, Id, Query, Sha256, answer_of
from bridge.api.schemas.direct import MAX_KEYFRAMES, KeyframeIn, RetakeIn
from bridge.api.schemas.looks import MAX_LORAS, LoraUseIn
from bridge.engine.records import Job, JobState
from bridge.generators.base import ProgressData
from bridge.request import GenerationRequest, Submission, declared, sent_fields

Priority = declared(Submission)["priority"][0]


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


def _field(name: str, hint: Any, declared_field: dataclasses.Field) -> tuple[Any, Any]:
    """A body field from its declaration in bridge.request: its type and bounds, its
    default, what it means."""
    if name == "init_image":
        hint = InitImageIn | None  # a body names an upload or a take; the bridge stores a hash
    if name == "keyframes":  # likewise, each placed by frame, seconds, beat or bar
        hint = Annotated[list[KeyframeIn], Field(max_length=MAX_KEYFRAMES)] | None
        return hint, Field(default=None, description=declared_field.metadata["description"])
    if name == "loras":  # a body names LoRAs on the shelf; the bridge records their files
        hint = Annotated[list[LoraUseIn], Field(max_length=MAX_LORAS)] | None
        return hint, Field(default=None, description=declared_field.metadata["description"])
    if name == "retake":
        hint = RetakeIn | None
    default = (... if declared_field.default is dataclasses.MISSING else declared_field.default)
    return hint, Field(default=default, description=declared_field.metadata.get("description")
                       or None)


# POST /jobs: every field declared in bridge.request that a client sends.
JobSubmit = create_model(
    "JobSubmit", __base__=Body,
    __doc__="Queue `takes` takes of one prompt; each gets its own seed (seed, seed+1, ...).",
    **{name: _field(name, hint, f) for name, (hint, f) in sent_fields().items()})
# Which body fields go to which record (the seed is the submission's: a batch's first seed).
SUBMISSION_FIELDS = tuple(n for n in declared(Submission) if n in JobSubmit.model_fields)
REQUEST_FIELDS = tuple(n for n in declared(GenerationRequest)
                       if n in JobSubmit.model_fields and n not in SUBMISSION_FIELDS)


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
