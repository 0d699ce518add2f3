"""Answers of /boards, /shots and /songs: a board laid out (each shot's frames, seconds,
beats and bars, its take count, pick, plan and chain), its song, and what a call did.

Board, shot and chain answers are derived from their records (bridge.boards.records) with
`answer_of`: a field added to a record is in the answer and the panel's types at once; only
what the answer adds (the layout, counts, the pick) is declared here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, create_model

from bridge.api.schemas.boards import Overrides, Unit
from bridge.api.schemas.chains import ChainOut
from bridge.api.schemas.common import Answer, DocumentedAs, answer_of
from bridge.api.schemas.jobs import InitImageIn, JobOut
from bridge.api.schemas.takes import TakeOut
from bridge.api.schemas.timelines import TimelineOut
from bridge.boards.records import Board, GridAdjust, Shot
from otio_export.assemble import ShotCut


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
    head_frames: int = Field(description="handle made before the shot, in the model's frames")
    tail_frames: int = Field(description="handle made after the shot, in the model's frames")


# The take fields the Board view shows for a shot's pick (TakeOut's, so typed once).
PICK_FIELDS = ("prompt", "seed", "fps", "num_frames", "duration_s", "rating", "status",
               "poster_url", "media_url", "filmstrip_url", "media_path", "filmstrip")
PickOut = create_model(
    "PickOut", __base__=Answer,
    __doc__="A shot's pick as the Board view shows it; `missing`: the take was deleted "
    "(then only `id` is set).",
    id=(str, ...), missing=(bool, ...),
    **{n: (TakeOut.model_fields[n].rebuild_annotation() | None, ...) for n in PICK_FIELDS})


# A shot's overrides, a board's defaults and a shot's start image are kept as they were sent
# (the body's own shapes, checked when they came in), so answers are documented with them.
OverridesOut = Annotated[dict[str, Any], DocumentedAs(Overrides)]
StartImageOut = Annotated[dict[str, Any], DocumentedAs(InitImageIn)]

ShotOut = answer_of(
    Shot, "ShotOut", overrides=(OverridesOut, ...), start_image=(StartImageOut | None, ...),
    duration=(DurationOut | None, Field(description="None: the board's default")),
    start_frame=(int | None, ...), end_frame=(int | None, ...), frames=(int | None, ...),
    start_s=(float | None, ...), seconds=(float | None, ...), beats=(float | None, ...),
    bars=(float | None, ...), effective_duration=(DurationOut | None, ...),
    plan=(PlanOut | None, ...), model_used=(str | None, ...), take_count=(int, ...),
    pending=(int, ...), pick=(PickOut | None, ...),  # type: ignore[valid-type]
    pick_short_frames=(int | None, Field(description="frames of the shot its pick (with the "
                       "takes it continues) leaves uncovered in the cut; 0: covered; null: "
                       "no pick, or not laid out")),
    chain=(ChainOut | None, Field(description="the shot's latest chain of takes")))

GridOut = answer_of(GridAdjust, "GridOut")


class LayoutError(Answer):
    message: str
    field: str | None


BoardOut = answer_of(
    Board, "BoardOut", defaults=(OverridesOut, ...),
    default_duration=(DurationOut, ...), grid=(GridOut, ...),
    song=(SongOut | None, ...), layout_error=(LayoutError | None, ...),
    shots=(list[ShotOut], ...),  # type: ignore[valid-type]
    undo_steps=(int, Field(description="edits POST /boards/{id}/undo can take back")),
    redo_steps=(int, Field(description="undone edits POST /boards/{id}/redo makes again")),
    duration_frames=(int, ...), duration_s=(float, ...))


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
    unreadable: list[str] = Field(description="boards set aside: a file or row this "
                                  "version cannot read, and why")


class ShotsOut(Answer):
    shots: list[ShotOut]  # type: ignore[valid-type]
    board: BoardOut  # type: ignore[valid-type]


class SplitOut(Answer):
    shots: list[ShotOut]  # type: ignore[valid-type]


class GeneratedShot(Answer):
    shot_id: str
    index: int = Field(description="the shot's place on the board, from 0")
    batch_id: str
    takes: int
    plan: PlanOut | None


class SkippedShot(Answer):
    shot_id: str
    index: int
    reason: Literal["no prompt"]


class GenerateOut(Answer):
    jobs: list[JobOut]  # type: ignore[valid-type]
    shots: list[GeneratedShot]
    skipped: list[SkippedShot] = Field(description="shots left out, and why (no prompt)")


ShotCutOut = answer_of(
    ShotCut, "ShotCutOut",
    take_ids=(list[str], Field(description="the takes laid for the shot, in order")),
    head_frames=(int, Field(description="frames of handle (sequence frames) in the media "
                            "before the first clip's in-point")),
    tail_frames=(int, Field(description="frames of handle after the last clip's out-point")),
    conform=(str, Field(description="how takes at another rate were conformed ('retimed 16 "
                        "-> 24 fps by the cut'); empty when none")))


class AssembleOut(TimelineOut):
    """POST /timelines's answer for the board's cut, with notes for the editor."""

    notes: list[str] = Field(description="what the editor should know: gaps in the cut, "
                             "takes retimed to the sequence's rate")
    shots: list[ShotCutOut] = Field(  # type: ignore[valid-type]
        description="how each shot was cut: its takes, handles and conform")
