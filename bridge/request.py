"""What a person asks for: the one request type, the limits of any request, and a submission.

This is a bottom module: the engine, the generators, the library and the API all import it,
and it imports nothing of theirs. Each field is declared once, here, with its type, its
bounds and its default; the API's POST /jobs body, the fields a board or shot may set, the
answers and the panel's generated types are derived from these declarations.

`GenerationRequest` is saved unchanged with every take and every job, so it is everything
needed to reproduce a take. It serialises by field name (`to_dict`, the one serializer),
leaves defaults out, and carries a schema version so that old records are upgraded when
fields are added: to add a field, declare it below with a default that keeps old records'
meaning; to change one's meaning, bump SCHEMA_VERSION and add a step to `upgrade`.

The bounds sit in `Annotated` metadata, which a plain dataclass ignores: constructing a
request does not validate it (the generators' `validate` checks a request against its
model's preset and names the nearest valid values); pydantic reads the same metadata when
the API builds its bodies from these fields.
"""

from __future__ import annotations

import dataclasses
import enum
import typing
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer, PlainValidator, Strict, StringConstraints

from bridge.conditions import Keyframe, PromptSection, Retake, VideoCondition
from bridge.finals.records import Final
from bridge.looks.records import AppliedLora, CameraShot
from bridge.text import text
from otio_export.rates import MAX_FPS  # the one ceiling of a picture rate, on every route

SCHEMA_VERSION = 1
# Written even when they equal the default: a record must not change meaning if a default does.
ALWAYS = frozenset({"prompt", "model", "seed"})

# Limits of any request; each model's preset narrows them (sizes, frames, steps).
SEED_SPACE = 2**32
MAX_TAKES = 64  # takes in one batch
MAX_SIZE = 8192  # pixels, width or height
MAX_FRAMES = 2049
MAX_STEPS = 500
MAX_GUIDANCE = 30.0
MAX_PROMPT = 4000  # characters


def doc(description: str, *, shot: bool = True) -> dict[str, Any]:
    """Field metadata: what the field means, and whether a board or a shot may set it for
    its own takes (`shot=False`: it belongs to one submission only)."""
    return {"description": description, "shot": shot}


class MemoryProfile(str, enum.Enum):
    """How much of the model stays on the accelerator, from fastest to leanest."""

    AUTO = "auto"
    FULL = "full"
    MODEL_OFFLOAD = "model_offload"
    GROUP_OFFLOAD = "group_offload"
    SEQUENTIAL_OFFLOAD = "sequential_offload"


@dataclass(frozen=True)
class InitImage:
    """An image a take starts from, stored by content hash under the data dir."""

    sha256: str
    source: str = "upload"  # upload | take_frame
    take_id: str | None = None
    frame: str | None = None  # first | last | seconds as a string


@dataclass(frozen=True)
class Handles:
    """Spare frames a take was made with on each side of its shot, in the take's own frames
    (set by a board's generate, bridge.boards.durations.take_plan): the cut starts the clip
    after `head` so an editor can slip it or lay a dissolve. `tail` is what was asked for
    beyond the shot; the cut reports what the media really holds."""

    head: int = 0
    tail: int = 0


Seed = Annotated[int, Field(ge=0, le=SEED_SPACE - 1)]
TakeId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


