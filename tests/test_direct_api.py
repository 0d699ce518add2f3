"""Directing over real HTTP with the tiny model: keyframes on a beat of a shot, continue and
retake keep the shot, a continuation holds on frames, and the cut meets frame-exact."""

from __future__ import annotations

import io
import itertools
import json
import time

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


def test_bar_one_a_few_ms_before_the_shots_first_frame_is_its_start(server, board):
    """A shot cut on a bar starts on the frame nearest it, so its bar 1 may lie up to half
    a frame earlier: that is the shot's first frame, not "before the shot"."""
    made = server.api("POST", "/boards", json={
        "name": "Early bar", "fps": 24, "song_id": board["song"]["id"],
        "shots": [{"label": "A", "prompt": "a", "duration": "48f"},
                  {"label": "B", "prompt": "b", "duration": "48f"}]}).json()
    downs = made["song"]["downbeats"]
    second = made["shots"][1]
    start = second["start_frame"] / 24
    # Nudge the grid so bar 1 of shot B falls 12 ms before its first frame.
    nudge = round((start - 0.012 - min(downs, key=lambda d: abs(d - start))) * 1000)
    fixed = server.api("PATCH", f"/boards/{made['id']}", json={"grid": {"offset_ms": nudge}})
    assert fixed.status_code == 200, fixed.text
    bar = min(fixed.json()["song"]["downbeats"], key=lambda d: abs(d - start))
    assert start - 0.5 / 24 < bar < start
    sha = server.api("POST", "/images", data=png(7),
                     headers={"Content-Type": "image/png"}).json()["sha256"]
    r = server.api("POST", "/jobs", json={"prompt": "b", "shot_id": second["id"],
                                          "num_frames": 33, **TINY, "keyframes": [
                                              {"upload": sha, "bar": 1}]})
    assert r.status_code == 201, r.text
    [job] = r.json()["jobs"]
    server.api("POST", f"/jobs/{job['id']}/cancel")
    assert job["request"]["keyframes"][0]["frame"] == 0


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
    sha = server.api("POST", "/images", data=png(3),
                     headers={"Content-Type": "image/png"}).json()["sha256"]
    cont = server.make_takes(1, prompt="a lighthouse, closer", continue_from=first["id"],
                             keyframes=[{"upload": sha, "frame": "last"}], num_frames=25,
                             **TINY)[0]
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
    assert cont["record"]["request"]["keyframes"][0]["frame"] == 24
    # Re-rolled as the panel does it: the stored request sent back by name, a new seed.
    stored = {k: v for k, v in cont["record"]["request"].items()
              if k not in ("schema_version", "seed")}
    again = server.api("POST", "/jobs", json={**stored, "shot_id": shot["id"]})
    assert again.status_code == 201, again.text
    [job] = again.json()["jobs"]
    assert job["shot_id"] == shot["id"] and job["request"]["seed"] != cont["seed"]
    for key in ("video", "keyframes", "parent_take_id"):
        assert job["request"][key] == cont["record"]["request"][key], key
    server.api("POST", f"/jobs/{job['id']}/cancel")
    picked = server.api("PATCH", f"/takes/{cont['id']}", json={"status": "picked"})
    assert picked.ok, picked.text
    # The cut: 17 frames of the first take, then the continuation from its frame 9 (the 9
    # it repeats are trimmed), 16 more: 33 frames, no frame repeated or dropped.
    out = server.api("POST", f"/boards/{board['id']}/assemble", json={"formats": ["otio"]})
    assert out.status_code == 201, out.text
    clips = [e for e in out.json()["cut"]["entries"] if e["track"] == "V1"]
    assert [(c["take_id"], c["source_in"], c["duration"]) for c in clips] == [
        (first["id"], 0, 17), (cont["id"], 9, 16)]


# The tiny LTX with the condition pipeline, at most 17 frames a take (a real preset file).
HOLDING = {"name": "tiny-holding", "label": "Tiny, 17 frames, holds on 9", "family": "ltx",
           "model_id": "tiny-ltx", "source": "tiny", "t2v_class": "LTXPipeline",
           "i2v_class": "LTXImageToVideoPipeline", "condition_class": "LTXConditionPipeline",
           "continue_frames": 9, "fps": 24, "width": 32, "height": 32, "num_frames": 9,
           "steps": 1, "guidance": 1.0, "max_frames": 17, "dtype": "float32",
           "test_model": True, "call_kwargs": {"max_sequence_length": 16}}


