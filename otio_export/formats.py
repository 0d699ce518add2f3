"""Timeline -> editor files, through OTIO's own adapters plus the few fixes they need.

Each writer works on a deep copy: the cmx_3600 writer rewrites clips, reels and transitions of
the timeline it is given, and the fixes below must not leak back into the caller's timeline.
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path, PurePath
from xml.etree import ElementTree

import opentimelineio as otio

from otio_export import rates
from otio_export.errors import TimelineError
from otio_export.urls import path_to_url, url_to_path

# format name -> file suffix; the names are what the API and the CLI accept.
FORMATS: dict[str, str] = {"otio": ".otio", "otioz": ".otioz", "fcp7xml": ".xml",
                           "edl": ".edl", "fcpxml": ".fcpxml"}
ADAPTERS = {"otio": "otio_json", "otioz": "otioz", "fcp7xml": "fcp_xml", "edl": "cmx_3600",
            "fcpxml": "fcpx_xml"}
_REEL_LEN = 8  # CMX3600 reel field width


def check_formats(names: list[str] | tuple[str, ...]) -> list[str]:
    """The formats asked for, deduplicated, or a TimelineError naming the bad one."""
    out: list[str] = []
    for name in names:
        if name not in FORMATS:
            raise TimelineError(f"Unknown format {name!r}; use {', '.join(FORMATS)}.",
                                field="formats")
        if name not in out:
            out.append(name)
    return out


def timeline_rate(timeline: otio.schema.Timeline) -> Fraction:
    return rates.exact_rate(timeline.global_start_time.rate
                            if timeline.global_start_time else 24)


def to_string(timeline: otio.schema.Timeline, fmt: str) -> str:
    """The file's text for every format but otioz (a zip, see write_file)."""
    if fmt == "otioz":
        raise TimelineError("otioz is a bundle with media; write it to a file.", field="formats")
    prepared = _PREPARE[fmt](copy.deepcopy(timeline))
    kwargs = {"rate": rates.float_rate(timeline_rate(timeline)), "style": "avid",
              "reelname_len": _REEL_LEN} if fmt == "edl" else {}
    try:
        text = otio.adapters.write_to_string(prepared, adapter_name=ADAPTERS[fmt], **kwargs)
    except otio.exceptions.NotSupportedError as err:
        raise TimelineError(f"{fmt}: {err}", field="formats") from None
    return _FINISH.get(fmt, lambda t, _tl: t)(text, timeline)


def write_file(timeline: otio.schema.Timeline, fmt: str, path: Path) -> Path:
    """Write one format to `path` (its suffix is not changed) and return the path."""
    path = Path(path)
    if fmt != "otioz":
        path.write_text(to_string(timeline, fmt), encoding="utf-8")
        return path
    bundle = copy.deepcopy(timeline)
    for clip in bundle.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference):
            local = url_to_path(ref.target_url)
            if not local or not Path(local).is_file():
                raise TimelineError(f"otioz bundles media, and {local or ref.target_url} is "
                                    "not a file here.", field="formats")
            # The otioz writer finds media through url_utils, which reads unencoded paths
            # back fine but does not decode %xx: give it the plain local form.
            ref.target_url = Path(local).resolve().as_uri()
    path.unlink(missing_ok=True)  # the otioz writer refuses to replace a file
    try:
        otio.adapters.write_to_file(bundle, str(path), adapter_name="otioz")
    except (otio.exceptions.OTIOError, OSError) as err:
        raise TimelineError(f"otioz: {err}", field="formats") from None
    return path


# --- per-format fixes ------------------------------------------------------------------

def _prepare_otio(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    return timeline


def _cover_used_range(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    """Media of unknown length (a file sent with a duration only) gets the range the clip
    uses as its available range: the XML writers read it unconditionally and crash on None."""
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if isinstance(ref, otio.schema.ExternalReference) and ref.available_range is None:
            rate = clip.source_range.start_time.rate
            ref.available_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, rate), clip.source_range.end_time_exclusive())
    return timeline


