"""One rate rule (otio_export.rates): the MP4 writer, the timelines, the API's bounds, a
board's sequence rate and the panel's ticks give the same exact fraction for a rate."""

from __future__ import annotations

import json
import subprocess
from fractions import Fraction
from pathlib import Path

import av
import opentimelineio as otio
import pytest
from pydantic import TypeAdapter

from bridge.api.schemas.boards import Fps
from bridge.library.media import fps_fraction, probe
from bridge.library.take_files import write_take
from otio_export import Cut, Entry, build_timeline
from otio_export.rates import MAX_FPS, exact_rate, picture_rate, sequence_label
from tests.take_media import RECORD, ramp

PANEL = Path(__file__).resolve().parents[1] / "panel"
# 14.985 is 15000/1001 (half of 29.97), as Premiere reads it; the MP4 writer once made it
# 2997/200, which drifts from the timeline's 15000/1001 by a frame a day.
NTSC = {14.985: Fraction(15000, 1001), 23.976: Fraction(24000, 1001),
        29.97: Fraction(30000, 1001), 59.94: Fraction(60000, 1001)}


@pytest.mark.parametrize(("fps", "exact"), list(NTSC.items()))
def test_the_mp4_and_the_timeline_agree(tmp_path: Path, fps: float, exact: Fraction):
    assert fps_fraction(fps) == exact_rate(fps) == picture_rate(fps) == exact
    take = write_take(ramp(9, 16, 16), fps, RECORD, tmp_path, "take ü")
    with av.open(str(take.video)) as container:
        assert container.streams.video[0].average_rate == exact
    media = Entry(name="take", media_path=str(take.video), media_fps=probe(take.video).fps,
                  media_frames=9)
    timeline = build_timeline(Cut(fps=29.97, entries=[media]))
    clip = next(iter(timeline.find_clips()))
    rate = clip.media_reference.available_range.duration.rate
    assert Fraction(rate).limit_denominator(1001) == exact  # the media at its exact rate
    assert clip.duration().value == 9 * Fraction(30000, 1001) // exact


def test_one_ceiling_and_the_board_rates():
    assert picture_rate(MAX_FPS) == MAX_FPS
    with pytest.raises(Exception, match="120"):
        picture_rate(MAX_FPS + 1)
    with pytest.raises(ValueError, match="120"):
        fps_fraction(240)
    # a board's rate is a sequence rate by the same rule
    assert [sequence_label(f) for f in (23.976, 23.98, 29.97, 59.94, 24)] == [
        "23.976", "23.976", "29.97", "59.94", "24"]
    board_fps = TypeAdapter(Fps)
    assert board_fps.validate_python(23.98) == 23.976
    with pytest.raises(Exception, match="sequence rate"):
        board_fps.validate_python(14.985)


def test_the_panel_ticks_use_the_same_rule():
    script = ("const t = await import('./src/hosts/ticks.js');"
              "const rates = JSON.parse(process.argv[1]);"
              "console.log(JSON.stringify(rates.map((r) => [t.exactRate(r),"
              " t.fpsOfTimebase(t.ticksPerFrame(r))])));")
    rates = [*NTSC, 24, 25, 23.98]
    r = subprocess.run(["node", "--input-type=module", "-e", script, json.dumps(rates)],
                       cwd=PANEL, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    for fps, ((num, den), label) in zip(rates, json.loads(r.stdout), strict=True):
        assert Fraction(num, den) == exact_rate(fps), fps
        assert label == round(float(exact_rate(fps)), 3)


def test_the_api_gives_a_take_and_its_timeline_one_rate(server):
    """Through the bridge: a take asked at 14.985 fps is written at 15000/1001, and a timeline
    of it reads the media at that rate."""
    [take] = server.make_takes(1, prompt="rate fox", model="tiny", fps=14.985, steps=1,
                               num_frames=9, width=32, height=32)
    with av.open(take["media_path"]) as container:
        assert container.streams.video[0].average_rate == Fraction(15000, 1001)
    answer = server.api("POST", "/timelines", json={"takes": [take["id"]], "fps": 29.97,
                                                    "formats": ["otio"]})
    assert answer.status_code == 201, answer.text
    timeline = answer.json()
    otio_file = server.api("GET", timeline["formats"]["otio"]["url"].removeprefix("/api/v1"))
    read = otio.adapters.read_from_string(otio_file.text, adapter_name="otio_json")
    clip = next(iter(read.find_clips()))
    rate = clip.media_reference.available_range.duration.rate
    assert Fraction(rate).limit_denominator(1001) == Fraction(15000, 1001)
    assert timeline["cut"]["entries"][0]["duration"] == 18  # 9 frames at 14.985 in 29.97
    refused = server.api("POST", "/jobs", json={"prompt": "x", "model": "tiny", "fps": 121})
    assert refused.status_code == 400 and refused.json()["error"]["field"] == "fps"
