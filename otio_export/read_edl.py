"""An EDL as OTIO's cmx_3600 reader gives it, put where the list says.

The reader starts every track at its first event's record timecode, so a list whose first
event comes 10 s into the sequence (01:00:10:00 in a sequence at 01:00:00:00) lost those
10 s; it reads `* LOC:` lines as source timecode, where Avid, Premiere and Resolve write
record timecode; and it reads black (BL) events as clips. Here the sequence starts at the
whole hour at or before the first event (where every editor starts one: 00:00:00:00 or
01:00:00:00), the time before it is a gap, each locator sits at its record frame on the
event it falls in (or on the sequence, when it falls in none), and black is a gap. A
locator's note, which Promptcut writes as `* NOTE: name: text` comment lines under the event
(write_edl.note_lines), is the marker's note again.
"""

from __future__ import annotations

import opentimelineio as otio


def place(timeline: otio.schema.Timeline, rate: float, drop: bool,
          warnings: list[str]) -> None:
    moved = 0
    for track in timeline.tracks:
        first = -track.source_range.start_time.value if track.source_range is not None else 0
        hour = _hour_before(first, rate, drop)
        track.source_range = None
        if first > hour:
            track.insert(0, otio.schema.Gap(source_range=_span(0, first - hour, rate)))
        position = 0
        for index, item in enumerate(list(track)):
            length = round(item.duration().value)
            if isinstance(item, otio.schema.Clip):
                moved += _locators(track, index, item, position, length, hour, rate)
            position += length
    if moved:
        warnings.append(f"{moved} locator(s) fall outside every event; read as sequence "
                        "markers at their record timecode.")


def _locators(track: otio.schema.Track, index: int, clip: otio.schema.Clip, position: int,
              length: int, hour: int, rate: float) -> int:
    """The clip's locators from record time to its source time; a black event becomes a
    gap holding them. Returns how many went to the sequence instead."""
    ref = clip.media_reference
    black = isinstance(ref, otio.schema.GeneratorReference) and \
        ref.generator_kind == "black"
    item = clip
    origin = clip.source_range.start_time.value
    if black:
        item = otio.schema.Gap(source_range=_span(0, length, rate))
        origin = 0
    moved = 0
    markers = list(clip.markers)
    _notes_onto(markers, clip)
    if black:
        track[index] = item
    else:
        del clip.markers[:]
    sequence = track.parent()
    for marker in markers:
        frame = round(marker.marked_range.start_time.rescaled_to(rate).value) - hour
        at = frame - position
        if 0 <= at < max(length, 1):
            marker.marked_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(origin + at, rate), marker.marked_range.duration)
            item.markers.append(marker)
        else:
            marker.marked_range = otio.opentime.TimeRange(
                otio.opentime.RationalTime(max(0, frame), rate), marker.marked_range.duration)
            sequence.markers.append(marker)
            moved += 1
    return moved


def _notes_onto(markers: list[otio.schema.Marker], clip: otio.schema.Clip) -> None:
    """Each `NOTE: name: text` comment line of the event onto the first of its locators of
    that name (locator names read back upper-cased), as the marker's note; the lines are
    taken off the event's comments."""
    meta = clip.metadata.get("cmx_3600")
    comments = list(meta.get("comments") or []) if meta else []
    if not comments or not markers:
        return
    notes: dict[int, list[str]] = {}
    kept = []
    for line in comments:
        text = str(line)
        body = text[len("NOTE:"):].lstrip() if text.upper().startswith("NOTE:") else None
        owner = None if body is None else next(
            (i for i, m in enumerate(markers)
             if body.upper().startswith(f"{m.name.upper()}: ")), None)
        if owner is None:
            kept.append(line)
        else:
            notes.setdefault(owner, []).append(body[len(markers[owner].name) + 2:])
    for i, lines in notes.items():
        markers[i].comment = "\n".join(lines)
    meta["comments"] = kept


def _hour_before(frame: float, rate: float, drop: bool) -> int:
    """The frame of the whole hour of timecode at or before `frame`."""
    if frame <= 0:
        return 0
    code = otio.opentime.to_timecode(otio.opentime.RationalTime(frame, rate), rate, drop)
    hours = int(code[:2])
    return round(otio.opentime.from_timecode(
        f"{hours:02d}:00:00{';' if drop else ':'}00", rate).value)


def _span(start: float, duration: float, rate: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, rate),
                                   otio.opentime.RationalTime(duration, rate))
