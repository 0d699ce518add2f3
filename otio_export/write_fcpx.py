"""FCPXML through OTIO's fcpx_xml writer, with what it gets wrong put right.

The adapter's writer
- computes frames as `int(seconds * fps)` in floats, which truncates about one position in
  twenty at 25 and 30 fps (49/30 s * 30 = 48.99...), and looks rates up in a table keyed
  23.98 and 29.97, so exact NTSC rates get an empty `frameDuration` that it later fails to
  parse (the 500 with a second track at 29.97). It is given the timeline at rate 1, where
  every time is a whole number and nothing truncates; `finish` then writes exact seconds;
- finds assets and clips by building XPath predicates from file URLs and clip names
  (`[@src='...']`), which an apostrophe in a prompt breaks: looked up in dicts instead;
- runs `ffprobe` on every clip's file to name its format: not here (a format with width
  and height needs no name, and the cut already knows the frame size);
- attaches a clip of another track to the V1 item under it and fails when there is none (a
  song longer than the picture): V1 is padded with a gap to the end of the timeline;
- drops marker notes and `enabled`: added to the elements it makes.
"""

from __future__ import annotations

from fractions import Fraction
from xml.etree import ElementTree

import opentimelineio as otio
from otio_fcpx_xml_adapter import fcpx_xml

from otio_export import rates
from otio_export.metadata import META
from otio_export.retime import rerate
from otio_export.write_fcp7 import sequence_rate

_TIME_ATTRS = ("offset", "duration", "start", "tcStart")


class _Writer(fcpx_xml.FcpxOtio):
    """The adapter's writer with its lookups and format naming replaced (see above)."""

    def __init__(self, timeline: otio.schema.Timeline) -> None:
        super().__init__(timeline)
        self._assets: dict[str, ElementTree.Element] = {}
        self._asset_clips: set[str] = set()
        self._media: dict[str, ElementTree.Element] = {}

    @staticmethod
    def _framerate_to_frame_duration(framerate: float) -> str:
        return "1/1s"  # the timeline is at rate 1; `finish` writes the real frame duration

    def _clip_format_name(self, clip: otio.core.Item) -> str:
        return ""

    def _asset_by_path(self, path: str) -> ElementTree.Element | None:
        return self._assets.get(path)

    def _create_asset_element(self, clip, format_element):
        asset = super()._create_asset_element(clip, format_element)
        self._assets[asset.get("src")] = asset
        return asset

    def _asset_clip_by_name(self, name: str) -> bool:
        return name in self._asset_clips

    def _create_asset_clip_element(self, clip, format_element, resource_id):
        self._asset_clips.add(clip.name)
        return super()._create_asset_clip_element(clip, format_element, resource_id)

    def _media_by_name(self, name: str) -> ElementTree.Element | None:
        return self._media.get(name)

    def _add_compound_clip(self, item):
        media = super()._add_compound_clip(item)
        self._media[item.name] = media
        return media

    def _element_for_item(self, item, lane, ref_only=False, compound=False):
        element = super()._element_for_item(item, lane, ref_only, compound)
        if element is None:
            return None
        parent = item.parent()
        if not item.enabled or (parent is not None and not parent.enabled):
            element.set("enabled", "0")  # FCPXML has no switched-off lanes: their clips are
        for marker_el, m in zip(element.findall("marker"), item.markers, strict=False):
            note = (m.metadata.get(META) or {}).get("note")
            if note:
                marker_el.set("note", note)
        ref = getattr(item, "media_reference", None)
        first = ref.available_range.start_time.value if ref is not None and \
            ref.available_range is not None else 0
        if first and element.tag == "clip":
            # Media starting at a timecode (01:00:00:00): the clip's time is its media's, so
            # what it holds starts there too (the writer puts it at 0, outside the clip).
            for child in element.iter():
                if child.tag in ("video", "audio", "gap") and child is not element:
                    child.set("offset", f"{round(first)}s")
                    child.set("start", f"{round(first)}s")
        speed = next((e.time_scalar for e in getattr(item, "effects", [])
                      if isinstance(e, otio.schema.LinearTimeWarp)), 1.0)
        if speed != 1 and element.tag in ("clip", "asset-clip"):
            # A constant speed as Final Cut retimes: a timeMap from the clip's time to its
            # media's, both in whole frames here (rate 1), seconds after `_finish`.
            start = Fraction(element.get("start", "0s").rstrip("s"))
            length = Fraction(element.get("duration", "0s").rstrip("s"))
            time_map = ElementTree.Element("timeMap")
            for at, value in ((start, start), (start + length,
                                               start + round(length * Fraction(speed)))):
                ElementTree.SubElement(time_map, "timept", {
                    "time": f"{at}s", "value": f"{value}s", "interp": "linear"})
            element.insert(0, time_map)
        return element


