"""Chains over real HTTP with the tiny model: a shot longer than the model's longest take is
covered by links the bridge queues itself, each from the last frame of the one before, also
across a crash of the bridge between two links; the cut lays the chain back to back."""

from __future__ import annotations

import itertools
import json
import time

# A tiny model that makes at most 17 frames a take (a real preset file in the data dir).
SHORT = {"name": "tiny-short", "label": "Tiny, 17 frames at most", "family": "ltx",
         "model_id": "tiny-ltx", "source": "tiny", "t2v_class": "LTXPipeline",
         "i2v_class": "LTXImageToVideoPipeline", "fps": 24, "width": 32, "height": 32,
         "num_frames": 9, "steps": 1, "guidance": 1.0, "max_frames": 17, "dtype": "float32",
         "test_model": True, "call_kwargs": {"max_sequence_length": 16}}
T2V_ONLY = {**SHORT, "name": "tiny-short-t2v", "i2v_class": None}


def wait_chain(bridge, board_id: str, timeout: float = 240) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        shot = bridge.api("GET", f"/boards/{board_id}").json()["shots"][0]
        if shot["chain"] and shot["chain"]["state"] != "running":
            return shot
        time.sleep(0.2)
    raise TimeoutError(shot["chain"])


def test_a_chain_covers_a_long_shot_across_a_restart(fresh_server):
    bridge = fresh_server
    presets = json.dumps({"presets": [SHORT, T2V_ONLY]})
    (bridge.data_dir / "presets.json").write_text(presets, "utf-8")
    bridge.env = {"PROMPTCUT_FAULT": "chains.before_next_link"}  # dies after link 1
    bridge.start()
    board = bridge.api("POST", "/boards", json={
        "name": "Chain é", "fps": 24, "defaults": {"model": "tiny-short", "steps": 1},
        "shots": [{"label": "Long", "prompt": "a zoom into a fractal", "duration": "36f"},
                  {"label": "Short", "prompt": "a cat", "duration": "12f"}]}).json()
    long, short = board["shots"]
    assert long["plan"]["num_frames"] is None and long["plan"]["chain"] == [17, 17, 9]
    assert short["plan"]["num_frames"] == 17 and short["chain"] is None

    refused = bridge.api("POST", f"/shots/{short['id']}/chain", json={})
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "chain_not_needed"
    t2v = bridge.api("POST", f"/shots/{long['id']}/chain", json={"model": "tiny-short-t2v"})
    assert t2v.status_code == 400 and t2v.json()["error"]["field"] == "model"

    started = bridge.api("POST", f"/shots/{long['id']}/chain", json={"seed": 7})
    assert started.status_code == 201, started.text
    chain = started.json()["chain"]
    assert chain["links"] == [17, 17, 9] and chain["state"] == "running"
    [first_job] = started.json()["jobs"]
    assert first_job["shot_id"] == long["id"] and first_job["request"]["num_frames"] == 17
    again = bridge.api("POST", f"/shots/{long['id']}/chain", json={})
    assert again.status_code == 409 and again.json()["error"]["code"] == "chain_running"

    # Link 1 finishes; the bridge dies right before it queues link 2 (as by kill -9).
    assert bridge.wait_exit(timeout=180) == 137
    bridge.env = {}
    bridge.start()  # the follower resumes: link 2, then link 3, with nobody asking
    shot = wait_chain(bridge, board["id"])
    chain = shot["chain"]
    assert chain["state"] == "done", chain
    assert len(chain["jobs"]) == 3 and len(chain["takes"]) == 3
    jobs = bridge.api("GET", "/jobs").json()["jobs"]
    assert sorted(j["id"] for j in jobs) == sorted(chain["jobs"])  # no link queued twice

    takes = [bridge.api("GET", f"/takes/{t}").json() for t in chain["takes"]]
    assert [t["num_frames"] for t in takes] == [17, 17, 9]
    assert [t["parent_take_id"] for t in takes] == [None, takes[0]["id"], takes[1]["id"]]
    assert {t["seed"] for t in takes} == {7} and {t["shot_id"] for t in takes} == {long["id"]}
    for prev, take in itertools.pairwise(takes):
        init = take["record"]["request"]["init_image"]
        assert init == {**init, "source": "take_frame", "take_id": prev["id"], "frame": "last"}
    assert shot["selected_take_id"] == takes[-1]["id"]  # the shot had no pick: now the chain

    # The cut: the three links back to back over the shot's 36 frames, then the next shot.
    tl = bridge.api("POST", f"/boards/{board['id']}/assemble",
                    json={"formats": ["otio"]})
    assert tl.status_code == 201, tl.text
    cut = bridge.api("POST", "/timelines/import", files={"file": (
        "cut.otio", bridge.api("GET", f"/timelines/{tl.json()['id']}/otio").content)}).json()
    v1 = [e for e in cut["entries"] if e["track"] == "V1"]
    assert [(e["take_id"], e["start"], e["source_in"], e["duration"]) for e in v1] == [
        (takes[0]["id"], 0, 0, 17), (takes[1]["id"], 17, 1, 16), (takes[2]["id"], 33, 1, 3)]
    assert {(m["name"], m["frame"]) for m in cut["markers"]} >= {
        ("Long", 0), ("Short", 36), ("Short: no take yet", 36)}


def test_a_link_stopped_by_a_crash_is_queued_again_when_the_chain_resumes(tmp_path):
    """A link whose job failed because Promptcut stopped while it ran (code "crashed", set by
    the start-up recovery) is not the link's fault: resuming the chain queues it again, once
    per failure up to a limit; a link that failed on its own still ends the chain. On a real
    library and queue, no worker (the jobs' states are set as recovery and a run set them)."""
    from bridge.boards import chains
    from bridge.boards import service as board_service
    from bridge.config import Settings
    from bridge.engine.queue import Submission
    from bridge.engine.records import JobState
    from bridge.library import store
    from bridge.request import GenerationRequest
    from bridge.services import build_services
    from tests.conftest import new_data_dir

    services = build_services(Settings(data_dir=new_data_dir(tmp_path)))
    try:
        boards = board_service.attach(services)
        board = boards.create({"name": "Crash"}, [{"prompt": "a long zoom"}]).board
        request = GenerationRequest(prompt="a long zoom", model="tiny", width=32, height=32,
                                    num_frames=9, steps=1)
        chain = chains.start(boards, Submission(request=request, seed=3,
                                                shot_id=board.shots[0].id,
                                                board_id=board.id), [9, 9])
        conn = services.db()

        def fail(job_id: str, code: str) -> None:
            assert store.set_job_state(conn, job_id, JobState.RUNNING)
            assert store.set_job_state(conn, job_id, JobState.FAILED,
                                       error=(code, f"failed: {code}"))

        first = chain.jobs[0]
        fail(first, "crashed")
        chain = chains.advance(boards, chain.id)
        assert chain.state == "running" and chain.retries == 1, chain.message
        assert len(chain.jobs) == 1 and chain.jobs[0] != first
        again = store.get_job(conn, chain.jobs[0])
        assert again.status is JobState.QUEUED and again.request.seed == 3
        assert again.request.num_frames == 9 and again.shot_id == board.shots[0].id
        assert chains.advance(boards, chain.id).jobs == chain.jobs  # resumed twice: one job

        fail(chain.jobs[0], "generation_failed")  # the link's own failure
        chain = chains.advance(boards, chain.id)
        assert chain.state == "failed" and "Link 1 of 2" in chain.message
    finally:
        services.close()
