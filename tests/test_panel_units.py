"""The panel's pure modules run in Node: shot-list parsing, model presets, and the job
bodies for retry, re-roll and continue. The model and the take they read are captured from
the real bridge (GET /models, a real take), never written by hand, so a field renamed in
the bridge fails here."""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

PANEL = Path(__file__).resolve().parents[1] / "panel"

SCRIPT = r"""
const { parseShotList } = await import("./src/shotlist.js");
const presets = await import("./src/presets.js");
const req = await import("./src/requests.js");
const { model: tiny, take, fields } = JSON.parse(process.env.PROMPTCUT_FIXTURES);
const hosts = {};
for (const name of ["browser", "cep", "desktop", "test", "uxp"]) {
  hosts[name] = Object.keys(await import(`./src/hosts/${name}.js`)).sort();
}
const out = {
  hosts,
  lines: parseShotList("# notes\nshot one\n\n  shot two  \n"),
  csv: parseShotList('Prompt,Duration\n"a, b ""c"" d",2.5\nplain,\n"multi\nline",1\n'),
  frames: presets.frameCounts(tiny).slice(0, 3),
  snapped: [presets.framesForSeconds(tiny, 1), presets.framesForSeconds(tiny, 0.5)],
  sizes: presets.sizeOptions(tiny).map((s) => [s.width, s.height]),
  reroll: req.rerollBody(take),
  cont: req.continueBody(take),
  retry: req.retryBody({ request: take.record.request, priority: 3 }),
  sentFrames: ["1.5", null, "first", "last"].map(req.sentFrame),
  takesField: req.fieldsByName(fields).takes,
};
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def captured(server):
    """The ltx-video preset as GET /models lists it, and a real take made from an upload."""
    image = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 60, 20)).save(image, "PNG")
    sha = server.api("POST", "/images", files={"file": ("i.png", image.getvalue())}).json()
    take = server.make_takes(1, prompt="captured fixture", model="tiny", width=32, height=32,
                             num_frames=9, steps=1, seed=5, init_image={"upload": sha["sha256"]})[0]
    models = server.api("GET", "/models").json()["models"]
    model = next(m for m in models if m["name"] == "ltx-video")
    fields = server.api("GET", "/jobs/fields").json()
    return {"model": model, "take": take, "sha256": sha["sha256"], "fields": fields}


@pytest.fixture(scope="module")
def out(captured):
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    env = {**os.environ, "PROMPTCUT_FIXTURES": json.dumps(captured)}
    r = subprocess.run(["node", "--input-type=module", "-e", SCRIPT], cwd=PANEL, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_shot_list_lines_and_csv(out):
    assert out["lines"] == [{"prompt": "shot one", "duration": None},
                            {"prompt": "shot two", "duration": None}]
    assert out["csv"] == [{"prompt": 'a, b "c" d', "duration": 2.5},
                          {"prompt": "plain", "duration": None},
                          {"prompt": "multi\nline", "duration": 1}]


def test_presets_follow_the_model_rules(out):
    assert out["frames"] == [9, 17, 25]
    assert out["snapped"] == [25, 9]
    assert out["sizes"][0] == [704, 480] and [480, 704] in out["sizes"]
    assert all(w % 32 == 0 and h % 32 == 0 for w, h in out["sizes"])


def test_every_host_has_the_same_interface(out):
    names = out["hosts"]
    assert all(exports == names["browser"] for exports in names.values()), names
    for needed in ("capabilities", "importFile", "insertAtPlayhead", "importTimeline",
                   "exportActiveSequence", "getPlayhead", "saveFile", "revealFile"):
        assert needed in names["browser"]


def test_reroll_continue_retry_bodies(out, captured):
    take_id = captured["take"]["id"]
    assert "seed" not in out["reroll"] and out["reroll"]["takes"] == 1
    assert out["reroll"]["init_image"] == {"upload": captured["sha256"]}
    assert out["reroll"]["steps"] == 1 and out["reroll"]["model"] == "tiny"
    assert "seed" not in out["cont"]
    # Continue names the take (the bridge holds on its last frames where the model can);
    # the take's own start image is not the continuation's.
    assert out["cont"]["continue_from"] == take_id
    assert "init_image" not in out["cont"] and "parent_take_id" not in out["cont"]
    assert out["retry"]["seed"] == 5 and out["retry"]["priority"] == 3
    assert "schema_version" not in out["retry"]
    assert out["sentFrames"] == [1.5, "last", "first", "last"]  # seconds are sent as a number


def test_the_bodies_built_without_a_field_list_are_what_the_bridge_accepts(out, captured,
                                                                            server):
    """The panel copies a stored request by name (no list of its own): the bridge takes
    each body back as it is, and the limits come from GET /jobs/fields."""
    for body in (out["reroll"], out["cont"], out["retry"]):
        answer = server.api("POST", "/jobs", json=body)
        assert answer.status_code == 201, answer.text
        [job] = answer.json()["jobs"]
        cancelled = server.api("POST", f"/jobs/{job['id']}/cancel")
        assert cancelled.status_code in (200, 409)  # 409: it already finished
    assert out["takesField"]["maximum"] == 64 and out["takesField"]["default"] == 1
