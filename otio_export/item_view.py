"""What the importer reads of a clip or gap, from OTIO's objects or from the .otio's JSON.

Reading a value through OTIO's Python binding costs microseconds per attribute and much more
per metadata dictionary; an .otio's own JSON holds the same values in plain Python once the
standard reader has parsed it. For .otio files the importer reads each item's data from that
JSON twin (OTIO still parses the file and lays it out); for every other format, and for any
item whose JSON is not of the plain shape, from OTIO's objects. Both views give the same
primitive values, so the importer has one code path.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import opentimelineio as otio

Time = tuple[float, float]  # (value, rate)
Span = tuple[Time, Time]  # (start, duration)


@dataclass
class MarkerView:
    name: str
    color: str
    span: Span
    metadata: Any
    comment: str = ""


@dataclass
class MediaView:
    kind: str  # external | image_sequence | generator | missing
    url: str | None
    available: Span | None
    metadata: Any
    sequence: dict[str, Any] | None = None  # image sequence fields, OTIO's names


class ObjectItem:
    """A clip or gap read through OTIO's objects."""

    def __init__(self, item: Any) -> None:
        self.item = item
        self.name = item.name
        self.enabled = bool(item.enabled)
        self.metadata = item.metadata

    def source(self) -> Span:
        rng = self.item.source_range or self.item.available_range()
        return _span(rng)

    def markers(self) -> list[MarkerView]:
        return [MarkerView(m.name or "", str(m.color), _span(m.marked_range), m.metadata,
                           m.comment or "") for m in self.item.markers]

    def speed(self) -> float:
        """The clip's constant speed (OTIO's LinearTimeWarp), 1.0 without one."""
        return _speed(self.item.effects)

    def speed_notes(self) -> set[str]:
        """What a speed filter holds that a constant speed does not: "reverse", "ramp"."""
        return _speed_notes(self.item.effects)

    def media(self) -> MediaView:
        ref = self.item.media_reference
        available = _span(ref.available_range) if ref is not None and ref.available_range \
            else None
        metadata = ref.metadata if ref is not None else {}
        if isinstance(ref, otio.schema.ExternalReference):
            return MediaView("external", ref.target_url, available, metadata)
        if isinstance(ref, otio.schema.ImageSequenceReference):
            return MediaView("image_sequence", ref.target_url_base, available, metadata, {
                "name_prefix": ref.name_prefix, "name_suffix": ref.name_suffix,
                "start_frame": ref.start_frame, "frame_step": ref.frame_step,
                "frame_zero_padding": ref.frame_zero_padding, "rate": ref.rate})
        kind = "generator" if isinstance(ref, otio.schema.GeneratorReference) else "missing"
        return MediaView(kind, None, available, metadata)


class JsonItem:
    """The same item read from the .otio's JSON (see the module docstring)."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.data = data
        self.name = data.get("name") or ""
        self.enabled = data.get("enabled", True) is not False
        self.metadata = data.get("metadata") or {}

    def source(self) -> Span:
        rng = self.data.get("source_range")
        if rng is None:
            available = self.media().available
            if available is None:
                raise ValueError("a clip with neither a source range nor media of known length")
            return available
        return _json_span(rng)

    def markers(self) -> list[MarkerView]:
        return [MarkerView(m.get("name") or "", str(m.get("color") or "RED"),
                           _json_span(m["marked_range"]), m.get("metadata") or {},
                           str(m.get("comment") or "")) for m in self.data.get("markers") or []]

    def speed(self) -> float:
        return 1.0  # a plain item holds no effects (see layout.from_json)

    def speed_notes(self) -> set[str]:
        return set()

    def media(self) -> MediaView:
        refs = self.data.get("media_references")
        ref = (refs.get(self.data.get("active_media_reference_key")) if isinstance(refs, dict)
               else self.data.get("media_reference")) or {}
        schema = str(ref.get("OTIO_SCHEMA", ""))
        rng = ref.get("available_range")
        available = _json_span(rng) if rng else None
        metadata = ref.get("metadata") or {}
        if schema.startswith("ExternalReference."):
            return MediaView("external", ref.get("target_url"), available, metadata)
        if schema.startswith("ImageSequenceReference."):
            return MediaView("image_sequence", ref.get("target_url_base") or "", available,
                             metadata, {k: ref.get(k) for k in (
                                 "name_prefix", "name_suffix", "start_frame", "frame_step",
                                 "frame_zero_padding", "rate")})
        kind = "generator" if schema.startswith("GeneratorReference.") else "missing"
        return MediaView(kind, None, available, metadata)


def _speed(effects: Any) -> float:
    """OTIO's LinearTimeWarp, or the Time Remap / speed filter of Premiere and Final Cut 7
    as OTIO's FCP7 reader keeps it (an Effect holding the <effect> element): the speed
    parameter in per cent. A reversed clip plays its media backwards, which the cut list
    cannot hold: read at the same speed forwards."""
    for effect in effects:
        if isinstance(effect, otio.schema.LinearTimeWarp) and effect.time_scalar != 0:
            return abs(float(effect.time_scalar))
        fcp = effect.metadata.get("fcp_xml") if hasattr(effect, "metadata") else None
        if fcp is not None and str(fcp.get("effectid") or "").lower() in ("timeremap",
                                                                         "speed"):
            params = fcp.get("parameter") or []
            params = [params] if hasattr(params, "items") else params
            for param in params:
                if str(param.get("parameterid") or "").lower() == "speed":
                    try:
                        value = abs(float(param.get("value")))
                    except (TypeError, ValueError):
                        continue
                    if value > 0:
                        return value / 100
    return 1.0


def _speed_notes(effects: Any) -> set[str]:
    notes = set()
    for effect in effects:
        if isinstance(effect, otio.schema.LinearTimeWarp) and effect.time_scalar < 0:
            notes.add("reverse")
        fcp = effect.metadata.get("fcp_xml") if hasattr(effect, "metadata") else None
        if fcp is None or str(fcp.get("effectid") or "").lower() not in ("timeremap", "speed"):
            continue
        params = fcp.get("parameter") or []
        for param in [params] if hasattr(params, "items") else params:
            pid, value = str(param.get("parameterid") or "").lower(), param.get("value")
            if pid == "reverse" and str(value).upper() == "TRUE":
                notes.add("reverse")
            if pid == "variablespeed" and str(value) not in ("0", "FALSE", "None"):
                notes.add("ramp")
            if pid == "speed" and param.get("keyframe") is not None:
                notes.add("ramp")
    return notes


def plain_shape(data: Any) -> bool:
    """Whether an item's JSON is one the JSON view reads (a clip or gap of a known schema)."""
    return isinstance(data, dict) and str(data.get("OTIO_SCHEMA", "")).startswith(
        ("Clip.", "Gap."))


def _span(rng: otio.opentime.TimeRange) -> Span:
    start, duration = rng.start_time, rng.duration
    return (start.value, start.rate), (duration.value, duration.rate)


def _json_span(rng: dict[str, Any]) -> Span:
    start, duration = rng["start_time"], rng["duration"]
    return (start["value"], start["rate"]), (duration["value"], duration["rate"])
