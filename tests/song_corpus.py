"""A song corpus synthesised in code, with the beats and downbeats known exactly.

Eight styles that trip beat trackers in different ways: pop (kick on 1 and 3, so the kick
alone cannot tell bar 1 from beat 3; a short bass note and the chord change on the one do),
house (four on the floor), half-time hip-hop (snare on 3 only), funk (sixteenth hats,
syncopated kicks), drumless piano, a 3/4 waltz (oom-pah-pah), a tempo change from 120 to
100 BPM, and a drummer who speeds up. Every song changes chord on the bar, as songs do.

Each style is a function of the song's length, so the suite uses excerpts of a few seconds
and `bench/bench_song.py` scores full-length songs with the same code.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SR = 22050
# Chord roots (Hz) of a I-V-vi-IV progression in C, one chord a bar.
ROOTS = (130.81, 98.0, 110.0, 87.31)
TRIADS = ((0, 4, 7), (0, 4, 7), (0, 3, 7), (0, 4, 7))


@dataclass(frozen=True)
class Song:
    name: str
    samples: np.ndarray  # mono float32 at SR
    beats: np.ndarray  # true beat times (s)
    downbeats: np.ndarray  # true bar starts (s)
    beats_per_bar: int
    tempo_sections: tuple[tuple[float, float], ...]  # (start s, BPM)


def _kick(loud: float) -> np.ndarray:
    t = np.arange(int(0.25 * SR)) / SR
    freq = 50 + 90 * np.exp(-t * 30)
    return loud * np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 14)


def _noise(rng: np.random.Generator, seconds: float, decay: float, loud: float,
           bright: bool) -> np.ndarray:
    n = int(seconds * SR)
    x = rng.standard_normal(n)
    if bright:
        x = np.diff(x, prepend=0.0)
    return loud * x * np.exp(-np.arange(n) / SR * decay)


def _tone(freqs: tuple[float, ...], seconds: float, loud: float, decay: float) -> np.ndarray:
    t = np.arange(int(seconds * SR)) / SR
    out = sum(np.sin(2 * np.pi * f * t) + 0.3 * np.sin(4 * np.pi * f * t) for f in freqs)
    attack = np.minimum(1.0, t / 0.004)
    return loud * out / len(freqs) * attack * np.exp(-t * decay)


def _chord(bar: int, octave: float = 2.0) -> tuple[float, ...]:
    root = ROOTS[bar % 4] * octave
    return tuple(root * 2 ** (s / 12) for s in TRIADS[bar % 4])


def _beat_times(seconds: float, bpm: Callable[[float], float], lead_in: float) -> np.ndarray:
    out, t = [], lead_in
    while t < seconds:
        out.append(t)
        t += 60.0 / bpm(t)
    return np.array(out)


def _render(name: str, seconds: float, beats: np.ndarray, per_bar: int,
            hits: Callable[[int, float, float, np.random.Generator], list[tuple[float,
                                                                         np.ndarray]]],
            sections: tuple[tuple[float, float], ...], seed: int = 3) -> Song:
    rng = np.random.default_rng(seed)
    out = np.zeros(int((seconds + 1) * SR))
    for i, t in enumerate(beats):
        period = (beats[i + 1] - t) if i + 1 < len(beats) else (t - beats[i - 1])
        for at, part in hits(i, t, period, rng):
            start = round(at * SR)
            if 0 <= start < out.size:
                out[start:start + part.size] += part[:out.size - start]
    out = out[:int(seconds * SR)]
    out /= max(1.0, float(np.abs(out).max()) / 0.9)
    return Song(name, out.astype(np.float32), beats, beats[::per_bar], per_bar, sections)


def pop(seconds: float = 30.0, bpm: float = 118.0) -> Song:
    """Kick on 1 and 3 (the same kick), snare 2 and 4, hats on eighths, a short bass note
    and a new chord on the one."""
    def hits(i, t, p, rng):
        pos, bar = i % 4, i // 4
        out = [(t, _noise(rng, 0.05, 90, 0.25, True)), (t + p / 2, _noise(rng, 0.05, 90, 0.25,
                                                                          True))]
        if pos in (0, 2):
            out.append((t, _kick(0.8)))
        else:
            out.append((t, _noise(rng, 0.18, 22, 0.35, False)))
        if pos == 0:
            out.append((t, _tone((ROOTS[bar % 4] / 2,), 0.15, 0.5, 20)))
            out.append((t, _tone(_chord(bar), 4 * p, 0.25, 1.0)))
        return out
    beats = _beat_times(seconds, lambda _t: bpm, 0.3)
    return _render("pop", seconds, beats, 4, hits, ((0.0, bpm),))


def house(seconds: float = 30.0, bpm: float = 124.0) -> Song:
    def hits(i, t, p, rng):
        pos, bar = i % 4, i // 4
        out = [(t, _kick(0.8)), (t + p / 2, _noise(rng, 0.12, 30, 0.2, True))]
        if pos in (1, 3):
            out.append((t, _noise(rng, 0.15, 25, 0.3, False)))
        if pos == 0:
            out.append((t, _tone(_chord(bar, 4.0), 0.25, 0.3, 8)))
            out.append((t, _tone((ROOTS[bar % 4] / 2,), 4 * p, 0.3, 0.8)))
        return out
    beats = _beat_times(seconds, lambda _t: bpm, 0.1)
    return _render("house", seconds, beats, 4, hits, ((0.0, bpm),))


def hiphop(seconds: float = 30.0, bpm: float = 88.0) -> Song:
    """Half-time: kick on 1 and the and of 2, snare only on 3, hats on eighths."""
    def hits(i, t, p, rng):
        pos, bar = i % 4, i // 4
        out = [(t, _noise(rng, 0.04, 100, 0.2, True)), (t + p / 2, _noise(rng, 0.04, 100,
                                                                          0.15, True))]
        if pos == 0:
            out += [(t, _kick(0.9)), (t, _tone(_chord(bar), 4 * p, 0.2, 0.8))]
        if pos == 1:
            out.append((t + p / 2, _kick(0.6)))
        if pos == 2:
            out.append((t, _noise(rng, 0.2, 18, 0.45, False)))
        return out
    beats = _beat_times(seconds, lambda _t: bpm, 0.5)
    return _render("hiphop", seconds, beats, 4, hits, ((0.0, bpm),))


def funk(seconds: float = 30.0, bpm: float = 104.0) -> Song:
    """Sixteenth hats, kicks on 1, the a of 1 and the and of 3, snare 2 and 4 with ghosts."""
    def hits(i, t, p, rng):
        pos, bar = i % 4, i // 4
        out = [(t + k * p / 4, _noise(rng, 0.03, 120, 0.18 if k else 0.25, True))
               for k in range(4)]
        if pos == 0:
            out += [(t, _kick(0.9)), (t + 3 * p / 4, _kick(0.5)),
                    (t, _tone((ROOTS[bar % 4] / 2,), 0.2, 0.5, 12)),
                    (t, _tone(_chord(bar), 4 * p, 0.2, 1.0))]
        if pos == 2:
            out.append((t + p / 2, _kick(0.6)))
        if pos in (1, 3):
            out += [(t, _noise(rng, 0.15, 25, 0.4, False)),
                    (t + 3 * p / 4, _noise(rng, 0.06, 40, 0.08, False))]
        return out
    beats = _beat_times(seconds, lambda _t: bpm, 0.2)
    return _render("funk", seconds, beats, 4, hits, ((0.0, bpm),))


def piano(seconds: float = 30.0, bpm: float = 84.0) -> Song:
    """No drums: a bass note and a chord on the one, the chord again on every beat."""
    def hits(i, t, p, rng):
        pos, bar = i % 4, i // 4
        out = [(t, _tone(_chord(bar), p, 0.35 if pos == 0 else 0.22, 3.0))]
        if pos == 0:
            out.append((t, _tone((ROOTS[bar % 4] / 2,), 4 * p, 0.45, 0.7)))
        return out
    beats = _beat_times(seconds, lambda _t: bpm, 0.4)
    return _render("piano", seconds, beats, 4, hits, ((0.0, bpm),))


def waltz(seconds: float = 30.0, bpm: float = 150.0) -> Song:
    """3/4: a bass note on the one (oom), the chord on two and three (pah pah)."""
    def hits(i, t, p, rng):
        pos, bar = i % 3, i // 3
        if pos == 0:
            return [(t, _tone((ROOTS[bar % 4] / 2,), 0.3, 0.6, 6)),
                    (t, _kick(0.35))]
        return [(t, _tone(_chord(bar), 0.25, 0.3, 10)),
                (t, _noise(rng, 0.05, 80, 0.1, True))]
    beats = _beat_times(seconds, lambda _t: bpm, 0.25)
    return _render("waltz", seconds, beats, 3, hits, ((0.0, bpm),))


def tempo_change(seconds: float = 40.0, first: float = 120.0, second: float = 100.0) -> Song:
    """The pop pattern at 120 BPM for the first half, 100 BPM after (from a bar line)."""
    half = seconds / 2
    bar = 240.0 / first
    change = 0.3 + bar * round((half - 0.3) / bar)
    beats = _beat_times(seconds, lambda t: first if t < change - 1e-6 else second, 0.3)

    def hits(i, t, p, rng):
        pos, bar_i = i % 4, i // 4
        out = [(t, _noise(rng, 0.05, 90, 0.25, True)), (t + p / 2, _noise(rng, 0.05, 90,
                                                                          0.25, True))]
        if pos in (0, 2):
            out.append((t, _kick(0.8)))
        else:
            out.append((t, _noise(rng, 0.18, 22, 0.35, False)))
        if pos == 0:
            out += [(t, _tone((ROOTS[bar_i % 4] / 2,), 0.15, 0.5, 20)),
                    (t, _tone(_chord(bar_i), 4 * p, 0.25, 1.0))]
        return out
    return _render("tempo_change", seconds, beats, 4, hits, ((0.0, first), (change, second)))


def speeding_drummer(seconds: float = 40.0, start: float = 96.0, end: float = 108.0) -> Song:
    """A rock beat (kick 1 and 3, snare 2 and 4, eighth hats) drifting from 96 to 108 BPM."""
    def hits(i, t, p, rng):
        pos, bar = i % 4, i // 4
        out = [(t, _noise(rng, 0.05, 90, 0.22, True)), (t + p / 2, _noise(rng, 0.05, 90, 0.18,
                                                                          True))]
        out.append((t, _kick(0.85 if pos == 0 else 0.6)) if pos in (0, 2)
                   else (t, _noise(rng, 0.18, 22, 0.4, False)))
        if pos == 0:
            out += [(t, _noise(rng, 0.5, 6, 0.12, True)),
                    (t, _tone(_chord(bar), 4 * p, 0.2, 1.0))]
        return out
    beats = _beat_times(seconds, lambda t: start + (end - start) * t / seconds, 0.2)
    return _render("speeding_drummer", seconds, beats, 4, hits, ((0.0, start),
                                                                 (seconds, end)))


STYLES: dict[str, Callable[..., Song]] = {
    "pop": pop, "house": house, "hiphop": hiphop, "funk": funk, "piano": piano,
    "waltz": waltz, "tempo_change": tempo_change, "speeding_drummer": speeding_drummer,
}


def corpus(seconds: float | None = None) -> list[Song]:
    """Every style, at its own default length or `seconds` long."""
    return [make() if seconds is None else make(seconds) for make in STYLES.values()]
