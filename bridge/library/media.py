"""Takes on disk: encode frames to an H.264 MP4 with a poster, a filmstrip and a JSON sidecar.

A plain module (no Flask, no torch). The job engine calls `write_take` from an encode thread
pool beside the GPU worker, so nothing here holds shared state: every call opens its own
containers and files, and PyAV and Pillow release the GIL while they encode.

Files of one take, all in one folder:

    <stem>.mp4        H.264, yuv420p, BT.709, even size, constant frame rate, moov first
    <stem>.jpg        poster (the middle frame)
    <stem>.strip.jpg  filmstrip sprite for hover-scrubbing (see `FilmstripGrid`)
    <stem>.json       the take record, UTF-8, indent 2; its presence means "take complete"

Each file is written as `.<stem>.<token>.partial<suffix>` in the same folder and renamed into
place with `os.replace` only once all four are complete (DESIGN.md: the library never holds
half a file). `remove_partials` finds what a crash left behind.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import re
import uuid
from collections.abc import Callable, Iterator
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
    "remove_partials",
    "write_take",
]

MAX_TILES = 16
MAX_TILE_WIDTH = 160
CRF = 18
PRESET = "fast"
JPEG_QUALITY = 90

# Suffixes in the order they are renamed into place. The video goes first and the sidecar
# last: the sidecar is the commit marker (present means complete), and the video is the one
# file whose presence lets `remove_partials` recognise a take interrupted between renames.
SUFFIXES = (".mp4", ".jpg", ".strip.jpg", ".json")
_PARTIAL = re.compile(r"^\..+\.[0-9a-f]{8}\.partial(\.mp4|\.jpg|\.strip\.jpg|\.json)$")
_WINDOWS_BAD = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)
}


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
    credentials: dict | None = None  # what signing returned (None: no signing was asked)


def write_take(frames: np.ndarray, fps: float, record: dict, folder: Path, stem: str, *,
               sign: Callable[[Path, Path], dict] | None = None) -> TakeFiles:
    """Write one take's four files into `folder` and return their paths.

    `frames` is uint8 (F, H, W, 3) RGB. An odd width or height is made even by repeating the
    last column or row (libx264 refuses odd sizes with yuv420p); `probe` reports the real size.
    `record` is embedded in the MP4 (container tag `comment`, JSON) and written as the sidecar.
    The poster is the middle frame: in an image-to-video batch every take's first frame is
    the same init image, so first-frame posters would make the gallery look like one take.

    Either all four files end up in place, or, on any exception, none of this take's files
    (temporary or final) remain and the exception propagates. An existing take with the same
    stem is replaced; its sidecar is removed first so it never vouches for mixed files.

    `sign(src, dst)`, when given, writes a signed copy of the encoded video (Content
    Credentials) to the temporary `dst` and returns what the record keeps under
    `credentials`; the signed copy is kept when it says `signed: true`.
    """
    _check_frames(frames)
    rate = fps_fraction(fps)
    record_json = _record_json(record)
    _check_stem(stem)
    folder = Path(folder)
    token = uuid.uuid4().hex[:8]
    finals = {s: folder / f"{stem}{s}" for s in SUFFIXES}
    temps = {s: folder / f".{stem}.{token}.partial{s}" for s in SUFFIXES}
    if len(temps[".strip.jpg"].name.encode("utf-8")) > 255:
        raise ValueError(f"stem is too long for a file name: {stem!r}")
    folder.mkdir(parents=True, exist_ok=True)

    committing = False
    try:
        _encode_video(frames, rate, record_json, temps[".mp4"])
        credentials = None
        if sign is not None:
            credentials, record = _signed(sign, temps, folder, stem, token, record)
        even = _even_frame(frames[len(frames) // 2])
        Image.fromarray(even).save(temps[".jpg"], format="JPEG", quality=JPEG_QUALITY)
        grid = _write_filmstrip(frames, temps[".strip.jpg"])
        pretty = json.dumps(record, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        temps[".json"].write_bytes(pretty.encode("utf-8"))
        for path in temps.values():
            _fsync(path)
        committing = True
        finals[".json"].unlink(missing_ok=True)
        for suffix in SUFFIXES:
            os.replace(temps[suffix], finals[suffix])
    except BaseException:
        doomed = list(temps.values()) + (list(finals.values()) if committing else [])
        for path in doomed:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)
        raise
    return TakeFiles(finals[".mp4"], finals[".jpg"], finals[".strip.jpg"], finals[".json"], grid,
                     credentials)


def _signed(sign: Callable[[Path, Path], dict], temps: dict[str, Path], folder: Path, stem: str,
            token: str, record: dict) -> tuple[dict, dict]:
    """Sign the encoded temporary video into a second temporary file of this attempt.

    The signed copy replaces the unsigned one under `temps[".mp4"]`'s name; when signing
    did not happen, the unsigned video stays and the record says why.
    """
    signed = folder / f".{stem}.sig.{token}.partial.mp4"  # no longer than the strip's temp
    try:
        credentials = sign(temps[".mp4"], signed)
        if credentials.get("signed"):
            os.replace(signed, temps[".mp4"])
    finally:
        with contextlib.suppress(OSError):
            signed.unlink(missing_ok=True)
    return credentials, {**record, "credentials": credentials}


def remove_partials(folder: Path, *, incomplete_takes: bool = True) -> list[Path]:
    """Delete what a crash left in `folder` (not recursive) and return the removed paths.

    Removes every temporary file of `write_take` (`.<stem>.<token>.partial.*`) and, unless
    `incomplete_takes` is false, every take whose video is in place but whose sidecar is not
    (a crash between the renames): its `<stem>.mp4`, `<stem>.jpg` and `<stem>.strip.jpg`.
    Call it at startup, before the encode pool runs: it cannot tell a crash's leftovers from
    a write in progress.
    """
    folder = Path(folder)
    if not folder.is_dir():
        return []
    doomed: list[Path] = []
    for path in folder.iterdir():
        name = path.name
        if _PARTIAL.match(name) and path.is_file():
            doomed.append(path)
        elif incomplete_takes and name.endswith(".mp4") and not name.startswith("."):
            stem = name[: -len(".mp4")]
            if not (folder / f"{stem}.json").exists():
                doomed += [p for p in (folder / f"{stem}{s}" for s in SUFFIXES[:3]) if p.is_file()]
    removed = []
    for path in sorted(set(doomed)):
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
            removed.append(path)
    return removed


# --- checks -------------------------------------------------------------------------------


def _check_frames(frames: np.ndarray) -> None:
    if not isinstance(frames, np.ndarray):
        raise ValueError(f"frames must be a numpy array, not {type(frames).__name__}")
    if frames.dtype != np.uint8:
        raise ValueError(f"frames must be uint8, not {frames.dtype}")
    if frames.ndim != 4 or frames.shape[3] != 3:
        raise ValueError(f"frames must have shape (F, H, W, 3), not {frames.shape}")
    if 0 in frames.shape:
        raise ValueError(f"frames must not be empty, got shape {frames.shape}")


def _record_json(record: dict) -> str:
    """The record as compact JSON, or a ValueError saying why it cannot be saved."""
    if not isinstance(record, dict):
        raise ValueError(f"record must be a dict, not {type(record).__name__}")
    try:
        return json.dumps(record, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError) as e:
        raise ValueError(f"record is not JSON-serialisable: {e}") from e


def _check_stem(stem: str) -> None:
    """Refuse stems that could not be a file name on every platform a library may move to."""
    if not isinstance(stem, str) or not stem:
        raise ValueError("stem must be a non-empty string")
    if stem.startswith(".") or stem.endswith((" ", ".")) or _WINDOWS_BAD.search(stem):
        raise ValueError(
            f"stem {stem!r} is not a portable file name (no leading dot, no trailing space or "
            'dot, none of <>:"/\\|?* or control characters)'
        )
    if stem.split(".")[0].strip().upper() in _WINDOWS_RESERVED:
        raise ValueError(f"stem {stem!r} is a reserved device name on Windows")


# --- writers ------------------------------------------------------------------------------


def _even_frame(frame: np.ndarray) -> np.ndarray:
    """Repeat the last row/column where H or W is odd (one frame at a time: no full copy)."""
    h, w = frame.shape[:2]
    if h % 2 == 0 and w % 2 == 0:
        return frame
    return np.pad(frame, ((0, h % 2), (0, w % 2), (0, 0)), mode="edge")


def _even_frames(frames: np.ndarray) -> Iterator[np.ndarray]:
    for frame in frames:
        yield _even_frame(frame)


def _encode_video(frames: np.ndarray, rate: Fraction, record_json: str, path: Path) -> None:
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
        for i, rgb in enumerate(_even_frames(frames)):
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


def _tile_indices(count: int) -> list[int]:
    n = min(count, MAX_TILES)
    if n == 1:
        return [0]
    return [round(i * (count - 1) / (n - 1)) for i in range(n)]


def _write_filmstrip(frames: np.ndarray, path: Path) -> FilmstripGrid:
    """A near-square grid of up to 16 evenly spaced frames, tiles at most 160 px wide."""
    indices = _tile_indices(len(frames))
    first = _even_frame(frames[0])
    h, w = first.shape[:2]
    tile_w = min(MAX_TILE_WIDTH, w)
    tile_h = max(1, round(h * tile_w / w))
    columns = math.ceil(math.sqrt(len(indices)))
    rows = math.ceil(len(indices) / columns)
    sprite = Image.new("RGB", (columns * tile_w, rows * tile_h))
    for n, index in enumerate(indices):
        tile = Image.fromarray(_even_frame(frames[index]))
        if tile.size != (tile_w, tile_h):
            tile = tile.resize((tile_w, tile_h), Image.Resampling.LANCZOS, reducing_gap=2.0)
        sprite.paste(tile, ((n % columns) * tile_w, (n // columns) * tile_h))
    sprite.save(path, format="JPEG", quality=JPEG_QUALITY)
    return FilmstripGrid(columns, rows, len(indices), tile_w, tile_h)


def _fsync(path: Path) -> None:
    """Flush a finished temporary file to disk before it is renamed into place, so a power
    cut cannot leave a complete-looking take whose data never reached the disk."""
    with open(path, "rb+") as f:
        os.fsync(f.fileno())
