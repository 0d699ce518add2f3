"""Bodies of /jobs: what a submission may hold, and what a job looks like in answers.

The fields of a submission, their bounds and defaults are declared once, in bridge.request;
the body is built from those declarations. The size and frame rules of each model come from
its preset (bridge.generators.validate checks them, also for requests that do not come over
HTTP).
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Annotated, Any, Literal, Required

from pydantic import Field, create_model, model_validator
from pydantic_core import PydanticCustomError
from typing_extensions import TypedDict

from bridge.api.schemas.common import Answer, Body, Id, Query, Sha256, answer_of
from bridge.api.schemas.direct import (
    MAX_KEYFRAMES,
    MAX_SECTIONS,
    KeyframeIn,
    PromptSectionIn,
    RetakeIn,
    VideoIn,
)
from bridge.api.schemas.looks import MAX_LORAS, MAX_REFERENCES, CameraIn, LoraUseIn
from bridge.conditions import Keyframe, PromptSection, VideoCondition
from bridge.engine.records import Job, JobState
from bridge.generators.base import ProgressData
from bridge.request import (
    ALWAYS,
    MAX_FRAMES,
    SHOT_FIELDS,
    GenerationRequest,
    InitImage,
    Submission,
    declared,
    sent_fields,
)

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


class HandlesIn(Body):
    """Frames a take is made with beyond its shot, in its own frames (head, tail)."""

    head: Annotated[int, Field(ge=0, le=MAX_FRAMES)] = 0
    tail: Annotated[int, Field(ge=0, le=MAX_FRAMES)] = 0


def _field(name: str, hint: Any, declared_field: dataclasses.Field) -> tuple[Any, Any]:
    """A body field from its declaration in bridge.request: its type and bounds, its
    default, what it means."""
    if name == "init_image":
        hint = InitImageIn | None  # a body names an upload or a take; the bridge stores a hash
    if name == "keyframes":  # likewise, each placed by frame, seconds, beat or bar
        hint = Annotated[list[KeyframeIn], Field(max_length=MAX_KEYFRAMES)] | None
        return hint, Field(default=None, description=declared_field.metadata["description"])
    if name == "prompts":  # timed prompts, placed like keyframes (bdirect)
        hint = Annotated[list[PromptSectionIn], Field(max_length=MAX_SECTIONS)] | None
        return hint, Field(default=None, description=declared_field.metadata["description"])
    if name == "loras":  # a body names LoRAs on the shelf; the bridge records their files
        hint = Annotated[list[LoraUseIn], Field(max_length=MAX_LORAS)] | None
        return hint, Field(default=None, description=declared_field.metadata["description"])
    if name == "retake":
        hint = RetakeIn | None
    if name == "camera":
        hint = CameraIn | None
    if name == "references":  # uploads by sha256 (POST /images), as a take record keeps them
        hint = Annotated[list[Sha256], Field(max_length=MAX_REFERENCES)] | None
        return hint, Field(default=None, description=declared_field.metadata["description"])
    if name == "video":
        hint = VideoIn | None
    if name == "handles":
        hint = HandlesIn | None
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


Default = str | bool | int | float | None


class FieldOut(Answer):
    """One POST /jobs field, its default and its bounds, as bridge.request declares them."""

    name: str
    description: str
    default: Default = Field(description="null: the preset's, or absent")
    minimum: float | None
    maximum: float | None
    max_length: int | None
    choices: list[str] | None
    shot: bool = Field(description="a board or a shot may set it for its takes")
    stored: bool = Field(description="a take's request keeps it under this name, so a "
                         "re-roll or a retry sends it back as it is")


class JobFieldsOut(Answer):
    """What the panel's forms offer: each field of a submission with its limits."""

    fields: list[FieldOut]


def _bounds(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """The value's own schema: the non-null branch of an optional, a $ref resolved."""
    branches = [b for b in schema.get("anyOf", [schema]) if b.get("type") != "null"]
    inner = branches[0] if len(branches) == 1 else {}
    if "$ref" in inner:
        inner = defs[inner["$ref"].rsplit("/", 1)[-1]]
    return inner


def job_fields() -> JobFieldsOut:
    """Derived from the same declarations as JobSubmit, through its JSON Schema (the
    document the panel's types come from), so the limits said here are those enforced."""
    schema = JobSubmit.model_json_schema()
    stored = set(declared(GenerationRequest))
    out = []
    for name, (_, declared_field) in sent_fields().items():
        inner = _bounds(schema["properties"][name], schema.get("$defs", {}))
        info = JobSubmit.model_fields[name]
        default = None if info.is_required() else info.default
        out.append(FieldOut(
            name=name, description=declared_field.metadata.get("description", ""),
            default=getattr(default, "value", default),
            minimum=inner.get("minimum"), maximum=inner.get("maximum"),
            max_length=inner.get("maxLength"), choices=inner.get("enum"),
            shot=name in SHOT_FIELDS, stored=name in stored and name != "init_image"))
    return JobFieldsOut(fields=out)


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


def _stored_shape(name: str, record: type, required: frozenset[str],
                  changes: dict[str, Any] | None = None) -> Any:
    """The JSON shape of a dataclass as its `to_dict` writes it: each declared field, by its
    plain type, absent when it holds its default (a TypedDict: absent keys stay absent)."""
    plain = typing.get_type_hints(record)
    plain.update(changes or {})
    fields = {f.name: (Required[plain[f.name]] if f.name in required else plain[f.name])
              for f in dataclasses.fields(record)}
    shape = TypedDict(name, fields, total=False)  # type: ignore[operator]
    shape.__doc__ = record.__doc__
    return shape


InitImageRecord = _stored_shape("InitImageRecord", InitImage, frozenset({"sha256"}))
# The resolved GenerationRequest as stored: defaults left out (see bridge/request.py).
KeyframeRecord = _stored_shape("KeyframeRecord", Keyframe, frozenset({"sha256", "frame"}))
PromptSectionRecord = _stored_shape("PromptSectionRecord", PromptSection,
                                   frozenset({"prompt"}))
VideoRecord = _stored_shape("VideoRecord", VideoCondition,
                            frozenset(f.name for f in dataclasses.fields(VideoCondition)))
RequestRecord = _stored_shape(
    "RequestRecord", GenerationRequest, ALWAYS | {"schema_version"},
    {"init_image": InitImageRecord | None, "keyframes": list[KeyframeRecord],
     "video": VideoRecord | None, "prompts": list[PromptSectionRecord]})


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
