"""Cut list -> `otio.schema.Timeline`, with every clip at an exact sequence frame.

All clip ranges are expressed at the *sequence* rate (a 16 fps take in a 24 fps sequence has a
24 fps source range), so every writer sees a single rate and a track's duration is a plain sum
of integers: nothing drifts, and OTIO's "the sum takes the larger rate" rule never applies.
The media's own rate and length stay on the media reference's `available_range`.
"""

from __future__ import annotations

import re
from fractions import Fraction
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import opentimelineio as otio

from otio_export import rates
from otio_export.cutlist import Cut, Entry, Marker, track_kind, track_number
from otio_export.errors import TimelineError
from otio_export.urls import is_windows_path, path_to_url

META = "promptcut"  # our metadata namespace on every object we write


def entry_from_take(take: dict[str, Any], **overrides: Any) -> Entry:
    """A clip entry for a take from the library (the take shape of docs/api.md)."""
    entry = Entry(
        name=_file_name(take["media_path"]), media_path=take["media_path"],
        take_id=take.get("id"), take=take, media_fps=take.get("fps"),
        media_frames=take.get("num_frames"))
    for key, value in overrides.items():
        setattr(entry, key, value)
    return entry


def resolve_duration(entry: Entry, rate: Fraction, where: str = "entry") -> int:
    """The entry's length in sequence frames, checked against its media's length."""
    length = None
    if entry.kind == "clip" and entry.media_fps and entry.media_frames:
        length = rates.media_length_in_seq_frames(
            entry.media_frames, rates.exact_rate(entry.media_fps), rate)
    if entry.duration is not None:
        duration = entry.duration
    elif length is not None:
        duration = length - entry.source_in
    else:
        raise TimelineError("Give the entry a 'duration' (or the media's fps and length).",
                            field=f"{where}.duration")
    if duration <= 0:
        raise TimelineError("'source_in' is at or past the end of the media.",
                            field=f"{where}.source_in")
    if length is not None and entry.source_in + duration > length:
        raise TimelineError(
            f"The clip needs {entry.source_in + duration} frames but its media holds "
            f"{length} at {rates.rate_label(rate)} fps.", field=f"{where}.duration")
    return duration


def build_timeline(cut: Cut) -> otio.schema.Timeline:
    """The OTIO timeline for a cut. Lays the cut out as it goes: each entry's `start` and
    `duration` are filled in (a clip left to run to its media's end gets its length), so the
    caller can show the cut exactly as written."""
    rate = rates.sequence_rate(cut.fps)
    fr = rates.float_rate(rate)
    if not any(e.kind == "clip" and track_kind(e.track) == "V" for e in cut.entries):
        # Every writer assumes a picture: the EDL writer fails on an empty track, FCPXML on
        # an audio-only spine, and a sequence of gaps reads back as nothing.
        raise TimelineError("The cut needs at least one clip on a video track.",
                            field="entries")
    timeline = otio.schema.Timeline(name=clean_text(cut.name),
                                    global_start_time=otio.opentime.RationalTime(0, fr))
    timeline.metadata[META] = {"schema_version": cut.schema_version,
                               "fps": rates.rate_label(rate), "width": cut.width,
                               "height": cut.height}
    # FCP7 XML: the sequence's frame size lives in its format; the writer copies this dict.
    timeline.metadata["fcp_xml"] = {"media": {"video": {"format": {"samplecharacteristics": {
        "width": str(cut.width), "height": str(cut.height)}}}}}
    tracks: dict[str, otio.schema.Track] = {}
    cursors: dict[str, int] = {}
    for i, entry in enumerate(cut.entries):
        where = f"entries[{i}]"
        track = tracks.get(entry.track)
        if track is None:
            kind = (otio.schema.TrackKind.Video if track_kind(entry.track) == "V"
                    else otio.schema.TrackKind.Audio)
            track = tracks[entry.track] = otio.schema.Track(name=entry.track, kind=kind)
            cursors[entry.track] = 0
        duration = entry.duration = resolve_duration(entry, rate, where)
        entry.start = cursors[entry.track]
        cursors[entry.track] += duration
        if cursors[entry.track] > 10**8:
            raise TimelineError("The cut is longer than any editor accepts.", field=where)
        if entry.kind == "gap":
            track.append(otio.schema.Gap(source_range=_range(0, duration, fr)))
        else:
            track.append(_clip(entry, duration, fr, where))
    for kind, track_type in (("V", otio.schema.TrackKind.Video),
                             ("A", otio.schema.TrackKind.Audio)):
        # Every track up to the highest one used, so a clip cut to V3 stays on V3.
        top = max((track_number(t) for t in tracks if track_kind(t) == kind), default=0)
        for number in range(1, top + 1):
            name = f"{kind}{number}"
            track = tracks.get(name)
            if track is None:
                track = otio.schema.Track(name=name, kind=track_type)
            timeline.tracks.append(track)
    for marker in cut.markers:
        timeline.tracks.markers.append(_marker(marker, 0, fr))
    return timeline


