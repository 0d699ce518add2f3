"""The board, its shots and its beat grid as typed records that round-trip through JSON.

A board is an editor's unit of work: sequence settings, an optional song and ordered shots.
These records are what the library stores (one JSON file per board beside the database, so
a board survives a lost database) and what the API answers, so each carries a schema version.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from pydantic import TypeAdapter, ValidationError

from otio_export.cutlist import Column  # a shot list's extra column, as the cut carries it

BOARD_SCHEMA_VERSION = 1
UNITS = ("s", "frames", "beats", "bars")
SONG_UNITS = ("beats", "bars")
DEFAULT_TAKES = 12
# Handles, in sequence frames at each end of a shot's takes (a third of a second at 24 fps):
# enough to slip a take or lay a short dissolve in the editor.
DEFAULT_HANDLES = 8
MAX_HANDLES = 240


class RecordError(ValueError):
    """A stored board (a row or a JSON file) that this version cannot read as a Board."""


@dataclass(frozen=True)
class Duration:
    """How long a shot runs, in the unit the editor thinks in."""

    value: float
    unit: str = "s"  # s | frames | beats | bars

    def to_dict(self) -> dict[str, Any]:
        value = int(self.value) if float(self.value).is_integer() else self.value
        return {"value": value, "unit": self.unit}

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Duration | None:
        if data is None:
            return None
        return cls(value=data["value"], unit=data.get("unit", "s"))


@dataclass(frozen=True)
class GridAdjust:
    """The editor's corrections to the detected beat grid of a board's song.

    shift_beats moves the first downbeat by whole beats (the tracker found bar 1 on beat 3);
    tempo_factor halves or doubles the detected beats; a typed `tempo` replaces detection
    with a constant grid starting at `first_downbeat_s` (or the detected first downbeat).
    """

    shift_beats: int = 0
    tempo_factor: float = 1.0  # 0.5 | 1 | 2
    tempo: float | None = None
    first_downbeat_s: float | None = None
    beats_per_bar: int | None = None  # None: the meter the analysis found
    offset_ms: float = 0.0  # nudge every beat (bridge.boards.durations.retimed)
    tempo_from_bar: int | None = None  # `tempo` from this bar onward, anchored on it

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> GridAdjust:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in (data or {}).items() if k in known})


@dataclass
class Shot:
    """One shot of a board: what to generate for it, how long it runs, and its pick."""

    id: str
    board_id: str
    position: int
    label: str = ""
    prompt: str = ""
    negative_prompt: str = ""
    model: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)  # any POST /jobs field
    start_image: dict[str, Any] | None = None  # as POST /jobs init_image
    notes: str = ""
    # The shot list's columns Promptcut has no field for, as imported (also in `notes`);
    # the cut carries them as clip metadata.
    columns: list[Column] = field(default_factory=list)
    duration: Duration | None = None  # None: the board's default duration
    takes_target: int = DEFAULT_TAKES
    selected_take_id: str | None = None
    created_at: float = 0.0
    updated_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["duration"] = self.duration.to_dict() if self.duration else None
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Shot:
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["duration"] = Duration.from_dict(kwargs.get("duration"))
        kwargs["columns"] = [c if isinstance(c, Column) else Column(**c)
                             for c in kwargs.get("columns") or []]
        return cls(**kwargs)


@dataclass
class Board:
    """A board: sequence settings, an optional song with grid corrections, ordered shots."""

    id: str
    name: str
    fps: float = 24.0
    width: int = 1920
    height: int = 1080
    song_id: str | None = None
    default_duration: Duration = field(default_factory=lambda: Duration(4, "s"))
    grid: GridAdjust = field(default_factory=GridAdjust)
    defaults: dict[str, Any] = field(default_factory=dict)  # POST /jobs fields for every shot
    # Frames of handle (at the board's rate) made beyond each shot at each end, within the
    # model's longest take; 0: takes just long enough (bridge.boards.durations.take_plan).
    handle_frames: int = DEFAULT_HANDLES
    created_at: float = 0.0
    updated_at: float = 0.0
    shots: list[Shot] = field(default_factory=list)
    schema_version: int = BOARD_SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        out = dataclasses.asdict(self)
        out["default_duration"] = self.default_duration.to_dict()
        out["grid"] = self.grid.to_dict()
        out["shots"] = [s.to_dict() for s in self.shots]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Board:
        known = {f.name for f in dataclasses.fields(cls)}
        kwargs = {k: v for k, v in data.items() if k in known}
        kwargs["default_duration"] = Duration.from_dict(kwargs.get("default_duration")) \
            or Duration(4, "s")
        kwargs["grid"] = GridAdjust.from_dict(kwargs.get("grid"))
        kwargs["shots"] = [Shot.from_dict(s) for s in kwargs.get("shots") or []]
        return cls(**kwargs)

    @classmethod
    def parse(cls, data: Any) -> Board:
        """A board read from storage, every field checked against its type (pydantic reads
        the dataclasses): a file holding `[]`, `"name": null` or `"fps": "abc"`, or shots
        sharing an id, is a RecordError naming the field, never a half-read Board."""
        if not isinstance(data, dict):
            raise RecordError(f"a board is a JSON object, not {type(data).__name__}")
        try:
            board = _board_adapter().validate_python(data)
        except ValidationError as err:
            first = err.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "board"
            raise RecordError(f"{where}: {first['msg']}") from None
        ids = [s.id for s in board.shots]
        if len(set(ids)) != len(ids):
            raise RecordError("two shots share an id")
        if board.default_duration.unit not in UNITS or any(
                s.duration is not None and s.duration.unit not in UNITS for s in board.shots):
            raise RecordError(f"a duration's unit is not one of {', '.join(UNITS)}")
        if not 0 <= board.handle_frames <= MAX_HANDLES:
            raise RecordError(f"handle_frames: must be between 0 and {MAX_HANDLES}")
        return board

    def shot(self, shot_id: str) -> Shot | None:
        return next((s for s in self.shots if s.id == shot_id), None)


@cache
def _board_adapter() -> TypeAdapter[Board]:
    return TypeAdapter(Board)


CHAIN_STATES = ("running", "done", "failed", "cancelled")


@dataclass
class Chain:
    """A shot longer than its model's longest take, covered link by link: the first link is
    a normal take, each next one continues from the last frame of the one before.

    `links` are the frame counts (durations.take_plan's chain), `request` the first link's
    GenerationRequest with its seed fixed (every link uses it, changing only frames, start
    image and parent), `jobs` and `takes` the job and the finished take of each link so
    far. Kept in the library, so a chain carries on after a restart
    (bridge.boards.chains).
    """

    id: str
    shot_id: str
    board_id: str
    links: list[int]
    request: dict[str, Any]
    state: str = "running"  # one of CHAIN_STATES
    jobs: list[str] = field(default_factory=list)
    takes: list[str] = field(default_factory=list)
    priority: int = 0
    min_memory_gb: float | None = None
    force: bool = False
    retries: int = 0  # links queued again after a failure not their own (a stopped process)
    message: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chain:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