def test_a_chain_holds_on_frames_and_its_links_meet_frame_exact(server):
    presets = server.data_dir / "presets.json"
    before = presets.read_text("utf-8") if presets.exists() else None
    presets.write_text(json.dumps({"presets": [HOLDING]}), "utf-8")
    try:
        board = server.api("POST", "/boards", json={
            "name": "Hold é", "fps": 24, "defaults": {"model": "tiny-holding"},
            "shots": [{"label": "Long", "prompt": "a zoom into a shell", "duration": "36f"}]
        }).json()
        [shot] = board["shots"]
        started = server.api("POST", f"/shots/{shot['id']}/chain", json={"seed": 2})
        assert started.status_code == 201, started.text
        # Each continuation repeats 9 frames: 17 + 8 + 8 + 8 >= 36 (one-frame links: 3).
        assert started.json()["chain"]["links"] == [17, 17, 17, 17]
        deadline = time.monotonic() + 300
        while (chain := server.api("GET", f"/boards/{board['id']}").json()["shots"][0][
                "chain"])["state"] == "running" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert chain["state"] == "done", chain
    finally:
        if before is None:
            presets.unlink()  # made by this test
        else:
            presets.write_text(before, "utf-8")
    takes = [server.api("GET", f"/takes/{t}").json() for t in chain["takes"]]
    for prev, take in itertools.pairwise(takes):
        video = take["record"]["request"]["video"]
        assert (video["take_id"], video["first"], len(video["frames"])) == (prev["id"], 8, 9)
        assert "init_image" not in take["record"]["request"]
        assert take["shot_id"] == shot["id"]
    tl = server.api("POST", f"/boards/{board['id']}/assemble", json={"formats": ["otio"]})
    assert tl.status_code == 201, tl.text
    cut = server.api("POST", "/timelines/import", files={"file": (
        "cut.otio", server.api("GET", f"/timelines/{tl.json()['id']}/otio").content)}).json()
    v1 = [e for e in cut["entries"] if e["track"] == "V1"]
    assert [(e["take_id"], e["start"], e["source_in"], e["duration"]) for e in v1] == [
        (takes[0]["id"], 0, 0, 17), (takes[1]["id"], 17, 9, 8), (takes[2]["id"], 25, 9, 8),
        (takes[3]["id"], 33, 9, 3)]


def test_timed_prompts_on_a_beat_make_one_long_take_and_a_wan_retake_keeps_the_shot(
        server, board):
    shot = board["shots"][0]
    take = server.make_takes(1, prompt="the couple at the table", shot_id=shot["id"],
                             num_frames=33, prompts=[
                                 {"beat": 2, "prompt": "the table becomes a field"}],
                             **{**TINY, "steps": 2})[0]
    assert (take["shot_id"], take["num_frames"]) == (shot["id"], 33)
    asked = nearest_frame(board["song"]["beats"][1], 24)  # beat 2 of a shot at the start
    [section] = take["record"]["request"]["prompts"]
    assert section["place"]["beat"] == 2 and section.get("asked", section["frame"]) == asked
    assert take["record"]["request"]["sections_as"] == "long_take"
    cond = take["record"]["generation"]["conditioning"]
    assert cond["route"] == "LTXI2VLongMultiPromptPipeline"
    assert cond["sections"][0]["frames"] == [section["frame"], 33]
    assert cond["windows"][0]["prompt"] == "the couple at the table"
    assert cond["windows"][-1]["prompt"] == "the table becomes a field"
    # Signed: the take assertion of its Content Credentials holds this record.
    signed = take["record"]["credentials"]
    assert signed["signed"] is True, signed
    models = {m["name"]: m for m in server.api("GET", "/models").json()["models"]}
    assert models["tiny-wan"]["details"]["conditioning"]["timed_prompts"] == []
    refused = server.api("POST", "/jobs", json={
        "prompt": "x", "model": "tiny-wan", "prompts": [{"frame": 8, "prompt": "y"}]})
    assert refused.status_code == 400, refused.text
    assert refused.json()["error"]["field"] == "prompts"
    assert "tiny-wan" in refused.json()["error"]["message"]
    bad = server.api("POST", "/jobs", json={  # a stored place that is not a number
        "prompt": "x", "model": "tiny", "prompts": [{"place": {"frame": "x"}, "prompt": "y"}]})
    assert bad.status_code == 400 and bad.json()["error"]["field"] == "prompts[0].place.frame"
    # A Wan take on the shot, retaken video-to-video: the retake stays with the shot.
    wan = {**TINY, "model": "tiny-wan", "steps": 2}
    source = server.make_takes(1, prompt="a lighthouse", shot_id=shot["id"], num_frames=17,
                               **wan)[0]
    retake = server.make_takes(1, prompt="a lighthouse in fog", retake={
        "take_id": source["id"], "strength": 0.5}, **wan)[0]
    assert (retake["shot_id"], retake["board_id"]) == (shot["id"], board["id"])
    assert retake["parent_take_id"] == source["id"] and retake["num_frames"] == 17
    assert retake["record"]["generation"]["pipeline"] == "WanVideoToVideoPipeline"


