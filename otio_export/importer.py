"""A laid-out timeline (from any editor, see `layout`) -> the cut-list model, takes matched
back.

Positions come from OTIO's own track layout, converted once to whole sequence frames. Clip
ranges may be at any rate (Premiere writes a 15 fps clip range in a 30 fps sequence); they
are converted through seconds, not frame counts.

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

from otio_export import layout, rates
from otio_export.colours import COLOUR_OF_PPRO
from otio_export.cutlist import (
    MARKER_COLOURS,
    MAX_COLUMNS,
    MAX_MEDIA_SECONDS,
    Column,
    Cut,
    Entry,
    ImageSequence,
    Marker,
    ShotRef,
)
from otio_export.errors import TimelineError
from otio_export.item_view import JsonItem, MarkerView, MediaView, ObjectItem
from otio_export.layout import TimelineView, TrackView, frames
from otio_export.urls import url_to_path

# (media path or None, take id hint or None) -> the take, or None when it is not one of ours
Lookup = Callable[[str | None, str | None], dict[str, Any] | None]
_LOGNOTE = re.compile(r"promptcut take (\S+)")
STILLS = {"png", "jpg", "jpeg", "tif", "tiff", "bmp", "gif", "psd", "tga", "webp", "heic",
          "exr", "dpx"}


def cut_from_timeline(timeline: otio.schema.Timeline, lookup: Lookup | None = None,
                      warnings: list[str] | None = None, *, drop_frame: bool | None = None,
                      size: tuple[int | None, int | None] = (None, None)) -> Cut:
    """The cut list of an OTIO timeline; a TimelineError (field "file") for any impossible
    value. `drop_frame` and `size` are what the file said beside the timeline (FCPXML, EDL)."""
    return cut_from_view(lambda: layout.from_otio(timeline), lookup, warnings,
                         drop_frame=drop_frame, size=size)


def cut_from_view(make_view: Callable[[], TimelineView], lookup: Lookup | None = None,
                  warnings: list[str] | None = None, *, drop_frame: bool | None = None,
                  size: tuple[int | None, int | None] = (None, None)) -> Cut:
    """The cut list of a laid-out timeline (`layout`), made by `make_view`."""
    try:
        return _cut(make_view(), lookup, warnings, drop_frame, size)
    except TimelineError as err:
        raise TimelineError(err.message, field="file", detail=err.detail) from None
    except Exception as err:
        # The timeline came from an untrusted file: whatever OTIO raises while laying it out
        # (no media and no range, a negative rate, ...) is the file's fault, a 4xx.
        raise TimelineError(
            "The file's timeline cannot be laid out: an item has no length, or a length or "
            "rate is impossible. Export it again from the editor.", field="file",
            detail=f"{type(err).__name__}: {err}"[:400]) from None


def _cut(view: TimelineView, lookup: Lookup | None, warnings: list[str] | None,
         drop_frame: bool | None, size: tuple[int | None, int | None]) -> Cut:
    rate = view.rate
    ours = _dig(view.metadata, "promptcut") or {}
    fcp = _dig(view.metadata, "fcp_xml") or {}
    sample = _dig(fcp, "media", "video", "format", "samplecharacteristics") or {}
    if drop_frame is None:
        drop_frame = ours.get("drop_frame") if isinstance(ours.get("drop_frame"), bool) else {
            "DF": True, "NDF": False}.get(str(_dig(fcp, "timecode", "displayformat")))
    cut = Cut(name=view.name or "Imported sequence", fps=rates.rate_label(rate),
              width=_size(ours.get("width") or size[0] or sample.get("width"), 1920),
              height=_size(ours.get("height") or size[1] or sample.get("height"), 1080),
              warnings=list(warnings or []),
              drop_frame=drop_frame if rate in rates.DROP_FRAME_RATES else None)
    counts = {"V": 0, "A": 0}
    # Video tracks first, then audio, each in file order (FCPXML's lanes list audio first).
    for track in sorted(view.tracks, key=lambda t: t.audio):
        kind = "A" if track.audio else "V"
        counts[kind] += 1
        name = f"{kind}{counts[kind]}"
        if not track.enabled or _off(track.metadata):
            cut.disabled_tracks.append(name)
        _read_track(track, name, rate, cut, lookup, view.bundle, view)
    cut.markers = [_marker(m, 0, rate) for m in view.markers]
    notes = view.speed_notes
    if notes.get("reverse"):
        cut.warnings.append(f"{notes['reverse']} clip(s) play in reverse: read forwards at "
                            "their speed (a cut list holds forward speeds only).")
    if notes.get("ramp"):
        cut.warnings.append(f"{notes['ramp']} clip(s) change speed within the clip (Time "
                            "Remap keyframes): read at their first speed.")
    if view.outside:
        cut.warnings.append(
            f"{view.outside} clip marker(s) lie outside their clip's in and out points (an "
            "editor exports a master clip's markers with every use of it): left out.")
    off = sum(not e.enabled for e in cut.entries)
    if off or cut.disabled_tracks:
        tracks = f" and track(s) {', '.join(cut.disabled_tracks)}" if cut.disabled_tracks else ""
        cut.warnings.append(
            f"{off} clip(s){tracks} are switched off in the file: kept with enabled false, "
            "and left out when the cut is written unless include_disabled is asked for.")
    return cut


def _off(metadata: Any) -> bool:
    """Premiere's <enabled>FALSE</enabled>, which the FCP7 reader keeps as metadata."""
    return str(_dig(metadata, "fcp_xml", "enabled") or "").upper() == "FALSE"