def _clip(entry: Entry, duration: int, fr: float, where: str) -> otio.schema.Clip:
    clip = otio.schema.Clip(name=clean_text(entry.name or _file_name(entry.media_path or "")
                                       or "clip"),
                            source_range=_range(entry.source_in, duration, fr))
    clip.media_reference = _media_reference(entry, where)
    take = entry.take or {}
    clip.metadata[META] = _safe({"take_id": entry.take_id, "take": entry.take,
                                 "media_path": entry.media_path, "media_kind": entry.media_kind})
    if take:
        prompt, seed, model = _take_fields(take)
        clip.metadata["fcp_xml"] = {
            # Premiere shows logginginfo as Description/Scene/Shot/Log Note and comments as
            # the Comment columns: prompt, model and seed where an editor can see them.
            "logginginfo": {"description": prompt, "scene": model, "shottake": f"seed {seed}",
                            "lognote": f"promptcut take {entry.take_id or ''}".strip()},
            "comments": {"mastercomment1": prompt, "mastercomment2": f"seed {seed}",
                         "mastercomment3": model},
        }
    for marker in entry.markers:
        clip.markers.append(_marker(marker, entry.source_in, fr))
    return clip


def _media_reference(entry: Entry, where: str) -> otio.core.MediaReference:
    if not entry.media_path:
        return otio.schema.MissingReference(name=entry.name or "")
    try:
        url = path_to_url(entry.media_path)
    except TimelineError as err:
        raise TimelineError(err.message, field=f"{where}.media_path") from None
    available = None
    if entry.media_fps and entry.media_frames:
        mfr = rates.float_rate(rates.exact_rate(entry.media_fps))
        available = _range(0, entry.media_frames, mfr)
    ref = otio.schema.ExternalReference(target_url=url, available_range=available)
    ref.name = clean_text(_file_name(entry.media_path))
    take = entry.take or {}
    if take:
        prompt, seed, model = _take_fields(take)
        # FCPXML keeps a note and <md> key/values on the asset-clip it makes for a reference.
        ref.metadata["fcpx"] = {"note": prompt, "metadata": [
            {"promptcut.take_id": str(entry.take_id or "")},
            {"promptcut.seed": str(seed)}, {"promptcut.model": model}]}
    return ref


def _take_fields(take: dict[str, Any]) -> tuple[str, Any, str]:
    record = take.get("record") or {}
    request = record.get("request") if isinstance(record.get("request"), dict) else record
    prompt = take.get("prompt") or request.get("prompt") or ""
    seed = take.get("seed", request.get("seed", ""))
    model = take.get("model") or request.get("model") or ""
    return clean_text(str(prompt)), clean_text(str(seed)), clean_text(str(model))


def _marker(marker: Marker, offset: int, fr: float) -> otio.schema.Marker:
    note = clean_text(marker.note)
    return otio.schema.Marker(
        name=clean_text(marker.name), color=marker.color,
        marked_range=_range(offset + marker.frame, marker.duration, fr),
        metadata={META: {"note": note}, "fcp_xml": {"comment": note}})


def _range(start: int, duration: int, fr: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, fr),
                                   otio.opentime.RationalTime(duration, fr))


# Characters XML 1.0 cannot hold (the XML writers re-parse their own output and would fail)
# and lone surrogates (not encodable at all): a prompt may contain anything a user typed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INT64 = 2**63


def clean_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text)


def _safe(value: Any, depth: int = 0) -> Any:
    """Metadata OTIO can hold: ints beyond int64 (a 64-bit seed) as strings, text cleaned,
    anything unexpected as its string; nesting bounded."""
    if depth > 32:
        return None
    if isinstance(value, dict):
        return {clean_text(str(k)): _safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_safe(v, depth + 1) for v in value]
    if isinstance(value, bool) or value is None or isinstance(value, float):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    if isinstance(value, str):
        return clean_text(value)
    return clean_text(str(value))


def _file_name(path: str) -> str:
    return (PureWindowsPath(path) if is_windows_path(path) else PurePosixPath(path)).name
