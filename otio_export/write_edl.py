"""CMX3600 EDLs through OTIO's cmx_3600 writer, with explicit reels and timecode mode.

The writer mutates the timeline it is given (clips, reels, transitions), so it runs on a copy.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePath

import opentimelineio as otio

from otio_export import rates
from otio_export.errors import TimelineError
from otio_export.metadata import META
from otio_export.retime import rerate
from otio_export.urls import url_to_path
from otio_export.write_fcp7 import sequence_rate

REEL_LEN = 8  # the CMX3600 reel field
_PROMPTCUT_ID = re.compile(r"^t[0-9a-f]{11}([0-9a-f]{8})$")


def to_string(timeline: otio.schema.Timeline) -> str:
    rate = sequence_rate(timeline)
    ours = timeline.metadata.get(META) or {}
    drop = bool(ours.get("drop_frame"))
    non_drop_ntsc = rate in rates.DROP_FRAME_RATES and not drop
    marked = _has_markers(timeline)
    if ours.get("edl_hints") and not non_drop_ntsc and not marked and _writes_as_is(timeline):
        # A timeline `build_timeline` made, with V1 first, no other picture and no
        # transitions: the writer (avid style, reels set) changes nothing in it, so it is
        # spared a copy, which costs a third of the write.
        copy = timeline
    else:
        copy = _one_picture_track(timeline.deepcopy())
        if not ours.get("edl_hints"):
            assign_reels(copy)
        if marked:
            _locators_on_events(copy)
    edl_rate = rates.float_rate(rate)
    if non_drop_ntsc:
        # The writer infers drop-frame from the rate; non-drop 29.97 timecode is 30 fps
        # timecode of the same frame number, so write the same frames at the whole rate.
        edl_rate = float(rates.nominal_rate(rate))
        rerate(copy, rate, edl_rate)
    try:
        text = otio.adapters.write_to_string(copy, adapter_name="cmx_3600", rate=edl_rate,
                                             style="avid", reelname_len=REEL_LEN)
    except otio.exceptions.NotSupportedError as err:
        raise TimelineError("An EDL holds cuts, dissolves, one constant speed and freeze "
                            "frames per event; this cut holds another effect. Write otio or "
                            "fcp7xml instead.", field="formats",
                            detail=f"{type(err).__name__}: {err}"[:400]) from None
    text = _speed_lines(text, edl_rate, drop and rate in rates.DROP_FRAME_RATES)
    # The writer leaves out the FCM line; an editor that assumes the wrong mode misplaces
    # every event after the first minute. 23.976 has no drop-frame timecode at all.
    fcm = "FCM: DROP FRAME" if drop and rate in rates.DROP_FRAME_RATES else "FCM: NON-DROP FRAME"
    if text.startswith("TITLE:"):
        title, _, rest = text.partition("\n")
        return f"{title}\n{fcm}\n{rest}"
    return f"{fcm}\n{text}"


def _has_markers(timeline: otio.schema.Timeline) -> bool:
    return bool(timeline.tracks.markers) or any(
        item.markers for track in timeline.tracks for item in track)


def _locators_on_events(copy: otio.schema.Timeline) -> None:
    """Every marker of the picture track and the sequence as a `* LOC:` at its record
    timecode on the event it falls in (what Avid, Premiere and Resolve write and read): the
    writer puts locators only on clips, at their source timecode. A gap holding a marker
    becomes a black (BL) event, so a shot without a take keeps its name. A marker past the
    last event goes on the last one (it reads back as a sequence marker there)."""
    track = copy.tracks[0]
    fr = track.duration().rate
    marks: list[tuple[int, otio.schema.Marker]] = []
    spans: list[tuple[int, int, int]] = []  # start, end, index
    position = 0
    for index, item in enumerate(track):
        if isinstance(item, otio.schema.Transition):
            continue
        length = round(item.duration().value)
        origin = item.source_range.start_time.value if item.source_range else 0
        speed = next((e.time_scalar for e in getattr(item, "effects", [])
                      if isinstance(e, otio.schema.LinearTimeWarp) and e.time_scalar > 0), 1)
        for m in item.markers:
            offset = (m.marked_range.start_time.value - origin) / speed
            marks.append((position + round(offset), m))
        del item.markers[:]
        spans.append((position, position + length, index))
        position += length
    for m in copy.tracks.markers:
        marks.append((round(m.marked_range.start_time.value), m))
    del copy.tracks.markers[:]
    if not spans:
        return
    for frame, m in sorted(marks, key=lambda x: x[0]):
        index = next((i for start, end, i in spans if start <= frame < end), spans[-1][2])
        item = track[index]
        if isinstance(item, otio.schema.Gap):
            item = track[index] = _black(item)
        m.marked_range = otio.opentime.TimeRange(otio.opentime.RationalTime(frame, fr),
                                                 m.marked_range.duration)
        item.markers.append(m)
        comments = note_lines(m)
        if comments:
            item.metadata.setdefault("cmx_3600", {}).setdefault("comments", []).extend(comments)


NOTE_LINES = 20  # lines of one marker's note written under its event
NOTE_WIDTH = 200  # characters of each


def note_lines(m: otio.schema.Marker) -> list[str]:
    """A marker's note as EDL comment lines under the event it sits on (`* NOTE: name:
    line`): a locator holds only a colour and a name, and an editor's EDL import keeps the
    comment lines of an event, so a shot's notes and extra columns travel with it."""
    note = str((m.metadata.get(META) or {}).get("note") or m.comment or "")
    lines = [" ".join(line.split()) for line in note.splitlines()]
    lines = [line[:NOTE_WIDTH] for line in lines if line][:NOTE_LINES]
    return [f"NOTE: {m.name}: {line}" for line in lines]


def _black(gap: otio.schema.Gap) -> otio.schema.Clip:
    clip = otio.schema.Clip(name="BLACK", source_range=gap.source_range,
                            media_reference=otio.schema.GeneratorReference(
                                generator_kind="black"))
    clip.metadata["cmx_3600"] = {"reel": "BL"}
    return clip


_EVENT = re.compile(r"^(\d{3,6})(\s+)(\S+)(\s+\S+\s+C\s+)(\S+) (\S+) (\S+) (\S+)\s*$")
_M2 = re.compile(r"^M2\s+.*?\s(-?[\d.]+)\s+(\d\d:\d\d:\d\d[:;]\d\d)\s*$")


def _speed_lines(text: str, rate: float, drop: bool) -> str:
    """M2 lines as CMX3600 has them (reel, speed in frames a second, source in), and the
    event's source out at in + record length x speed: the writer names the clip instead of
    the reel and divides by the speed where it should multiply."""
    if "\nM2 " not in text:
        return text
    lines = text.split("\n")
    event = None
    for i, line in enumerate(lines):
        match = _EVENT.match(line)
        if match:
            event = i, match
            continue
        speed = _M2.match(line)
        if speed and event is not None:
            at, ev = event
            fps = float(speed.group(1))
            src_in = otio.opentime.from_timecode(ev.group(5), rate)
            rec = (otio.opentime.from_timecode(ev.group(8), rate)
                   - otio.opentime.from_timecode(ev.group(7), rate))
            out = src_in + otio.opentime.RationalTime(round(rec.value * fps / rate), rate)
            lines[at] = (f"{ev.group(1)}{ev.group(2)}{ev.group(3)}{ev.group(4)}{ev.group(5)} "
                         f"{otio.opentime.to_timecode(out, rate, drop)} {ev.group(7)} "
                         f"{ev.group(8)}")
            # ":" even in drop-frame lists: OTIO's reader matches M2 timecode so only.
            lines[i] = f"M2   {ev.group(3):<8} {fps:05.1f}    {ev.group(5).replace(';', ':')}"
    return "\n".join(lines)


def _writes_as_is(timeline: otio.schema.Timeline) -> bool:
    video = otio.schema.TrackKind.Video
    tracks = list(timeline.tracks)
    return (bool(tracks) and tracks[0].kind == video and tracks[0].enabled
            and not any(t.kind == video and t.enabled for t in tracks[1:])
            and sum(t.kind != video for t in tracks) <= 2
            and not any(isinstance(i, otio.schema.Transition) for i in tracks[0]))


def _one_picture_track(copy: otio.schema.Timeline) -> otio.schema.Timeline:
    """An EDL holds one picture track and no audio (the writer only ever writes the first
    track), and nothing switched off; what is left out is said in the answer's warnings."""
    for number, track in reversed(list(enumerate(copy.tracks))):
        empty = number > 0 and not any(isinstance(i, otio.schema.Clip) for i in track)
        if track.kind != otio.schema.TrackKind.Video or empty or not track.enabled:
            del copy.tracks[number]
    if len(copy.tracks) != 1:
        raise TimelineError("An EDL holds one video track; this cut uses "
                            f"{len(copy.tracks)}. Write otio or fcp7xml, or move every clip "
                            "to V1.", field="formats")
    return copy


def assign_reels(timeline: otio.schema.Timeline) -> None:
    """Reels for a timeline `build_timeline` did not make (it sets them while building)."""
    clips = list(timeline.find_clips())
    items = []
    for clip in clips:
        ref = clip.media_reference
        media = getattr(ref, "target_url", None) or getattr(ref, "target_url_base", None)
        items.append((media or clip.name or "",
                      str((clip.metadata.get(META) or {}).get("take_id") or ""), clip.name))
    for clip, hints in zip(clips, reel_hints(items), strict=True):
        clip.metadata.setdefault("cmx_3600", {}).update(hints)


def reel_hints(items: list[tuple[str, str, str]]) -> list[dict]:
    """For each clip (its media URL, take id, name): a unique reel per media file, and the
    file it stands for in a `* SOURCE FILE:` comment beside the writer's `* FROM CLIP NAME:`
    and `* FROM CLIP:` lines, as cmx_3600 metadata.

    A conform matches events by reel and source timecode, and every take starts at
    00:00:00:00: two files sharing a reel (the writer's default keeps only the first 8
    characters of a name, which for time-ordered take ids are the time) cannot be told
    apart. A Promptcut take gets the random tail of its id; any other file its name's
    letters and digits; a clash gets a number at the end."""
    reels: dict[str, str] = {}  # media -> reel
    taken: set[str] = set()
    out = []
    for media, take_id, name in items:
        reel = reels.get(media)
        if reel is None:
            reel = reels[media] = _unique(_candidate(take_id, name), taken)
            taken.add(reel)
        source = url_to_path(media) or media
        out.append({"reel": reel, **({"comments": [f"SOURCE FILE: {source}"]} if source
                                     else {})})
    return out


def _candidate(take_id: str, name: str) -> str:
    match = _PROMPTCUT_ID.match(take_id)
    if match:
        return match.group(1).upper()
    return reel_name(take_id or PurePath(name or "").stem)


def _unique(reel: str, taken: set[str]) -> str:
    number = 1
    candidate = reel
    while candidate in taken:
        number += 1
        tail = str(number)
        candidate = reel[:REEL_LEN - len(tail)] + tail
    return candidate


def reel_name(source: str) -> str:
    """An explicit reel: A-Z0-9 only, at most 8 characters (été -> ETE). The writer's default
    keeps spaces from file names, which splits the reel field and breaks re-reading."""
    ascii_only = unicodedata.normalize("NFKD", source).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Z0-9]", "", ascii_only.upper())[:REEL_LEN] or "AX"