def _read_track(track: TrackView, name: str, rate: Fraction, cut: Cut,
                lookup: Lookup | None, bundle: bool, view: TimelineView) -> None:
    for item in track.items:
        if item.kind == "transition":
            cut.warnings.append(f"{name}: transition {item.name!r} left out (cut lists hold "
                                "cuts only).")
            continue
        if item.duration <= 0:
            continue
        if item.kind == "gap":
            gap = Entry(kind="gap", duration=item.duration, track=name, start=item.start)
            gap.markers = _markers(item.view, item.duration, rate, view)
            cut.entries.append(gap)
        elif item.kind == "clip":
            cut.entries.append(_clip_entry(item.view, name, item.start, item.duration, rate,
                                           lookup, bundle, view))
        else:  # a nested sequence (Stack) or anything else OTIO may add
            cut.warnings.append(f"{name}: nested sequence {item.name!r} kept as a placeholder.")
            nested = Entry(name=item.name, media_kind="nested", duration=item.duration,
                           track=name, start=item.start)
            if item.view is not None:  # its markers stay on the placeholder
                nested.markers = _markers(item.view, item.duration, rate, view)
            cut.entries.append(nested)
    while cut.entries and cut.entries[-1].track == name and cut.entries[-1].kind == "gap" \
            and not cut.entries[-1].markers:
        cut.entries.pop()  # a gap at a track's end places nothing (FCPXML pads V1 so)


def _markers(item: JsonItem | ObjectItem, duration: int, rate: Fraction,
             timeline: TimelineView, speed: float = 1.0) -> list[Marker]:
    """An item's markers at frames from its first frame on the track; those outside it
    are counted on the view (said once in the warnings), not piled on its first frame."""
    origin = frames(*item.source()[0], rate)
    out = []
    for m in item.markers():
        marker = _marker(m, origin, rate, clamp=False)
        if speed != 1:
            marker.frame = round(marker.frame / speed)
        if 0 <= marker.frame < max(duration, 1):
            out.append(marker)
        else:
            timeline.outside += 1
    return out


def _clip_entry(view: JsonItem | ObjectItem, track: str, start: int, duration: int,
                rate: Fraction, lookup: Lookup | None, bundle: bool,
                timeline: TimelineView) -> Entry:
    media = view.media()
    source_start = frames(*view.source()[0], rate)
    available = media.available
    media_start = frames(*available[0], rate) if available is not None else 0
    metadata = view.metadata
    entry = Entry(name=view.name, track=track, start=start, duration=duration,
                  source_in=max(0, source_start - media_start),
                  media_start=max(0, media_start), speed=view.speed(),
                  enabled=view.enabled and not _off(metadata))
    if media.kind == "external":
        url = media.url or ""
        # OTIO's bundler names media inside an .otioz as plain relative paths, unencoded.
        relative = bundle and ":" not in url.split("/", 1)[0] and not url.startswith("/")
        entry.media_path = url if relative else url_to_path(url)
        if entry.media_path and entry.media_path.rsplit(".", 1)[-1].lower() in STILLS:
            entry.media_kind, available = "still", None
    elif media.kind == "image_sequence":
        seq = media.sequence or {}
        entry.media_kind = "image_sequence"
        entry.media_path = url_to_path((media.url or "").rstrip("/"))
        entry.image_sequence = ImageSequence(
            folder=entry.media_path or "", prefix=str(seq.get("name_prefix") or ""),
            suffix=str(seq.get("name_suffix") or ""), start_frame=int(seq.get("start_frame", 1)),
            frame_step=int(seq.get("frame_step", 1)),
            padding=int(seq.get("frame_zero_padding", 0)),
            rate=rates.rate_label(rates.exact_rate(seq.get("rate") or 24)))
    else:
        entry.media_kind = media.kind
    if available is not None and available[1][0] > 0:
        length, media_rate = available[1]
        entry.media_fps = rates.rate_label(rates.exact_rate(media_rate))
        entry.media_frames = _media_frames(length, media_rate, view.name)
        sample_rate = track.startswith("A") and _dig(
            media.metadata, "fcp_xml", "media", "audio", "samplecharacteristics", "samplerate")
        if sample_rate and str(sample_rate).isdigit() and int(sample_rate):
            # Audio by the convention of the cut list: the sample rate and length in samples,
            # limited by time (83 minutes at 48 kHz is 239 million samples).
            seconds = Fraction(length) / rates.exact_rate(media_rate)
            if seconds > MAX_MEDIA_SECONDS:
                raise TimelineError(f"Audio {view.name!r} lasts {float(seconds):.0f} s, beyond "
                                    "any real recording.", field="file")
            entry.media_fps = int(sample_rate)
            entry.media_frames = math.floor(seconds * int(sample_rate))
    ours = _dig(metadata, "promptcut") or {}
    written_id = ours.get("take_id")
    take = None
    if lookup is not None:
        take = lookup(entry.media_path, written_id or _hint_from_formats(metadata, media))
    if take is not None:
        entry.take_id, entry.take = take.get("id"), take
        entry.media_fps = take.get("fps") or entry.media_fps
        entry.media_frames = take.get("num_frames") or entry.media_frames
    elif lookup is None and written_id:
        entry.take_id = str(written_id)
        entry.take = _plain(ours.get("take"))
    entry.shot = _shot(ours.get("shot"))
    entry.markers = _markers(view, duration, rate, timeline, entry.speed)
    if entry.speed != 1:
        for note in view.speed_notes():
            timeline.speed_notes[note] = timeline.speed_notes.get(note, 0) + 1
    return entry


