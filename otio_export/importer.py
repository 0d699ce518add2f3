"""`otio.schema.Timeline` (from any editor) -> the cut-list model, takes matched back.

Positions come from OTIO's own track layout (`range_of_child_at_index`), converted once to
whole sequence frames. Clip ranges may be at any rate (Premiere writes a 15 fps clip range in
a 30 fps sequence); they are converted through seconds, not frame counts.

A clip is matched to a take by the `lookup` callable the caller passes (the bridge looks the
path up in its library, and reads the record embedded in the MP4); the id written into the file
is only a hint, checked by that lookup. Everything else stays external media.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from otio_export import rates
from otio_export.cutlist import MARKER_COLOURS, MAX_FRAMES, Cut, Entry, Marker
from otio_export.errors import TimelineError
from otio_export.urls import url_to_path

# (media path or None, take id hint or None) -> the take, or None when it is not one of ours
Lookup = Callable[[str | None, str | None], dict[str, Any] | None]
_LOGNOTE = re.compile(r"promptcut take (\S+)")


def cut_from_timeline(timeline: otio.schema.Timeline, lookup: Lookup | None = None,
                      warnings: list[str] | None = None) -> Cut:
    """The cut list of a timeline; a TimelineError (field "file") for any impossible value."""
    try:
        return _cut_from_timeline(timeline, lookup, warnings)
    except TimelineError as err:
        raise TimelineError(err.message, field="file") from None
    except Exception as err:
        # The timeline came from an untrusted file: whatever OTIO raises while laying it out
        # (no media and no range, a negative rate, ...) is the file's fault, a 4xx.
        raise TimelineError(f"The file's timeline cannot be laid out: {type(err).__name__}: "
                            f"{err}"[:400], field="file") from None


def _cut_from_timeline(timeline: otio.schema.Timeline, lookup: Lookup | None,
                       warnings: list[str] | None) -> Cut:
    rate = _timeline_rate(timeline)
    ours = timeline.metadata.get("promptcut") or {}
    fcp = timeline.metadata.get("fcp_xml") or {}
    size = _dig(fcp, "media", "video", "format", "samplecharacteristics") or {}
    cut = Cut(name=timeline.name or "Imported sequence", fps=rates.rate_label(rate),
              width=_size(ours.get("width") or size.get("width"), 1920),
              height=_size(ours.get("height") or size.get("height"), 1080),
              warnings=list(warnings or []))
    counts = {"V": 0, "A": 0}
    for track in timeline.tracks:
        kind = "A" if track.kind == otio.schema.TrackKind.Audio else "V"
        counts[kind] += 1
        _read_track(track, f"{kind}{counts[kind]}", rate, cut, lookup)
    for marker in timeline.tracks.markers:
        cut.markers.append(_marker(marker, Fraction(0), rate))
    return cut


def _read_track(track: otio.schema.Track, name: str, rate: Fraction, cut: Cut,
                lookup: Lookup | None) -> None:
    ranges = track.range_of_all_children()  # one pass; range_of_child_at_index is O(n)
    for child in track:
        if isinstance(child, otio.schema.Transition):
            cut.warnings.append(f"{name}: transition {child.name!r} left out (cut lists hold "
                                "cuts only).")
            continue
        placed = ranges[child]
        start, duration = _frames(placed.start_time, rate), _frames(placed.duration, rate)
        if duration <= 0:
            continue
        if isinstance(child, otio.schema.Gap):
            cut.entries.append(Entry(kind="gap", duration=duration, track=name, start=start))
        elif isinstance(child, otio.schema.Clip):
            cut.entries.append(_clip_entry(child, name, start, duration, rate, lookup))
        else:  # a nested sequence (Stack) or anything else OTIO may add
            cut.warnings.append(f"{name}: nested sequence {child.name!r} kept as a placeholder.")
            cut.entries.append(Entry(name=child.name, media_kind="nested", duration=duration,
                                     track=name, start=start))


def _clip_entry(clip: otio.schema.Clip, track: str, start: int, duration: int,
                rate: Fraction, lookup: Lookup | None) -> Entry:
    ref = clip.media_reference
    source = clip.source_range or clip.available_range()
    source_start = _seconds(source.start_time)
    available = ref.available_range if ref is not None else None
    media_start = _seconds(available.start_time) if available is not None else Fraction(0)
    entry = Entry(name=clip.name, track=track, start=start, duration=duration,
                  source_in=max(0, _to_frames(source_start - media_start, rate)))
    if isinstance(ref, otio.schema.ExternalReference):
        entry.media_path = url_to_path(ref.target_url)
    else:
        entry.media_kind = ("generator" if isinstance(ref, otio.schema.GeneratorReference)
                            else "missing")
    if available is not None and available.duration.value > 0:
        entry.media_fps = rates.rate_label(rates.exact_rate(available.duration.rate))
        entry.media_frames = _checked(available.duration.value)
    ours = clip.metadata.get("promptcut") or {}
    hint = ours.get("take_id") or _hint_from_formats(clip)
    take = lookup(entry.media_path, hint) if lookup else None
    if take is not None:
        entry.take_id, entry.take = take.get("id"), take
        entry.media_fps = take.get("fps") or entry.media_fps
        entry.media_frames = take.get("num_frames") or entry.media_frames
    elif lookup is None and ours.get("take_id"):
        entry.take_id, entry.take = ours.get("take_id"), _plain(ours.get("take"))
    for marker in clip.markers:
        entry.markers.append(_marker(marker, source_start, rate))
    return entry


def _hint_from_formats(clip: otio.schema.Clip) -> str | None:
    """The take id Promptcut wrote into FCP7 XML (log note) or FCPXML (<md>), if any."""
    note = _dig(clip.metadata, "fcp_xml", "logginginfo", "lognote")
    if isinstance(note, str) and (m := _LOGNOTE.search(note)):
        return m.group(1)
    ref = clip.media_reference
    for item in _dig(ref.metadata if ref else {}, "fcpx", "metadata") or []:
        if isinstance(item, Mapping) and item.get("promptcut.take_id"):
            return str(item["promptcut.take_id"])
    return None


def _marker(marker: otio.schema.Marker, origin: Fraction, rate: Fraction) -> Marker:
    mr = marker.marked_range
    note = (_dig(marker.metadata, "promptcut", "note")
            or _dig(marker.metadata, "fcp_xml", "comment") or "")
    color = str(marker.color).upper()
    return Marker(name=marker.name or "", note=str(note),
                  frame=max(0, _to_frames(_seconds(mr.start_time) - origin, rate)),
                  duration=max(0, _frames(mr.duration, rate)),
                  color=color if color in MARKER_COLOURS else "RED")


def _timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    if timeline.global_start_time is not None:
        return rates.exact_rate(timeline.global_start_time.rate)
    for track in timeline.tracks:
        for child in track:
            return rates.exact_rate(child.duration().rate)
    return Fraction(24)


def _seconds(time: otio.opentime.RationalTime) -> Fraction:
    if not (math.isfinite(time.value) and math.isfinite(time.rate) and time.rate > 0):
        raise TimelineError(f"The file holds an impossible time ({time.value} at "
                            f"{time.rate} fps).", field="file")
    return Fraction(time.value) / rates.exact_rate(time.rate)


def _to_frames(seconds: Fraction, rate: Fraction) -> int:
    return _checked(round(seconds * rate))


def _frames(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    return _to_frames(_seconds(time), rate)


def _checked(value: float) -> int:
    if not math.isfinite(value) or abs(value) > MAX_FRAMES:
        raise TimelineError(f"The file holds a time of {value} frames, beyond any real "
                            "timeline.", field="file")
    return round(value)


def _size(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 16 <= number <= 16384 else default


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, Mapping):
            return None
        data = data.get(key)
    return data


def _plain(value: Any) -> Any:
    """OTIO metadata (AnyDictionary, AnyVector) as plain JSON-able dicts and lists."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence) and not isinstance(value, str):
        return [_plain(v) for v in value]
    return value
