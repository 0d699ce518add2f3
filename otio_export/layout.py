"""A timeline laid out for the importer: tracks of items, each at whole sequence frames.

Made from OTIO's objects (every format; positions from `range_of_all_children`) or, for a
plain .otio, straight from its JSON: then OTIO's own parse, which costs more than the rest
of an import together, is skipped. "Plain" is checked, not assumed: known schema versions
only, clips and gaps in tracks, no transitions, nested stacks, effects or trimmed tracks;
anything else goes through OTIO. On a plain file both give the same cut (tested).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import opentimelineio as otio

from otio_export import rates
from otio_export.cutlist import MAX_FRAMES
from otio_export.errors import TimelineError
from otio_export.item_view import JsonItem, MarkerView, ObjectItem, plain_shape


@dataclass
class Placed:
    kind: str  # clip | gap | transition | nested
    name: str
    start: int  # sequence frames
    duration: int
    view: JsonItem | ObjectItem | None


@dataclass
class TrackView:
    audio: bool
    enabled: bool
    metadata: Any
    items: list[Placed] = field(default_factory=list)


@dataclass
class TimelineView:
    name: str
    rate: Fraction
    metadata: Any
    tracks: list[TrackView]
    markers: list[MarkerView]
    bundle: bool = False  # an .otioz: relative media paths are its members, as written
    outside: int = 0  # clip markers outside their clip, left out (counted by the importer)
    speed_notes: dict[str, int] = field(default_factory=dict)  # "reverse"/"ramp": clips


def frames(value: float, time_rate: float, rate: Fraction) -> int:
    """A time (value at time_rate) as whole frames of `rate`; times already at that rate
    (nearly all) and zero skip the exact conversion through seconds."""
    if value == 0 or time_rate == rate.numerator / rate.denominator:
        return checked(value)
    if not (math.isfinite(value) and math.isfinite(time_rate) and time_rate > 0):
        raise TimelineError(f"The file holds an impossible time ({value} at {time_rate} fps).",
                            field="file")
    return checked(round(Fraction(value) / rates.exact_rate(time_rate) * rate))


def checked(value: float) -> int:
    if not math.isfinite(value) or abs(value) > MAX_FRAMES:
        raise TimelineError(f"The file holds a time of {value} frames, beyond any real "
                            "timeline.", field="file")
    return round(value)


def from_otio(timeline: otio.schema.Timeline) -> TimelineView:
    rate = _otio_rate(timeline)
    tracks = []
    for track in timeline.tracks:
        view = TrackView(audio=track.kind == otio.schema.TrackKind.Audio,
                         enabled=bool(track.enabled), metadata=track.metadata)
        ranges = track.range_of_all_children()  # one pass; range_of_child_at_index is O(n)
        for child in track:
            placed = ranges[child]
            start = frames(placed.start_time.value, placed.start_time.rate, rate)
            duration = frames(placed.duration.value, placed.duration.rate, rate)
            kind = ("transition" if isinstance(child, otio.schema.Transition) else "gap"
                    if isinstance(child, otio.schema.Gap) else "clip"
                    if isinstance(child, otio.schema.Clip) else "nested")
            item = ObjectItem(child) if kind in ("clip", "gap", "nested") else None
            view.items.append(Placed(kind, child.name or "", start, duration, item))
        tracks.append(view)
    return TimelineView(timeline.name or "", rate, timeline.metadata, tracks,
                        ObjectItem(timeline.tracks).markers())


def from_json(root: Any) -> TimelineView | None:
    """The view of a plain .otio's JSON, or None when OTIO must read it."""
    if _schema(root, "SerializableCollection"):
        root = next((c for c in root.get("children") or [] if _schema(c, "Timeline")), None)
    if not (_schema(root, "Timeline") and _known(root)):
        return None
    stack = root.get("tracks")
    if not _schema(stack, "Stack") or not _bare(stack):
        return None
    start = root.get("global_start_time")
    first = _first_rate(stack)
    time_rate = start.get("rate") if isinstance(start, dict) else first
    if not isinstance(time_rate, int | float) or not time_rate > 0:
        return None
    rate = rates.exact_rate(time_rate)
    tracks = []
    for track in stack["children"]:
        if not (_schema(track, "Track") and _bare(track)) or track.get("kind") not in (
                "Video", "Audio"):
            return None
        view = TrackView(audio=track["kind"] == "Audio", enabled=track.get("enabled", True)
                         is not False, metadata=track.get("metadata") or {})
        position = 0
        seq = rate.numerator / rate.denominator
        for data in track["children"]:
            if not (plain_shape(data) and _known(data) and not data.get("effects")):
                return None
            if _schema(data, "Gap") and data.get("source_range") is None:
                return None
            item = JsonItem(data)
            (_, _), (length, length_rate) = item.source()
            if length_rate != seq:
                return None  # ranges at another rate: OTIO places them (through seconds)
            duration = checked(length)
            kind = "gap" if _schema(data, "Gap") else "clip"
            view.items.append(Placed(kind, item.name, position, duration, item))
            position += duration
        tracks.append(view)
    markers = JsonItem(stack).markers()
    return TimelineView(root.get("name") or "", rate, root.get("metadata") or {}, tracks,
                        markers)


def _schema(data: Any, name: str) -> bool:
    return isinstance(data, dict) and str(data.get("OTIO_SCHEMA", "")).startswith(f"{name}.")


def _known(data: dict) -> bool:
    name, _, version = str(data.get("OTIO_SCHEMA", "")).partition(".")
    known = otio.core.type_version_map().get(name)
    return known is not None and version.isdigit() and int(version) <= known


def _bare(container: dict) -> bool:
    """A stack or track without trimming or effects, holding a list of children."""
    return (_known(container) and container.get("source_range") is None
            and not container.get("effects") and isinstance(container.get("children"), list))


def _first_rate(stack: dict) -> float | None:
    for track in stack.get("children") or []:
        for item in (track.get("children") or []) if isinstance(track, dict) else []:
            rng = item.get("source_range") if isinstance(item, dict) else None
            if isinstance(rng, dict):
                return rng.get("duration", {}).get("rate")
    return None


def _otio_rate(timeline: otio.schema.Timeline) -> Fraction:
    if timeline.global_start_time is not None:
        return rates.exact_rate(timeline.global_start_time.rate)
    for track in timeline.tracks:
        for child in track:
            return rates.exact_rate(child.duration().rate)
    return Fraction(24)
