"""The click track's and the animatic's arithmetic (Node, the panel's own modules): clicks
round a looped shot land on the beats at the right second of playing; the animatic's
picture at a time is the pick at its offset, or black with why."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_panel_support import node_json

PANEL = Path(__file__).resolve().parents[1] / "panel"
SCRIPT = r"""
const c = await import("./src/boards/clicks.js");
const a = await import("./src/ui/animatic.js");
const beats = Array.from({ length: 17 }, (_, i) => i * 0.5); // 120 BPM, 8 s
const downbeats = beats.filter((_, i) => i % 4 === 2); // bar 1 on beat 3 (1.0 s)
const loop = { start: 1.0, end: 3.0 };
const pick = { id: "tk1", missing: false, media_url: "/m/a.mp4", duration_s: 0.36, fps: 25,
  num_frames: 9 };
const shot = (id, label, start, end, p) => ({ id, label, position: 0, start_frame: start,
  end_frame: end, pick: p });
const board = { fps: 29.97, shots: [shot("s1", "One", 0, 60, pick),
  shot("s2", "Two", 60, 120, null),
  shot("s3", "Three", 120, 150, { ...pick, id: "tk3", missing: true, media_url: null })] };
const at = (t) => { const f = a.frameAt(board, t);
  return [f.shot && f.shot.id, f.media, Math.round(f.offset * 1e6) / 1e6, f.why]; };
console.log(JSON.stringify({
  straight: c.clicksHeard(beats, downbeats, 0.2, 0, 1.4, null),
  looped: c.clicksHeard(beats, downbeats, 2.5, 0, 3.0, loop),
  time: [c.songTime(2.5, 2.7, loop), c.songTime(2.5, 0.3, loop), c.songTime(0, 5, null),
    c.songTime(4, 1, loop)],
  bars: [c.barAt(downbeats, 0.5), c.barAt(downbeats, 1.0), c.barAt(downbeats, 3.2)],
  frames: [at(0.2), at(0.5), at(60 * 1001 / 30000 + 0.01), at(4.5), at(9)],
}));
"""


@pytest.fixture(scope="module")
def out():
    return node_json(SCRIPT)


def test_clicks_straight_on_and_round_a_loop(out):
    # From 0.2 s for 1.4 s of playing: the beats at 0.5 and 1.0 (a downbeat) and 1.5
    assert out["straight"] == [
        {"time": 0.5, "accent": False, "at": pytest.approx(0.3)},
        {"time": 1.0, "accent": True, "at": pytest.approx(0.8)},
        {"time": 1.5, "accent": False, "at": pytest.approx(1.3)}]
    # From 2.5 s in a loop of [1, 3): 2.5, then round to 1.0, 1.5, 2.0, 2.5, then 1.0 again
    looped = [(c["time"], c["accent"], round(c["at"], 6)) for c in out["looped"]]
    assert looped == [(2.5, False, 0.0), (1.0, True, 0.5), (1.5, False, 1.0),
                      (2.0, False, 1.5), (2.5, False, 2.0), (1.0, True, 2.5)]
    assert out["time"] == [pytest.approx(1.2), pytest.approx(2.8), 5, 5]
    assert out["bars"] == [0, 1, 2]


def test_animatic_frame_is_the_pick_at_its_offset_or_black(out):
    one, late, two, deleted, after = out["frames"]
    assert one == ["s1", "/m/a.mp4", 0.2, ""]  # in-point 0: 0.2 s into the take
    assert late[:2] == ["s1", None] and late[3] == "take ends early"  # 0.36 s take, 2 s shot
    assert two[:2] == ["s2", None] and two[3] == "no pick yet"
    assert two[2] == pytest.approx(0.01, abs=1e-6)  # frame 60 at 29.97 is 2.002 s
    assert deleted[:2] == ["s3", None] and deleted[3] == "take deleted"
    assert after == [None, None, 0, "after the last shot"]
