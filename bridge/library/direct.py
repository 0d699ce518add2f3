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

from bridge.boards import durations, layout, songs
from bridge.boards import store as boards_store
from bridge.conditions import Keyframe, PromptSection, VideoCondition, place_frame
from bridge.errors import Conflict, InvalidRequest, NotFound
from bridge.library import images, start_image, store
from bridge.library.media import MediaUnreadable, read_frames
from bridge.request import InitImage


@dataclass(frozen=True)
class KeyframeAsk:
    """One keyframe as a job body gives it (already type-checked by the API schema)."""

    upload: str | None = None
    sha256: str | None = None  # a stored image, as a take record names it
    place: dict[str, Any] | None = None  # as a take record stores it
    take_id: str | None = None
    take_frame: str | int | None = "last"  # first | last | a frame index of that take
    frame: int | str | None = None  # where it lands: a frame index, "first" or "last"
    seconds: float | None = None
    beat: float | None = None  # 1 = the shot's first beat
    bar: float | None = None  # 1 = the shot's first bar
    strength: float = 1.0
    asked: int | None = None  # stored; recomputed from the place
    source: str | None = None  # stored; follows from the image


def keyframes(conn: sqlite3.Connection, images_dir: Path, asks: list[KeyframeAsk],
              shot_id: str | None = None) -> tuple[Keyframe, ...]:
    """The request's keyframes; 4xx naming `keyframes[i]...` for what cannot be found."""
    out = []
    for i, ask in enumerate(asks):
        field = f"keyframes[{i}]"
        sha, source, take_frame = _image(conn, images_dir, ask, field)
        place = dict(ask.place) if ask.place else _place(conn, ask, shot_id, field)
        out.append(Keyframe(sha256=sha, frame=0, strength=float(ask.strength), place=place,
                            source=source, take_id=ask.take_id if source == "take_frame"
                            else None, take_frame=take_frame))
    return tuple(out)


@dataclass(frozen=True)
class SectionAsk:
    """One timed prompt as a job body gives it (already type-checked by the API schema)."""

    prompt: str
    frame: int | None = None
    seconds: float | None = None
    beat: float | None = None
    bar: float | None = None
    place: dict[str, Any] | None = None  # as a take record stores it
    asked: int | None = None  # stored; recomputed from the place


def sections(conn: sqlite3.Connection, asks: list[SectionAsk], shot_id: str | None = None
             ) -> tuple[PromptSection, ...]:
    """The request's timed prompts, each placed as a keyframe is (a beat or bar of the shot
    on the board's beat arithmetic, kept beside its seconds into the take); the generator
    then moves each to where the model can change its prompt (bridge.generators.sections).
    """
    return tuple(PromptSection(prompt=ask.prompt, place=_stored_place(ask.place, f"prompts[{i}]")
                               if ask.place else _place(conn, ask, shot_id, f"prompts[{i}]"))
                 for i, ask in enumerate(asks))


# A stored place sent back: what each key may hold (the bounds of the body's own fields).
PLACE_BOUNDS = {"frame": 100000, "seconds": 3600.0, "beat": 100000, "bar": 100000}


def _stored_place(place: dict[str, Any], field: str) -> dict[str, Any]:
    """A place as a take record stores it, checked: known keys, finite numbers in bounds
    (it is turned into a frame by arithmetic, which must not meet text or infinity)."""
    out: dict[str, Any] = {}
    for key, value in place.items():
        top = PLACE_BOUNDS.get(key)
        if top is None or isinstance(value, bool) or not isinstance(value, int | float) \
                or not 0 <= value <= top:
            raise InvalidRequest(f"'{field}.place' holds frame, seconds, beat or bar as "
                                 f"numbers from 0 (seconds up to 3600); got {key!r}.",
                                 field=f"{field}.place", code="invalid_place")
        out[key] = value
    if "frame" not in out and "seconds" not in out:
        raise InvalidRequest(f"'{field}.place' needs frame or seconds.",
                             field=f"{field}.place", code="invalid_place")
    return out


