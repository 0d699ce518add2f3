"""Reference images ("ingredients") over real HTTP: a board's reference reaches the tiny Wan
VACE and changes its take, named by hash in the record and the Content Credentials; LTX
refuses references by field, or starts from one when asked (references_as)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from bridge.library.media import read_frames

VACE = {"model": "tiny-vace", "width": 32, "height": 32, "num_frames": 9, "steps": 2}
TINY = {"model": "tiny", "width": 32, "height": 32, "num_frames": 9, "steps": 1}


def upload(server, seed: int) -> str:
    pixels = np.random.default_rng(seed).integers(0, 256, (40, 40, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    r = server.api("POST", "/images", data=buf.getvalue(),
                   headers={"Content-Type": "image/png"})
    assert r.status_code in (200, 201), r.text
    return r.json()["sha256"]


def frames(server, take: dict, tmp_path) -> np.ndarray:
    path = tmp_path / f"{take['id']} é.mp4"
    path.write_bytes(server.http.get(server.url + take["media_url"]).content)
    got = read_frames(path, set(range(9)))
    return np.stack([got[i] for i in range(9)]).astype(np.int16)


def test_a_boards_reference_changes_the_vace_take_and_is_recorded_by_hash(server, tmp_path):
    sha = upload(server, 11)
    board = server.api("POST", "/boards", json={
        "name": "Ingredients é", "defaults": {"references": [sha]},
        "shots": [{"label": "A", "prompt": "a dancer", "duration": "9f"}]}).json()
    gen = server.api("POST", f"/boards/{board['id']}/generate",
                     json={"takes": 1, "seed": 3, **VACE})
    assert gen.status_code == 201, gen.text
    [job] = server.wait_jobs([j["id"] for j in gen.json()["jobs"]], timeout=300)
    assert job["status"] == "done", job
    with_ref = server.api("GET", f"/takes/{job['take_id']}").json()
    record = with_ref["record"]
    assert record["request"]["references"] == [sha]
    assert record["generation"]["conditioning"]["references"] == [sha]
    titles = [i["title"] for i in record["credentials"]["ingredients"]]
    assert any(sha[:12] in t and t.startswith("reference") for t in titles)

    [plain] = server.make_takes(1, prompt="a dancer", seed=3, **VACE)
    assert "references" not in plain["record"]["request"]
    assert np.abs(frames(server, with_ref, tmp_path) - frames(server, plain, tmp_path)).max() > 8


def test_ltx_refuses_references_by_field_or_starts_from_one_when_asked(server):
    sha = upload(server, 12)
    before = len(server.api("GET", "/jobs").json()["jobs"])
    refused = server.api("POST", "/jobs", json={"prompt": "x", "references": [sha], **TINY})
    assert refused.status_code == 400, refused.text
    err = refused.json()["error"]
    assert err["field"] == "references" and "'tiny'" in err["message"]
    wan = server.api("POST", "/jobs", json={"prompt": "x", "references": [sha],
                                            "references_as": "start_keyframe",
                                            "model": "tiny-wan"})
    assert wan.status_code == 400 and wan.json()["error"]["field"] == "references_as"
    assert len(server.api("GET", "/jobs").json()["jobs"]) == before

    [take] = server.make_takes(1, prompt="x", references=[sha],
                               references_as="start_keyframe", **TINY)
    request = take["record"]["request"]
    assert request["init_image"] == {"sha256": sha, "source": "reference"}
    assert request["references"] == [sha] and request["references_as"] == "start_keyframe"
