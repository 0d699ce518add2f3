"""What Promptcut writes into OTIO objects besides times: names, markers, take metadata.

Shared by the builder and the per-format fixes, so that each piece of metadata is shaped in
one place (the `promptcut` namespace, marker notes, the text XML can hold).
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath, PureWindowsPath
from typing import Any

import opentimelineio as otio

from otio_export import skeleton
from otio_export.colours import colour_hint
from otio_export.cutlist import Marker
from otio_export.urls import is_windows_path

META = "promptcut"  # our metadata namespace on every object we write

# Characters XML 1.0 cannot hold (the XML writers re-parse their own output and would fail)
# and lone surrogates (not encodable at all): a prompt may contain anything a user typed.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INT64 = 2**63


def clean_text(text: str) -> str:
    return _NOT_XML.sub("\ufffd", text) if _NOT_XML.search(text) else text


def time_range(start: int, duration: int, fr: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, fr),
                                   otio.opentime.RationalTime(duration, fr))


def marker(m: Marker, offset: int, fr: float, speed: float = 1.0) -> dict[str, Any]:
    """An OTIO marker (as JSON) `offset` frames into its item's own time (a clip's source
    time, where a clip at `speed` plays `speed` media frames a frame). The note goes where
    each format's adapter looks for it, and into OTIO's own `comment`."""
    note = clean_text(m.note)
    frame = m.frame if speed == 1 else round(m.frame * speed)
    return skeleton.node("Marker", name=clean_text(m.name), color=m.color, comment=note,
                         marked_range=skeleton.span(offset + frame, m.duration, fr),
                         metadata={META: {"note": note},
                                   "fcp_xml": {"comment": note, **colour_hint(m.color)}})


def take_fields(take: dict[str, Any]) -> tuple[str, str, str]:
    """Prompt, seed and model of a take, for the formats that keep only those."""
    record = take.get("record") or {}
    request = record.get("request") if isinstance(record.get("request"), dict) else record
    prompt = take.get("prompt") or request.get("prompt") or ""
    seed = take.get("seed", request.get("seed", ""))
    model = take.get("model") or request.get("model") or ""
    return clean_text(str(prompt)), clean_text(str(seed)), clean_text(str(model))


def safe(value: Any, depth: int = 0) -> Any:
    """Metadata OTIO can hold: ints beyond int64 (a 64-bit seed) as strings, text cleaned,
    anything unexpected as its string; nesting bounded."""
    kind = type(value)  # exact types first: this runs for every value of every take
    if kind is str:
        return clean_text(value)
    if kind is int:
        return value if -_INT64 <= value < _INT64 else str(value)
    if kind is float or kind is bool or value is None:
        return value
    if depth > 32:
        return None
    if isinstance(value, dict):
        return {clean_text(str(k)): safe(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [safe(v, depth + 1) for v in value]
    if isinstance(value, bool | float):
        return value
    if isinstance(value, int):
        return value if -_INT64 <= value < _INT64 else str(value)
    return clean_text(str(value))


def file_name(path: str) -> str:
    return (PureWindowsPath(path) if is_windows_path(path) else PurePosixPath(path)).name
