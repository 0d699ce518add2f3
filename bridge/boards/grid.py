"""The beat grid a board cuts to: the song's analysis with the editor's corrections.

A tracker can be right about the beats and wrong about the bar (bar 1 on beat 3), or count
at half or double time; an editor hears that at once and fixes it here without re-analysing:
shift the first downbeat by beats, halve or double the tempo, or type the tempo (a constant
grid from the first downbeat, for a click-track song or a tracker that got lost).
"""

from __future__ import annotations

import itertools
import math

import numpy as np

from bridge.boards.durations import Grid, retimed
from bridge.boards.records import GridAdjust
from bridge.boards.song import Analysis, tempo_map, tempo_of

MIN_TEMPO, MAX_TEMPO = 20.0, 400.0


def effective_grid(analysis: Analysis, adjust: GridAdjust) -> Grid:
    beats = list(analysis.beats)
    first = analysis.first_downbeat
    per_bar = max(1, int(adjust.beats_per_bar or analysis.beats_per_bar))
    if adjust.tempo and not adjust.tempo_from_bar:
        anchor = adjust.first_downbeat_s
        if anchor is None:
            anchor = beats[first] if first < len(beats) else 0.0
        period = 60.0 / float(adjust.tempo)
        start = anchor - period * math.floor(anchor / period + 1e-9)
        count = int((analysis.duration_s - start) / period) + 1
        beats = [round(start + i * period, 4) for i in range(max(count, 2))]
        first = round((anchor - start) / period)
    else:
        if adjust.tempo_factor == 2 and len(beats) > 1:
            doubled = []
            for a, b in itertools.pairwise(beats):
                doubled += [a, round((a + b) / 2, 4)]
            beats = [*doubled, beats[-1]]
            first *= 2
        elif adjust.tempo_factor == 0.5 and len(beats) > 3:
            beats = beats[first % 2::2]
            first //= 2
        if adjust.first_downbeat_s is not None and beats:
            first = min(range(len(beats)), key=lambda i: abs(beats[i] - adjust.first_downbeat_s))
    first += int(adjust.shift_beats)
    first %= per_bar  # bar 1 is the earliest beat of the downbeat phase
    grid = Grid(beats=tuple(beats), first_downbeat=first, beats_per_bar=per_bar,
                duration_s=analysis.duration_s)
    return retimed(grid, adjust.offset_ms / 1000.0, adjust.tempo, adjust.tempo_from_bar)


def grid_json(grid: Grid) -> dict:
    """What the panel draws: beats, downbeats, tempo and the tempo map after the editor's
    corrections (a tempo typed from bar 9 on is a new section of the map, where it starts)."""
    beats = list(grid.beats)
    bars, sections = tempo_map(np.array(beats), np.array(grid.downbeats), grid.beats_per_bar)
    return {"beats": beats, "downbeats": grid.downbeats, "tempo": tempo_of(np.array(beats)),
            "first_downbeat": grid.first_downbeat, "beats_per_bar": grid.beats_per_bar,
            "tempo_map": [list(p) for p in sections], "bar_tempi": [list(p) for p in bars]}
