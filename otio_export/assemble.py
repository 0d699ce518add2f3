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

Takes made with handles (the take record's `request.handles`, in the take's own frames) are
cut from the frame after their head handle, so the frames before and after the shot stay in
the media for the editor to slip or dissolve into; `shots` (a list the caller passes) gets
how many frames of handle each shot's clips keep at each end, in sequence frames. A take at
another rate than the sequence (Wan's 16 fps in a 24 fps board) is retimed by the cut: its
range is given in sequence frames, so it plays at its real speed and the editor holds each
frame as long as it lasts; the shot's report says so.

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
from otio_export.build import assemble_conform, entry_from_take
from otio_export.cutlist import Column, Cut, Entry, Marker, ShotRef
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
    notes: str = ""  # the editor's notes, the shot list's extra columns as "Column: value"
    columns: tuple[Column, ...] = ()  # the shot list's extra columns


@dataclass(frozen=True)
class ShotCut:
    """How one shot was cut: the takes laid, the frames of handle (sequence frames) left in
    the media before the first clip's in-point and after the last clip's out-point, and how
    takes at another rate were conformed ("" when none)."""

    shot_id: str
    label: str
    start: int
    frames: int
    take_ids: tuple[str, ...] = ()
    head_frames: int = 0
    tail_frames: int = 0
    conform: str = ""


@dataclass(frozen=True)
class BoardSong:
    path: str
    sample_rate: int
    samples: int
    name: str = ""


def assemble(name: str, fps: float, width: int, height: int, shots: Sequence[BoardShot],
             song: BoardSong | None = None, report: list[ShotCut] | None = None) -> Cut:
    """The board's cut; `report`, when given, gets a ShotCut per shot."""
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
                                  note=shot_note(shot)))
        length = shot.end - shot.start
        laid = len(cut.entries)
        used = _lay_takes(cut, shot, length, rate,
                          ShotRef(shot.id, label, shot.notes, list(shot.columns)))
        if report is not None:
            report.append(_report(shot, label, cut.entries[laid:], rate))
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


def shot_note(shot: BoardShot) -> str:
    """The shot marker's note: the editor's notes (and extra columns), then the prompt."""
    return "\n".join(p for p in (shot.notes.strip(), shot.prompt[:500]) if p)[:10_000]


def _lay_takes(cut: Cut, shot: BoardShot, length: int, rate: Fraction, ref: ShotRef) -> int:
    """Append the shot's take(s) to V1, trimmed to `length`; the frames they fill. The first
    take starts after its head handle, each continuation after the frames it repeats."""
    used = 0
    for k, take in enumerate(shot.takes):
        if used >= length:
            break
        media_fps = rates.exact_rate(take["fps"])
        available = rates.media_length_in_seq_frames(int(take["num_frames"]), media_fps, rate)
        if k:
            skip = math.ceil(_overlap(take) * rate / media_fps)  # repeated frames
        else:
            skip = rates.media_length_in_seq_frames(head_handle(take), media_fps, rate)
        if available - skip <= 0:
            continue
        take_frames = min(available - skip, length - used)
        cut.entries.append(entry_from_take(take, source_in=skip, duration=take_frames,
                                           shot=ref))
        used += take_frames
    return used


def head_handle(take: dict[str, Any]) -> int:
    """The frames (the take's own) a take was made with before its shot: 0 for a take made
    without handles (before they existed, or for a chain), so it cuts from its first frame."""
    record = take.get("record") or {}
    request = record.get("request") if isinstance(record.get("request"), dict) else {}
    handles = request.get("handles") if isinstance(request.get("handles"), dict) else {}
    head = handles.get("head", 0)
    if isinstance(head, bool) or not isinstance(head, int) or head < 0:
        return 0
    return min(head, max(0, int(take["num_frames"]) - 1))


def conform_label(media_fps: Fraction, rate: Fraction) -> str:
    """How the cut conforms a take at `media_fps` to the sequence: "" at the same rate.

    The cut retimes (the take plays at its real speed, each of its frames held as long as it
    lasts); no frames are made here. Interpolating them was weighed: the optical-flow
    interpolators packaged for Python (RIFE ports, ccvfi and the like) either load model
    weights from a hub at first use, which a machine without a network cannot, or run only
    through Vulkan on a GPU, and the original RIFE wheel has had no release since 2022.
    FFmpeg's `minterpolate` (reachable through PyAV) would run offline but writes a second
    media file per take from block-based motion estimates. The editor's own optical-flow
    time interpolation works on the clip as cut, so the cut leaves the frames to it and
    says what it did.
    """
    if media_fps == rate:
        return ""
    return assemble_conform(media_fps, rate)


def _report(shot: BoardShot, label: str, laid: list[Entry], rate: Fraction) -> ShotCut:
    clips = [e for e in laid if e.kind == "clip"]
    if not clips:
        return ShotCut(shot.id, label, shot.start, shot.end - shot.start)
    last = clips[-1]
    available = rates.media_length_in_seq_frames(
        int(last.media_frames or 0), rates.exact_rate(last.media_fps or rate), rate)
    conforms = sorted({conform_label(rates.exact_rate(e.media_fps or rate), rate)
                       for e in clips} - {""})
    return ShotCut(shot.id, label, shot.start, shot.end - shot.start,
                   tuple(str(e.take_id or "") for e in clips), clips[0].source_in,
                   max(0, available - last.source_in - (last.duration or 0)),
                   "; ".join(conforms))
def frames_covered(takes: Sequence[dict[str, Any]], length: int, fps: float) -> int:
    """How many of a shot's `length` frames (at sequence rate `fps`) its takes fill in the
    cut, laid as `assemble` lays them (a chain's overlaps skipped): what a board shows as a
    pick that is too short before anything is assembled."""
    scratch = Cut(name="", fps=fps, width=2, height=2)
    shot = BoardShot(id="", label="", start=0, end=length, takes=tuple(takes))
    return _lay_takes(scratch, shot, length, rates.sequence_rate(fps), ShotRef())


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
