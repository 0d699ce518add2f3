"""Directing a take: keyframes, continuations and retakes as the library resolves them.

What a job body says in the editor's terms (an image or a frame of a take, placed at a
frame, a second, or a beat or bar of the shot; continue this take; retake that one) becomes
the request's typed records (bridge.conditions) here, with every image stored by content
hash so the take record names exactly what conditioned it:
- a beat or bar of the shot is laid onto the song with the board's own beat arithmetic
  (bridge.boards.durations, the same that places the cut), counted from the shot's first
  beat, and kept as seconds into the take beside the beat, so the generator places it in
  the model's frames;
- a continuation holds on the last frames of the take before (video conditioning) where
  the model can, and only falls back to its last frame as a start image where it cannot;
  `Continuation.mode` says which, and so does the take record;
- re-rolls, continuations and retakes stay with the shot and board of the take they come
  from, so the new take can be picked for that shot at once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

from bridge.boards import durations
from bridge.conditions import Keyframe, VideoCondition
from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.library import boards, boards_store, images, songs, start_image, store
from bridge.library.media_read import MediaUnreadable, read_frames
from bridge.request import InitImage


@dataclass(frozen=True)
class KeyframeAsk:
    """One keyframe as a job body gives it (already type-checked by the API schema)."""

    upload: str | None = None
    take_id: str | None = None
    take_frame: str | int = "last"  # first | last | a frame index of that take
    frame: int | str | None = None  # where it lands: a frame index, "first" or "last"
    seconds: float | None = None
    beat: float | None = None  # 1 = the shot's first beat
    bar: float | None = None  # 1 = the shot's first bar
    strength: float = 1.0


def keyframes(conn: sqlite3.Connection, images_dir: Path, asks: list[KeyframeAsk],
              shot_id: str | None = None) -> tuple[Keyframe, ...]:
    """The request's keyframes; 4xx naming `keyframes[i]...` for what cannot be found."""
    out = []
    for i, ask in enumerate(asks):
        field = f"keyframes[{i}]"
        sha, source, take_frame = _image(conn, images_dir, ask, field)
        place = _place(conn, ask, shot_id, field)
        out.append(Keyframe(sha256=sha, frame=0, strength=float(ask.strength), place=place,
                            source=source, take_id=ask.take_id if source == "take_frame"
                            else None, take_frame=take_frame))
    return tuple(out)


def _image(conn: sqlite3.Connection, images_dir: Path, ask: KeyframeAsk, field: str
           ) -> tuple[str, str, str | None]:
    if ask.upload is not None:
        if images.find_image(images_dir, ask.upload) is None:
            raise NotFound("No uploaded image has that sha256; upload it with POST /images.",
                           field=f"{field}.upload")
        return ask.upload, "upload", None
    if ask.take_id is None:
        raise InvalidRequest(f"'{field}' needs 'upload' or 'take_id'.", field=field,
                             code="required")
    if isinstance(ask.take_frame, int) and not isinstance(ask.take_frame, bool):
        take = _take(conn, ask.take_id, f"{field}.take_id")
        if not 0 <= ask.take_frame < take.num_frames:
            raise InvalidRequest(f"'{field}.take_frame' must be a frame of the take (0 to "
                                 f"{take.num_frames - 1}).", field=f"{field}.take_frame",
                                 code="out_of_range")
        pixels = _frames(take, [ask.take_frame], f"{field}.take_id")[0]
        return images.save_array(images_dir, pixels), "take_frame", str(ask.take_frame)
    init = start_image.from_take(conn, images_dir, ask.take_id, ask.take_frame, field=field)
    return init.sha256, "take_frame", str(ask.take_frame)


def _place(conn: sqlite3.Connection, ask: KeyframeAsk, shot_id: str | None, field: str
           ) -> dict[str, Any]:
    given = [k for k in ("frame", "seconds", "beat", "bar") if getattr(ask, k) is not None]
    if len(given) != 1:
        raise InvalidRequest(f"'{field}' needs exactly one of frame, seconds, beat or bar.",
                             field=f"{field}.frame", code="required")
    unit = given[0]
    value = getattr(ask, unit)
    if unit in ("frame", "seconds"):
        return {unit: value}
    if shot_id is None:
        raise InvalidRequest(f"'{field}.{unit}' needs a shot on a board with a song "
                             "(shot_id); give frame or seconds otherwise.",
                             field=f"{field}.{unit}", code="required")
    return {unit: value, "seconds": beat_seconds(conn, shot_id, unit, float(value),
                                                 f"{field}.{unit}")}