@dataclass(frozen=True)
class GenerationRequest:
    """One take's request, resolved against its preset before it is queued."""

    prompt: text(MAX_PROMPT, min_length=1, strip=True) = field(  # type: ignore[valid-type]
        metadata=doc("what to show", shot=False))
    model: text(200, min_length=1) = field(  # type: ignore[valid-type]
        default="ltx-video", metadata=doc("a preset name from GET /models"))
    negative_prompt: text(MAX_PROMPT) = field(  # type: ignore[valid-type]
        default="", metadata=doc("what not to show"))
    seed: Seed = field(default=0, metadata=doc("the take's seed"))
    steps: Annotated[int, Field(ge=1, le=MAX_STEPS)] | None = field(
        default=None, metadata=doc("denoising steps; the preset's default when absent"))
    guidance: Annotated[float, Field(ge=0, le=MAX_GUIDANCE)] | None = field(
        default=None, metadata=doc("guidance scale; the preset's default when absent"))
    width: Annotated[int, Field(ge=8, le=MAX_SIZE)] | None = field(
        default=None, metadata=doc("the preset's rules apply (multiples, limits)"))
    height: Annotated[int, Field(ge=8, le=MAX_SIZE)] | None = field(
        default=None, metadata=doc("the preset's rules apply (multiples, limits)"))
    num_frames: Annotated[int, Field(ge=1, le=MAX_FRAMES)] | None = field(
        default=None, metadata=doc("the preset's rule applies (for example 8k+1)"))
    fps: Annotated[float, Field(ge=1, le=MAX_FPS)] | None = field(
        default=None, metadata=doc("frames per second of the take"))
    init_image: InitImage | None = field(
        default=None, metadata=doc("an image the take starts from"))
    parent_take_id: TakeId | None = field(
        default=None, metadata=doc("the take this one continues", shot=False))
    memory_profile: Annotated[MemoryProfile, Strict(False)] = field(
        default=MemoryProfile.AUTO, metadata=doc("how much of the model stays on the device"))
    cache: text(64) | None = field(  # type: ignore[valid-type]
        default=None, metadata=doc("a step cache the preset offers"))
    compile: bool = field(default=False, metadata=doc("compile the model (slow first take)"))
    keyframes: tuple[Keyframe, ...] = field(default=(), metadata=doc(
        "images pinned to frames, seconds, beats or bars of the take (bridge.conditions)"))
    loras: tuple[AppliedLora, ...] = field(default=(), metadata=doc(
        "LoRAs from the shelf (GET /loras) with their weights; several mix. A board's "
        "defaults hold its looks for every shot; a shot's overrides replace them"))
    camera: CameraShot | None = field(default=None, metadata=doc(
        "a camera move (push_in, pull_out, pan, tilt, truck, static, infinite_zoom); the "
        "record says its route: keyframes drawn from the start image, or a camera LoRA"))
    references: tuple[Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")], ...] = \
        field(default=(), metadata=doc(
            "reference images (ingredients: a character, an object, a style) by the sha256 "
            "from POST /images; Wan VACE takes them, other models refuse them unless "
            "references_as is start_keyframe"))
    references_as: Literal["references", "start_keyframe"] = field(
        default="references", metadata=doc(
            "references: the model's reference input; start_keyframe: the first reference "
            "starts the take, on models that take a start image"))
    video: VideoCondition | None = field(default=None, metadata=doc(
        "frames of a take it continues from or retakes, as stored (continue_from and "
        "retake fill it)", shot=False))
    prompts: tuple[PromptSection, ...] = field(default=(), metadata=doc(
        "prompts that take over at frames, seconds, beats or bars of the take; before the "
        "first one `prompt` holds (bridge.conditions)"))
    sections_as: Literal["long_take", "chain"] | None = field(default=None, metadata=doc(
        "how timed prompts are made: one long take (a prompt per window) or a chain (a take "
        "per section, each continuing the one before); absent: a long take where the model "
        "offers one"))
    final: Final | None = field(default=None, metadata=doc(
        "the draft this take finishes and the route (set by the bridge's Finish)",
        shot=False))
    handles: Handles | None = field(default=None, metadata=doc(
        "frames made beyond the shot at each end, in the take's own frames (a board's "
        "generate sets them; a re-roll sends them back so the cut still starts after the "
        "head)", shot=False))
    schema_version: int = field(default=SCHEMA_VERSION, metadata=doc("", shot=False))

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able dict, defaults left out so records stay small and readable."""
        out: dict[str, Any] = {"schema_version": self.schema_version}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "schema_version" or (value == f.default and f.name not in ALWAYS):
                continue
            if f.name in ALWAYS:
                out[f.name] = value
            elif isinstance(value, enum.Enum):
                out[f.name] = value.value
            elif f.name == "references":
                out[f.name] = list(value)
            elif f.name in ("keyframes", "loras", "prompts"):
                out[f.name] = [k.to_dict() for k in value]
            elif f.name in ("video", "final", "camera"):
                out[f.name] = value.to_dict()
            elif dataclasses.is_dataclass(value):
                out[f.name] = {k: v for k, v in dataclasses.asdict(value).items() if v is not None}
            else:
                out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationRequest:
        data = upgrade(dict(data))
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        if isinstance(kwargs.get("init_image"), dict):
            kwargs["init_image"] = InitImage(**kwargs["init_image"])
        if "memory_profile" in kwargs:
            kwargs["memory_profile"] = MemoryProfile(kwargs["memory_profile"])
        if "keyframes" in kwargs:
            kwargs["keyframes"] = tuple(k if isinstance(k, Keyframe) else Keyframe.from_dict(k)
                                        for k in kwargs["keyframes"] or ())
        if "prompts" in kwargs:
            kwargs["prompts"] = tuple(
                p if isinstance(p, PromptSection) else PromptSection.from_dict(p)
                for p in kwargs["prompts"] or ())
        if "loras" in kwargs:
            kwargs["loras"] = tuple(x if isinstance(x, AppliedLora) else AppliedLora.from_dict(x)
                                    for x in kwargs["loras"] or ())
        if isinstance(kwargs.get("video"), dict):
            kwargs["video"] = VideoCondition.from_dict(kwargs["video"])
        if "references" in kwargs:
            kwargs["references"] = tuple(kwargs["references"] or ())
        if isinstance(kwargs.get("camera"), dict):
            kwargs["camera"] = CameraShot.from_dict(kwargs["camera"])
        if isinstance(kwargs.get("final"), dict):
            kwargs["final"] = Final.from_dict(kwargs["final"])
        if isinstance(kwargs.get("handles"), dict):
            kwargs["handles"] = Handles(**{k: int(v) for k, v in kwargs["handles"].items()
                                           if k in ("head", "tail")})
        return cls(**kwargs)

    def replace(self, **changes: Any) -> GenerationRequest:
        return dataclasses.replace(self, **changes)


def upgrade(data: dict[str, Any]) -> dict[str, Any]:
    """Bring a saved request up to SCHEMA_VERSION. Version 1 is the first; add steps here."""
    version = data.get("schema_version", 1)
    if version > SCHEMA_VERSION:
        raise ValueError(
            f"request schema {version} is newer than this Promptcut ({SCHEMA_VERSION})")
    data["schema_version"] = SCHEMA_VERSION
    return data


def _load(value: Any) -> GenerationRequest:
    return value if isinstance(value, GenerationRequest) else GenerationRequest.from_dict(value)


# A request inside a pydantic record (a job): read from and written as `to_dict`'s form, so
# there is one serializer, and a stored request is read without re-checking today's bounds.
StoredRequest = Annotated[GenerationRequest, PlainValidator(_load),
                          PlainSerializer(lambda r: r.to_dict(), return_type=dict)]


@dataclass(frozen=True)
class Submission:
    """A request to queue: `takes` takes of one request, each with its own seed."""

    request: GenerationRequest = field(metadata=doc("", shot=False))
    takes: Annotated[int, Field(ge=1, le=MAX_TAKES)] = field(
        default=1, metadata=doc("how many takes, each with its own seed", shot=False))
    seed: Seed | None = field(  # the batch's first seed; None: a random one
        default=None, metadata=doc("the first take's seed; random when absent"))
    priority: Annotated[int, Field(ge=-1000, le=1000)] = field(
        default=0, metadata=doc("higher runs sooner"))
    client_key: text(200, min_length=1) | None = field(  # type: ignore[valid-type]
        default=None, metadata=doc("a repeated key returns the first batch (200)", shot=False))
    min_memory_gb: Annotated[float, Field(ge=0.5, le=4096)] | None = field(
        default=None, metadata=doc("a device class: only devices with this much memory run it"))
    force: bool = field(default=False, metadata=doc(
        "run it even when the estimate says it would take longer than the bridge's limit"))
    shot_id: TakeId | None = field(default=None, metadata=doc(
        "the shot the take is for; when absent, the shot of the take it continues, retakes "
        "or comes from", shot=False))
    continue_from: TakeId | None = field(default=None, metadata=doc(
        "a take to continue: on its last frames where the model can hold on them, else on "
        "its last frame", shot=False))
    retake: Retake | None = field(default=None, metadata=doc(
        "a take to make again, following its motion and framing, at a strength",
        shot=False))
    board_id: str | None = field(default=None, metadata=doc("", shot=False))


# What a client sends: every field of both records but those the bridge fills in itself.
NOT_SENT = frozenset({"schema_version", "request", "board_id", "final"})


def declared(record: type) -> dict[str, tuple[Any, dataclasses.Field]]:
    """`record`'s fields in order: name -> (annotation with its bounds, the field)."""
    hints = typing.get_type_hints(record, include_extras=True)
    return {f.name: (hints[f.name], f) for f in dataclasses.fields(record)}


def sent_fields() -> dict[str, tuple[Any, dataclasses.Field]]:
    """The fields a client may send with a submission, the request's first; a field both
    records declare (the seed) is the submission's (there, None means a random one)."""
    out = {**declared(GenerationRequest), **declared(Submission)}
    return {n: v for n, v in out.items() if n not in NOT_SENT}


# The submission fields a board or a shot may set for its own takes.
SHOT_FIELDS = tuple(n for n, (_, f) in sent_fields().items() if f.metadata.get("shot", True))


def defaults() -> dict[str, Any]:
    """Each sent field's default (None: the preset's, or absent)."""
    out = {}
    for name, (_, f) in sent_fields().items():
        value = None if f.default is dataclasses.MISSING else f.default
        out[name] = value.value if isinstance(value, enum.Enum) else value
    return out
