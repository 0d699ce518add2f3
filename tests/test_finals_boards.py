"""Finish every pick of a board over real HTTP, with the tiny LTX and its tiny latent
upsampler: an estimate first, then each final replaces its draft as the shot's pick (the
draft its parent, the cut holding only the final), undoable; `promptcut board finish`
queues the same work into the running bridge."""

from __future__ import annotations

import json
import time

from tests.test_cli import promptcut

DRAFT = {"model": "tiny", "width": 32, "height": 32, "steps": 2}


def pick_of(server, board_id: str, shot_id: str) -> str | None:
    board = server.api("GET", f"/boards/{board_id}").json()
    pick = next(s for s in board["shots"] if s["id"] == shot_id)["pick"]
    return pick["id"] if pick else None


def wait_pick(server, board_id: str, shot_id: str, take_id: str) -> None:
    deadline = time.monotonic() + 60
    while pick_of(server, board_id, shot_id) != take_id:
        assert time.monotonic() < deadline, "the final did not become the pick"
        time.sleep(0.2)


def test_finishing_a_board_makes_each_final_its_shots_pick_undoably(server):
    board = server.api("POST", "/boards", json={
        "name": "Finals é", "defaults": DRAFT,
        "shots": [{"label": "A", "prompt": "a lighthouse", "duration": "9f"},
                  {"label": "B", "prompt": "a boat", "duration": "9f"}]}).json()
    a, b = (s["id"] for s in board["shots"])
    [draft] = server.make_takes(1, prompt="a lighthouse", shot_id=a, num_frames=9, **DRAFT)
    assert server.api("PATCH", f"/shots/{a}",
                      json={"selected_take_id": draft["id"]}).status_code == 200

    est = server.api("GET", f"/boards/{board['id']}/finish")
    assert est.status_code == 200, est.text
    plan = est.json()
    assert plan["count"] == 1 and plan["routes"] == {"latent_upsample": 1}
    assert plan["takes"][0]["shot_id"] == a and plan["takes"][0]["take_id"] == draft["id"]
    assert plan["takes"][0]["delivery"]["width"] == 64
    assert plan["skipped"] == [{"shot_id": b, "index": 1, "reason": "no pick"}]

    queued = server.api("POST", f"/boards/{board['id']}/finish", json={})
    assert queued.status_code == 201, queued.text
    assert [s["draft_take_id"] for s in queued.json()["shots"]] == [draft["id"]]
    [job] = server.wait_jobs([j["id"] for j in queued.json()["jobs"]], timeout=300)
    assert job["status"] == "done", job
    final = server.api("GET", f"/takes/{job['take_id']}").json()
    wait_pick(server, board["id"], a, final["id"])
    assert final["parent_take_id"] == draft["id"] and final["width"] == 64
    cut = server.api("POST", f"/boards/{board['id']}/assemble", json={"formats": ["otio"]})
    assert cut.status_code == 201, cut.text
    clips = [e["take_id"] for e in cut.json()["cut"]["entries"] if e.get("take_id")]
    assert clips == [final["id"]]  # the final stands in for its draft, not after it
    again = server.api("GET", f"/boards/{board['id']}/finish").json()
    assert again["count"] == 0 and again["skipped"][0]["reason"] == "already final"

    back = server.api("POST", f"/boards/{board['id']}/undo")
    assert back.status_code == 200, back.text
    assert pick_of(server, board["id"], a) == draft["id"]

    # The CLI on the running bridge's library: the bridge makes the final and picks it.
    done = promptcut("board", "finish", board["id"], "--json", "--data-dir",
                     str(server.data_dir))
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["made_by"] == "the running Promptcut" and len(answer["jobs"]) == 1
    [job] = server.wait_jobs(answer["jobs"], timeout=300)
    wait_pick(server, board["id"], a, job["take_id"])
    nothing = server.api("POST", f"/boards/{board['id']}/finish", json={})
    assert nothing.status_code == 400 and nothing.json()["error"]["field"] == "board_id"
