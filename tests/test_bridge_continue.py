"""Image-to-video through the API: an uploaded image, and "continue this take" chains."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

from bridge.library import media

SHOT = {"width": 32, "height": 32, "num_frames": 9, "steps": 2}


def png(colour: tuple[int, int, int]) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (32, 32), colour).save(buf, "PNG")
    return buf.getvalue()


def test_upload_starts_a_take_and_is_stored_by_hash(server):
    up = server.api("POST", "/images", files={"file": ("start é.png", png((200, 30, 30)))})
    assert up.status_code == 201
    sha = up.json()["sha256"]
    again = server.api("POST", "/images", data=png((200, 30, 30)),
                       headers={"Content-Type": "image/png"})
    assert again.json()["sha256"] == sha  # same pixels, same hash, stored once
    take = server.make_takes(1, prompt="from an upload", init_image={"upload": sha},
                             **SHOT)[0]
    assert take["record"]["init_image"] == sha
    assert take["record"]["request"]["init_image"] == {"sha256": sha, "source": "upload"}
    assert (server.data_dir / "media" / "images" / f"{sha}.png").exists()
    bad = server.api("POST", "/images", data=b"not an image",
                     headers={"Content-Type": "image/png"})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "file"


def test_continue_from_last_frame_builds_a_followable_chain(server):
    first = server.make_takes(1, prompt="zoom into a fractal, part 1", **SHOT)[0]
    links = [first]
    for part in (2, 3):
        parent = links[-1]
        child = server.make_takes(1, prompt=f"zoom into a fractal, part {part}",
                                  init_image={"take_id": parent["id"], "frame": "last"},
                                  parent_take_id=parent["id"], **SHOT)[0]
        init = child["record"]["request"]["init_image"]
        assert init["source"] == "take_frame" and init["take_id"] == parent["id"]
        assert init["frame"] == "last"
        assert child["parent_take_id"] == parent["id"]
        # The stored init image is the parent's last frame.
        stored = np.asarray(Image.open(
            server.data_dir / "media" / "images" / f"{init['sha256']}.png"))
        last = media.read_frame(Path(parent["media_path"]), "last")
        assert np.array_equal(stored, last)
        links.append(child)
    chain = server.api("GET", f"/takes/{links[-1]['id']}/chain").json()["takes"]
    assert [t["id"] for t in chain] == [t["id"] for t in links]
    children = server.api("GET", "/takes", params={"parent_take_id": first["id"]}).json()
    assert [t["id"] for t in children["takes"]] == [links[1]["id"]]
    # The chain assembles in order into a timeline.
    tl = server.api("POST", "/timelines", json={"takes": [t["id"] for t in chain],
                                                "fps": 24, "formats": ["otio"]})
    assert tl.status_code == 201, tl.text
    names = [c["take_id"] for c in tl.json()["cut"]["entries"] if c.get("take_id")]
    assert names == [t["id"] for t in links]
