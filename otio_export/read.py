"""Editor files -> `otio.schema.Timeline`, safely.

Every file is vetted by `safety` before an OTIO adapter parses it, and anything the adapter
raises on a broken file (KeyError, ZeroDivisionError on a zero timebase, ...) becomes a
TimelineError with a sentence (`refusals`): an upload must never turn into a 500.
Whatever OTIO itself reads is read, unless it is hostile.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import opentimelineio as otio

from otio_export import layout, rates, read_edl, read_fcpx, safety
from otio_export.catalog import BY_EXTENSION
from otio_export.errors import TimelineError
from otio_export.refusals import refusal


@dataclass
class Source:
    """A file's first timeline and what the file said beside it. A plain .otio is laid out
    from its JSON (`view`, see `layout`) without building OTIO's objects (`timeline` None);
    `otio_timeline()` builds them when a caller wants them."""

    timeline: otio.schema.Timeline | None
    fmt: str
    warnings: list[str] = field(default_factory=list)
    drop_frame: bool | None = None  # what the file's timecode says, when it says
    width: int | None = None
    height: int | None = None
    view: layout.TimelineView | None = None
    text: str | None = None

    def layout(self) -> layout.TimelineView:
        """The laid-out timeline. One trip through OTIO's C++ serializer and the standard
        JSON reader costs less than reading each item's fields across the binding, so an
        adapter's timeline is laid out from its JSON too when it is plain."""
        if self.view is None:
            try:
                self.view = layout.from_json(json.loads(self.timeline.to_json_string(-1)))
            except (ValueError, RecursionError):
                self.view = None
            if self.view is None:
                self.view = layout.from_otio(self.timeline)
            self.view.bundle = self.fmt == "otioz"
        return self.view

    def otio_timeline(self) -> otio.schema.Timeline:
        if self.timeline is None:
            self.timeline = _first_timeline(_adapter(self.fmt, lambda: otio.adapters.
                                                     read_from_string(self.text,
                                                                      adapter_name="otio_json"),
                                                     self.text), [])
        return self.timeline


def detect_format(data: bytes, filename: str = "") -> str:
    """otio, otioz, fcp7xml, fcpxml or edl from the name; "xml" when the root element must
    decide (a .xml file may be either XML format)."""
    suffix = Path(filename).suffix.lower()
    if suffix == ".xml":
        return "xml"
    if suffix in BY_EXTENSION:
        return BY_EXTENSION[suffix]
    head = data.lstrip()[:1]
    if data.startswith(b"PK\x03\x04"):
        return "otioz"
    if head == b"{":
        return "otio"
    if head == b"<" or data.startswith(b"\xef\xbb\xbf<"):
        return "xml"
    if not suffix and re.match(rb"\s*(TITLE:|FCM:|\d{3}\s)", data):
        return "edl"
    names = ", ".join(sorted(BY_EXTENSION))
    raise TimelineError(f"Cannot read {suffix or 'this'} file; send one of {names}.",
                        field="file")


COMPOUND = ("content", "placeholder")


def read_timeline(data: bytes, filename: str = "", *, edl_rate: float = 24.0,
                  compound: str = "content") -> Source:
    """The first timeline in an editor file, and warnings about what was left out.
    `compound` (FCPXML): compound, multicam and sync clips as their active "content" or as
    named "placeholder" clips (`storylines`)."""
    if compound not in COMPOUND:
        raise TimelineError(f"'compound' must be one of {', '.join(COMPOUND)}.",
                            field="compound")
    fmt = detect_format(data, filename)
    drop, size, text, view, result = None, (None, None), None, None, None
    warnings: list[str] = []
    if fmt in ("xml", "fcp7xml", "fcpxml"):
        root, tree = safety.check_xml(data)
        fmt = {"xmeml": "fcp7xml", "fcpxml": "fcpxml"}.get(root)
        if fmt is None:
            raise TimelineError(f"An XML file with root <{root}> is neither FCP7 XML (xmeml) "
                                "nor FCPXML.", field="file")
    if fmt == "otioz":
        data = _bundle_content(data)
    if fmt in ("otio", "otioz"):
        text = safety.check_json(data)
        view = _plain_view(text, warnings)
        if view is None:
            result = _adapter(fmt, lambda: otio.adapters.read_from_string(
                text, adapter_name="otio_json"), text)
    elif fmt == "fcpxml":
        result, hints = _adapter(fmt, lambda: read_fcpx.read(tree, compound), None)
        drop, size = hints.drop_frame, (hints.width, hints.height)
        warnings += hints.warnings
    elif fmt == "fcp7xml":
        text = _text(data)
        result = _adapter(fmt, lambda: otio.adapters.read_from_string(
            text, adapter_name="fcp_xml"), None)
    else:
        safety.check_edl(data)
        text = _text(data)
        drop = _fcm(text)
        # EDLs carry no rate; OTIO's timecode wants the exact NTSC double (29.97 is refused).
        rate = rates.float_rate(rates.exact_rate(edl_rate))
        text = _loc_non_drop(text, rate)
        result = _adapter(fmt, lambda: otio.adapters.read_from_string(
            text, adapter_name="cmx_3600", rate=rate), None)
    timeline = _first_timeline(result, warnings) if view is None else None
    if fmt == "fcp7xml":
        _fcp7_markers(timeline)
    elif fmt == "edl":
        read_edl.place(timeline, rate, bool(drop), warnings)
    if fmt == "otioz":
        if view is not None:
            view.bundle = True
        warnings.append("The bundle's media stay inside it: its clips name them as "
                        "media/<file>, relative to the .otioz.")
    return Source(timeline, fmt, warnings, drop, size[0], size[1], view, text)


