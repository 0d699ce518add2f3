"""The Direct drawer's pure ruler (panel/src/boards/ruler.js) in Node: beats and bars of a
shot counted from 1 at its first beat as the bridge counts a keyframe's `bar`, a downbeat a
few milliseconds before the shot's first frame counted as its start, places drawn where they
land, and timed prompt sections read from and written back to the shot's prompt."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_panel_support import node_json

PANEL = Path(__file__).resolve().parents[1] / "panel"

SCRIPT = r"""
const r = await import("./src/boards/ruler.js");
// 120 BPM in 4/4, the analysis a few ms early on each beat; a 2-bar shot from 4 s.
const beats = Array.from({ length: 24 }, (_, i) => i * 0.5 - (i % 3) * 0.001);
const board = { fps: 24, song: { beats, downbeats: beats.filter((_, i) => i % 4 === 0) } };
const ruler = r.shotRuler(board, { start_s: 4, seconds: 4 });
const plain = r.shotRuler({ fps: 24, song: null }, { start_s: 0, seconds: 3 });
const s = r.parseSections("bars 1-2: the couple at the table | bar 3: a field");
console.log(JSON.stringify({
  bars: ruler.bars.map((m) => [m.n, +m.t.toFixed(3)]), beats: ruler.beats.length,
  bar2: r.placeSeconds(ruler, { bar: 2 }), beat3: r.placeSeconds(ruler, { beat: 3 }),
  bar3: r.placeSeconds(ruler, { bar: 3 }), last: r.placeSeconds(ruler, { frame: "last" }),
  secs: r.placeSeconds(plain, { seconds: 1.5 }), plainBar: r.placeSeconds(plain, { bar: 1 }),
  hasSong: [ruler.hasSong, plain.hasSong],
  sections: s, back: r.formatSections(s), plainPrompt: r.parseSections("a boat at sea"),
  span: r.sectionSpan(ruler, { unit: "bar", from: 1, to: 1, text: "" }),
  overlap: r.sectionProblems([{ unit: "bar", from: 1, to: 2, text: "a" },
                              { unit: "bar", from: 2, to: 3, text: "b" }]),
  labels: [{ bar: 2 }, { beat: 3.5 }, { seconds: 1.5 }, { frame: 12 }, { frame: "last" }]
    .map(r.placeLabel),
  place: [r.placeOf("bar", 2), r.placeOf("frame", 12.4), r.placeOf("frame", "first")],
  fields: r.sectionsToFields(s),
  again: r.sectionsFromFields("the couple at the table", [{ prompt: "a field", bar: 2 }], ruler),
  secondsFields: r.sectionsToFields([{ unit: "seconds", from: 1.5, to: 3, text: "later" },
                                     { unit: "seconds", from: 0, to: 1.5, text: "first" }]),
}));
"""


@pytest.fixture(scope="module")
def out():
    return node_json(SCRIPT)


def test_bars_count_from_the_shots_first_bar(out):
    # Bar 1 lies 2 ms before the shot's first frame (at 3.998 s): it is the shot's start.
    assert out["bars"] == [[1, 0.0], [2, 2.0]] and out["beats"] == 8
    assert out["bar2"] == pytest.approx(2.0)
    assert out["beat3"] == pytest.approx(1.0, abs=2e-3)
    assert out["bar3"] is None  # past the shot's end: not drawn
    assert out["last"] == pytest.approx(4 - 1 / 24)
    assert out["hasSong"] == [True, False]
    assert out["secs"] == 1.5 and out["plainBar"] is None


def test_sections_read_and_write_the_timed_prompt(out):
    assert out["sections"] == [
        {"unit": "bar", "from": 1, "to": 2, "text": "the couple at the table"},
        {"unit": "bar", "from": 3, "to": 3, "text": "a field"}]
    assert out["back"] == "bars 1-2: the couple at the table | bar 3: a field"
    assert out["plainPrompt"] == []
    assert out["span"] == {"from": 0, "to": pytest.approx(2.0)}
    assert "overlap" in out["overlap"]


def test_sections_are_the_prompt_and_the_bridges_prompts(out):
    """The first section is the shot's prompt; each later one is a `prompts` entry placed
    where it starts, as POST /jobs takes it; read back, they run to the next one's start."""
    assert out["fields"] == {"prompt": "the couple at the table",
                             "prompts": [{"prompt": "a field", "bar": 3}]}
    assert out["secondsFields"] == {"prompt": "first",
                                    "prompts": [{"prompt": "later", "seconds": 1.5}]}
    assert out["again"] == [
        {"unit": "bar", "from": 1, "to": 1, "text": "the couple at the table"},
        {"unit": "bar", "from": 2, "to": 2, "text": "a field"}]


def test_places_in_words_and_as_a_body_sends_them(out):
    assert out["labels"] == ["bar 2", "beat 3.5", "1.50 s", "frame 12", "last frame"]
    assert out["place"] == [{"bar": 2}, {"frame": 12}, {"frame": "first"}]