def test_timed_prompts_as_a_chain_make_a_link_per_section(server, board):
    shot = board["shots"][0]
    started = server.api("POST", f"/shots/{shot['id']}/chain", json={  # the shot's prompt first
        "sections_as": "chain", "seed": 4,
        "prompts": [{"beat": 2, "prompt": "the table becomes a field"}], **TINY})
    assert started.status_code == 201, started.text
    chain = started.json()["chain"]
    asked = nearest_frame(board["song"]["beats"][1], 24)
    [section] = started.json()["sections"]
    # The boundary falls on a first link's count (8k + 1) nearest the beat; the second
    # link holds on the first's last 9 frames and adds the rest of the shot's 33.
    assert chain["links"] == [section["frame"], 33 - section["frame"] + 9]
    assert abs(section["frame"] - asked) <= 4 and section["place"]["beat"] == 2
    deadline = time.monotonic() + 300
    while (chain := server.api("GET", f"/boards/{board['id']}").json()["shots"][0][
            "chain"])["state"] == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    assert chain["state"] == "done", chain
    first, second = (server.api("GET", f"/takes/{t}").json() for t in chain["takes"])
    assert first["record"]["request"]["prompt"] == "a lighthouse"
    assert second["record"]["request"]["prompt"] == "the table becomes a field"
    assert "prompts" not in second["record"]["request"]
    video = second["record"]["request"]["video"]
    assert (video["take_id"], len(video["frames"])) == (first["id"], 9)
    # Where the cut joins them (the first link whole, the second after its 9 repeated
    # frames) is the section's boundary.
    assert first["num_frames"] == section["frame"]
    refused = server.api("POST", "/jobs", json={
        "prompt": "x", "model": "tiny", "sections_as": "chain",
        "prompts": [{"frame": 16, "prompt": "y"}], "num_frames": 33})
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "sections_as"


def test_a_shot_longer_than_a_take_is_one_long_take_with_timed_prompts(server):
    """The model makes 17 frames a take; with timed prompts the 36-frame shot is asked as
    one long take of 41 frames (not a first link of 17)."""
    presets = server.data_dir / "presets.json"
    before = presets.read_text("utf-8") if presets.exists() else None
    presets.write_text(json.dumps({"presets": [{
        **HOLDING, "name": "tiny-long", "multi_prompt_class": "LTXI2VLongMultiPromptPipeline",
        "long_take_window": 32, "long_take_overlap": 16, "latent_frames": 4}]}), "utf-8")
    try:
        board = server.api("POST", "/boards", json={
            "name": "Long é", "fps": 24, "defaults": {"model": "tiny-long", "steps": 2},
            "shots": [{"label": "Long", "prompt": "a field", "duration": "36f",
                       "overrides": {"prompts": [{"frame": 20, "prompt": "a storm"}]}}]})
        assert board.status_code == 201, board.text
        [shot] = board.json()["shots"]
        assert shot["plan"]["num_frames"] is None  # longer than one take of this model
        made = server.api("POST", f"/boards/{board.json()['id']}/generate", json={"takes": 1})
        assert made.status_code in (200, 201), made.text
        [job] = made.json()["jobs"]
        server.api("POST", f"/jobs/{job['id']}/cancel")
    finally:
        if before is None:
            presets.unlink()  # made by this test
        else:
            presets.write_text(before, "utf-8")
    assert job["request"]["num_frames"] == 41 and job["request"]["sections_as"] == "long_take"
    assert job["request"]["prompts"][0]["prompt"] == "a storm"
