"""FCP7 XML (xmeml) through OTIO's fcp_xml adapter, and the fixes Premiere needs from it.

Each fix is a named step with its reason. They run on a copy of the caller's timeline.
"""

from __future__ import annotations

import collections
import functools
import math
from fractions import Fraction
from typing import Any
from xml.etree import ElementTree

import opentimelineio as otio

from otio_export import rates
from otio_export.colours import colour_hint
from otio_export.metadata import META
from otio_export.retime import seq_frames_range
from otio_export.urls import path_to_url, url_to_path


def sequence_rate(timeline: otio.schema.Timeline) -> Fraction:
    return rates.exact_rate(timeline.global_start_time.rate if timeline.global_start_time
                            else 24)


def clip_hints(number: int, enabled: bool) -> dict[str, str]:
    """What each clipitem needs in its fcp_xml metadata. The writer turns a clip equal to an
    earlier one (the same take cut in twice) into a bare <clipitem id="..."/> back-reference
    with no start, end, in or out, which Premiere cannot place: a distinct preferred id per
    clip keeps every clipitem complete (the <file> is still shared, as Premiere shares it).
    And the writer ignores OTIO's `enabled`; xmeml has an element for it."""
    return {"@id": f"clipitem-{number}", **({} if enabled else {"enabled": "FALSE"})}


def speed_filter(speed: float) -> dict[str, Any]:
    """Premiere's Time Remap filter (what it writes for Clip Speed/Duration), as metadata the
    writer turns into <filter><effect>; `to_string` sets the clip's <out> to match."""
    return {"effect": {
        "name": "Time Remap", "effectid": "timeremap", "effectcategory": "motion",
        "effecttype": "motion", "mediatype": "video",
        "parameter": [
            {"@authoringApp": "PremierePro", "parameterid": "variablespeed",
             "name": "variablespeed", "valuemin": "0", "valuemax": "1", "value": "0"},
            {"@authoringApp": "PremierePro", "parameterid": "speed", "name": "speed",
             "valuemin": "-100000", "valuemax": "100000", "value": f"{speed * 100:g}"},
            {"@authoringApp": "PremierePro", "parameterid": "reverse", "name": "reverse",
             "value": "FALSE"},
            {"@authoringApp": "PremierePro", "parameterid": "frameblending",
             "name": "frameblending", "value": "FALSE"}]}}


def _speed_out(root: ElementTree.Element) -> None:
    """A clip at a speed plays (end - start) x speed media frames: its <out> says so (the
    writer copies the record length)."""
    for item in root.iter("clipitem"):
        for effect in item.findall("filter/effect"):
            if (effect.findtext("effectid") or "") != "timeremap":
                continue
            speed = next((float(p.findtext("value") or 100) for p in effect.findall(
                "parameter") if p.findtext("parameterid") == "speed"), 100.0) / 100
            start, end = int(item.findtext("start") or 0), int(item.findtext("end") or 0)
            source_in = item.find("in")
            out = item.find("out")
            if source_in is not None and out is not None and end >= start >= 0:
                out.text = str(int(source_in.text) + math.ceil(
                    round((end - start) * speed, 6)))


def media_hints(media_rate: Fraction, sequence: Fraction, audio: bool,
                drop: bool) -> dict[str, Any]:
    """What a <file> needs: its timecode's display format by the one drop-frame rule (at the
    rate the file is written at, see `prepare`), and for audio the sample rate beside it."""
    if audio or not otio.opentime.RationalTime.is_valid_timecode_rate(float(media_rate)):
        media_rate = sequence
    out: dict[str, Any] = {"timecode": {
        "displayformat": "DF" if rates.is_drop_frame(media_rate, drop, drop) else "NDF"}}
    return out


def audio_hints(sample_rate: float) -> dict[str, Any]:
    # Premiere describes an audio file at the sequence rate with its sample rate beside; a
    # 48000 "fps" <rate> is not a timebase it (or OTIO's timecode) accepts.
    return {"media": {"audio": {"samplecharacteristics": {"samplerate": str(round(sample_rate))}}}}