def to_string(timeline: otio.schema.Timeline) -> str:
    """FCPXML for a timeline built by `build_timeline` (which it works on a copy of)."""
    rate = sequence_rate(timeline)
    copy = timeline.deepcopy()
    _prepare(copy, rate)
    text = _Writer(copy).to_xml()
    return _finish(text, rate, timeline)


def _prepare(timeline: otio.schema.Timeline, rate: Fraction) -> None:
    seq = rates.float_rate(rate)
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ImageSequenceReference):
            clip.media_reference = ref = otio.schema.ExternalReference(
                target_url=ref.target_url_for_image_number(0),
                available_range=ref.available_range)
        if not isinstance(ref, otio.schema.MissingReference) and ref.available_range is None:
            # The writer reads every asset's range; media of unknown length (a still, a file
            # sent with a duration only) gets the range the clip uses.
            ref.available_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, seq), clip.source_range.end_time_exclusive())
    end = timeline.tracks.duration().value
    video = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Video]
    if video and video[0].duration().value < end:
        video[0].append(otio.schema.Gap(source_range=otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, seq),
            otio.opentime.RationalTime(end - video[0].duration().value, seq))))
    rerate(timeline, rate, 1.0, media_too=True)


def _finish(text: str, rate: Fraction, timeline: otio.schema.Timeline) -> str:
    """Rate-1 times (whole frames) as exact seconds at the sequence rate; the frame duration,
    frame size and timecode format the writer leaves out. Parsing is safe: the text is the
    adapter's own output."""
    root = ElementTree.fromstring(text.split("<!DOCTYPE fcpxml>", 1)[-1])
    frame = 1 / rate
    _markers_on_spine(root, timeline)
    for element in root.iter():
        for name in _TIME_ATTRS if element.tag != "timept" else ("time", "value"):
            value = element.get(name)
            if value:
                element.set(name, _seconds(Fraction(value.rstrip("s")) * frame))
    ours = timeline.metadata.get(META) or {}
    for fmt in root.iter("format"):
        fmt.set("frameDuration", _seconds(frame))
        fmt.attrib.pop("name", None)
        fmt.set("width", str(ours.get("width", 1920)))
        fmt.set("height", str(ours.get("height", 1080)))
    for sequence in root.iter("sequence"):
        sequence.set("tcStart", "0s")
        sequence.set("tcFormat", "DF" if ours.get("drop_frame") else "NDF")
    ElementTree.indent(root, "    ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE fcpxml>\n{body}\n'


def _markers_on_spine(root: ElementTree.Element, timeline: otio.schema.Timeline) -> None:
    """FCPXML has no sequence markers: each is written on the spine item (clip or gap) under
    it, at its frame there, so a shot's name stays where the shot is (Final Cut shows markers
    of gaps; Promptcut reads those back as sequence markers). Gaps start at 0 (the writer's
    3600s would be read as frames here), so their markers count from their first frame.
    Times are whole frames at this point."""
    spine = root.find("./project/sequence/spine")
    if spine is None:
        return
    items = [e for e in spine if e.get("offset") is not None]
    for item in items:
        if item.tag == "gap":
            item.attrib.pop("start", None)
    if not items:
        return
    for m in timeline.tracks.markers:
        frame = round(m.marked_range.start_time.value)
        item = next((e for e in items if _frames(e, "offset") <= frame
                     < _frames(e, "offset") + _frames(e, "duration")), items[-1])
        attrs = {"start": f"{_frames(item, 'start') + frame - _frames(item, 'offset')}s",
                 "duration": f"{max(1, round(m.marked_range.duration.value))}s",
                 "value": m.name}
        if m.color == otio.schema.MarkerColor.RED:
            attrs["completed"] = "0"
        elif m.color == otio.schema.MarkerColor.GREEN:
            attrs["completed"] = "1"
        note = (m.metadata.get(META) or {}).get("note")
        if note:
            attrs["note"] = note
        ElementTree.SubElement(item, "marker", attrs)


def _frames(element: ElementTree.Element, name: str) -> int:
    return round(Fraction((element.get(name) or "0s").rstrip("s")))


def _seconds(value: Fraction) -> str:
    if value == 0:
        return "0s"
    if value.denominator == 1:
        return f"{value.numerator}s"
    return f"{value.numerator}/{value.denominator}s"
