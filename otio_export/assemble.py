"""A board as a cut: one pure function from (settings, shots, picks, song) to a `Cut`.

V1 holds each shot's selected take in shot order, trimmed to the shot's length in sequence
frames (the shot's boundaries are already on the frame nearest each beat); A1 holds the song
from its start; a sequence marker named after each shot sits at its first frame; every clip
carries its take record. Nothing is dropped: a shot without a pick is a gap with a "no take
yet" marker, and a take shorter than its shot is followed by a gap that says how short, so
every later shot still lands on its beat.

A shot's pick may be a chain (a take and the takes it continues from their last frames,
oldest first): the takes are laid back to back, each continuation from the first frame it
did not repeat: its second (its first repeats the previous take's last), or, for a take
conditioned on the last frames of the one before, the frame after that overlap (the take
record's `generation.conditioning.overlap_frames`), so the links meet frame-exact.

Audio follows the convention agreed with the timeline writers: an `Entry` on track "A1"
with `media_fps` the sample rate and `media_frames` the length in samples; `source_in` and
`duration` in sequence frames, like every entry.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import PurePath
from typing import Any

from otio_export import rates
from otio_export.build import entry_from_take
from otio_export.cutlist import Cut, Entry, Marker
from otio_export.errors import TimelineError

SHOT_COLOUR = "BLUE"
MISSING_COLOUR = "RED"
NO_TAKE = "no take yet"


@dataclass(frozen=True)
class BoardShot:
    """A shot laid out: its sequence frames [start, end) and its pick (a chain, oldest
    first; empty for no pick yet)."""

    id: str
    label: str
    start: int
    end: int
    takes: tuple[dict[str, Any], ...] = ()
    prompt: str = ""


@dataclass(frozen=True)
class BoardSong:
    path: str
    sample_rate: int
    samples: int
    name: str = ""


def assemble(name: str, fps: float, width: int, height: int, shots: Sequence[BoardShot],
             song: BoardSong | None = None) -> Cut:
    rate = rates.sequence_rate(fps)
    cut = Cut(name=name, fps=rates.rate_label(rate), width=width, height=height)
    cursor = 0
    for i, shot in enumerate(shots):
        if shot.end <= shot.start or shot.start < cursor:
            raise TimelineError(f"Shot {shot.label or i + 1} does not start after the one "
                                "before it.", field=f"shots[{i}]")
        if shot.start > cursor:  # a hole in the shot list stays a hole, not a shift
            cut.entries.append(Entry(kind="gap", duration=shot.start - cursor))
        label = shot.label or f"Shot {i + 1}"
        cut.markers.append(Marker(name=label, frame=shot.start, color=SHOT_COLOUR,
                                  note=shot.prompt[:500]))
        length = shot.end - shot.start
        used = _lay_takes(cut, shot, length, rate)
        if used == 0:
            cut.markers.append(Marker(name=f"{label}: {NO_TAKE}", frame=shot.start,
                                      color=MISSING_COLOUR))
            cut.entries.append(Entry(kind="gap", duration=length))
        elif used < length:
            short = length - used
            cut.markers.append(Marker(
                name=f"{label}: take {short} frames short", frame=shot.start + used,
                color=MISSING_COLOUR, note="Generate a longer take or continue this one."))
            cut.entries.append(Entry(kind="gap", duration=short))
        cursor = shot.end
    if song is not None:
        cut.entries.append(song_entry(song, rate))
    return cut


def _lay_takes(cut: Cut, shot: BoardShot, length: int, rate: Fraction) -> int:
    """Append the shot's take(s) to V1, trimmed to `length`; the frames they fill."""
    used = 0
    for k, take in enumerate(shot.takes):
        if used >= length:
            break
        media_fps = rates.exact_rate(take["fps"])
        available = rates.media_length_in_seq_frames(int(take["num_frames"]), media_fps, rate)
        skip = math.ceil(_overlap(take) * rate / media_fps) if k else 0  # repeated frames
        if available - skip <= 0:
            continue
        take_frames = min(available - skip, length - used)
        cut.entries.append(entry_from_take(take, source_in=skip, duration=take_frames))
        used += take_frames
    return used


def frames_covered(takes: Sequence[dict[str, Any]], length: int, fps: float) -> int:
    """How many of a shot's `length` frames (at sequence rate `fps`) its takes fill in the
    cut, laid as `assemble` lays them (a chain's overlaps skipped): what a board shows as a
    pick that is too short before anything is assembled."""
    scratch = Cut(name="", fps=fps, width=2, height=2)
    shot = BoardShot(id="", label="", start=0, end=length, takes=tuple(takes))
    return _lay_takes(scratch, shot, length, rates.sequence_rate(fps))


def _overlap(take: dict[str, Any]) -> int:
    """How many of a continuation's first frames repeat the take before it."""
    record = take.get("record") or {}
    conditioning = (record.get("generation") or {}).get("conditioning") or {}
    return int(conditioning.get("overlap_frames") or 1)


def song_entry(song: BoardSong, rate: Fraction) -> Entry:
    """The song on A1 from its first sample, as long as it lasts in whole sequence frames."""
    if song.sample_rate <= 0 or song.samples <= 0:
        raise TimelineError("The song has no samples.", field="song")
    frames = rates.seq_frames(Fraction(song.samples, song.sample_rate), rate)
    return Entry(kind="clip", track="A1", name=song.name or PurePath(song.path).name,
                 media_path=song.path, media_fps=song.sample_rate, media_frames=song.samples,
                 source_in=0, duration=frames)
