"""Bodies of /boards, /shots and /songs: boards, their shots and what they are generated with.

Generation fields (a shot's overrides, a board's defaults, the defaults of a generate call)
are POST /jobs's own fields, taken from JobSubmit so each is named and bounded in one place;
the preset's rules apply when a shot is generated. A duration is seconds (a number), text
like "2 bars", "96f", "0:04.5", or `{"value", "unit"}`.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, Field, create_model
from pydantic.fields import FieldInfo
from pydantic_core import PydanticCustomError

from bridge.api.schemas.common import Body, Id, text
from bridge.api.schemas.jobs import InitImageIn, JobSubmit
from bridge.boards.records import DEFAULT_TAKES, MAX_HANDLES, Duration, GridAdjust
from bridge.boards.shotlist import ShotListError, parse_duration
from bridge.request import MAX_TAKES, SHOT_FIELDS
from otio_export.errors import TimelineError
from otio_export.rates import MAX_FPS, SEQUENCE_RATES, sequence_label

Unit = Literal["s", "frames", "beats", "bars"]
SHOT_LIST_FORMATS = ("csv", "tsv", "json", "md")


class DurationIn(Body):
    value: Annotated[float, Field(gt=0, le=100_000)]
    unit: Unit = "s"


def _to_duration(value: Any) -> Duration:
    try:
        return parse_duration(value.model_dump() if isinstance(value, DurationIn) else value)
    except ShotListError as err:
        raise PydanticCustomError("invalid", err.message.split(": ", 1)[-1].rstrip("."))\
            from None


DurationValue = Annotated[
    Annotated[float, Field(gt=0, le=100_000)] | text(40, min_length=1) | DurationIn,
    AfterValidator(_to_duration)]


def _sequence_rate(value: float) -> float:
    try:
        return float(sequence_label(value))  # the one rate rule (otio_export.rates)
    except TimelineError:
        raise PydanticCustomError("invalid_choice", "must be a sequence rate: {rates}",
                                  {"rates": ", ".join(SEQUENCE_RATES)}) from None


def _even(value: int) -> int:
    if value % 2:
        raise PydanticCustomError("invalid", "must be even (H.264 refuses odd sizes)")
    return value


Fps = Annotated[float, Field(gt=0, le=MAX_FPS), AfterValidator(_sequence_rate)]
FrameSize = Annotated[int, Field(ge=16, le=16384), AfterValidator(_even)]

# POST /jobs fields a shot or a board may set for its own takes (declared in bridge.request).
OVERRIDE_FIELDS = SHOT_FIELDS


def _optional(name: str) -> tuple[Any, FieldInfo]:
    """JobSubmit's field `name`, optional: its bounds and checks apply to a value, None
    means "not set" (the field's metadata goes on the value, not on the None)."""
    info = JobSubmit.model_fields[name]
    inner = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
    return inner | None, Field(default=None, description=info.description)


Overrides = create_model("Overrides", __base__=Body,
                         __doc__="POST /jobs fields for the takes of a shot (or a board).",
                         **{n: _optional(n) for n in OVERRIDE_FIELDS})
GenerateDefaults = create_model(
    "GenerateDefaults", __base__=Body,
    __doc__="Any POST /jobs field, the default for shots that do not set it.",
    **{n: _optional(n) for n in JobSubmit.model_fields if n not in ("takes", "client_key")})


class GridIn(Body):
    """Corrections to the detected beat grid (only the fields sent change)."""

    shift_beats: Annotated[int, Field(ge=-64, le=64)] = Field(
        default=0, description="move bar 1 by whole beats")
    tempo_factor: Literal[0.5, 1, 2] = Field(default=1, description="halve or double")
    tempo: Annotated[float, Field(ge=20, le=400)] | None = Field(
        default=None, description="a typed tempo: a constant grid from the first downbeat, "
                                  "or from bar `tempo_from_bar` on")
    first_downbeat_s: Annotated[float, Field(ge=0, le=36_000)] | None = Field(
        default=None, description="put bar 1 on the beat nearest this time (s)")
    beats_per_bar: Annotated[int, Field(ge=1, le=16)] | None = Field(
        default=None, description="the meter; null: the one the analysis found")
    offset_ms: Annotated[float, Field(ge=-1000, le=1000)] = Field(
        default=0, description="nudge every beat by milliseconds (+ later)")
    tempo_from_bar: Annotated[int, Field(ge=1, le=10_000)] | None = Field(
        default=None, description="with `tempo`: the typed tempo from this bar onward, "
                                  "anchored on its downbeat; the bars before keep theirs")


def _plain(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    return value


class ShotFields(Body):
    """A shot's fields; `fields()` gives those sent, as the board service takes them."""

    label: text(200) | None = None
    prompt: text(4000) | None = None
    negative_prompt: text(4000) | None = None
    model: text(200) | None = None
    overrides: Overrides | None = None  # type: ignore[valid-type]
    start_image: InitImageIn | None = Field(default=None,
                                            description="as POST /jobs init_image")
    notes: text(10_000) | None = None
    duration: DurationValue | None = Field(default=None, description="None: the board's")
    takes_target: Annotated[int, Field(ge=1, le=MAX_TAKES)] | None = None

    def fields(self) -> dict[str, Any]:
        """The shot fields present in the body (a PATCH sends only some), text trimmed,
        generation fields as JSON."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set - {"shots", "shot_list", "shot_list_format",
                                             "at_frame"}:
            value = getattr(self, name)
            if name in ("label", "prompt", "negative_prompt", "notes"):
                value = (value or "").strip() if name != "notes" else (value or "")
            elif name == "takes_target":
                value = value or DEFAULT_TAKES
            elif name == "overrides":
                value = _plain(value) or {}
            elif name == "model":
                value = value or None
            out[name] = _plain(value)
        return out


class ShotPatch(ShotFields):
    position: Annotated[int, Field(ge=0, le=100_000)] | None = Field(
        default=None, description="the shot's new place, from 0")
    selected_take_id: Id | None = Field(default=None, description="the shot's pick; null "
                                        "clears it")


class ShotsAdd(ShotFields):
    """One shot (its fields), many (`shots`), or a shot list (`shot_list`, as text)."""

    shots: list[ShotFields] | None = Field(default=None, max_length=2000)
    shot_list: text(2_000_000, min_length=1) | None = None
    shot_list_format: Literal["csv", "tsv", "json", "md"] | None = None
    position: Annotated[int, Field(ge=0, le=100_000)] | None = Field(
        default=None, description="insert before this place (default: at the end)")
    at_frame: Annotated[int, Field(ge=0, le=10**8)] | None = Field(
        default=None, description="or where the cut reaches this frame (board frames): "
        "before the first shot that starts at or after it (a gap filled in the sequence)")


class BoardFields(Body):
    name: text(200) | None = None
    fps: Fps | None = None
    width: FrameSize | None = None
    height: FrameSize | None = None
    song_id: Id | None = None
    default_duration: DurationValue | None = None
    grid: GridIn | None = None
    defaults: Overrides | None = None  # type: ignore[valid-type]
    handle_frames: Annotated[int, Field(ge=0, le=MAX_HANDLES)] | None = Field(
        default=None, description="frames of handle (at the board's rate) made beyond each "
        "shot at each end, within the model's longest take; 0: none")

    def fields(self, current: GridAdjust | None = None) -> dict[str, Any]:
        """The board fields sent, as the board service takes them; `grid` applies the sent
        corrections to `current` (null clears every correction)."""
        out: dict[str, Any] = {}
        for name in self.model_fields_set & set(BoardFields.model_fields):
            value = getattr(self, name)
            if name == "grid":
                value = GridAdjust() if value is None else GridAdjust.from_dict(
                    {**(current or GridAdjust()).to_dict(),
                     **value.model_dump(include=value.model_fields_set)})
            elif name == "defaults":
                value = _plain(value) or {}
            elif name == "name":
                value = (value or "").strip() or "Untitled board"
            if value is not None or name == "song_id":
                out[name] = value
        return out


class BoardCreate(BoardFields):
    shots: list[ShotFields] | None = Field(default=None, max_length=2000)
    shot_list: text(2_000_000, min_length=1) | None = None
    shot_list_format: Literal["csv", "tsv", "json", "md"] | None = None
    bars_per_shot: Annotated[float, Field(ge=0.25, le=64)] | None = Field(
        default=None, description="with a song: N bars a shot, as many as the song holds")


class DuplicateIn(Body):
    name: text(200) | None = Field(default=None, description="the copy's name (default: "
                                   "the board's name and ' copy')")


class FillIn(Body):
    bars_per_shot: Annotated[float, Field(ge=0.25, le=64)]


class MarkersIn(Body):
    """Cut points: sequence frames at the board's rate, or seconds."""

    frames: list[Annotated[int, Field(ge=0, le=10**8)]] | None = Field(default=None,
                                                                      max_length=2000)
    seconds: list[Annotated[float, Field(ge=0, le=10**6)]] | None = Field(default=None,
                                                                         max_length=2000)


class SplitIn(Body):
    first: DurationValue | None = Field(default=None, description="the first part, in the "
                                        "shot's unit (default: half)")


class ChainIn(GenerateDefaults):  # type: ignore[misc, valid-type]
    """Any POST /jobs field for the chain's takes (`num_frames` comes from the plan)."""


class GenerateIn(GenerateDefaults):  # type: ignore[misc, valid-type]
    takes: Annotated[int, Field(ge=1, le=MAX_TAKES)] | None = Field(
        default=None, description="takes per shot (default: each shot's target)")
    only_missing: bool = Field(default=False, description="only shots without a pick")
    shot_ids: list[Id] | None = Field(default=None, max_length=2000)


class AssembleIn(Body):
    formats: list[text(16)] | text(100) | None = None
    unpicked: Literal["gap", "best"] = Field(
        default="gap", description="a shot without a pick: a gap, or its best-rated take")


# ---- bcontract: multipart forms (what an upload carries beside its file) ----
# A form's fields are text: the board's scalar fields as a BoardCreate body takes them.
FORM_LEFT_OUT = ("grid", "defaults", "shots", "shot_list", "shot_list_format")
BoardUpload = create_model(
    "BoardUpload", __doc__="A shot-list file and the new board's fields, as text.",
    file=(bytes, Field(description="the shot list: CSV, TSV, JSON or Markdown")),
    **{n: (str | None, Field(default=None, description=info.description))
       for n, info in BoardCreate.model_fields.items() if n not in FORM_LEFT_OUT})


class ShotsUpload(BaseModel):
    file: bytes = Field(description="a shot list (CSV, TSV, JSON or Markdown); its shots are "
                        "added at the end")


class SongUpload(BaseModel):
    file: bytes = Field(description="the audio: WAV, MP3, AAC/M4A or FLAC")
    wait: str | None = Field(default=None, description="seconds to wait for the analysis "
                             "(0 to 600, default 60); longer answers 202 and goes on")
    analyser: Literal["librosa", "madmom"] | None = Field(
        default=None, description="librosa (default, commercial use allowed) or madmom "
        "(opt-in; its models are licensed CC BY-NC-SA 4.0, non-commercial only)")
