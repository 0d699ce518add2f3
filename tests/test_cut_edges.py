"""Edges the mutation run found untested: a hole between two shots of a board's cut, and
how a shot in bars rounds to the nearest bar after a shot in seconds."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bridge.boards.durations import Grid, boundaries, nearest_frame
from bridge.boards.records import Duration
from otio_export import build_timeline
from otio_export.assemble import BoardShot, assemble

RATE = Fraction(24)


def take(take_id: str, frames: int) -> dict:
    return {"id": take_id, "media_path": f"/media/takes é/{take_id}.mp4", "fps": 24,
            "num_frames": frames}


def test_a_hole_between_shots_stays_a_hole():
    """A shot that starts after the previous one ends keeps its start: the hole is a gap,
    never a shift of every later shot off its beat."""
    shots = [BoardShot("a", "A", 0, 24, (take("t1", 24),)),
             BoardShot("b", "B", 40, 64, (take("t2", 24),))]
    cut = assemble("holes", 24, 64, 64, shots)
    assert [(e.kind, e.duration) for e in cut.entries] == [
        ("clip", 24), ("gap", 16), ("clip", 24)]
    build_timeline(cut)  # lays the cut out: every entry gets its start
    clips = [e for e in cut.entries if e.kind == "clip"]
    assert [c.start for c in clips] == [0, 40]
    assert [m.frame for m in cut.markers if m.name == "B"] == [40]


# A steady grid: a beat every 0.5 s from 0, four to a bar, so bar n starts at 2n seconds and
# the bar index of a time is exact in binary floating point at these values.
GRID = Grid(tuple(i * 0.5 for i in range(64)), first_downbeat=0, duration_s=32)


@pytest.mark.parametrize(("seconds", "next_bar"), [
    (3.8, 2),  # 1.9 bars: the nearest bar is the next one (not the one it is in)
    (2.2, 1),  # 1.1 bars: the nearest bar is the one it is in (not the next)
    (5.0, 3),  # 2.5 bars, exactly half way: rounded up, never to the even bar
    (3.0, 2),  # 1.5 bars: up as well
])
def test_a_shot_in_bars_starts_from_the_nearest_bar(seconds, next_bar):
    cuts = boundaries([Duration(seconds, "s"), Duration(1, "bars")], RATE, GRID)
    assert cuts == [0, nearest_frame(seconds, RATE), nearest_frame(2.0 * (next_bar + 1), RATE)]
