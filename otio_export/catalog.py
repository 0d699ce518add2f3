"""The timeline formats Promptcut reads and writes: one record per format.

Everything that depends on a format's name (its file extension, its MIME type, the OTIO
adapter that writes it, what survives a round trip through it) is read from here: the
writers, the readers, the warnings about what a format drops, the bridge's download route
and `GET /api/v1/timelines/formats`, which the panel lists. A format is described once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

ALL_COLOURS = ("RED", "PINK", "ORANGE", "YELLOW", "GREEN", "CYAN", "BLUE", "PURPLE",
               "MAGENTA", "BLACK", "WHITE")


@dataclass(frozen=True)
class Carries:
    """What a cut keeps when written to a format and read back (by Promptcut's import)."""

    video_tracks: int | None  # the most video tracks a file holds; None: any number
    audio: bool  # audio tracks (a song on A1)
    sequence_markers: bool
    clip_markers: bool
    gap_markers: bool  # markers on an empty stretch of a track
    marker_colours: tuple[str, ...]  # the colours that read back as written
    marker_notes: bool
    marker_durations: bool
    disabled_items: bool  # clips and tracks switched off in the editor
    take_record: str  # "full" (the whole take), "summary" (prompt, seed, model, id), "none"
    media_rate: bool  # the media's own rate and length
    frame_size: bool
    frame_rate: bool  # False: the reader must be told the rate (EDL)
    image_sequences: bool  # False: written as the path of the first frame's folder
    drop_frame: bool  # the timecode says whether it is drop-frame


@dataclass(frozen=True)
class TimelineFormat:
    name: str  # what the API and the command line accept
    label: str  # what a person sees
    extension: str
    mime: str
    adapter: str  # the OpenTimelineIO adapter behind it
    read: bool
    write: bool
    bundles_media: bool
    for_whom: str
    carries: Carries

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


_FULL = Carries(video_tracks=None, audio=True, sequence_markers=True, clip_markers=True,
                gap_markers=True, marker_colours=ALL_COLOURS, marker_notes=True,
                marker_durations=True, disabled_items=True, take_record="full",
                media_rate=True, frame_size=True, frame_rate=True, image_sequences=True,
                drop_frame=True)

FORMATS: dict[str, TimelineFormat] = {f.name: f for f in (
    TimelineFormat("otio", "OpenTimelineIO", ".otio", "application/json", "otio_json",
                   read=True, write=True, bundles_media=False,
                   for_whom="Premiere Pro 25.6 and later (File > Import), Resolve, OTIO tools",
                   carries=_FULL),
    TimelineFormat("otioz", "OpenTimelineIO bundle", ".otioz", "application/zip", "otioz",
                   read=True, write=True, bundles_media=True,
                   for_whom="Moving a cut and its media to another machine in one file",
                   carries=_FULL),
    TimelineFormat("fcp7xml", "FCP7 XML", ".xml", "application/xml", "fcp_xml",
                   read=True, write=True, bundles_media=False,
                   for_whom="Premiere Pro before 25.6 and CEP panels, Resolve",
                   carries=dataclasses.replace(
                       _FULL, gap_markers=False, take_record="summary",
                       # Premiere's eight marker colours (its pproColor values).
                       marker_colours=("RED", "PINK", "ORANGE", "YELLOW", "GREEN", "CYAN",
                                       "BLUE", "WHITE"),
                       media_rate=False, image_sequences=False)),
    TimelineFormat("edl", "EDL (CMX3600)", ".edl", "text/plain", "cmx_3600",
                   read=True, write=True, bundles_media=False,
                   for_whom="Conform and finishing tools, any editor",
                   carries=Carries(
                       video_tracks=1, audio=False, sequence_markers=False,
                       clip_markers=True, gap_markers=True, marker_colours=ALL_COLOURS,
                       marker_notes=False, marker_durations=False, disabled_items=False,
                       take_record="none", media_rate=False, frame_size=False,
                       frame_rate=False, image_sequences=False, drop_frame=True)),
    TimelineFormat("fcpxml", "FCPXML", ".fcpxml", "application/xml", "fcpx_xml",
                   read=True, write=True, bundles_media=False,
                   for_whom="Final Cut Pro, Resolve (Premiere does not import it)",
                   carries=dataclasses.replace(
                       _FULL, sequence_markers=False, gap_markers=False,
                       marker_colours=("RED", "GREEN", "PURPLE"), take_record="summary",
                       media_rate=False, image_sequences=False)),
)}

BY_EXTENSION = {f.extension: f.name for f in FORMATS.values() if f.read}


def writable() -> list[str]:
    return [f.name for f in FORMATS.values() if f.write]


def formats_json() -> list[dict[str, Any]]:
    return [f.to_json() for f in FORMATS.values()]
