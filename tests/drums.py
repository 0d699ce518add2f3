"""A drum pattern the tests write themselves: 4/4 at a known tempo, accented downbeats.

Kick on 1 and 3, snare on 2 and 4, closed hi-hats on every eighth (the pop pattern that can
pull a beat tracker onto the off-beats), a crash on every bar's one. Written as WAV, MP3 or
AAC through PyAV, so the decoder under test reads real encoded files.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

SR = 44100


def _kick(rng: np.random.Generator, loud: float) -> np.ndarray:
    t = np.arange(int(0.25 * SR)) / SR
    freq = 50 + 90 * np.exp(-t * 30)
    return loud * np.sin(2 * np.pi * np.cumsum(freq) / SR) * np.exp(-t * 14)


def _noise(rng: np.random.Generator, seconds: float, decay: float, loud: float,
           highpass: bool) -> np.ndarray:
    n = int(seconds * SR)
    x = rng.standard_normal(n)
    if highpass:
        x = np.diff(x, prepend=0.0)
    return loud * x * np.exp(-np.arange(n) / SR * decay)


def pattern(bpm: float, seconds: float, lead_in: float = 0.0, seed: int = 3
            ) -> tuple[np.ndarray, np.ndarray]:
    """(samples, beat times) of the pattern; beat 0 is a downbeat at `lead_in` seconds."""
    rng = np.random.default_rng(seed)
    out = np.zeros(int(seconds * SR) + SR)
    period = 60.0 / bpm
    beats = []
    t, i = lead_in, 0
    while t < seconds:
        beats.append(t)
        start = round(t * SR)
        pos = i % 4
        parts = []
        if pos in (0, 2):
            parts.append(_kick(rng, 0.9 if pos == 0 else 0.55))
        if pos in (1, 3):
            parts.append(_noise(rng, 0.18, 22, 0.35, False))
        if pos == 0:
            parts.append(_noise(rng, 0.6, 5, 0.25, True))
        for part in parts:
            out[start:start + part.size] += part[:out.size - start]
        for half in (0.0, 0.5):  # hats on every eighth
            h = round((t + half * period) * SR)
            if h < out.size:
                hat = _noise(rng, 0.05, 90, 0.3, True)
                out[h:h + hat.size] += hat[:out.size - h]
        t += period
        i += 1
    out = out[:int(seconds * SR)]
    out /= max(1.0, float(np.abs(out).max()) / 0.9)
    return out.astype(np.float32), np.array(beats)


def write(path: Path, samples: np.ndarray, codec: str | None = None) -> Path:
    """Write mono samples as WAV (pcm_s16le), MP3 (libmp3lame) or AAC (.m4a) via PyAV."""
    path = Path(path)
    codec = codec or {".wav": "pcm_s16le", ".mp3": "libmp3lame", ".m4a": "aac",
                      ".flac": "flac"}[path.suffix]
    stereo = np.stack([samples, samples])
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=SR, layout="stereo")
        fmt = {"pcm_s16le": "s16", "flac": "s16"}.get(codec, "fltp")
        step = 1152
        for start in range(0, samples.size, step):
            chunk = stereo[:, start:start + step]
            if fmt == "s16":
                data = (np.clip(chunk, -1, 1) * 32767).astype(np.int16).T.reshape(1, -1)
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data), format="s16",
                                                   layout="stereo")
            else:
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                                   layout="stereo")
            frame.sample_rate = SR
            frame.pts = start
            frame.time_base = Fraction(1, SR)
            for packet in stream.encode(frame):
                out.mux(packet)
        for packet in stream.encode(None):
            out.mux(packet)
    return path
