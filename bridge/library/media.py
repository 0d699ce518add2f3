"""Encoding a take's pixels: H.264 MP4, poster, filmstrip, and the checks on what is written.

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

from bridge.library.media_read import VideoInfo, fps_fraction, probe, read_frame

__all__ = [
    "FilmstripGrid",
    "TakeFiles",
    "VideoInfo",
    "fps_fraction",
    "probe",
    "read_frame",
]

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
