"""Shot durations (seconds, frames, beats, bars) to frame-exact boundaries at a board's rate.

Boundaries are computed in time and put on the frame nearest each one, so twelve shots of
1.001 s never drift, and a duration in beats or bars follows the song's actual beat times
(a drummer speeds up, the cut follows), not a constant tempo. Every position is a whole
number of sequence frames; rates are exact fractions (29.97 is 30000/1001).

The first shot starts at the song's start and counts its beats or bars from the first beat
or downbeat, so a lead-in or pickup before bar 1 belongs to shot 1 instead of a black gap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction

from bridge.boards.records import Duration

EXTRAPOLATE_FROM = 8  # beats whose mean period continues the grid past either end


@dataclass(frozen=True)
class Grid:
    """The beat grid of a song: beat times and which beat is bar 1's downbeat."""

    beats: tuple[float, ...]
    first_downbeat: int = 0  # index into beats
    beats_per_bar: int = 4
    duration_s: float = 0.0

    @property
    def downbeats(self) -> list[float]:
        return list(self.beats[self.first_downbeat::self.beats_per_bar])

    def beat_time(self, index: float) -> float:
        """Time of a (fractional) beat index; past either end the grid continues at the
        mean period of the nearest beats."""
        beats = self.beats
        if len(beats) < 2:
            raise ValueError("a grid needs at least two beats")
        if index < 0:
            period = (beats[min(EXTRAPOLATE_FROM, len(beats) - 1)] - beats[0]) / min(
                EXTRAPOLATE_FROM, len(beats) - 1)
            return beats[0] + index * period
        last = len(beats) - 1
        if index > last:
            n = min(EXTRAPOLATE_FROM, last)
            period = (beats[last] - beats[last - n]) / n
            return beats[last] + (index - last) * period
        i = math.floor(index)
        if i == last:
            return beats[last]
        return beats[i] + (index - i) * (beats[i + 1] - beats[i])

    def beat_index(self, t: float) -> float:
        """The fractional beat index at time t (the inverse of beat_time)."""
        beats = self.beats
        if t <= beats[0]:
            period = self.beat_time(1) - self.beat_time(0)
            return (t - beats[0]) / period
        if t >= beats[-1]:
            last = len(beats) - 1
            period = self.beat_time(last + 1) - beats[last]
            return last + (t - beats[last]) / period
        lo, hi = 0, len(beats) - 1
        while hi - lo > 1:
            mid = (lo + hi) // 2
            if beats[mid] <= t:
                lo = mid
            else:
                hi = mid
        return lo + (t - beats[lo]) / (beats[hi] - beats[lo])

    def bar_time(self, bar: float) -> float:
        return self.beat_time(self.first_downbeat + bar * self.beats_per_bar)

    def bar_index(self, t: float) -> float:
        return (self.beat_index(t) - self.first_downbeat) / self.beats_per_bar


def retimed(grid: Grid, offset_s: float = 0.0, tempo: float | None = None,
            from_bar: int | None = None) -> Grid:
    """The editor's fine corrections, applied beside the analysis (never over it):

    - `offset_s` nudges every beat (milliseconds an editor hears as early or late);
    - `tempo` from bar `from_bar` (1 = bar 1) onward: the beats before that bar are kept,
      and from its downbeat on the grid runs at the typed tempo, anchored on that downbeat
      (the bar the editor chose, not the first detected beat), to the song's end.
    """
    beats = [b + offset_s for b in grid.beats]
    if tempo and from_bar and len(beats) >= 2:
        moved = Grid(tuple(beats), grid.first_downbeat, grid.beats_per_bar, grid.duration_s)
        anchor_index = grid.first_downbeat + (from_bar - 1) * grid.beats_per_bar
        anchor = moved.beat_time(anchor_index)
        period = 60.0 / float(tempo)
        kept = [b for i, b in enumerate(beats) if i < anchor_index and b < anchor - period / 4]
        count = max(2, int((grid.duration_s - anchor) / period) + 1)
        beats = kept + [anchor + k * period for k in range(count)]
        # The anchor stays the downbeat of bar `from_bar`, so bar 1 is that many bars before
        first = (len(kept) - (from_bar - 1) * grid.beats_per_bar) % grid.beats_per_bar
        return Grid(tuple(round(b, 4) for b in beats), first, grid.beats_per_bar,
                    grid.duration_s)
    return Grid(tuple(round(b, 4) for b in beats), grid.first_downbeat, grid.beats_per_bar,
                grid.duration_s)


class DurationError(ValueError):
    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.message, self.index = message, index


def nearest_frame(seconds: float, rate: Fraction) -> int:
    """The frame nearest a time, halves rounded up (never banker's rounding)."""
    return math.floor(Fraction(seconds) * rate + Fraction(1, 2))


def boundaries(durations: Sequence[Duration], rate: Fraction, grid: Grid | None = None
               ) -> list[int]:
    """Frame boundaries of consecutive shots: len(durations) + 1 frames, the first 0.

    Raises DurationError (with the shot's index) for a beat or bar duration without a song
    grid, or a duration that would not move the cut forward.
    """
    out = [0]
    t = 0.0
    frame = 0
    for i, d in enumerate(durations):
        if d.unit == "frames":
            frame += int(d.value)
            t = float(Fraction(frame) / rate)
        elif d.unit == "s":
            t += float(d.value)
            frame = nearest_frame(t, rate)
        elif d.unit in ("beats", "bars"):
            if grid is None or len(grid.beats) < 2:
                raise DurationError(f"A duration in {d.unit} needs a song with beats; give it "
                                    "in seconds or frames, or add a song.", i)
            if d.unit == "beats":
                start = max(0, round(grid.beat_index(t) + 1e-9))
                t = grid.beat_time(start + d.value)
            else:
                start = max(0, round(grid.bar_index(t) + 1e-9))
                t = grid.bar_time(start + d.value)
            frame = nearest_frame(t, rate)
        else:
            raise DurationError(f"Unknown unit {d.unit!r}.", i)
        if frame <= out[-1]:
            raise DurationError("This duration is shorter than one frame here.", i)
        out.append(frame)
    return out


