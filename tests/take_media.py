"""Frames and files for the take-media tests: a ramp of frames that compresses like
generated video, a record with non-ASCII text, and small readers of what was written."""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np

RATES = [8, 12.5, 15, 16, 23.976, 24, 25, 29.97, 30, 50, 59.94, 60]
RECORD = {
    "schema_version": 1,
    "prompt": "a heron lifts off a misty lake, 35mm, golden hour — «Ünïcödé» 🎬",
    "seed": 1234567890123,
    "steps": 8,
    "guidance": 1.0,
    "fps": 24,
    "init_image": None,
    "tags": ["a", "b"],
}


def ramp(count: int, height: int, width: int) -> np.ndarray:
    """Frames that differ clearly from each other but compress well: a per-frame colour
    plus a horizontal gradient and a moving bar, like smooth generated video."""
    f = np.arange(count)[:, None, None]
    y = np.arange(height)[None, :, None]
    x = np.arange(width)[None, None, :]
    r = (f * 255 // max(1, count - 1)) + 0 * x + 0 * y
    g = (x * 255 // max(1, width - 1)) + 0 * f + 0 * y
    b = np.where((x + 3 * f) % width < width // 4, 220, 40) + 0 * y
    return np.stack([r, g, b], axis=-1).astype(np.uint8)


def top_level_boxes(path: Path) -> list[str]:
    """Box types at the top level of an ISO BMFF file, in file order."""
    boxes, data, pos = [], path.read_bytes(), 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos : pos + 8])
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8 : pos + 16])[0]
        elif size == 0:
            size = len(data) - pos
        boxes.append(kind.decode("latin-1"))
        pos += size
    return boxes


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []
