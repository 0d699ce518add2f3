"""The panel's pure modules run in Node: shot-list parsing, model presets, and the job
bodies for retry, re-roll and continue."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

PANEL = Path(__file__).resolve().parents[1] / "panel"

SCRIPT = r"""
const { parseShotList } = await import("./src/shotlist.js");
const presets = await import("./src/presets.js");
const req = await import("./src/requests.js");
const tiny = { name: "tiny", details: { fps: 24, sizes: { multiple: 32, min: 32, max: 512 },
  frames: { rule: "8k+1", step: 8, max: 257 },
  defaults: { width: 704, height: 480, num_frames: 121, fps: 24 } } };
const take = { id: "t1", seed: 5, record: { request: { schema_version: 1, prompt: "p",
  model: "tiny", seed: 5, steps: 4, width: 64, height: 64, num_frames: 17, fps: 24,
  init_image: { sha256: "abc", source: "upload" } } } };
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
};
console.log(JSON.stringify(out));
"""


@pytest.fixture(scope="module")
def out():
    if not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    r = subprocess.run(["node", "--input-type=module", "-e", SCRIPT], cwd=PANEL,
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


def test_reroll_continue_retry_bodies(out):
    assert "seed" not in out["reroll"] and out["reroll"]["takes"] == 1
    assert out["reroll"]["init_image"] == {"upload": "abc"}
    assert out["reroll"]["steps"] == 4 and out["reroll"]["model"] == "tiny"
    assert "seed" not in out["cont"]
    assert out["cont"]["init_image"] == {"take_id": "t1", "frame": "last"}
    assert out["cont"]["parent_take_id"] == "t1"
    assert out["retry"]["seed"] == 5 and out["retry"]["priority"] == 3
    assert "schema_version" not in out["retry"]
