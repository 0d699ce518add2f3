"""Camera moves on shots: drawn as keyframes for models that take an end frame (through a
real bridge and the tiny LTX), routed to a camera LoRA on LTX-2, refused by field and model
where neither exists; an infinite zoom's next link pushes in from the last one's end."""

from __future__ import annotations

import hashlib
import io

import numpy as np
import pytest
from PIL import Image

from bridge.errors import InvalidRequest
from bridge.generators.presets import BUILTIN
from bridge.library import images
from bridge.looks import moves
from bridge.looks.camera import CameraMove, Move, keyframes_for
from bridge.looks.records import CameraShot
from bridge.request import GenerationRequest, InitImage

TINY = {"model": "tiny", "width": 32, "height": 32, "steps": 1}
PRESETS = {p.name: p for p in BUILTIN}


def still_png() -> bytes:
    pixels = np.random.default_rng(5).integers(0, 256, (32, 48, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


def drawn_sha(png: bytes, move: CameraMove, end: bool) -> str:
    """The sha256 the library stores a drawn keyframe under, computed here from the
    geometry (bridge.looks.camera) and the PNG the library writes."""
    frame = keyframes_for(Image.open(io.BytesIO(png)).convert("RGB"), move)[int(end)]
    buf = io.BytesIO()
    Image.fromarray(np.asarray(frame)).save(buf, "PNG")
    return hashlib.sha256(buf.getvalue()).hexdigest()


def test_a_shots_camera_move_is_drawn_as_keyframes_and_the_take_says_so(server):
    png = still_png()
    sha = server.api("POST", "/images", data=png,
                     headers={"Content-Type": "image/png"}).json()["sha256"]
    board = server.api("POST", "/boards", json={
        "name": "Moves é", "defaults": {"camera": {"move": "pull_out", "amount": 0.5}},
        "shots": [{"label": "A", "prompt": "a harbour", "duration": "9f",
                   "start_image": {"upload": sha}}]}).json()
    gen = server.api("POST", f"/boards/{board['id']}/generate", json={"takes": 1, **TINY})
    assert gen.status_code == 201, gen.text
    [job] = server.wait_jobs([j["id"] for j in gen.json()["jobs"]], timeout=300)
    assert job["status"] == "done", job
    request = server.api("GET", f"/takes/{job['take_id']}").json()["record"]["request"]
    camera = {k: v for k, v in request["camera"].items() if v is not None}  # null: unset
    assert camera == {"move": "pull_out", "amount": 0.5, "route": "keyframes", "still": sha,
                      "link": 0}
    move = CameraMove(Move.PULL_OUT, 0.5)
    start, end = request["keyframes"]
    assert (start["sha256"], start["frame"]) == (drawn_sha(png, move, False), 0)
    assert (end["sha256"], end["frame"]) == (drawn_sha(png, move, True), 8)
    assert "init_image" not in request  # the drawn start holds frame 0

    # Sent back as recorded (a re-roll): the same two keyframes, not a second pair.
    sent = {k: v for k, v in request.items() if k != "schema_version"}
    again = server.api("POST", "/jobs", json={**sent, "seed": 7, "takes": 1})
    assert again.status_code == 201, again.text
    queued = again.json()["jobs"][0]["request"]
    assert [k["sha256"] for k in queued["keyframes"]] == [start["sha256"], end["sha256"]]
    server.wait_jobs([again.json()["jobs"][0]["id"]], timeout=300)


def test_a_model_with_no_route_refuses_the_move_by_field_and_model(server):
    before = len(server.api("GET", "/jobs").json()["jobs"])
    r = server.api("POST", "/jobs", json={"prompt": "x", "model": "tiny-wan",
                                          "camera": {"move": "push_in"}})
    assert r.status_code == 400, r.text
    err = r.json()["error"]
    assert err["field"] == "camera.move" and "tiny-wan" in err["message"]
    no_still = server.api("POST", "/jobs", json={"prompt": "x", **TINY,
                                                 "camera": {"move": "pan_left"}})
    assert no_still.status_code == 400 and no_still.json()["error"]["field"] == "init_image"
    assert len(server.api("GET", "/jobs").json()["jobs"]) == before


def test_ltx2_takes_its_camera_loras_and_refuses_a_move_it_has_none_for(tmp_path):
    """The routing decision on the real LTX-2 preset (its weights cannot be fetched here, so
    no LTX-2 take runs: loading the adapter is tested on the tiny LTX below)."""
    ltx2 = PRESETS["ltx-2"]
    asked = GenerationRequest(prompt="x", model="ltx-2", camera=CameraShot("push_in"))
    routed = moves.apply(asked, ltx2, tmp_path)
    assert routed.camera.route == "camera_lora" and routed.keyframes == ()
    assert routed.camera.lora == "Lightricks/LTX-2-19b-LoRA-Camera-Control-Dolly-In"
    assert moves.route_for(ltx2, Move.TILT_UP) == "camera_lora"
    assert moves.route_for(PRESETS["ltx-video"], Move.PUSH_IN) == "keyframes"
    with pytest.raises(InvalidRequest) as err:
        moves.apply(asked.replace(camera=CameraShot("pan_left")), ltx2, tmp_path)
    assert err.value.field == "camera.move" and "ltx-2" in err.value.message


def test_an_infinite_zoom_link_pushes_in_from_where_the_last_one_ended(tmp_path):
    rng = np.random.default_rng(1)
    first = images.save_array(tmp_path, rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    request = moves.apply(GenerationRequest(prompt="x", model="tiny",
                                            init_image=InitImage(first),
                                            camera=CameraShot("infinite_zoom", 0.5)),
                          PRESETS["tiny"], tmp_path)
    assert len(request.keyframes) == 2 and request.camera.link == 0
    last = images.save_array(tmp_path, rng.integers(0, 256, (32, 32, 3), dtype=np.uint8))
    link = moves.next_link(request, InitImage(last), tmp_path)
    _, end = moves.draw(tmp_path, last, CameraMove(Move.INFINITE_ZOOM, 0.5))
    assert [k.sha256 for k in link.keyframes] == [end]  # the start is the last link's end
    assert (link.camera.link, link.camera.still) == (1, last)


def test_a_camera_lora_loads_from_the_cache_once_and_switches_off_again(tmp_path, monkeypatch):
    """The camera-LoRA loading code on a real pipeline: the tiny LTX stands in for LTX-2
    (no LTX-2 twin can be built here), with a LoRA made by peft filed in a Hugging Face
    cache under the Dolly-In repo's name and file, as a download would leave it."""
    import huggingface_hub.constants
    from diffusers import LTXPipeline

    from bridge.generators import adapters, camera_loras
    from bridge.generators.tiny import ensure_tiny
    from tests.test_looks_loras import make_lora, render

    repo, name = moves.LTX2_CAMERA_LORAS["dolly-in"]
    made = make_lora(LTXPipeline, tmp_path / "models", "ltx", tmp_path / "made", seed=31)
    cache = tmp_path / "hub é"
    folder = cache / ("models--" + repo.replace("/", "--"))
    snapshot = folder / "snapshots" / ("0" * 40)
    snapshot.mkdir(parents=True)
    (snapshot / name).write_bytes(made.read_bytes())
    (folder / "refs").mkdir()
    (folder / "refs" / "main").write_text("0" * 40)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(cache))

    pipe = LTXPipeline.from_pretrained(ensure_tiny(tmp_path / "models", "ltx"))
    state = adapters.Adapters()
    base = render(pipe)
    camera = CameraShot("push_in", route="camera_lora", lora=repo)
    recorded = camera_loras.apply(pipe, state, camera, adapters.apply(pipe, state, [],
                                                                      tmp_path))
    assert recorded == [{"camera_lora": repo, "file": name, "weight": 1.0}]
    moved = render(pipe)
    assert not np.allclose(moved, base)
    camera_loras.apply(pipe, state, camera, adapters.apply(pipe, state, [], tmp_path))
    assert state.loads == 1  # loaded once, then only switched
    assert camera_loras.apply(pipe, state, None, adapters.apply(pipe, state, [],
                                                                tmp_path)) == []
    assert np.allclose(render(pipe), base, atol=1e-6)