def _image(conn: sqlite3.Connection, images_dir: Path, ask: KeyframeAsk, field: str
           ) -> tuple[str, str, str | None]:
    if ask.sha256 is not None:  # sent back from a take record
        if images.find_image(images_dir, ask.sha256) is None:
            raise NotFound("That keyframe image is no longer stored; upload it again.",
                           field=f"{field}.sha256")
        take_frame = None if ask.take_frame is None else str(ask.take_frame)
        return ask.sha256, ask.source or "upload", take_frame if ask.take_id else None
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


def _place(conn: sqlite3.Connection, ask: KeyframeAsk | SectionAsk, shot_id: str | None, field: str
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
    shot = boards_store.get_shot(conn, shot_id)
    board = boards_store.get_board(conn, shot.board_id) if shot is not None else None
    if shot is None or board is None:
        raise NotFound(f"There is no shot {shot_id!r}.", field="shot_id")
    song = boards_store.get_song(conn, board.song_id) if board.song_id else None
    grid = songs.grid_of(song, board.grid)
    if grid is None or len(grid.beats) < 2:
        raise InvalidRequest(f"'{field}' needs a song with beats on the shot's board; give "
                             "frame or seconds, or add a song.", field=field,
                             code="needs_song")
    placed = next(p for p in layout.layout(board, grid) if p.shot.id == shot.id)
    rate = layout.rate_of(board)
    start = float(Fraction(placed.start) / rate)
    if unit == "beat":
        first = max(0, round(grid.beat_index(start) + 1e-9))  # as durations.boundaries
        at = grid.beat_time(first + value - 1)
    else:
        first = max(0, round(grid.bar_index(start) + 1e-9))
        at = grid.bar_time(first + value - 1)
    # A beat up to half a frame before the shot's first frame is on it: the cut rounds both
    # to the same frame (a shot cut on a bar starts on the frame nearest that bar).
    if value < 1 or at < start - 0.5 / float(rate):
        raise InvalidRequest(f"'{field}' lies before the shot starts (the first is 1).",
                             field=field, code="out_of_range")
    # On the cut's frame grid first, so a keyframe and a cut on the same beat agree.
    frame = max(0, durations.nearest_frame(at, rate) - placed.start)
    return round(float(Fraction(frame) / rate), 6)


# -- continue and retake -----------------------------------------------------------------

@dataclass(frozen=True)
class Continuation:
    mode: str  # video | last_frame
    video: VideoCondition | None
    init_image: InitImage | None


def overlap_for(preset: Any, parent_frames: int, num_frames: int) -> int:
    """How many last frames of a take of `parent_frames` a continuation of `num_frames`
    holds on: the preset's `continue_frames` where it conditions on video, on its frame
    rule and shorter than the continuation; 1 (the last frame as a start image) otherwise."""
    if not getattr(preset, "condition_class", None):
        return 1
    step = preset.frame_step
    return max(1, min(preset.continue_frames, (parent_frames - 1) // step * step + 1,
                      (num_frames - 2) // step * step + 1))


def continue_from(conn: sqlite3.Connection, images_dir: Path, take_id: str, preset: Any,
                  num_frames: int, field: str = "continue_from") -> Continuation:
    """Hold on the take's last frames where the preset can, else start on its last frame."""
    take = _take(conn, take_id, field)
    count = overlap_for(preset, take.num_frames, num_frames)
    if count > 1:
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


def chain_links(preset: Any, links: list[int]) -> list[int]:
    """A chain's frame counts when each continuation holds on the last frames of the link
    before (the overlap the cut trims): durations.take_plan plans links that repeat one
    frame; this covers at least as much with the preset's overlap. Every link is on the
    frame rule and at most the first (the model's longest take); a link is never shorter
    than its overlap plus one stride, so each one holds on the same number of frames."""
    top, step = links[0], preset.frame_step
    overlap = overlap_for(preset, top, top)
    if overlap <= 1 or len(links) < 2:
        return list(links)
    needed = top + sum(n - 1 for n in links[1:])  # what the one-frame plan covers
    out, covered = [top], top
    while covered < needed:
        want = needed - covered + overlap
        frames = step * -(-(want - 1) // step) + 1  # the next count on the rule
        out.append(min(top, max(frames, overlap + step)))
        covered += out[-1] - overlap
    return out


def section_links(preset: Any, request: Any, frames: int
                  ) -> tuple[list[int], tuple[PromptSection, ...]]:
    """A chain for timed prompts: frame counts of links whose boundaries fall on the
    section boundaries, and the sections as placed. Each link after the first repeats the
    last frames of the one before (the overlap the cut trims), so the new frames of link k
    start where the links before it end; a boundary can fall only on a frame count the
    first link may have (the model's step*k + 1), so each section moves to the nearest one
    and keeps the frame it was asked for beside it. A section longer than the model's
    longest take is made of several links with its prompt. `frames`: what the shot needs.
    4xx naming `prompts[i]` for sections that fall together."""
    step = preset.frame_step
    top = (preset.max_frames - 1) // step * step + 1
    fps = float(request.fps or preset.fps)
    starts: list[int] = []
    placed = []
    for i, s in enumerate(request.prompts):
        asked = place_frame(s.place, s.asked if s.asked is not None else s.frame, fps, frames)
        at = 0 if asked == 0 else max(step + 1, (asked - 1 + step // 2) // step * step + 1)
        if not 0 <= asked < frames:
            raise InvalidRequest(f"'prompts[{i}]' starts on frame {asked}, outside the shot "
                                 f"(frames 0 to {frames - 1}).", field=f"prompts[{i}].frame",
                                 code="out_of_range")
        if starts and at <= starts[-1]:
            raise InvalidRequest(
                f"'prompts[{i}]' falls on the link of the section before it (a chain's links "
                f"of {preset.label} meet every {step} frames); move it further on.",
                field=f"prompts[{i}].frame", code="conflict")
        starts.append(at)
        placed.append(PromptSection(s.prompt, at, asked if asked != at else None,
                                    s.place or {"frame": asked}))
    bounds = [b for b in starts if b > 0]
    last = bounds[-1] if bounds else 1  # the chain ends on the rule, past the shot
    end = last + max(step, -(-(frames - last) // step) * step)
    links: list[int] = []
    position = 0  # the first frame the next link adds
    for stop in [*bounds, end]:
        while position < stop:
            if not links:
                n = min(top, stop)
                links.append(n)
                position = n
                continue
            overlap = overlap_for(preset, links[-1], top)
            add = min(top - overlap, stop - position)
            links.append(add + overlap)
            position += add
    return links, tuple(placed)


def link_starts(preset: Any, links: list[int]) -> list[int]:
    """The frame of the chain where each link's new frames begin (bridge.boards.chains
    continues each link on `overlap_for` last frames of the one before)."""
    out, position = [], 0
    for k, n in enumerate(links):
        out.append(position)
        position += n if k == 0 else n - overlap_for(preset, links[k - 1], n)
    return out


def link_prompt(preset: Any, request: Any, links: list[int], k: int) -> str:
    """The prompt of link `k` of a chain made for timed prompts: the section it starts in
    (the request's own prompt before the first section)."""
    start = link_starts(preset, links)[k]
    prompt = request.prompt
    for s in request.prompts:
        if s.frame <= start:
            prompt = s.prompt
    return prompt


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


def stored_video(images_dir: Path, video: dict[str, Any], field: str = "video"
                 ) -> VideoCondition:
    """A conditioning video sent back as a take record stores it: every frame still there."""
    for i, sha in enumerate(video["frames"]):
        if images.find_image(images_dir, sha) is None:
            raise NotFound(f"Frame {i} of the conditioning video is no longer stored; "
                           "continue or retake the take again.", field=f"{field}.frames[{i}]")
    return VideoCondition.from_dict(video)
