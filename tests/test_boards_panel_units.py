"""The panel's tick arithmetic (Node): a shot's frames land on Premiere's exact ticks, and
every host offers the board calls."""

from __future__ import annotations

import itertools
import json
import subprocess
from pathlib import Path

import pytest
from test_panel_support import node_json

PANEL = Path(__file__).resolve().parents[1] / "panel"
SCRIPT = r"""
const t = await import("./src/hosts/ticks.js");
const m = await import("./src/boards/markers.js");
const w = await import("./src/boards/wave.js");
// A 4-minute song at 105 BPM (421 beats, a bar every 4) under 55 cuts, drawn 320 px wide.
const beats = Array.from({ length: 421 }, (_, i) => i * 60 / 105);
const song = { duration_s: 241, beats, downbeats: beats.filter((_, i) => i % 4 === 0) };
const hosts = {};
for (const name of ["browser", "cep", "desktop", "test", "uxp"]) {
  hosts[name] = Object.keys(await import(`./src/hosts/${name}.js`)).sort();
}
console.log(JSON.stringify({
  hosts,
  perFrame: ["23.976", 24, 25, 29.97, 30, 50, 59.94, 60].map((r) => t.ticksPerFrame(r)),
  hour: t.framesToTicks(107892, 29.97),
  back: t.ticksToFrames(t.framesToTicks(123457, 23.976), 23.976),
  timebase: [t.fpsOfTimebase("8475667200"), t.fpsOfTimebase("10160640000")],
  seconds: [m.frameSeconds(30, 29.97), m.frameSeconds(24, 23.976), m.frameSeconds(50, 25),
    m.frameSeconds(6, 12)],
  sequence: m.markerCuts({ fps: 25, markers: [{ frame: 50 }, { frame: 0 }, { frame: 25 },
    { frame: 50 }], entries: [{ track: "V1", start: 10, markers: [{ frame: 3 }] }] }),
  clips: m.markerCuts({ fps: 29.97, markers: [], entries: [
    { track: "V1", start: 0, markers: [{ frame: 30 }] },
    { track: "A1", start: 0, markers: [{ frame: 7 }] },
    { kind: "gap", track: "V1", start: 60, markers: [{ frame: 0 }] }] }),
  none: m.markerCuts({ fps: 24, markers: [{ frame: 0 }], entries: [] }),
  narrow: w.gridMarks({ song, duration_s: 241, shots: [] }, 300),
  wide: w.gridMarks({ song, duration_s: 241, shots: [] }, 1900),
}));
"""


@pytest.fixture(scope="module")
def out():
    return node_json(SCRIPT)


def test_frames_land_on_exact_ticks(out):
    per_second = 254016000000
    rates = [(24000, 1001), (24, 1), (25, 1), (30000, 1001), (30, 1), (50, 1), (60000, 1001),
             (60, 1)]
    assert out["perFrame"] == [str(per_second * d // n) for n, d in rates]
    assert all(per_second * d % n == 0 for n, d in rates)  # whole ticks at every rate
    assert out["hour"] == str(107892 * per_second * 1001 // 30000)  # an hour at 29.97, exact
    assert out["back"] == 123457
    assert out["timebase"] == [29.97, 25]


def test_timeline_markers_become_seconds_exactly(out):
    """Frames at the cut's exact rate (29.97 is 30000/1001): the bridge's nearest frame at
    the same rate is the marker's own frame."""
    assert out["seconds"] == [30 * 1001 / 30000, 24 * 1001 / 24000, 2.0, 0.5]
    assert out["sequence"] == {"seconds": [1.0, 2.0], "frames": [25, 50], "from": "sequence"}
    # No sequence markers: the video clips' and gaps' markers, at their place on the track
    assert out["clips"]["from"] == "clips" and out["clips"]["frames"] == [30, 60]
    assert out["clips"]["seconds"] == [1.001, 2.002]
    assert out["none"] == {"seconds": [], "frames": [], "from": None}


def test_waveform_marks_never_touch_at_320_px(out):
    """421 beats in 300 px were a solid band: now bars only, every n-th, 4 px apart at least;
    wide enough, every beat and bar is drawn."""
    def gaps(xs):
        return [b - a for a, b in itertools.pairwise(xs)]

    narrow = out["narrow"]
    assert narrow["beats"] == [] and len(narrow["bars"]) > 10
    assert min(gaps(narrow["bars"])) >= 4
    wide = out["wide"]
    assert len(wide["beats"]) + len(wide["bars"]) == 421
    assert min(gaps(sorted(wide["beats"] + wide["bars"]))) >= 4


def test_every_host_offers_the_board_calls(out):
    names = out["hosts"]
    assert all(exports == names["browser"] for exports in names.values()), names
    for needed in ("getSequenceInfo", "getSequenceMarkers", "findGap", "placeTrimmed",
                   "swapTake", "openFile"):
        assert needed in names["browser"]


def test_adobe_panels_built_for_another_port(tmp_path):
    """A bridge on another port than 8642: the bundle's UXP manifest names that origin (UXP
    refuses any other) and the panel's default bridge address uses it."""
    import os

    if not (PANEL / "node_modules" / "esbuild").is_dir():
        pytest.skip("panel/node_modules/esbuild is missing: run `npm ci` in panel/")
    r = subprocess.run(["node", "scripts/bundle.mjs", "--port", "9123"], cwd=PANEL,
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "PROMPTCUT_PORT": ""})
    assert r.returncode == 0, r.stderr
    manifest = json.loads((PANEL / "dist" / "uxp" / "manifest.json").read_text("utf-8"))
    domains = manifest["requiredPermissions"]["network"]["domains"]
    assert {"http://127.0.0.1:9123", "http://localhost:9123", "http://127.0.0.1:8642"} <= set(
        domains)
    assert "PROMPTCUT_PORT = 9123" in (PANEL / "dist" / "uxp" / "panel.js").read_text("utf-8")
