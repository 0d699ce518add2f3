"""Init images, stored once by content hash so a take record can name them exactly.

The hash is the SHA-256 of the stored file's bytes, and the file is `<sha256>.<ext>` in the
images folder, so `sha256sum` of a stored image prints its name, and the same upload always
gets the same hash, whatever Pillow or zlib version runs:
- an upload in a format Promptcut reads (PNG, JPEG, WebP) is decoded in full to check it,
  then kept byte for byte (a 1 MB JPEG stays a 1 MB JPEG, not a 25 MB PNG);
- an upload in another format Pillow reads (BMP, GIF, TIFF ...) and a frame taken from a
  take are stored as PNG, named by the PNG file's bytes.
Images stored by earlier versions (named by a hash of their pixels, always `.png`) are
found by the same lookup, so older take records keep working.

Writes go to a temporary name in the same folder, are flushed to disk, then renamed; when
a write fails (a full disk) the temporary file, made by this attempt, is removed.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

from bridge.errors import InvalidRequest

MAX_PIXELS = 4096 * 4096
KEPT_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "WEBP": ".webp"}  # Pillow's names
EXTENSIONS = tuple(KEPT_FORMATS.values())


def find_image(images_dir: Path, sha256: str) -> Path | None:
    """The stored file for `sha256`, whichever format it was kept in; None if absent."""
    for ext in EXTENSIONS:
        path = images_dir / f"{sha256}{ext}"
        if path.is_file():
            return path
    return None


def save_array(images_dir: Path, pixels: np.ndarray) -> str:
    """Store RGB pixels as PNG; return the PNG file's SHA-256."""
    img = Image.fromarray(np.ascontiguousarray(pixels[..., :3]).astype(np.uint8), "RGB")
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return _store(images_dir, buf.getvalue(), ".png")


def save_upload(images_dir: Path, data: bytes) -> str:
    """Check an uploaded image; keep PNG, JPEG and WebP as sent, store others as PNG."""
    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.width * img.height > MAX_PIXELS:
                raise InvalidRequest(f"The image has more than {MAX_PIXELS} pixels.",
                                     field="file", code="too_large")
            img.load()
            fmt = img.format or ""
            rgb = None if fmt in KEPT_FORMATS else np.asarray(img.convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError):
        raise InvalidRequest("The upload is not an image Promptcut can read (PNG, JPEG, WebP).",
                             field="file", code="bad_image") from None
    if rgb is not None:
        return save_array(images_dir, rgb)
    return _store(images_dir, data, KEPT_FORMATS[fmt])


def _store(images_dir: Path, data: bytes, ext: str) -> str:
    digest = hashlib.sha256(data).hexdigest()
    target = images_dir / f"{digest}{ext}"
    if target.is_file():
        return digest
    images_dir.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=images_dir, prefix=".", suffix=f".partial{ext}")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return digest