def _media_frames(length: float, media_rate: float, name: str) -> int:
    """A media length, limited by time rather than count: an 83-minute song is 239 million
    samples at 48 kHz, a real length beyond the frame limit of timeline positions."""
    if not (math.isfinite(length) and math.isfinite(media_rate) and media_rate > 0) or (
            length / media_rate > MAX_MEDIA_SECONDS):
        raise TimelineError(f"Media {name!r} lasts {length} frames at {media_rate} fps, beyond "
                            "any real recording.", field="file")
    return round(length)


def _hint_from_formats(metadata: Any, media: MediaView) -> str | None:
    """The take id Promptcut wrote into FCP7 XML (log note) or FCPXML (<md>), if any."""
    note = _dig(metadata, "fcp_xml", "logginginfo", "lognote")
    if isinstance(note, str) and (m := _LOGNOTE.search(note)):
        return m.group(1)
    for item in _dig(media.metadata, "fcpx", "metadata") or []:
        if isinstance(item, Mapping) and item.get("promptcut.take_id"):
            return str(item["promptcut.take_id"])
    return None


def _marker(marker: MarkerView, origin: int, rate: Fraction, clamp: bool = True) -> Marker:
    """A marker at a frame counted from `origin`, a frame of its item's own time."""
    (start, start_rate), (length, length_rate) = marker.span
    md = marker.metadata
    # OTIO's own `comment` is where Kdenlive (and OTIO 0.17+) keep a marker's text.
    note = (_dig(md, "promptcut", "note") or _dig(md, "fcp_xml", "comment")
            or _dig(md, "fcpx", "note") or marker.comment or "")
    ppro = _dig(md, "fcp_xml", "pproColor")
    color = COLOUR_OF_PPRO.get(str(ppro), marker.color.upper())
    return Marker(name=marker.name, note=str(note),
                  frame=(max(0, frames(start, start_rate, rate) - origin) if clamp
                         else frames(start, start_rate, rate) - origin),
                  duration=max(0, frames(length, length_rate, rate)),
                  color=color if color in MARKER_COLOURS else "RED")


def _size(value: Any, default: int) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return default
    return number if 16 <= number <= 16384 else default


def _dig(data: Any, *keys: str) -> Any:
    for key in keys:
        try:
            data = data.get(key)
        except AttributeError:  # not a mapping (a string where a dict was expected)
            return None
        if data is None:
            return None
    return data


def _shot(value: Any) -> ShotRef | None:
    """The board shot a clip was cut for, as an .otio written by Promptcut names it."""
    if not isinstance(value, Mapping):
        return None
    columns = value.get("columns")
    cells = [Column(str(k)[:200], str(v)[:2000]) for k, v in list(
        columns.items())[:MAX_COLUMNS]] if isinstance(columns, Mapping) else []
    return ShotRef(id=str(value.get("id") or "")[:200], label=str(value.get("label") or "")[:1000],
                   notes=str(value.get("notes") or "")[:10_000], columns=cells)


def _plain(value: Any) -> Any:
    """OTIO metadata (AnyDictionary, AnyVector) as plain JSON-able dicts and lists."""
    if isinstance(value, dict | list | str) or value is None:
        return value  # already plain (read from the file's JSON)
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, Sequence):
        return [_plain(v) for v in value]
    return value