def prepare(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """Fix a copy of a timeline for the FCP7 writer. A timeline from `build_timeline` carries
    the per-clip hints already (set while building, far cheaper than through the binding);
    any other timeline gets them here."""
    rate = sequence_rate(timeline)
    seq = rates.float_rate(rate)
    ours = timeline.metadata.get(META) or {}
    drop = bool(ours.get("drop_frame"))
    built = bool(ours.get("fcp7_hints"))
    timeline.metadata.setdefault("fcp_xml", {})["timecode"] = {
        "displayformat": "DF" if drop else "NDF"}
    number = 0
    for track in timeline.tracks:
        audio = track.kind == otio.schema.TrackKind.Audio
        if not built and not track.enabled:
            track.metadata.setdefault("fcp_xml", {})["enabled"] = "FALSE"
        position = 0
        for item in track:
            length = round(item.duration().value)
            if isinstance(item, otio.schema.Gap):
                # xmeml has no gap items; a marker on one becomes a sequence marker at the
                # same frame, so it stays where it was on the timeline.
                for m in item.markers:
                    moved = m.clone()
                    moved.marked_range = otio.opentime.TimeRange(
                        otio.opentime.RationalTime(position + m.marked_range.start_time.value,
                                                   seq), m.marked_range.duration)
                    timeline.tracks.markers.append(moved)
            elif isinstance(item, otio.schema.Clip):
                number += 1
                _clip(item, number, audio, rate, seq, drop, built)
            position += length
    if not built:
        for m in timeline.tracks.markers:
            _colour(m)
    return timeline


def _clip(clip: otio.schema.Clip, number: int, audio: bool, rate: Fraction, seq: float,
          drop: bool, built: bool) -> None:
    if not built:
        md = clip.metadata.setdefault("fcp_xml", {})
        md.update(clip_hints(number, bool(clip.enabled)))
        for m in clip.markers:
            _colour(m)
    ref = clip.media_reference
    if isinstance(ref, otio.schema.ImageSequenceReference):
        # The adapter writes only file references: point at the folder's first frame, which
        # Premiere imports as a numbered-stills sequence.
        first = ref.target_url_for_image_number(0)
        clip.media_reference = ref = otio.schema.ExternalReference(
            target_url=first, available_range=ref.available_range, metadata=ref.metadata)
    if isinstance(ref, otio.schema.MissingReference):
        return
    available = ref.available_range
    if available is not None and available.start_time.value and clip.markers:
        # A clipitem marker's <in> counts from the media's first frame; OTIO's source time
        # (which the writer copies) from its start timecode.
        tc = available.start_time
        for m in clip.markers:
            rng = m.marked_range
            m.marked_range = otio.opentime.TimeRange(
                rng.start_time - tc.rescaled_to(rng.start_time.rate), rng.duration)
    if available is None:
        # Media of unknown length (a still, a file sent with a duration only): the writer
        # reads every file's range unconditionally; give it the range the clip uses.
        ref.available_range = available = otio.opentime.TimeRange(
            otio.opentime.RationalTime(0, seq), clip.source_range.end_time_exclusive())
    if isinstance(ref, otio.schema.ExternalReference):
        local = url_to_path(ref.target_url)
        if local:
            ref.target_url = path_to_url(local, premiere=True)  # Premiere's own URL form
    media_rate = rates.exact_rate(available.duration.rate)
    if not built:
        hints = media_hints(media_rate, rate, audio, drop)
        if audio:
            hints.update(audio_hints(float(media_rate)))
        ref.metadata.setdefault("fcp_xml", {}).update(hints)
    if audio or not otio.opentime.RationalTime.is_valid_timecode_rate(float(media_rate)):
        # The writer gives every <file> a <timecode> at the file's rate, and OTIO refuses
        # timecode at 8, 12.5, 15 and 16 fps. Describe such media at the sequence rate
        # (length rounded down to whole frames); clip in/out are at that rate anyway and
        # Premiere reads the real rate from the media when it links it.
        ref.available_range = seq_frames_range(available, rate, seq)


def _colour(m: otio.schema.Marker) -> None:
    hint = colour_hint(str(m.color))
    if hint:
        m.metadata.setdefault("fcp_xml", {}).update(hint)


def to_string(timeline: otio.schema.Timeline) -> str:
    """FCP7 XML for a timeline (which it works on a copy of)."""
    prepared = prepare(timeline.deepcopy())
    root = _tree(prepared)
    # The writer gives each clipitem with a known media length two identical <rate>s;
    # Premiere's own exports have one, and <!DOCTYPE xmeml>, which strict readers expect.
    for item in root.iter("clipitem"):
        for extra in item.findall("rate")[1:]:
            item.remove(extra)
    _speed_out(root)
    ElementTree.indent(root, "    ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n{body}\n'


def _tree(timeline: otio.schema.Timeline) -> ElementTree.Element:
    """The adapter's xmeml element tree, as its `write_to_string` builds it before turning
    it into text through minidom: the fixes above need the tree, and parsing its text again
    cost more than the whole write."""
    root = ElementTree.Element("xmeml", version="4")
    project = ElementTree.SubElement(root, "project")
    ElementTree.SubElement(project, "name").text = timeline.name
    children = ElementTree.SubElement(project, "children")
    extent = otio.opentime.TimeRange(start_time=timeline.global_start_time,
                                     duration=timeline.duration())
    children.append(_adapter()._build_sequence_for_timeline(
        timeline, extent, collections.defaultdict(dict)))
    return root


@functools.cache
def _adapter():
    """The fcp_xml adapter's module, loaded by OTIO's plugin system (its relative imports
    only resolve there)."""
    return otio.adapters.from_name("fcp_xml").module()
