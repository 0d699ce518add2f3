"""Bad input: each malformed request is a 4xx that names the field, and creates nothing."""

from __future__ import annotations

import pytest

from bridge.api.schemas.jobs import JobSubmit

OK = {"prompt": "a lighthouse at dusk", "model": "tiny", "width": 32, "height": 32,
      "num_frames": 9, "steps": 1}


def job(**changes):
    body = {**OK, **changes}
    return {k: v for k, v in body.items() if v is not ...}


# (method, path, json body or raw, query, expected status, expected field)
CASES = [
    ("POST", "/jobs", job(prompt=...), None, 400, "prompt"),
    ("POST", "/jobs", job(prompt="   "), None, 400, "prompt"),
    ("POST", "/jobs", job(prompt=123), None, 400, "prompt"),
    ("POST", "/jobs", job(prompt="x" * 5000), None, 400, "prompt"),
    ("POST", "/jobs", job(model="no-such-model"), None, 400, "model"),
    ("POST", "/jobs", job(width=50), None, 400, "width"),
    ("POST", "/jobs", job(height=33), None, 400, "height"),
    ("POST", "/jobs", job(num_frames=10), None, 400, "num_frames"),
    ("POST", "/jobs", job(width="64"), None, 400, "width"),
    ("POST", "/jobs", job(takes=0), None, 400, "takes"),
    ("POST", "/jobs", job(takes=1000), None, 400, "takes"),
    ("POST", "/jobs", job(takes="3"), None, 400, "takes"),
    ("POST", "/jobs", job(seed=-1), None, 400, "seed"),
    ("POST", "/jobs", job(seed=2**40), None, 400, "seed"),
    ("POST", "/jobs", job(seed=1.5), None, 400, "seed"),
    ("POST", "/jobs", job(steps=0), None, 400, "steps"),
    ("POST", "/jobs", job(guidance="high"), None, 400, "guidance"),
    ("POST", "/jobs", job(fps=-1), None, 400, "fps"),
    ("POST", "/jobs", job(priority=True), None, 400, "priority"),
    ("POST", "/jobs", job(colour="red"), None, 400, "colour"),
    ("POST", "/jobs", job(init_image="x.png"), None, 400, "init_image"),
    ("POST", "/jobs", job(init_image={"upload": "abc"}), None, 400, "init_image.upload"),
    ("POST", "/jobs", job(init_image={"take_id": "t_nope"}), None, 404, "init_image.take_id"),
    ("POST", "/jobs", job(parent_take_id="t_nope"), None, 404, "parent_take_id"),
    ("POST", "/jobs", job(memory_profile="turbo"), None, 400, "memory_profile"),
    ("POST", "/jobs", job(negative_prompt=["a"]), None, 400, "negative_prompt"),
    ("POST", "/jobs", job(client_key=""), None, 400, "client_key"),
    ("POST", "/jobs", job(compile="yes"), None, 400, "compile"),
    ("POST", "/jobs", job(cache="c" * 65), None, 400, "cache"),
    ("POST", "/jobs", job(min_memory_gb=0.1), None, 400, "min_memory_gb"),
    ("POST", "/jobs", job(force="yes"), None, 400, "force"),
    ("POST", "/jobs", job(keyframes="first.png"), None, 400, "keyframes"),
    ("POST", "/jobs", job(keyframes=[{"upload": "a" * 64}]), None, 400, "keyframes[0]"),
    ("POST", "/jobs", job(keyframes=[{"upload": "a" * 64, "frame": 0}]), None, 404,
     "keyframes[0].upload"),
    ("POST", "/jobs", job(keyframes=[{"take_id": "t_nope", "beat": 2}]), None, 404,
     "keyframes[0].take_id"),
    ("POST", "/jobs", job(continue_from="t_nope"), None, 404, "continue_from"),
    ("POST", "/jobs", job(retake={"take_id": "t_nope", "strength": 2}), None, 400,
     "retake.strength"),
    ("POST", "/jobs", job(retake={"take_id": "t_nope"}), None, 404, "retake.take_id"),
    ("POST", "/jobs", job(loras="film look"), None, 400, "loras"),
    ("POST", "/jobs", job(loras=[{"weight": 1.0}]), None, 400, "loras[0]"),
    ("POST", "/jobs", job(loras=[{"lora": "x", "weight": 40}]), None, 400, "loras[0].weight"),
    ("POST", "/jobs", job(loras=[{"lora": "not on the shelf"}]), None, 404, "loras[0].lora"),
    ("POST", "/jobs", job(camera={"move": "dolly"}), None, 400, "camera.move"),
    ("POST", "/jobs", job(camera={"move": "push_in", "amount": 9}), None, 400,
     "camera.amount"),
    ("POST", "/jobs", job(references="face.png"), None, 400, "references"),
    ("POST", "/jobs", job(references=["a" * 64]), None, 404, "references[0]"),
    ("POST", "/jobs", job(references_as="middle"), None, 400, "references_as"),
    ("POST", "/jobs", job(video={"take_id": "t", "frames": []}), None, 400, "video.frames"),
    ("POST", "/jobs", job(handles={"head": -1}), None, 400, "handles.head"),
    ("POST", "/jobs", job(num_frames=9, handles={"head": 8, "tail": 1}), None, 400, "handles"),
    ("POST", "/jobs", job(prompts="bars 1-2: a field"), None, 400, "prompts"),
    ("POST", "/jobs", job(prompts=[{"prompt": "a field"}]), None, 400, "prompts[0]"),
    ("POST", "/jobs", job(prompts=[{"prompt": "a field", "bar": 0}]), None, 400,
     "prompts[0].bar"),
    ("POST", "/jobs", job(sections_as="montage"), None, 400, "sections_as"),
    ("POST", "/jobs", job(shot_id="sh_nope"), None, 404, "shot_id"),
    ("POST", "/jobs", b'{"prompt": "truncated', None, 400, "body"),
    ("POST", "/jobs", b'["a list"]', None, 400, "body"),
    ("POST", "/jobs", "text", None, 400, "body"),
    ("GET", "/jobs", None, {"status": "sleeping"}, 400, "status"),
    ("GET", "/jobs", None, {"limit": "many"}, 400, "limit"),
    ("GET", "/takes", None, {"sort": "colour"}, 400, "sort"),
    ("GET", "/takes", None, {"cursor": "not-a-cursor"}, 400, "cursor"),
    ("GET", "/takes", None, {"min_rating": "9"}, 400, "min_rating"),
    ("GET", "/takes", None, {"status": "maybe"}, 400, "status"),
    ("GET", "/events", None, {"timeout": "999"}, 400, "timeout"),
    ("GET", "/events", None, {"after": "-1"}, 400, "after"),
    ("GET", "/jobs/j_nope", None, None, 404, "job_id"),
    ("GET", "/takes/t_nope", None, None, 404, "take_id"),
    # One free-text rule: no NUL, no control characters but tab and newline, no lone
    # surrogates (accepted by JSON, they broke the tokenizer after queueing).
    ("POST", "/jobs", job(prompt="a lone \ud800 surrogate"), None, 400, "prompt"),
    ("POST", "/jobs", job(prompt="nul \x00 inside"), None, 400, "prompt"),
    ("POST", "/jobs", job(negative_prompt="escape \x1b[31m"), None, 400, "negative_prompt"),
    ("POST", "/jobs", job(model="tiny\x7f"), None, 400, "model"),
    # Fields inside objects are named by their path.
    ("POST", "/jobs", job(init_image={"take_id": "t_x", "frame": "middle"}), None, 400,
     "init_image.frame"),
    ("POST", "/jobs", job(init_image={"frame": "last"}), None, 400, "init_image"),
    # One bound per number (bridge/generators/validate.py).
    ("POST", "/jobs", job(guidance=31), None, 400, "guidance"),
    ("POST", "/jobs", job(fps=121), None, 400, "fps"),
    ("POST", "/jobs", b'{"prompt": "p", "model": "tiny", "fps": NaN}', None, 400, "fps"),
]


