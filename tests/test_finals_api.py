"""Drafts and finals over real HTTP with the tiny LTX twin and its tiny latent upsampler:
Finish re-renders a draft through the real upsample-and-refine route at twice its width and
height, the draft is the final's parent (row, record, credentials), the estimate comes
first, and what cannot be finished (a final, a cloud take) is a 4xx naming the field."""

from __future__ import annotations

import numpy as np

DRAFT = {"model": "tiny", "width": 32, "height": 32, "num_frames": 9, "steps": 2}


def test_finish_upsamples_the_draft_2x_and_keeps_it_as_parent(server):
    draft = server.make_takes(1, prompt="a lighthouse at dusk", seed=11, **DRAFT)[0]
    est = server.api("GET", f"/takes/{draft['id']}/finish")
    assert est.status_code == 200, est.text
    plan = est.json()
    assert plan["route"] == "latent_upsample" and plan["take_id"] == draft["id"]
    assert plan["draft"] == {"width": 32, "height": 32, "steps": 2}
    assert plan["delivery"] == {"width": 64, "height": 64, "num_frames": 9, "steps": 2}
    assert plan["refine"] == {"strength": 0.5, "steps": 2}
    dry = server.api("POST", f"/takes/{draft['id']}/finish", json={"dry_run": True})
    assert dry.status_code == 200 and dry.json()["delivery"] == plan["delivery"]
    assert server.api("GET", "/jobs", params={"limit": 1}).json()["jobs"][0]["take_id"] \
        == draft["id"]  # the dry run queued nothing

    queued = server.api("POST", f"/takes/{draft['id']}/finish", json={})
    assert queued.status_code == 201, queued.text
    [job] = queued.json()["jobs"]
    done = server.wait_jobs([job["id"]])[0]
    assert done["status"] == "done", done
    final = server.api("GET", f"/takes/{done['take_id']}").json()
    assert (final["width"], final["height"]) == (2 * draft["width"], 2 * draft["height"])
    assert final["num_frames"] == draft["num_frames"] and final["seed"] == draft["seed"]
    assert final["parent_take_id"] == draft["id"]
    req = final["record"]["request"]
    assert req["final"]["draft_take_id"] == draft["id"]
    assert req["final"]["route"] == "latent_upsample" and req["parent_take_id"] == draft["id"]
    route = final["record"]["generation"]["finish"]
    assert route["draft_pipeline"] == "LTXPipeline"
    assert route["upsample_pipeline"] == "LTXLatentUpsamplePipeline"
    assert route["refine_pipeline"] == "LTXConditionPipeline"
    assert route["delivery_size"] == [64, 64] and route["draft_size"] == [32, 32]
    parents = [i for i in final["record"]["credentials"]["ingredients"]
               if i["kind"] == "parent_take"]
    assert len(parents) == 1 and draft["id"] in str(parents[0])

    # A final is not finished again: the draft is.
    again = server.api("POST", f"/takes/{final['id']}/finish", json={})
    assert again.status_code == 409, again.text
    assert again.json()["error"]["field"] == "take_id"
    assert draft["id"] in again.json()["error"]["message"]
    missing = server.api("GET", "/takes/t-nope/finish")
    assert missing.status_code == 404 and missing.json()["error"]["field"] == "take_id"


def test_models_show_draft_settings_finish_route_and_licences(server):
    models = {m["name"]: m for m in server.api("GET", "/models").json()["models"]}
    tiny = models["tiny"]["details"]
    assert tiny["finish"]["route"] == "latent_upsample" and tiny["finish"]["scale"] == 2
    assert models["tiny-wan"]["details"]["finish"]["route"] == "full_render"
    ltx98 = models["ltx-video-0.9.8-distilled"]["details"]
    assert ltx98["default_for_gb"] == 24 and ltx98["finish"]["route"] == "latent_upsample"
    ltx2 = models["ltx-2"]["details"]
    assert ltx2["default_for_gb"] == 80 and ltx2["finish"]["route"] == "full_render"
    lic = ltx2["licence"]
    assert "revenue" in lic["commercial_use_note"] and lic["url"].endswith("/LICENSE")
    assert "Lightricks/LTX-2/" in lic["url"]
    for name in ("ltx-video", "ltx-video-dev", "ltx-video-0.9.8-distilled"):
        assert models[name]["details"]["licence"]["name"] == "LTXV Open Weights License"
    assert models["ltx-video"]["details"]["draft"]["width"] == 352


def test_a_full_render_final_for_a_model_without_upsampler(server):
    draft = server.make_takes(1, prompt="a harbour", seed=3, model="tiny-wan", width=32,
                              height=32, num_frames=5, steps=1)[0]
    plan = server.api("GET", f"/takes/{draft['id']}/finish").json()
    assert plan["route"] == "full_render" and plan["refine"] is None
    # tiny-wan's default is 32x32 and 4 steps: same size, its own steps.
    assert plan["delivery"]["width"] == 32 and plan["delivery"]["steps"] == 4
    job = server.api("POST", f"/takes/{draft['id']}/finish", json={}).json()["jobs"][0]
    final = server.api("GET", f"/takes/{server.wait_jobs([job['id']])[0]['take_id']}").json()
    assert final["parent_take_id"] == draft["id"]
    assert final["record"]["request"]["final"]["route"] == "full_render"
    assert final["record"]["request"]["steps"] == 4
    assert np.isfinite(final["duration_s"])


def test_a_cloud_take_cannot_be_finished(fresh_server, monkeypatch, tmp_path):
    """A take the fal STUB delivered (tests/provider_stubs.py): Finish refuses it with a
    400 naming `model`, before anything is queued."""
    from bridge.library import media
    from tests.provider_stubs import Stub

    path = tmp_path / "delivered é.mp4"
    frames = np.random.default_rng(2).integers(0, 255, (9, 32, 32, 3), dtype=np.uint8)
    media.encode_video(frames, media.fps_fraction(24), "{}", path)
    stub = Stub("fal", path.read_bytes()).start()
    monkeypatch.setenv("PROMPTCUT_FAL_URL", stub.url)
    monkeypatch.setenv("PROMPTCUT_PROVIDER_POLL_S", "0.05")
    server = fresh_server.start()
    try:
        assert server.api("PUT", "/providers/fal/key", json={"key": stub.key}).ok
        job = server.submit(prompt="a harbour at dawn", model="fal-ltx-video")["jobs"][0]
        done = server.wait_jobs([job["id"]], timeout=60)[0]
        assert done["status"] == "done", done
        for method, kw in (("GET", {}), ("POST", {"json": {}})):
            resp = server.api(method, f"/takes/{done['take_id']}/finish", **kw)
            assert resp.status_code == 400, resp.text
            err = resp.json()["error"]
            assert err["field"] == "model" and err["code"] == "not_finishable"
            assert "fal-ltx-video" in err["message"]
        assert len(server.api("GET", "/jobs").json()["jobs"]) == 1
    finally:
        server.stop()
        stub.stop()