def fill_count(grid: Grid, bars_per_shot: float) -> int:
    """How many shots of `bars_per_shot` bars the song holds: every group that starts on a
    detected downbeat with at least one whole bar of it inside the song."""
    downbeats = grid.downbeats
    count = 0
    while True:
        start_bar = count * bars_per_shot
        if start_bar >= len(downbeats) or (
                grid.bar_time(start_bar + 1) > grid.duration_s + 0.05):
            return max(count, 1)
        count += 1


@dataclass(frozen=True)
class TakePlan:
    """What to ask a model for so a take covers its shot (never shorter; trimmed in the cut).

    `num_frames` is None when one take cannot reach the shot; `chain` then lists the frame
    counts of a first take and its continuations from each last frame, which together do.
    `head_frames` and `tail_frames` are the handles (in the model's frames) made beyond the
    shot at each end: the cut starts after the head, so an editor can slip the take or lay a
    dissolve. A chain is made without handles.
    """

    shot_frames: int
    needed_frames: int  # at the model's own rate
    num_frames: int | None
    chain: tuple[int, ...] = ()
    message: str = ""
    head_frames: int = 0
    tail_frames: int = 0

    def to_dict(self) -> dict:
        return {"shot_frames": self.shot_frames, "needed_frames": self.needed_frames,
                "num_frames": self.num_frames, "chain": list(self.chain),
                "message": self.message, "head_frames": self.head_frames,
                "tail_frames": self.tail_frames}


def _up_to_rule(frames: int, step: int) -> int:
    """The smallest count `step*k + 1` that is at least `frames`."""
    return max(1, step * math.ceil(max(0, frames - 1) / step) + 1)


def covers(media_frames: int, media_fps: Fraction, shot_frames: int, rate: Fraction) -> bool:
    """Whether a take of `media_frames` at its rate fills `shot_frames` sequence frames (whole
    sequence frames, rounded down, the way otio_export lays clips out)."""
    return math.floor(Fraction(media_frames) / media_fps * rate + Fraction(1, 10**6)) \
        >= shot_frames


def take_plan(shot_frames: int, rate: Fraction, model_fps: Fraction, step: int,
              max_frames: int, handle_frames: int = 0, head: bool = True,
              tail: bool = True) -> TakePlan:
    """The next frame count the model allows (step*k + 1) that covers the shot at the
    model's own rate with `handle_frames` (sequence frames) of handle at each end, or a
    chain of continuations when one take cannot hold the shot at all.

    Handles are whole model frames at least as long as asked; the frames the model's rule
    adds go to the tail. When the longest take holds the shot but not both handles, the
    handles are shortened evenly (the head keeps the odd frame out) and the message says so.
    `head=False` (a take pinned to its first frame: a start image, keyframes, a continued
    video) plans the tail handle only, so the pinned frame stays the cut's first; likewise
    `tail=False` (a keyframe on the take's last frame, a camera move's end) asks for no tail
    handle, so that frame stays the shot's last but for the frames the model's rule adds.
    """
    needed = math.ceil(Fraction(shot_frames) / rate * model_fps)
    while not covers(needed, model_fps, shot_frames, rate):
        needed += 1
    top = ((max_frames - 1) // step) * step + 1
    n = _up_to_rule(needed, step)
    if n <= top:
        asked = math.ceil(Fraction(max(0, handle_frames)) / rate * model_fps)
        if not asked:
            return TakePlan(shot_frames, needed, n)
        before = asked if head else 0
        after = asked if tail else 0
        if not (before or after):
            return TakePlan(shot_frames, needed, n)
        with_handles = _up_to_rule(needed + before + after, step)
        if with_handles <= top:
            return TakePlan(shot_frames, needed, with_handles, head_frames=before,
                            tail_frames=with_handles - needed - before)
        room = top - needed
        first = min(before, room - room // 2)
        message = (f"The model makes at most {top} frames a take: this take has "
                   f"{first} and {room - first} frames of handle (in its own frames) instead "
                   f"of {before} and {after}.")
        return TakePlan(shot_frames, needed, top, message=message, head_frames=first,
                        tail_frames=room - first)
    # Each continuation starts on the previous take's last frame, so it adds top - 1 new ones.
    segments = [top]
    covered = top
    while covered < needed:
        remaining = needed - covered
        seg = min(top, _up_to_rule(remaining + 1, step))
        segments.append(seg)
        covered += seg - 1
    seconds = float(Fraction(shot_frames) / rate)
    longest = float(Fraction(top) / model_fps)
    message = (f"The model makes at most {top} frames ({longest:.2f} s) a take; this shot "
               f"lasts {seconds:.2f} s. Generate a chain: a take of {top} frames, then "
               f"{len(segments) - 1} continuation(s) from each last frame"
               f"{' (made without handles)' if handle_frames else ''}.")
    return TakePlan(shot_frames, needed, None, tuple(segments), message)
