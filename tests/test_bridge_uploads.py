"""Init images (issue 8): uploads kept in their own format under the SHA-256 of their bytes,
found by the generator; a start frame from a take whose video is missing or damaged is the
caller's 4xx naming the field, not a 500."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image


def image_bytes(fmt: str, size: tuple[int, int] = (96, 64), **save) -> bytes:
    rng = np.random.default_rng(3)
    pixels = rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, fmt, **save)
    return buf.getvalue()


def upload(server, data: bytes, multipart: bool = False):
    if multipart:
        return server.api("POST", "/images", files={"file": ("start é.bin", data)})
    return server.api("POST", "/images", data=data,
                      headers={"Content-Type": "application/octet-stream"})


@pytest.mark.parametrize(("fmt", "ext", "save"), [
    ("JPEG", ".jpg", {"quality": 90}),
    ("PNG", ".png", {}),
    ("WEBP", ".webp", {"quality": 80}),
])
def test_uploads_are_kept_byte_for_byte_named_by_their_hash(server, fmt, ext, save):
    data = image_bytes(fmt, **save)
    r = upload(server, data, multipart=fmt == "JPEG")
    assert r.status_code == 201, r.text
    sha = r.json()["sha256"]
    assert sha == hashlib.sha256(data).hexdigest()  # `sha256sum` of the file agrees
    images = server.data_dir / "media" / "images"
    assert (images / f"{sha}{ext}").read_bytes() == data
    assert sorted(p.name for p in images.glob(f"{sha}*")) == [f"{sha}{ext}"]
    assert upload(server, data).json()["sha256"] == sha  # the same upload, the same hash
    assert not list(images.glob(".*partial*"))
    back = server.api("GET", f"/images/{sha}")  # served back as kept, for thumbnails
    assert back.status_code == 200 and back.content == data
    assert back.headers["Content-Type"] == f"image/{fmt.lower()}"


def test_an_image_is_served_back_only_by_a_hash_it_holds(server):
    missing = server.api("GET", f"/images/{'0' * 64}")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "sha256"
    bad = server.api("GET", "/images/..%2Fpromptcut.db")
    assert bad.status_code in (400, 404) and bad.json()["error"]["field"] in ("sha256", None)
    short = server.api("GET", "/images/abc")
    assert short.status_code == 400 and short.json()["error"]["field"] == "sha256"


def test_other_formats_are_stored_as_png_named_by_the_png(server):
    r = upload(server, image_bytes("BMP"))
    assert r.status_code == 201, r.text
    sha = r.json()["sha256"]
    stored = server.data_dir / "media" / "images" / f"{sha}.png"
    assert hashlib.sha256(stored.read_bytes()).hexdigest() == sha
    with Image.open(stored) as img:
        assert img.format == "PNG" and img.size == (96, 64)


def test_a_broken_upload_is_refused_naming_the_field(server):
    jpeg = image_bytes("JPEG")
    for data in (jpeg[: len(jpeg) // 2], b"not an image at all", b"\x89PNG\r\n\x1a\n" + b"0" * 64):
        r = upload(server, data)
        assert r.status_code == 400, r.text
        assert r.json()["error"]["field"] == "file"


def test_a_jpeg_upload_starts_a_take(server):
    """The generator's init-image loading finds a kept JPEG (it used to open <sha>.png)."""
    data = image_bytes("JPEG", size=(32, 32), quality=85)
    sha = upload(server, data).json()["sha256"]
    take = server.make_takes(1, prompt="from a jpeg", width=32, height=32, num_frames=9,
                             steps=1, init_image={"upload": sha})[0]
    assert take["record"]["request"]["init_image"]["sha256"] == sha


@pytest.fixture
def spare_take(server):
    """A take of this test's own, whose video the test may hide or damage and restores."""
    take = server.make_takes(1, prompt="start frame source", width=32, height=32,
                             num_frames=9, steps=1)[0]
    path = Path(take["media_path"])
    original = path.read_bytes()
    yield take, path, original
    path.with_suffix(".hidden").unlink(missing_ok=True)
    path.write_bytes(original)


def submit_from(server, take_id: str):
    return server.api("POST", "/jobs", json={
        "prompt": "continue", "model": "tiny", "width": 32, "height": 32, "num_frames": 9,
        "steps": 1, "init_image": {"take_id": take_id, "frame": "last"}})


def test_start_frame_from_a_take_whose_video_is_missing_is_a_409(server, spare_take):
    take, path, _ = spare_take
    path.rename(path.with_suffix(".hidden"))
    r = submit_from(server, take["id"])
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["field"] == "init_image.take_id" and err["code"] == "take_media_missing"
    assert take["id"] in err["message"]


@pytest.mark.parametrize("damage", ["truncated", "garbled"])
def test_start_frame_from_a_damaged_video_is_a_409(server, spare_take, damage):
    take, path, original = spare_take
    if damage == "truncated":
        path.write_bytes(original[: len(original) // 3])
    else:
        path.write_bytes(bytes(b ^ 0x5A for b in original))
    r = submit_from(server, take["id"])
    assert r.status_code == 409, r.text
    err = r.json()["error"]
    assert err["field"] == "init_image.take_id" and err["code"] == "take_media_damaged"
