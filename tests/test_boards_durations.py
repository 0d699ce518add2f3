"""Durations to frame-exact boundaries, beat grids and their corrections, take lengths."""

from __future__ import annotations

import itertools
from fractions import Fraction

import pytest

from bridge.boards import song as song_mod
from bridge.boards.durations import (
    DurationError,
    Grid,
    boundaries,
    covers,
    fill_count,
    nearest_frame,
    take_plan,
)
from bridge.boards.grid import effective_grid
from bridge.boards.records import Duration, GridAdjust
from bridge.boards.song import Analysis

NTSC = Fraction(30000, 1001)


def steady(bpm: float, count: int, start: float = 0.0) -> tuple[float, ...]:
    return tuple(start + i * 60 / bpm for i in range(count))


def test_seconds_accumulate_in_time_not_in_rounded_frames():
    cuts = boundaries([Duration(1.001, "s")] * 12, Fraction(24))
    # 12.012 s at 24 fps is frame 288.288 -> 288; per-shot rounding would give 12 * 24 = 288
    # too, but each boundary is the frame nearest its own time:
    assert cuts == [nearest_frame(1.001 * i, Fraction(24)) for i in range(13)]
    assert boundaries([Duration(5, "frames"), Duration(1, "s")], NTSC) == [0, 5, 35]


def test_beats_follow_the_song_not_a_constant_tempo():
    # A song that speeds up from 100 to 140 BPM across 64 beats.
    beats, t = [], 0.5
    for i in range(64):
        beats.append(t)
        t += 60 / (100 + 40 * i / 63)
    grid = Grid(tuple(beats), first_downbeat=0, duration_s=t)
    cuts = boundaries([Duration(2, "bars")] * 8, Fraction(25), grid)
    # Shot 1 takes in the lead-in; every later boundary is the frame nearest its downbeat.
    assert cuts[0] == 0
    for i in range(1, 9):
        assert cuts[i] == nearest_frame(beats[8 * i] if 8 * i < 64 else grid.beat_time(8 * i),
                                        Fraction(25))
    lengths = [b - a for a, b in itertools.pairwise(cuts[1:])]
    assert lengths[0] > lengths[-1]  # later bars are shorter: the cut follows the drummer


def test_bars_snap_to_the_next_bar_after_a_shot_in_seconds():
    grid = Grid(steady(120, 40), first_downbeat=1, duration_s=20)  # bar 1 on beat 2
    cuts = boundaries([Duration(2.7, "s"), Duration(1, "bars")], Fraction(24), grid)
    # 2.7 s is 1.35 bars after the first downbeat (0.5 s): nearest bar 1 -> ends at bar 2
    assert cuts == [0, nearest_frame(2.7, Fraction(24)), nearest_frame(0.5 + 4.0, 24)]


def test_beats_or_bars_without_a_song_name_the_shot():
    with pytest.raises(DurationError) as caught:
        boundaries([Duration(2, "s"), Duration(2, "bars")], Fraction(24))
    assert caught.value.index == 1


def test_fill_counts_whole_groups_of_bars():
    grid = Grid(steady(120, 97), first_downbeat=0, duration_s=49.0)  # 24 bars + a hit
    assert fill_count(grid, 2) == 12
    assert fill_count(grid, 4) == 6
    assert fill_count(grid, 3) == 8


def test_grid_corrections_shift_halve_double_and_typed_tempo():
    a = Analysis(sha256="x", duration_s=10, sample_rate=44100, samples=441000, channels=2,
                 tempo=120, beats=steady(120, 20), downbeats=(), first_downbeat=0,
                 beats_per_bar=4, peaks=(), tracker="test")
    assert effective_grid(a, GridAdjust(shift_beats=2)).first_downbeat == 2
    assert effective_grid(a, GridAdjust(shift_beats=-1)).first_downbeat == 3
    doubled = effective_grid(a, GridAdjust(tempo_factor=2))
    assert len(doubled.beats) == 39 and doubled.beats[1] == 0.25
    halved = effective_grid(a, GridAdjust(tempo_factor=0.5))
    assert halved.beats[:2] == (0.0, 1.0)
    typed = effective_grid(a, GridAdjust(tempo=90, first_downbeat_s=1.0))
    assert typed.downbeats[0] == pytest.approx(1.0)
    assert typed.beats[1] - typed.beats[0] == pytest.approx(60 / 90, abs=1e-3)


def test_take_plan_is_never_shorter_than_its_shot():
    for shot_frames in (1, 23, 24, 25, 48, 61, 119):
        for model_fps, step in ((Fraction(24), 8), (Fraction(16), 4), (Fraction(8), 8)):
            for rate in (Fraction(24), NTSC, Fraction(25)):
                plan = take_plan(shot_frames, rate, model_fps, step, 2049)
                assert plan.num_frames is not None and (plan.num_frames - 1) % step == 0
                assert covers(plan.num_frames, model_fps, shot_frames, rate)
                smaller = plan.num_frames - step
                assert smaller < 1 or not covers(smaller, model_fps, shot_frames, rate)


