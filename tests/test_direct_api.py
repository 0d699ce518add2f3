"""Directing over real HTTP with the tiny model: keyframes on a beat of a shot, continue and
retake keep the shot, a continuation holds on frames, and the cut meets frame-exact."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image

from bridge.boards.durations import nearest_frame
from tests import drums

TINY = {"model": "tiny", "width": 32, "height": 32, "steps": 1}


def png(seed: int) -> bytes:
    pixels = np.random.default_rng(seed).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture(scope="module")
def board(server, tmp_path_factory):
    """A board at 24 fps on a 4-second song at 120 BPM, one shot of 33 frames."""
    samples, _ = drums.pattern(120.0, 4.0)
    path = drums.write(tmp_path_factory.mktemp("song") / "beat é.mp3", samples)
    with open(path, "rb") as f:
        song = server.api("POST", "/songs", files={"file": ("beat é.mp3", f)}, timeout=300)
    assert song.status_code == 201, song.text
    made = server.api("POST", "/boards", json={
        "name": "Direct é", "fps": 24, "song_id": song.json()["id"],
        "shots": [{"label": "Chorus", "prompt": "a lighthouse", "duration": "33f"}]})
    assert made.status_code == 201, made.text
    return made.json() | {"song": song.json()}


def test_a_keyframe_on_a_beat_lands_on_the_stride_and_is_credited(server, board):
    sha = server.api("POST", "/images", data=png(1),
                     headers={"Content-Type": "image/png"}).json()["sha256"]
    shot = board["shots"][0]
    take = server.make_takes(1, prompt="the chorus hits", shot_id=shot["id"], num_frames=33,
                             keyframes=[{"upload": sha, "beat": 3, "strength": 0.9}],
                             **TINY)[0]
    assert take["shot_id"] == shot["id"] and take["board_id"] == board["id"]
    [kf] = take["record"]["request"]["keyframes"]
    beats = board["song"]["beats"]
    asked = nearest_frame(beats[2], 24)  # beat 3 of a shot that starts the song
    assert kf["place"]["beat"] == 3 and kf["frame"] == round(asked / 8) * 8
    assert kf.get("asked", kf["frame"]) == asked and kf["strength"] == 0.9
    cond = take["record"]["generation"]["conditioning"]
    assert cond["route"] == "LTXConditionPipeline" and cond["keyframes"][0]["sha256"] == sha
    kinds = [i["kind"] for i in take["record"]["credentials"]["ingredients"]]
    assert kinds == ["keyframe"]


def test_a_model_without_keyframes_refuses_them_by_name(server):
    sha = server.api("POST", "/images", data=png(2),
                     headers={"Content-Type": "image/png"}).json()["sha256"]
    resp = server.api("POST", "/jobs", json={
        "prompt": "x", "model": "tiny-wan", "keyframes": [{"upload": sha, "frame": 0}]})
    assert resp.status_code == 400, resp.text
    err = resp.json()["error"]
    assert err["field"] == "keyframes" and "tiny-wan" in err["message"]
    beat = server.api("POST", "/jobs", json={
        "prompt": "x", "model": "tiny", "keyframes": [{"upload": sha, "beat": 2}]})
    assert beat.status_code == 400 and beat.json()["error"]["field"] == "keyframes[0].beat"
    models = {m["name"]: m for m in server.api("GET", "/models").json()["models"]}
    assert models["tiny"]["details"]["conditioning"]["keyframes"] == "any_frames"
    assert models["tiny-wan"]["details"]["conditioning"]["keyframes"] == "none"


def test_reroll_continue_and_retake_keep_the_shot_and_the_cut_meets(server, board):
    shot = board["shots"][0]
    first = server.make_takes(1, prompt="a lighthouse", shot_id=shot["id"], num_frames=17,
                              seed=3, **TINY)[0]
    reroll = server.make_takes(1, prompt="a lighthouse", shot_id=shot["id"],
                               num_frames=17, **TINY)[0]
    cont = server.make_takes(1, prompt="a lighthouse, closer", continue_from=first["id"],
                             num_frames=25, **TINY)[0]
    retake = server.make_takes(1, prompt="a lighthouse in fog",
                               retake={"take_id": first["id"], "strength": 0.4}, **TINY)[0]
    for t in (reroll, cont, retake):
        assert (t["shot_id"], t["board_id"]) == (shot["id"], board["id"])
    assert cont["parent_take_id"] == first["id"] and retake["parent_take_id"] == first["id"]
    video = cont["record"]["request"]["video"]
    assert video["mode"] == "continue" and len(video["frames"]) == 9 and video["first"] == 8
    assert cont["record"]["generation"]["conditioning"]["overlap_frames"] == 9
    assert retake["record"]["request"]["video"]["mode"] == "retake"
    assert retake["num_frames"] == 17
    picked = server.api("PATCH", f"/takes/{cont['id']}", json={"status": "picked"})
    assert picked.ok, picked.text
    # The cut: 17 frames of the first take, then the continuation from its frame 9 (the 9
    # it repeats are trimmed), 16 more: 33 frames, no frame repeated or dropped.
    out = server.api("POST", f"/boards/{board['id']}/assemble", json={"formats": ["otio"]})
    assert out.status_code == 201, out.text
    clips = [e for e in out.json()["cut"]["entries"] if e["track"] == "V1"]
    assert [(c["take_id"], c["source_in"], c["duration"]) for c in clips] == [
        (first["id"], 0, 17), (cont["id"], 9, 16)]
