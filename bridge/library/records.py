"""Takes as typed records: what the library knows about one generated video.

The take's JSON record beside its media (`<stem>.json`) is the source of truth; the database
row is an index of it that `bridge.library.repair` can rebuild. `Take.record` is that JSON.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field
from typing_extensions import TypedDict

from bridge.engine.records import Record


class TakeStatus(str, enum.Enum):
    NEW = "new"
    PICKED = "picked"
    REJECTED = "rejected"


class Filmstrip(Record):
    """Geometry of `<stem>.strip.jpg` (see bridge.library.media.FilmstripGrid)."""

    columns: int
    rows: int
    frames: int
    tile_width: int
    tile_height: int


class ExecutorRef(TypedDict):
    """Where the take was made (bridge.engine.executors.base.ExecutorInfo)."""

    id: str
    kind: str
    node: str
    device: str


class TakeTimings(TypedDict, total=False):
    queued_s: float
    generate_s: float


class ProviderRef(TypedDict, total=False):
    """The cloud job that made the take (bridge.providers.executor)."""

    provider: str
    model: str
    version: str | None
    job_id: str | None
    cost: Annotated[dict[str, Any] | None, Field(
        description="free-form: what the provider reported it cost (amount, unit, metrics), "
        "in the provider's own words")]


class SignedIngredient(TypedDict):
    kind: str  # start_image | keyframe | parent_take
    title: str
    take_id: str | None


# Required keys sit in a total base class: `Required[...]` is not seen in string annotations.
class _Watermark(TypedDict):
    alg: str | None  # None: not marked (`reason` says why)


class WatermarkRecord(_Watermark, total=False):
    mark: str
    reason: str
    visible_badge: bool


class _Signing(TypedDict):
    signed: bool


class SigningRecord(_Signing, total=False):
    """What signing the take's file did (bridge.library.credentials.sign.sign_video)."""

    reason: str  # why it was not signed
    manifest: str
    signer: str
    issuer: str | None
    kind: Literal["local", "studio"]
    algorithm: str
    timestamped: bool
    ingredients: list[SignedIngredient]
    sign_s: float
    watermark: WatermarkRecord


class _TakeRecordCore(TypedDict):
    """What every take record holds, from the first version on."""

    schema_version: int
    take_id: str
    created_at: float
    request: dict[str, Any]  # GenerationRequest.to_dict()
    width: int
    height: int
    num_frames: int
    fps: float


class TakeRecord(_TakeRecordCore, total=False):
    """The take's JSON record beside its media, as bridge.engine.finisher writes it. Keys a
    later version added are optional, so a record of any version reads (library.sidecar
    upgrades them); the editor's decisions live beside it, under `library`, on disk only."""

    job_id: str
    batch_id: str
    model_id: str
    revision: str | None
    parent_take_id: str | None
    init_image: str | None  # the start image's sha256
    shot_id: str | None
    board_id: str | None
    executor: ExecutorRef | None
    software: dict[str, str]  # package -> version
    generation: Annotated[dict[str, Any], Field(
        description="free-form: what the generator and executor reported (device, dtype, "
        "memory profile, each stage's timings, placement, conditioning); its keys depend on "
        "the backend and change with it, so they are not part of the contract")]
    timings: TakeTimings
    provider: ProviderRef
    credentials: SigningRecord
    encode_s: float


class Take(Record):
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
    rating: int = 0
    status: TakeStatus = TakeStatus.NEW
    tags: list[str] = Field(default_factory=list)
    notes: str = ""
    record: dict[str, Any]  # a TakeRecord (kept as read: a newer version's keys survive)
    filmstrip: Filmstrip
    parent_take_id: str | None = None
    test_model: bool = False
    shot_id: str | None = None
    board_id: str | None = None
    deleted_at: float | None = None
    updated_at: float | None = None  # an editor's last change (the record has the same)
    folder: str  # relative to the media root, POSIX separators
    stem: str
    media_path: str
    poster_path: str
    filmstrip_path: str
    sidecar_path: str

    @property
    def files(self) -> list[Path]:
        """The take's four files: video, poster, filmstrip, record (the record last)."""
        return [Path(p) for p in (self.media_path, self.poster_path, self.filmstrip_path,
                                  self.sidecar_path)]


class TimelineFile(Record):
    filename: str
    bytes: int


class TimelineOptions(Record):
    include_disabled: bool = False
    drop_frame: bool = True


class Timeline(Record):
    """A stored timeline: its `timeline.json`, which lists every file Promptcut wrote."""

    id: str
    name: str
    fps: float
    created_at: float
    formats: dict[str, TimelineFile]
    warnings: list[str] = Field(default_factory=list)
    options: TimelineOptions = Field(default_factory=TimelineOptions)
    cut: dict[str, Any]  # otio_export.Cut.to_dict(), with its schema_version


class SetAside(Record):
    """Something start-up could not read and left out instead of stopping: a take row the
    record schema rejects, a board file (bridge.boards). Kept where it was, reported in the
    log and in /health."""

    kind: str  # take | board
    id: str
    reason: str