def _prepare_fcp7(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    seq = rates.float_rate(timeline_rate(timeline))
    _cover_used_range(timeline)
    for clip in timeline.find_clips():
        ref = clip.media_reference
        if not isinstance(ref, otio.schema.ExternalReference):
            continue
        local = url_to_path(ref.target_url)
        if local:
            ref.target_url = path_to_url(local, premiere=True)  # Premiere's own URL form
        available = ref.available_range
        if available and not otio.opentime.RationalTime.is_valid_timecode_rate(
                available.start_time.rate):
            # The writer gives every <file> a <timecode> at the file's rate, and OTIO refuses
            # timecode at 8, 12.5, 15 and 16 fps. Describe such media at the sequence rate
            # (length rounded down to whole frames); clip in/out are at that rate anyway and
            # Premiere reads the real rate from the media when it links it.
            frames = rates.seq_frames(
                Fraction(available.duration.to_seconds()).limit_denominator(10**6),
                timeline_rate(timeline))
            ref.available_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(0, seq), otio.opentime.RationalTime(frames, seq))
    return timeline


def _prepare_edl(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    for clip in timeline.find_clips():
        md = clip.metadata.get("promptcut", {})
        source = md.get("take_id") or PurePath(clip.name or "").stem or "AX"
        clip.metadata.setdefault("cmx_3600", {})["reel"] = reel_name(source)
    return timeline


def reel_name(source: str) -> str:
    """An explicit reel: A-Z0-9 only, at most 8 characters (été -> ETE). The writer's default
    keeps spaces from file names, which splits the reel field and breaks re-reading."""
    ascii_only = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]", "", ascii_only.upper())[:_REEL_LEN] or "AX"


def _prepare_fcpxml(timeline: otio.schema.Timeline) -> otio.schema.Timeline:
    return _cover_used_range(timeline)


def _finish_fcpxml(text: str, timeline: otio.schema.Timeline) -> str:
    # The writer looks rates up as int(rate) and float(rate) in a table keyed 23.98 and 29.97,
    # so the exact NTSC rates get an empty frameDuration. Fill in the sequence's.
    rate = timeline_rate(timeline)
    duration = f"{rate.denominator}/{rate.numerator}s"
    return text.replace('frameDuration=""', f'frameDuration="{duration}"')


def _finish_fcp7(text: str, timeline: otio.schema.Timeline) -> str:
    # The writer gives each clipitem with a known media length two identical <rate>s, and no
    # DOCTYPE; Premiere's own exports have one <rate> and <!DOCTYPE xmeml>, which strict
    # FCP7 readers expect. Parsing here is safe: the text is the adapter's own output.
    root = ElementTree.fromstring(text)
    for item in root.iter("clipitem"):
        for extra in item.findall("rate")[1:]:
            item.remove(extra)
    ElementTree.indent(root, "    ")
    body = ElementTree.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE xmeml>\n{body}\n'


def _finish_edl(text: str, timeline: otio.schema.Timeline) -> str:
    # The writer leaves out the FCM line; at 29.97 and 59.94 its timecodes are drop-frame
    # (";"), and an editor that assumes non-drop would misplace every event after a minute.
    rate = timeline_rate(timeline)
    fcm = "FCM: DROP FRAME" if rate.denominator == 1001 else "FCM: NON-DROP FRAME"
    if text.startswith("TITLE:"):
        title, _, rest = text.partition("\n")
        return f"{title}\n{fcm}\n{rest}"
    return f"{fcm}\n{text}"


_PREPARE: dict[str, Callable[[otio.schema.Timeline], otio.schema.Timeline]] = {
    "otio": _prepare_otio, "fcp7xml": _prepare_fcp7, "edl": _prepare_edl,
    "fcpxml": _prepare_fcpxml}
_FINISH: dict[str, Callable[[str, otio.schema.Timeline], str]] = {
    "fcpxml": _finish_fcpxml, "edl": _finish_edl, "fcp7xml": _finish_fcp7}