@pytest.fixture(scope="module")
def a_take(server):
    return server.make_takes(1, prompt="patch target", width=32, height=32, num_frames=9,
                             steps=1)[0]


def send(server, method, path, body, query):
    if isinstance(body, bytes):
        return server.api(method, path, data=body, params=query,
                          headers={"Content-Type": "application/json"})
    if isinstance(body, str):
        return server.api(method, path, data=body, params=query,
                          headers={"Content-Type": "text/plain"})
    return server.api(method, path, json=body, params=query)


def test_every_submit_field_has_a_bad_input_case():
    """The table keeps up with the request type: a field added to bridge/request.py needs a
    case here that shows a bad value for it is refused by name."""
    named = {c[5].split(".")[0] for c in CASES if c[:2] == ("POST", "/jobs")}
    assert set(JobSubmit.model_fields) - named == set()


@pytest.mark.parametrize(("method", "path", "body", "query", "status", "field"), CASES,
                         ids=[f"{c[0]} {c[1]} {c[5]}-{i}" for i, c in enumerate(CASES)])
def test_bad_request_names_the_field(server, method, path, body, query, status, field):
    before = len(server.api("GET", "/jobs").json()["jobs"])
    resp = send(server, method, path, body, query)
    assert resp.status_code == status, resp.text
    error = resp.json()["error"]
    assert error["field"] == field
    assert error["code"] and len(error["message"]) > 10
    assert len(server.api("GET", "/jobs").json()["jobs"]) == before


