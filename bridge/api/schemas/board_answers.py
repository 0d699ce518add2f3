"""Answers of /boards, /shots and /songs: a board laid out (each shot's frames, seconds,
beats and bars, its take count, pick, plan and chain), its song, and what a call did."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from bridge.api.schemas.boards import Unit
from bridge.api.schemas.chains import ChainOut
from bridge.api.schemas.common import Answer


class DurationOut(Answer):
    value: float
    unit: Unit


class SongOut(Answer):
    id: str
    sha256: str
    filename: str
    path: str
    url: str
    duration_s: float
    sample_rate: int
    samples: int
    tracker: str
    detected_tempo: float
    tempo: float
    beats: list[float]
    downbeats: list[float]
    beats_per_bar: int
    peaks: list[float]
    tempo_map: list[list[float]] = Field(
        default=[], description="[start s, BPM] of each section where the tempo holds")
    bar_tempi: list[list[float]] = Field(default=[], description="[start s, BPM] of every bar")
    licence: str = Field(default="", description="the analyser's licence")


class SongPending(Answer):
    """A song whose analysis is running (or failed: `message` says why)."""

    id: str
    sha256: str
    filename: str
    state: str = Field(description="analysing | ready | failed")
    elapsed_s: float
    message: str = ""


class PlanOut(Answer):
    shot_frames: int
    needed_frames: int
    num_frames: int | None
    chain: list[int]
    message: str


class ShotOut(Answer):
    id: str
    board_id: str
    position: int
    label: str
    prompt: str
    negative_prompt: str
    model: str | None
    overrides: dict[str, Any]
    start_image: dict[str, Any] | None
    notes: str
    duration: DurationOut | None
    takes_target: int
    selected_take_id: str | None
    created_at: float
    updated_at: float
    start_frame: int | None
    end_frame: int | None
    frames: int | None
    start_s: float | None
    seconds: float | None
    beats: float | None
    bars: float | None
    effective_duration: DurationOut | None
    plan: PlanOut | None
    model_used: str | None
    take_count: int
    pending: int
    pick: dict[str, Any] | None
    chain: ChainOut | None = Field(description="the shot's latest chain of takes")


class LayoutError(Answer):
    message: str
    field: str | None


class BoardOut(Answer):
    id: str
    name: str
    fps: float
    width: int
    height: int
    song_id: str | None
    default_duration: DurationOut
    grid: dict[str, Any]
    defaults: dict[str, Any]
    created_at: float
    updated_at: float
    schema_version: int
    song: SongOut | None
    layout_error: LayoutError | None
    shots: list[ShotOut]
    duration_frames: int
    duration_s: float


class BoardSummary(Answer):
    id: str
    name: str
    fps: float
    song_id: str | None
    shots: int
    picked: int
    created_at: float
    updated_at: float


class BoardList(Answer):
    boards: list[BoardSummary]


class ShotsOut(Answer):
    shots: list[ShotOut]
    board: BoardOut


class SplitOut(Answer):
    shots: list[ShotOut]


class GenerateOut(Answer):
    jobs: list[dict[str, Any]]
    shots: list[dict[str, Any]]
    skipped: list[dict[str, Any]] = Field(description="shots left out, and why (no prompt)")
