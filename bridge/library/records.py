"""Takes as typed records: what the library knows about one generated video.

The take's JSON record beside its media (`<stem>.json`) is the source of truth; the database
row is an index of it that `bridge.library.repair` can rebuild. `Take.record` is that JSON.
"""

from __future__ import annotations

import enum
from pathlib import Path
from typing import Any

from pydantic import Field

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
    record: dict[str, Any]
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