def beat_seconds(conn: sqlite3.Connection, shot_id: str, unit: str, value: float,
                 field: str) -> float:
    """Seconds from the shot's first frame in the cut to beat (or bar) `value` of the shot,
    counted from 1 at the shot's first beat (bar), on the board's song grid."""
    shot = boards.get_shot(conn, shot_id)
    board = boards.get(conn, shot.board_id)
    grid = songs.grid_of(boards.song_of(conn, board), board.grid)
    if grid is None or len(grid.beats) < 2:
        raise InvalidRequest(f"'{field}' needs a song with beats on the shot's board; give "
                             "frame or seconds, or add a song.", field=field,
                             code="needs_song")
    placed = next(p for p in boards.layout(conn, board) if p.shot.id == shot.id)
    start = float(Fraction(placed.start) / boards.rate_of(board))
    if unit == "beat":
        first = max(0, round(grid.beat_index(start) + 1e-9))  # as durations.boundaries
        at = grid.beat_time(first + value - 1)
    else:
        first = max(0, round(grid.bar_index(start) + 1e-9))
        at = grid.bar_time(first + value - 1)
    if value < 1 or at < start - 1e-9:
        raise InvalidRequest(f"'{field}' lies before the shot starts (the first is 1).",
                             field=field, code="out_of_range")
    # On the cut's frame grid first, so a keyframe and a cut on the same beat agree.
    frame = durations.nearest_frame(at, boards.rate_of(board)) - placed.start
    return round(float(Fraction(frame) / boards.rate_of(board)), 6)


# -- continue and retake -----------------------------------------------------------------

@dataclass(frozen=True)
class Continuation:
    mode: str  # video | last_frame
    video: VideoCondition | None
    init_image: InitImage | None


def continue_from(conn: sqlite3.Connection, images_dir: Path, take_id: str, preset: Any,
                  num_frames: int, field: str = "continue_from") -> Continuation:
    """Hold on the take's last frames where the preset can, else start on its last frame."""
    take = _take(conn, take_id, field)
    step = preset.frame_step
    count = min(preset.continue_frames if preset.condition_class else 1,
                (take.num_frames - 1) // step * step + 1,
                (num_frames - 2) // step * step + 1)
    if preset.condition_class and count > 1:
        first = take.num_frames - count
        frames = _frames(take, list(range(first, take.num_frames)), field)
        shas = tuple(images.save_array(images_dir, f) for f in frames)
        return Continuation("video", VideoCondition(take.id, shas, first), None)
    init = start_image.from_take(conn, images_dir, take.id, "last", field=field)
    return Continuation("last_frame", None, init)


def retake(conn: sqlite3.Connection, images_dir: Path, take_id: str, strength: float,
           field: str = "retake") -> tuple[VideoCondition, Any]:
    """Every frame of the take, stored, as the video a retake follows; and the take."""
    take = _take(conn, take_id, f"{field}.take_id")
    frames = _frames(take, list(range(take.num_frames)), f"{field}.take_id")
    shas = tuple(images.save_array(images_dir, f) for f in frames)
    return VideoCondition(take.id, shas, 0, mode="retake", strength=float(strength)), take


def shot_of(conn: sqlite3.Connection, take_id: str | None) -> tuple[str | None, str | None]:
    """The shot and board a take belongs to (None, None when it has none or they are gone)."""
    take = store.get_take(conn, take_id) if take_id else None
    if take is None or not take.shot_id or boards_store.get_shot(conn, take.shot_id) is None:
        return None, None
    return take.shot_id, take.board_id


def chain_links(needed: int, top: int, step: int, overlap: int) -> list[int]:
    """Frame counts of a chain whose continuations repeat `overlap` frames of the link
    before (trimmed in the cut): durations.take_plan's chain for an overlap of one frame,
    generalised. Each count is step*k + 1 and at most `top`."""
    links = [top]
    covered = top
    while covered < needed:
        want = needed - covered + overlap
        links.append(min(top, step * -(-(want - 1) // step) + 1))
        covered += links[-1] - overlap
    return links


def _take(conn: sqlite3.Connection, take_id: str, field: str) -> Any:
    take = store.get_take(conn, take_id)
    if take is None:
        raise NotFound(f"There is no take '{take_id}'.", field=field)
    return take


def _frames(take: Any, indices: list[int], field: str) -> list[Any]:
    try:
        got = read_frames(Path(take.media_path), set(indices))
    except (MediaUnreadable, OSError, ValueError):
        got = {}
    if len(got) != len(set(indices)):
        raise Conflict(f"The video of take '{take.id}' is missing or cannot be read; pick "
                       "another take, or restore its file.", field=field,
                       code="take_media_missing")
    return [got[i] for i in indices]
