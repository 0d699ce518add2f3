"""Where each shot of a board sits in the cut, and what a take must be to cover it.

Plain functions of a Board (and its song's beat grid): shot boundaries fall on the frame
nearest each beat (bridge.boards.durations), at the board's exact sequence rate.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

from bridge.boards import durations
from bridge.boards.records import Board, Duration, Shot
from bridge.errors import InvalidRequest
from otio_export import TimelineError
from otio_export.rates import exact_rate, sequence_rate

DEFAULT_MODEL = "ltx-video"


@dataclass(frozen=True)
class Placed:
    """A shot where the cut puts it: sequence frames [start, end)."""

    shot: Shot
    duration: Duration
    start: int
    end: int


def rate_of(board: Board) -> Fraction:
    try:
        return sequence_rate(board.fps)
    except TimelineError as err:
        raise InvalidRequest(err.message, field="fps") from None


def layout(board: Board, grid: durations.Grid | None) -> list[Placed]:
    """Every shot's frames in the cut, boundaries on the frame nearest each beat."""
    spans = [s.duration or board.default_duration for s in board.shots]
    try:
        cuts = durations.boundaries(spans, rate_of(board), grid)
    except durations.DurationError as err:
        raise InvalidRequest(f"Shot {err.index + 1}: {err.message}",
                             field=f"shots[{err.index}].duration") from None
    return [Placed(s, d, cuts[i], cuts[i + 1])
            for i, (s, d) in enumerate(zip(board.shots, spans, strict=True))]


def shot_model(board: Board, shot: Shot) -> tuple[str, float | None]:
    """The model a shot is generated with and the rate asked of it (None: the model's)."""
    model = shot.model or shot.overrides.get("model") or board.defaults.get("model")
    return model or DEFAULT_MODEL, shot.overrides.get("fps") or board.defaults.get("fps")


PINNING = ("init_image", "keyframes", "video", "continue_from", "retake")


def pinned(fields: dict[str, Any]) -> bool:
    """Whether a take's request (its POST /jobs fields) pins frames of the take: a start
    image, keyframes, or frames of another take. Such a take gets no head handle, so what
    it was pinned to stays where the cut puts the shot (its first frame, its beats)."""
    return any(fields.get(name) for name in PINNING)


def pinned_end(fields: dict[str, Any]) -> bool:
    """Whether a take's request pins its last frame: a keyframe placed "last" (stored or as
    sent), or a camera move (drawn as an end keyframe where the model takes keyframes). Such
    a take gets no tail handle asked, so its last frame stays the shot's last."""
    if fields.get("camera"):
        return True
    for k in fields.get("keyframes") or ():
        place = k.get("place") if isinstance(k, dict) else getattr(k, "place", None)
        frame = k.get("frame") if isinstance(k, dict) else None
        if frame == "last" or (isinstance(place, dict) and place.get("frame") == "last"):
            return True
    return False


def take_plan(preset: Any, board: Board, frames: int, fps: float | None = None,
              pinned: bool = False, end_pinned: bool = False) -> durations.TakePlan | None:
    """How many frames the model of `preset` must make to cover `frames` of the board with
    the board's handles at each end (None: a model this library does not know, or a rate
    that is not a number)."""
    if preset is None or isinstance(fps, bool) or not isinstance(fps, int | float | None):
        return None
    fps = fps or preset.fps
    return durations.take_plan(frames, rate_of(board), exact_rate(fps), preset.frame_step,
                               preset.max_frames, board.handle_frames, head=not pinned,
                               tail=not end_pinned)
