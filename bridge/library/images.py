"""Init images, stored once by content hash so a take record can name them exactly."""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from bridge.errors import InvalidRequest

MAX_PIXELS = 4096 * 4096


def image_path(images_dir: Path, sha256: str) -> Path:
    return images_dir / f"{sha256}.png"


def save_array(images_dir: Path, pixels: np.ndarray) -> str:
    """Save RGB pixels as PNG named by the hash of the PNG's pixel data; return the hash."""
    img = Image.fromarray(np.ascontiguousarray(pixels[..., :3]).astype(np.uint8), "RGB")
    digest = hashlib.sha256(img.tobytes() + f"{img.width}x{img.height}".encode()).hexdigest()
    target = image_path(images_dir, digest)
    if not target.exists():
        images_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=images_dir, prefix=".", suffix=".partial.png")
        with os.fdopen(fd, "wb") as f:
            img.save(f, "PNG")
        os.replace(tmp, target)
    return digest


def save_upload(images_dir: Path, data: bytes) -> str:
    """Validate an uploaded image (any format Pillow reads) and store it as PNG."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            rgb = np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise InvalidRequest("The upload is not an image Promptcut can read (PNG, JPEG, WebP).",
                             field="file", code="bad_image") from None
    return save_array(images_dir, rgb)
