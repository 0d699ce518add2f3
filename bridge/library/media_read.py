"""Reading takes back: probe a video, grab one frame, and name frame rates exactly.

Split from `bridge.library.media` (which re-exports everything here) to keep each file readable in
one sitting. Like the writer, nothing here keeps state between calls: safe from any thread.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from otio_export import rates
from otio_export.rates import MAX_FPS


@dataclass(frozen=True)
class VideoInfo:
    """What a video file really holds (size after padding to even, counted frames)."""

    width: int
    height: int
    frames: int
    fps: float
    duration_s: float
    codec: str
    pix_fmt: str
    record: dict | None


def fps_fraction(fps: float) -> Fraction:
    """The exact rational rate for `fps`, by the one rate rule (otio_export.rates): NTSC
    rates (23.976, 29.97, 59.94, 14.985 ...) become n*1000/1001, anything else the decimal
    as written (12.5 -> 25/2), at most MAX_FPS.

    A float like 29.97 is not 30000/1001, and a time base built from the float would drift
    from Premiere's timebase by a frame every few minutes; the rational keeps both in step.
    """
    if isinstance(fps, bool) or not isinstance(fps, (int, float, Fraction)):
        raise ValueError(f"fps must be a number, not {type(fps).__name__}")
    if not math.isfinite(fps) or not 0 < fps <= MAX_FPS:
        raise ValueError(f"fps must be a finite number in (0, {MAX_FPS}], not {fps!r}")
    return rates.picture_rate(fps)


def probe(path: Path) -> VideoInfo:
    """Size, frame count, rate, codec and the embedded take record (None when absent or not
    a JSON object) of the first video stream. Raises ValueError when there is none."""
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError(f"{path} has no video stream")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        rate = stream.average_rate or stream.guessed_rate or stream.base_rate
        fps = float(rate) if rate else 0.0
        frames = stream.frames or sum(1 for p in container.demux(stream) if p.size)
        if stream.duration is not None and stream.time_base is not None:
            duration = float(stream.duration * stream.time_base)
        elif container.duration is not None:
            duration = container.duration / av.time_base
        else:
            duration = frames / fps if fps else 0.0
        return VideoInfo(
            width=ctx.width,
            height=ctx.height,
            frames=frames,
            fps=fps,
            duration_s=duration,
            codec=ctx.name,
            pix_fmt=ctx.pix_fmt or "",
            record=_parse_record(container.metadata.get("comment")),
        )


def _parse_record(text: str | None) -> dict | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class MediaUnreadable(ValueError):
    """A video cannot be read: its file is missing (`missing`) or damaged. Callers that
    take a frame on a client's behalf answer it as the client's 4xx, not as a bug."""

    def __init__(self, path: Path | str, missing: bool, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = str(path)
        self.missing = missing


def read_frame(path: Path, at: str | float) -> np.ndarray:
    """One frame as uint8 (H, W, 3) RGB: "first", "last", or the frame shown at `at` seconds
    (the last frame whose start time is <= at; up to one frame past the duration gives the last).

    Seeks to the keyframe before the target and decodes forward, so a frame near the end of
    a long take costs about one GOP, not the whole file. A missing, truncated or garbled
    file raises MediaUnreadable; a bad `at` raises a plain ValueError.
    """
    try:
        return _read_frame(path, at)
    except FileNotFoundError as exc:
        raise MediaUnreadable(path, True, "the file is missing") from exc
    except (av.error.FFmpegError, OSError) as exc:
        raise MediaUnreadable(path, False, f"the file cannot be decoded ({exc})") from exc


def _read_frame(path: Path, at: str | float) -> np.ndarray:
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise MediaUnreadable(path, False, "it has no video stream")
        stream = container.streams.video[0]
        if at == "first":
            for frame in container.decode(stream):
                return frame.to_ndarray(format="rgb24")
            raise MediaUnreadable(path, False, "it has no frames")
        duration = _duration_s(container, stream)
        if at == "last":
            target = math.inf
            seek_s = max(0.0, duration - 2.0)
        elif isinstance(at, (int, float)) and not isinstance(at, bool) and math.isfinite(at):
            # Up to one frame past the end still means the last frame: callers that compute
            # a duration from a float rate (121 / 23.976) land a few microseconds past it.
            slack = 1 / float(stream.average_rate) if stream.average_rate else 0.05
            if not 0 <= at <= duration + slack:
                raise ValueError(f"at={at} s is outside the video (0 to {duration:.6f} s)")
            target = seek_s = float(at)
        else:
            raise ValueError(f'at must be "first", "last" or seconds, not {at!r}')
        found = _decode_until(container, stream, seek_s, target)
        if found is None and seek_s > 0:  # the seek landed after the target: start over
            found = _decode_until(container, stream, 0.0, target)
        if found is None:
            raise MediaUnreadable(path, False, f"it has no frame at {at!r}")
        return found.to_ndarray(format="rgb24")


def _duration_s(container: av.container.InputContainer, stream: av.VideoStream) -> float:
    if stream.duration is not None and stream.time_base is not None:
        return float(stream.duration * stream.time_base)
    if container.duration is not None:
        return container.duration / av.time_base
    return math.inf


def _decode_until(
    container: av.container.InputContainer, stream: av.VideoStream, seek_s: float, target: float
) -> av.VideoFrame | None:
    """The last decoded frame starting at or before `target`, decoding from the keyframe
    before `seek_s`; None if the first frame decoded already starts after `target`."""
    time_base = stream.time_base or Fraction(1, av.time_base)
    container.seek(int(seek_s / time_base), stream=stream, backward=True)
    best = None
    for frame in container.decode(stream):
        if frame.time is not None and frame.time > target + 1e-6:
            break
        best = frame
    return best


def read_frames(path: Path, indices: set[int]) -> dict[int, np.ndarray]:
    """The frames at the given positions (0-based, in decode order) as uint8 RGB, in one
    pass: a delivered MP4's poster and filmstrip need about 17 of its frames, not all."""
    out: dict[int, np.ndarray] = {}
    last = max(indices) if indices else -1
    with av.open(str(path)) as container:
        if not container.streams.video:
            raise ValueError(f"{path} has no video stream")
        for i, frame in enumerate(container.decode(container.streams.video[0])):
            if i in indices:
                out[i] = frame.to_ndarray(format="rgb24")
            if i >= last:
                break
    return out
