"""Re-expressing a timeline's times at another rate with the same frame numbers.

Two writers need it: an EDL in non-drop timecode at 29.97 (non-drop 29.97 timecode is 30 fps
timecode of the same frame), and FCPXML, whose adapter truncates float arithmetic at every
rate but 1 and 24 (written at rate 1, every time is an integer, then turned into exact
seconds by `write_fcpx`). Everything here works on a timeline the caller owns (a copy).
"""

from __future__ import annotations

from fractions import Fraction

import opentimelineio as otio

from otio_export import rates


def at_rate(time: otio.opentime.RationalTime, rate: Fraction) -> int:
    """A time as whole frames of `rate` (rounded: media lengths at other rates are floored
    by the caller before this)."""
    return round(Fraction(time.value) * rate / rates.exact_rate(time.rate))


def _same_frames(rng: otio.opentime.TimeRange, rate: Fraction,
                 new: float) -> otio.opentime.TimeRange:
    return otio.opentime.TimeRange(
        otio.opentime.RationalTime(at_rate(rng.start_time, rate), new),
        otio.opentime.RationalTime(at_rate(rng.duration, rate), new))


def rerate(timeline: otio.schema.Timeline, rate: Fraction, new: float,
           media_too: bool = False) -> None:
    """Every item, marker (and with `media_too` every media range, floored to whole frames
    of `rate` first) of a timeline at sequence rate `rate` re-expressed at `new`."""
    timeline.global_start_time = otio.opentime.RationalTime(0, new)
    for marker in timeline.tracks.markers:
        marker.marked_range = _same_frames(marker.marked_range, rate, new)
    for track in timeline.tracks:
        for item in track:
            if item.source_range is not None:
                item.source_range = _same_frames(item.source_range, rate, new)
            for marker in item.markers:
                marker.marked_range = _same_frames(marker.marked_range, rate, new)
            ref = getattr(item, "media_reference", None)
            if media_too and ref is not None and ref.available_range is not None:
                ref.available_range = seq_frames_range(ref.available_range, rate, new)


def seq_frames_range(rng: otio.opentime.TimeRange, rate: Fraction,
                     new: float) -> otio.opentime.TimeRange:
    """A media range as whole sequence frames (start rounded, length rounded down, so the
    range never claims media it does not have), expressed at `new`."""
    start = at_rate(rng.start_time, rate)
    length = rates.seq_frames(Fraction(rng.duration.value) / rates.exact_rate(rng.duration.rate),
                              rate)
    return otio.opentime.TimeRange(otio.opentime.RationalTime(start, new),
                                   otio.opentime.RationalTime(length, new))