def test_take_plan_offers_a_chain_past_the_model_limit():
    # 10 s at 24 fps from a model of at most 49 frames at 8 fps (CogVideoX): 80 frames needed
    plan = take_plan(240, Fraction(24), Fraction(8), 8, 49)
    assert plan.num_frames is None
    assert plan.chain[0] == 49 and "continuation" in plan.message
    new_frames = plan.chain[0] + sum(n - 1 for n in plan.chain[1:])
    assert new_frames >= plan.needed_frames == 80


def test_bar_lines_meter_onsets_and_tempo_map_from_beat_accents():
    import numpy as np

    rng = np.random.default_rng(1)
    # Accents of 4/4 with bar 1 on the third beat, then a beat dropped by the tracker
    # (the one moves by a beat): the Viterbi follows, a fixed phase could not.
    pos = np.concatenate([(np.arange(40) + 2) % 4, (np.arange(40) + 1) % 4])
    accents = np.where(pos == 0, 2.0, -0.5) + 0.3 * rng.standard_normal(pos.size)
    assert song_mod.meter_of(accents) == 4
    assert (song_mod.bar_positions(accents, 4) == pos).mean() > 0.95
    waltz = np.where(np.arange(60) % 3 == 0, 2.0, -0.8) + 0.3 * rng.standard_normal(60)
    assert song_mod.meter_of(waltz) == 3
    # A beat 30 ms early moves onto the onset under it (fine flux peaks on the beat).
    true_beats = np.arange(20) * 0.5 + 0.25
    fine = np.full(int(11 * 22050 / 64), 0.01)
    for b in true_beats:
        fine[round(b * 22050 / 64)] = 1.0
    refined = song_mod.refine_onto_onsets(true_beats - 0.03, fine)
    assert np.abs(refined - true_beats).max() < 0.004
    assert song_mod.tempo_of(true_beats) == pytest.approx(120, abs=0.01)
    # 120 -> 100 BPM: two sections in the tempo map, a tempo for every bar.
    beats = np.concatenate([np.arange(32) * 0.5, 16 + np.arange(32) * 0.6])
    bars, sections = song_mod.tempo_map(beats, beats[::4], 4)
    assert [round(b) for _, b in sections] == [120, 100] and sections[1][0] == 16.0
    assert len(bars) == 15 and bars[0][1] == pytest.approx(120)


def test_editor_grid_fixes_nudge_tempo_from_a_bar_and_the_found_meter():
    a = Analysis(sha256="x", duration_s=30, sample_rate=44100, samples=441000 * 3,
                 channels=2, tempo=120, beats=steady(120, 58, start=0.25), downbeats=(),
                 first_downbeat=1, beats_per_bar=4, peaks=(), tracker="test")
    detected = effective_grid(a, GridAdjust())
    nudged = effective_grid(a, GridAdjust(offset_ms=12))
    assert nudged.beats[5] == pytest.approx(detected.beats[5] + 0.012)
    assert nudged.first_downbeat == detected.first_downbeat == 1
    # 100 BPM from bar 3 on, anchored on bar 3's downbeat (0.25 + 0.5 + 2 bars of 2 s):
    # the bars before keep their beats; shot lengths in bars follow across the change.
    changed = effective_grid(a, GridAdjust(tempo=100, tempo_from_bar=3))
    anchor = detected.bar_time(2)
    assert anchor == pytest.approx(4.75)
    assert changed.beats[:9] == detected.beats[:9]
    assert changed.bar_time(2) == pytest.approx(anchor)
    assert changed.bar_time(3) - changed.bar_time(2) == pytest.approx(2.4)
    cuts = boundaries([Duration(1, "bars")] * 4, Fraction(24), changed)
    assert [b - a for a, b in itertools.pairwise(cuts)][1:] == [48, 58, 57]
    # A typed tempo anchors on the bar the editor picked (bar 1 put on the beat at 2.25 s,
    # so the bar from 2.25 s is bar 2), not on the first detected beat (0.25 s).
    picked = effective_grid(a, GridAdjust(tempo=121, tempo_from_bar=2,
                                          first_downbeat_s=2.25))
    assert picked.bar_time(1) == pytest.approx(2.25)
    assert picked.bar_time(2) - picked.bar_time(1) == pytest.approx(4 * 60 / 121, abs=1e-3)
    assert picked.beats[:5] == detected.beats[:5]  # up to and with the anchor
    # Bar 1 put by a time, and the meter the analysis found (3/4) unless the editor sets one
    waltz = Analysis(**{**a.to_dict(), "beats": steady(150, 70), "beats_per_bar": 3,
                        "first_downbeat": 0})
    assert effective_grid(waltz, GridAdjust()).beats_per_bar == 3
    assert effective_grid(waltz, GridAdjust(beats_per_bar=4)).beats_per_bar == 4
    assert effective_grid(waltz, GridAdjust(first_downbeat_s=0.81)).downbeats[0] == 0.8
    assert effective_grid(waltz, GridAdjust(first_downbeat_s=0.81)).first_downbeat == 2