@pytest.mark.parametrize(("body", "field"), [
    ({"rating": 6}, "rating"), ({"rating": "5"}, "rating"), ({"status": "maybe"}, "status"),
    ({"tags": "a,b"}, "tags"), ({"tags": [1]}, "tags[0]"), ({"notes": 5}, "notes"),
    ({"seed": 1}, "seed"), ({}, "body"), ({"notes": "bell \x07"}, "notes"),
    ({"tags": ["fine", "lone \udc00"]}, "tags[1]"), ({"rating": None}, "rating"),
])
def test_bad_take_patch_names_the_field_and_changes_nothing(server, a_take, body, field):
    resp = server.api("PATCH", f"/takes/{a_take['id']}", json=body)
    assert resp.status_code == 400 and resp.json()["error"]["field"] == field
    now = server.api("GET", f"/takes/{a_take['id']}").json()
    assert (now["rating"], now["status"], now["tags"]) == (0, "new", [])


def test_bad_job_patch(server):
    job = server.submit(**OK)["jobs"][0]
    for body, field in (({}, "priority"), ({"priority": "high"}, "priority"),
                        ({"status": "done"}, "status")):
        resp = server.api("PATCH", f"/jobs/{job['id']}", json=body)
        assert resp.status_code == 400 and resp.json()["error"]["field"] == field
    server.wait_jobs([job["id"]])


def test_tab_and_newline_are_free_text(server):
    batch = server.submit(**{**OK, "prompt": "two lines\n\tand a tab"})
    assert batch["jobs"][0]["request"]["prompt"] == "two lines\n\tand a tab"
    server.wait_jobs([batch["jobs"][0]["id"]])


def test_a_refusal_says_where_and_why(server):
    resp = server.api("POST", "/jobs", json=job(prompt="bell \x07 here"))
    error = resp.json()["error"]
    assert error["code"] == "invalid_character" and error["details"]["position"] == 5
    assert "U+0007" in error["message"]
    resp = server.api("POST", "/jobs", json=job(memory_profile="turbo"))
    assert resp.json()["error"]["details"]["choices"][0] == "auto"
    resp = server.api("POST", "/jobs", json=job(steps=0))
    assert resp.json()["error"]["code"] == "out_of_range"
    assert "between 1 and 500" in resp.json()["error"]["message"]


def test_size_errors_suggest_valid_values(server):
    resp = server.api("POST", "/jobs", json=job(width=50))
    details = resp.json()["error"]["details"]
    # the tiny preset's sizes are multiples of 32: 50 lies between 32 and 64, nearer 64
    assert details["multiple"] == 32 and details["nearest"] == [32, 64]
    assert details["suggestion"] == 64