def _plain_view(text: str, warnings: list[str]) -> layout.TimelineView | None:
    """A plain .otio laid out from its JSON (the depth is already bounded by the vetting),
    or None when OTIO must read it (anything else, including JSON OTIO would refuse)."""
    try:
        root = json.loads(text)
    except (ValueError, RecursionError):
        return None
    view = layout.from_json(root)
    if view is not None and isinstance(root, dict) and "children" in root:
        count = sum(1 for c in root.get("children") or [] if isinstance(c, dict)
                    and str(c.get("OTIO_SCHEMA", "")).startswith("Timeline."))
        if count > 1:
            warnings.append(f"The file holds {count} sequences; read the first, "
                            f"{view.name!r}.")
    return view


def _adapter(fmt: str, read, text):
    try:
        return read()
    except TimelineError:
        raise
    except RecursionError:
        raise TimelineError("The file's sequences refer to each other in a loop or nest too "
                            "deeply.", field="file") from None
    except Exception as err:  # any adapter failure on a bad file is the file's fault: 4xx
        raise refusal(fmt, err, text) from None


def _bundle_content(data: bytes) -> bytes:
    """content.otio from an .otioz, read from memory with its size bounded (a zip's
    declared sizes are checked against what it inflates to); the media stay packed."""
    safety.check_size(data)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as bundle:
            info = bundle.getinfo("content.otio")
            if info.file_size > safety.MAX_FILE_BYTES:
                raise TimelineError(f"The bundle's timeline is {info.file_size} bytes; "
                                    f"timelines are at most {safety.MAX_FILE_BYTES}.",
                                    field="file")
            with bundle.open(info) as member:
                return member.read(safety.MAX_FILE_BYTES + 1)[:safety.MAX_FILE_BYTES + 1]
    except KeyError:
        raise TimelineError("The .otioz bundle holds no content.otio; it is not an "
                            "OpenTimelineIO bundle.", field="file") from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError,
            NotImplementedError):
        raise TimelineError("The .otioz bundle is not a readable zip file (damaged or cut "
                            "short).", field="file") from None


_FCM = re.compile(r"^\s*FCM:\s*(DROP|NON[- ]DROP)", re.MULTILINE | re.IGNORECASE)
_LOC_DF = re.compile(r"^(\*\s*LOC:\s*)(\d\d:\d\d:\d\d;\d\d)", re.MULTILINE)


def _fcm(text: str) -> bool | None:
    match = _FCM.search(text[:4096])
    return None if match is None else match.group(1).upper() == "DROP"


def _loc_non_drop(text: str, rate: float) -> str:
    """The cmx_3600 reader matches LOC timecode as dd:dd:dd:dd only, silently dropping every
    drop-frame (";") marker of a 29.97 EDL, its own included. Rewrite those as the
    non-drop timecode of the same frame, which it reads to the same position."""
    def swap(match: re.Match[str]) -> str:
        try:
            time = otio.opentime.from_timecode(match.group(2), rate)
            return match.group(1) + otio.opentime.to_timecode(time, rate, False)
        except ValueError:
            return match.group(0)

    return _LOC_DF.sub(swap, text)


def _fcp7_markers(timeline: otio.schema.Timeline) -> None:
    """A clipitem marker's <in> counts from the media's first frame, while OTIO's reader
    puts the clip's source range at the media's start timecode: moved by that timecode, so
    a marker sits at its frame of the clip (the importer leaves out those outside it)."""
    for clip in timeline.find_clips():
        if not clip.markers:
            continue
        ref = clip.media_reference
        start = ref.available_range.start_time if ref is not None and \
            ref.available_range is not None else None
        if start is None or start.value == 0:
            continue
        for marker in clip.markers:
            rng = marker.marked_range
            marker.marked_range = otio.opentime.TimeRange(
                rng.start_time + start.rescaled_to(rng.start_time.rate), rng.duration)


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise TimelineError("The file is not UTF-8 text; save it as UTF-8 and send it again.",
                            field="file") from None


def _first_timeline(result: object, warnings: list[str]) -> otio.schema.Timeline:
    if isinstance(result, otio.schema.Timeline):
        return result
    if isinstance(result, otio.schema.SerializableCollection):
        timelines = [t for t in result if isinstance(t, otio.schema.Timeline)]
        if timelines:
            if len(timelines) > 1:
                warnings.append(f"The file holds {len(timelines)} sequences; read the first, "
                                f"{timelines[0].name!r}.")
            return timelines[0]
    raise TimelineError("The file holds no sequence (no timeline, project or sequence "
                        "element).", field="file")

