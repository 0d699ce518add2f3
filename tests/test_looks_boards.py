"""Looks on a board and its shots, over real HTTP with the tiny model: a board's LoRAs reach
every shot's takes, a shot's own LoRAs replace them, a wrong one is refused by field before
anything queues, and each change of looks is an undo step like any board edit."""

from __future__ import annotations

import pytest

from tests.test_looks_loras import make_lora

TINY = {"model": "tiny", "width": 32, "height": 32, "steps": 1}
NINE = {"value": 9, "unit": "frames"}


@pytest.fixture(scope="module")
def shelf(server, tmp_path_factory):
    """Three LoRAs on the shared bridge's shelf (seeds unlike the shelf test's, so the files
    differ from those already there): two for LTX, one for Wan."""
    from diffusers import LTXPipeline, WanPipeline

    root = tmp_path_factory.mktemp("board looks é")
    models = server.data_dir / "models"  # the bridge's own tiny twins, built once
    made = {"board style": make_lora(LTXPipeline, models, "ltx", root / "s", seed=21),
            "board grain": make_lora(LTXPipeline, models, "ltx", root / "g", seed=22),
            "board wan": make_lora(WanPipeline, models, "wan", root / "w", seed=23)}
    out = {}
    for name, path in made.items():
        r = server.api("POST", "/loras", json={"name": name, "path": str(path)})
        assert r.status_code == 201, r.text
        out[name] = r.json()["lora"]
    return out


def _jobs(server) -> int:
    return len(server.api("GET", "/jobs").json()["jobs"])


def test_a_boards_loras_reach_its_takes_a_shots_own_win_and_a_wrong_one_is_refused(
        server, shelf):
    board = server.api("POST", "/boards", json={
        "name": "Looks é", "defaults": {"loras": [{"lora": "board style", "weight": 0.7}]},
        "shots": [{"label": "A", "prompt": "a lighthouse", "duration": NINE},
                  {"label": "B", "prompt": "a boat", "duration": NINE,
                   "overrides": {"loras": [{"lora": "board grain", "weight": 0.5}]}},
                  {"label": "C", "prompt": "a gull", "duration": NINE,
                   "overrides": {"loras": []}}]}).json()
    assert board["defaults"]["loras"] == [{"lora": "board style", "weight": 0.7}]
    gen = server.api("POST", f"/boards/{board['id']}/generate", json={"takes": 1, **TINY})
    assert gen.status_code == 201, gen.text
    a, b, c = (s["id"] for s in board["shots"])
    queued = {j["shot_id"]: j for j in gen.json()["jobs"]}
    # C's queued request is what its take would record; A's and B's are made.
    server.api("POST", "/jobs/cancel", json={"batch_id": queued[c]["batch_id"]})
    assert "loras" not in queued[c]["request"]  # a shot can drop the board's looks
    jobs = server.wait_jobs([queued[a]["id"], queued[b]["id"]], timeout=300)
    assert all(j["status"] == "done" for j in jobs), jobs
    used = {j["shot_id"]: server.api("GET", f"/takes/{j['take_id']}").json()["record"]
            for j in jobs}
    style, grain = shelf["board style"], shelf["board grain"]
    assert [(x["id"], x["sha256"], x["weight"]) for x in used[a]["request"]["loras"]] == [
        (style["id"], style["sha256"], 0.7)]
    assert [(x["id"], x["weight"]) for x in used[b]["request"]["loras"]] == [
        (grain["id"], 0.5)]
    assert used[a]["generation"]["loras"][0]["sha256"] == style["sha256"]

    # A LoRA for another family on the board: refused by field, nothing queued.
    wan = server.api("PATCH", f"/boards/{board['id']}",
                     json={"defaults": {"loras": [{"lora": "board wan"}]}})
    assert wan.status_code == 200, wan.text
    before = _jobs(server)
    refused = server.api("POST", f"/boards/{board['id']}/generate", json={"takes": 1, **TINY})
    assert refused.status_code == 400, refused.text
    err = refused.json()["error"]
    assert err["field"] == "shots[0].loras[0].lora" and "board wan" in err["message"]
    assert err["code"] == "lora_incompatible" and _jobs(server) == before

    # Changing the board's looks is an undo step like any edit.
    back = server.api("POST", f"/boards/{board['id']}/undo")
    assert back.status_code == 200, back.text
    assert back.json()["defaults"]["loras"] == [{"lora": "board style", "weight": 0.7}]
