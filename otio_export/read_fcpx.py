"""FCPXML in through OTIO's fcpx_xml reader, read exactly.

The reader turns every time into frames as `int(seconds * int(fps))`: 29.97 becomes 29 (our
own 29.97 FCPXML read back with invented gaps and shortened clips), and float truncation
loses a frame in about one position in twenty even at 25 and 30 fps. So the file is first
re-expressed with every time as whole frames of the sequence's exact rate and every format
at rate 1, where that arithmetic is exact; the reader's rate-1 timeline then gets the real
rate back. Two more fixes: markers of connected clips are not copied onto the clip they hang
from (the reader collects `.//marker`), and marker notes and `enabled="0"` are read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from fractions import Fraction
from xml.etree import ElementTree

import opentimelineio as otio
from otio_fcpx_xml_adapter import fcpx_xml

from otio_export import rates, storylines
from otio_export.errors import TimelineError

_TIME_ATTRS = ("offset", "duration", "start", "tcStart")
_TIME = re.compile(r"^(-?\d{1,20}(?:\.\d{1,12})?)(?:/(\d{1,20}))?s?$")


@dataclass
class FcpxHints:
    rate: Fraction
    drop_frame: bool | None
    width: int | None
    height: int | None
    warnings: list[str] = field(default_factory=list)
    gap_markers: list[ElementTree.Element] = field(default_factory=list)  # at sequence frames


class _Reader(fcpx_xml.FcpxXml):
    def __init__(self, root: ElementTree.Element) -> None:
        # The base class parses a string; this takes the tree already parsed (safely) and
        # rewritten, and builds the same child -> parent map.
        self.fcpx_xml = root
        self.child_parent_map = {c: p for p in root.iter() for c in p}

    def _build_composable(self, element, default_format):
        composable = super()._build_composable(element, default_format)
        timing = self._timing_clip(element)
        del composable.markers[:]  # the base reader took .//marker: connected clips' too
        for marker in timing.findall("./marker"):
            composable.markers.append(self._marker(marker, default_format))
        if timing.get("enabled") == "0":
            composable.enabled = False
        if timing.get(SPEED):
            composable.effects.append(otio.schema.LinearTimeWarp(
                name="Speed", time_scalar=float(timing.get(SPEED))))
        return composable

    def _audio_only(self, element):
        # A sync clip's audio component names its part with srcEnable.
        return element.get("srcEnable") == "audio" or super()._audio_only(element)

    def _squence_to_stack(self, sequence_element, name="", source_range=None):
        stack = super()._squence_to_stack(sequence_element, name, source_range)
        # Lanes in number order (the reader sorts them as text: "10" before "2").
        tracks = list(stack)
        ordered = sorted(tracks, key=lambda t: _lane(t.name))
        if ordered != tracks:
            del stack[:]
            stack.extend(ordered)
        return stack

    def _marker(self, element, default_format):
        marker = super()._marker(element, default_format)
        if element.get("note"):
            marker.metadata["fcpx"] = {"note": element.get("note")}
        return marker


def read(root: ElementTree.Element, compound: str = "content") -> tuple[object, FcpxHints]:
    """The adapter's result (a Timeline or a collection of them) at exact times, from the
    file's tree as `safety.check_xml` parsed it (with defusedxml). `compound`: "content"
    reads compound, multicam and sync clips as what they show, "placeholder" as one named
    placeholder clip each (see `storylines`)."""
    hints = _normalise(root, compound)
    reader = _Reader(root)
    result = reader.to_otio()
    if result is None:
        raise TimelineError("The FCPXML file holds no project, event or clip.", field="file")
    timelines = _timelines(result)
    if timelines and hints.gap_markers:
        # Markers on the spine's gaps (a shot without a take), which the reader drops, as
        # sequence markers at their frames.
        sequence = _project_sequence(root)
        for element in hints.gap_markers:
            timelines[0].tracks.markers.append(reader._marker(element, sequence.get("format")))
    _restore_rate(result, rates.float_rate(hints.rate))
    return result, hints


def _project_sequence(root: ElementTree.Element) -> ElementTree.Element | None:
    """The sequence of the project the reader reads (the first event's first project), not
    the first <sequence> of the document, which may be a compound clip's in <resources>."""
    for path in ("./library/event/project/sequence", "./event/project/sequence",
                 "./project/sequence"):
        found = root.find(path)
        if found is not None:
            return found
    return next(root.iter("sequence"), None)


def _normalise(root: ElementTree.Element, compound: str = "content") -> FcpxHints:
    formats = {f.get("id"): f for f in root.iter("format")}
    sequence = _project_sequence(root)
    fmt = formats.get(sequence.get("format")) if sequence is not None else None
    fmt = fmt if fmt is not None else next(iter(formats.values()), None)
    if fmt is None or not fmt.get("frameDuration"):
        raise TimelineError("The FCPXML sequence's format gives no frameDuration, so its frame "
                            "rate is unknown. Export it again from Final Cut Pro.", field="file")
    rate = rates.exact_rate(1 / _seconds(fmt.get("frameDuration")))
    for element in root.iter():
        for name in _TIME_ATTRS if element.tag != "timept" else ("time", "value"):
            value = element.get(name)
            if value:
                element.set(name, f"{_frames(value, rate)}s")
    for other in formats.values():
        other.set("frameDuration", "1/1s")
    for asset in root.iter("asset"):
        # FCPXML 1.9+ names media in <media-rep kind="original-media" src=...>.
        if not asset.get("src"):
            rep = asset.find("media-rep[@kind='original-media']")
            rep = rep if rep is not None else asset.find("media-rep")
            if rep is not None and rep.get("src"):
                asset.set("src", rep.get("src"))
    tc = sequence.get("tcFormat") if sequence is not None else None
    retimed = _speeds(root, rate, {k: _format_rate(f) for k, f in formats.items()})
    hints = FcpxHints(rate=rate, drop_frame={"DF": True, "NDF": False}.get(tc or ""),
                      width=_int(fmt.get("width")), height=_int(fmt.get("height")))
    if retimed[1]:
        hints.warnings.append(f"{retimed[1]} clip(s) change speed within the clip (a speed "
                              "ramp or hold): read at their average speed.")
    storylines.rewrite(root, compound, fmt.get("id"), hints.warnings)
    media = {m.get("id"): m for m in root.iter("media")}
    for ref in root.iter("ref-clip"):
        # A placeholder's range counts from its compound's timecode, like its contents.
        inner = media.get(ref.get("ref"))
        seq = inner.find("sequence") if inner is not None else None
        if seq is not None and seq.get("tcStart"):
            ref.set("start", f"{_n(ref.get('start')) - _n(seq.get('tcStart'))}s")
    for seq in root.iter("sequence"):
        # A spine's items sit at the sequence's own timecode (tcStart, often 01:00:00:00);
        # the reader counts from zero, so a project starting at 3600s read as an hour of gap.
        start = _n(seq.get("tcStart"))
        for spine in seq.findall("spine"):
            for item in spine:
                if start and item.get("offset"):
                    item.set("offset", f"{_n(item.get('offset')) - start}s")
                if seq is sequence and item.tag == "gap":
                    at = _n(item.get("offset")) - _n(item.get("start"))
                    for marker in item.findall("marker"):
                        marker.set("start", f"{at + _n(marker.get('start'))}s")
                        hints.gap_markers.append(marker)
    return hints


SPEED = "promptcutSpeed"  # set on a retimed clip's element for `_Reader`


def _format_rate(fmt: ElementTree.Element) -> Fraction | None:
    try:
        return rates.exact_rate(1 / _seconds(fmt.get("frameDuration") or ""))
    except (TimelineError, ZeroDivisionError):
        return None


def _speeds(root: ElementTree.Element, rate: Fraction,
            format_rates: dict[str | None, Fraction | None]) -> tuple[int, int]:
    """Final Cut's retiming as a constant speed on the clip (`SPEED`), its `start` moved to
    the media frame it shows first: a <timeMap> maps the clip's time to its media's (times
    already whole frames), and a <conform-rate> plays a 23.98 clip frame for frame in a 25
    project (25/23.976 speed). Returns (retimed, not constant)."""
    retimed = varying = 0
    assets = {a.get("id"): a for a in root.iter("asset")}
    for element in root.iter():
        time_map = element.find("timeMap")
        conform = element.find("conform-rate")
        if time_map is None and conform is None:
            continue
        speed = Fraction(1)
        start = _n(element.get("start"))
        points = [(_n(p.get("time")), _n(p.get("value"))) for p in time_map.findall("timept")
                  ] if time_map is not None else []
        if len(points) >= 2 and points[-1][0] != points[0][0]:
            (t0, v0), (t1, v1) = points[0], points[-1]
            speed = Fraction(v1 - v0, t1 - t0)
            if any(v != v0 + speed * (t - t0) for t, v in points[1:-1]):
                varying += 1
            element.set("start", f"{round(v0 + speed * (start - t0))}s")
        if conform is not None and conform.get("scaleEnabled", "1") != "0":
            asset = assets.get(element.get("ref"))
            source = conform.get("srcFrameRate")
            media_rate = (rates.exact_rate(source) if source and _number(source) else
                          format_rates.get(asset.get("format")) if asset is not None else None)
            if media_rate and media_rate != rate:
                speed *= rate / media_rate
        if speed != 1 and speed > 0:
            element.set(SPEED, repr(float(speed)))
            retimed += 1
    return retimed, varying


def _number(text: str) -> bool:
    try:
        return float(text) > 0
    except ValueError:
        return False


def _lane(name: str) -> int:
    try:
        return int(name)
    except (TypeError, ValueError):
        return 0


def _n(value: str | None) -> int:
    """A normalised time ("123s", whole frames) as an int."""
    return int((value or "0s").removesuffix("s"))


def _timelines(result: object) -> list[otio.schema.Timeline]:
    return ([result] if isinstance(result, otio.schema.Timeline)
            else [t for t in result if isinstance(t, otio.schema.Timeline)]
            if isinstance(result, otio.schema.SerializableCollection) else [])


def _seconds(value: str) -> Fraction:
    """FCPXML's rational seconds ("1001/30000s", "5s", "2.5s"); anything else (exponents,
    which Fraction would expand to any size) is refused."""
    match = _TIME.match(value.strip())
    if match is None or (match.group(2) is not None and int(match.group(2)) == 0):
        raise TimelineError(f"The FCPXML file holds the time {value[:40]!r}, which is not a "
                            "number of seconds.", field="file")
    return Fraction(match.group(1)) / int(match.group(2) or 1)


def _frames(value: str, rate: Fraction) -> int:
    """Rational seconds as the nearest whole frame of `rate`, in integers (this runs for
    every time in the file)."""
    if value == "0s":
        return 0
    seconds = _seconds(value)
    top, bottom = seconds.numerator * rate.numerator, seconds.denominator * rate.denominator
    return _checked((2 * top + bottom) // (2 * bottom))


def _checked(frames: int) -> int:
    if abs(frames) > rates.MAX_TIMELINE_FRAMES:
        raise TimelineError(f"The FCPXML file holds a time of {frames} frames, beyond any real "
                            "timeline.", field="file")
    return frames


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value else None
    except ValueError:
        return None


def _restore_rate(result: object, fr: float) -> None:
    """Every rate-1 time the reader made, as the same frame count at the sequence rate."""
    def fix(rng):
        if rng is None:
            return None
        return otio.opentime.TimeRange(otio.opentime.RationalTime(rng.start_time.value, fr),
                                       otio.opentime.RationalTime(rng.duration.value, fr))

    for timeline in _timelines(result):
        timeline.global_start_time = otio.opentime.RationalTime(0, fr)
        stack = [timeline.tracks]
        while stack:
            composition = stack.pop()
            if composition.source_range is not None:
                composition.source_range = fix(composition.source_range)
            for marker in composition.markers:
                marker.marked_range = fix(marker.marked_range)
            for child in composition:
                if isinstance(child, otio.core.Composition):
                    stack.append(child)
                    continue
                child.source_range = fix(child.source_range)
                for marker in child.markers:
                    marker.marked_range = fix(marker.marked_range)
                ref = getattr(child, "media_reference", None)
                if ref is not None and ref.available_range is not None:
                    ref.available_range = fix(ref.available_range)
