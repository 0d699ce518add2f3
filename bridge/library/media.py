"""A take's media: encoding its pixels (H.264 MP4, poster, filmstrip) and reading them back
(probe, one frame, several frames), with the exact rate both sides use.

A plain module (no Flask, no torch). The finisher calls it from an encode thread pool beside
the GPU executors, so nothing here holds shared state: every call opens its own containers
and files, and PyAV and Pillow release the GIL while they encode. bridge.library.take_files
holds the protocol that turns these pieces into a complete take on disk.

    <stem>.mp4        H.264, yuv420p, BT.709, even size, constant frame rate, moov first
    <stem>.jpg        poster (the middle frame)
    <stem>.strip.jpg  filmstrip sprite for hover-scrubbing (see `FilmstripGrid`)
    <stem>.json       the take record, UTF-8, indent 2; its presence means "take complete"
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from otio_export import rates
from otio_export.rates import MAX_FPS

MAX_TILES = 16
MAX_TILE_WIDTH = 160
CRF = 18
PRESET = "fast"
JPEG_QUALITY = 90

# Suffixes in the order they are renamed into place: the sidecar last, as the commit marker.
SUFFIXES = (".mp4", ".jpg", ".strip.jpg", ".json")

@dataclass(frozen=True)
class FilmstripGrid:
    """Geometry of `<stem>.strip.jpg`: `frames` tiles, row by row, each tile_width x tile_height.

    Tile i sits at column i % columns, row i // columns and shows frame
    round(i * (F - 1) / (frames - 1)) of the take (first and last frames included), so a
    hover position x in [0, 1) maps to tile floor(x * frames).
    """

    columns: int
    rows: int
    frames: int
    tile_width: int
    tile_height: int


@dataclass(frozen=True)
class TakeFiles:
    """The final paths of a complete take and its filmstrip geometry."""

    video: Path
    poster: Path
    filmstrip: Path
    sidecar: Path
    grid: FilmstripGrid


# --- checks -------------------------------------------------------------------------------


def check_frames(frames: np.ndarray) -> None:
    if not isinstance(frames, np.ndarray):
        raise ValueError(f"frames must be a numpy array, not {type(frames).__name__}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, not {frames.dtype}")
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise ValueError(f"frames must have shape (F, H, W, 3), not {frames.shape}")
    if 0 in frames.shape:
        raise ValueError(f"frames must not be empty, got shape {frames.shape}")


def record_json(record: dict) -> str:
    """The record as compact JSON, or a ValueError saying why it cannot be saved."""
    if not isinstance(record, dict):
        raise ValueError(f"record must be a dict, not {type(record).__name__}")
    try:
        return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise ValueError(f"record is not JSON-serialisable: {e}") from e


# --- writers ------------------------------------------------------------------------------


def even_frame(frame: np.ndarray) -> np.ndarray:
    """Repeat the last row/column where H or W is odd (one frame at a time: no full copy)."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def even_frames(frames: np.ndarray) -> Iterator[np.ndarray]:
    for frame in frames:
        yield even_frame(frame)


def encode_video(frames: np.ndarray, rate: Fraction, record_json: str, path: Path) -> None:
    """Encode at constant frame rate: pts i in time base 1/rate, one keyframe per second.

    Frames are converted to yuv420p with the BT.709 matrix in limited range and tagged so,
    so that players and Premiere do not guess the colours from the frame size.
    """
    height, width = frames.shape[1] + frames.shape[1] % 2, frames.shape[2] + frames.shape[2] % 2
    with av.open(str(path), "w", format="mp4", options={"movflags": "+faststart"}) as out:
        # The mp4 muxer drops unknown keys; `comment` (udta ©cmt) survives and reads back.
        out.metadata["comment"] = record_json
        stream = out.add_stream("libx264", rate=rate, options={"crf": str(CRF), "preset": PRESET})
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.time_base = 1 / rate
        ctx = stream.codec_context
        ctx.gop_size = max(1, round(rate))
        ctx.colorspace, ctx.color_range = 1, 1  # BT.709, MPEG (limited)
        ctx.color_primaries, ctx.color_trc = 1, 1  # BT.709
        for i, rgb in enumerate(even_frames(frames)):
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(rgb), format="rgb24")
            frame = frame.reformat(
                format="yuv420p",
                dst_colorspace="ITU709",
                dst_color_range="MPEG",
                dst_color_trc=1,
                dst_color_primaries=1,
            )
            frame.pts = i
            out.mux(stream.encode(frame))
        out.mux(stream.encode(None))


def tile_indices(count: int) -> list[int]:
    n = min(count, MAX_TILES)
    if n == 1:
        return [0]
    return [round(i * (count - 1) / (n - 1)) for i in range(n)]


def filmstrip_grid(width: int, height: int, frames: int) -> FilmstripGrid:
    """The grid `write_filmstrip` makes for a take of this size (a pure function of it, so a
    take rebuilt from its record gets the same geometry back)."""
    w, h = width + width % 2, height + height % 2
    tiles = len(tile_indices(frames))
    tile_w = min(MAX_TILE_WIDTH, w)
    tile_h = max(1, round(h * tile_w / w))
    columns = math.ceil(math.sqrt(tiles))
    return FilmstripGrid(columns, math.ceil(tiles / columns), tiles, tile_w, tile_h)


def write_filmstrip(frames: np.ndarray, path: Path) -> FilmstripGrid:
    """A near-square grid of up to 16 evenly spaced frames, tiles at most 160 px wide."""
    indices = tile_indices(len(frames))
    h, w = frames[0].shape[:2]
    grid = filmstrip_grid(w, h, len(frames))
    columns, tile_w, tile_h = grid.columns, grid.tile_width, grid.tile_height
    sprite = Image.new("RGB", (columns * tile_w, grid.rows * tile_h))
    for n, index in enumerate(indices):
        tile = Image.fromarray(even_frame(frames[index]))
        if tile.size != (tile_w, tile_h):
            tile = tile.resize((tile_w, tile_h), Image.Resampling.LANCZOS, reducing_gap=2.0)
        sprite.paste(tile, ((n % columns) * tile_w, (n // columns) * tile_h))
    sprite.save(path, format="JPEG", quality=JPEG_QUALITY)
    return grid


def fsync(path: Path) -> None:
    """Flush a finished temporary file to disk before it is renamed into place, so a power
    cut cannot leave a complete-looking take whose data never reached the disk."""
    with open(path, "rb+") as f:
        os.fsync(f.fileno())


# --- reading takes back ------------------------------------------------------------------

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
