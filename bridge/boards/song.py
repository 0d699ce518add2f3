"""Song analysis: decode any audio file with PyAV; tempo, beats, downbeats and waveform
peaks with librosa; cached by the file's content hash.

librosa needs no weights, so it works offline on every machine. Two things it does not do
are added here, each a small named step: it can lock onto the off-beats of a pop pattern
(hi-hats on every eighth put as much onset energy between the beats as on them), so the grid
is moved by half a beat when the half-beat points carry clearly more low-frequency accent
than the beats; and it has no downbeats, so bar 1 is the beat phase (of beats_per_bar) whose
beats carry the most accent energy (kick and crash on the one). A neural tracker
(beat-this) is used instead only when its checkpoint is already on disk; it is never
downloaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import os
import secrets
from dataclasses import asdict, dataclass
from pathlib import Path

import av
import numpy as np

log = logging.getLogger("promptcut.boards")

ANALYSIS_VERSION = 1
SR = 22050  # analysis rate: librosa's default, enough for onsets and the waveform
HOP = 512
BEATS_PER_BAR = 4
MAX_PEAKS = 4096
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".aif", ".aiff", ".mp4")


class SongError(ValueError):
    """A file that is not audio PyAV can decode (the API answers it as a 4xx)."""


@dataclass(frozen=True)
class Decoded:
    samples: np.ndarray  # mono float32 at SR
    sample_rate: int  # the file's own rate
    frames: int  # the file's own length in samples at its rate
    channels: int


@dataclass(frozen=True)
class Analysis:
    sha256: str
    duration_s: float
    sample_rate: int
    samples: int
    channels: int
    tempo: float
    beats: tuple[float, ...]
    downbeats: tuple[float, ...]
    first_downbeat: int  # index into beats
    beats_per_bar: int
    peaks: tuple[float, ...]
    tracker: str
    shifted_half_beat: bool = False
    version: int = ANALYSIS_VERSION

    def to_dict(self) -> dict:
        out = asdict(self)
        out["beats"], out["downbeats"], out["peaks"] = (
            list(self.beats), list(self.downbeats), list(self.peaks))
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        data = dict(data)
        for key in ("beats", "downbeats", "peaks"):
            data[key] = tuple(data[key])
        return cls(**data)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def decode(path: Path) -> Decoded:
    """The first audio stream as mono float32 at SR; its own rate and length kept too."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise SongError(f"This is not an audio file PyAV can read ({err}).") from None
    with container:
        stream = next((s for s in container.streams if s.type == "audio"), None)
        if stream is None:
            raise SongError("The file has no audio stream.")
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
        chunks: list[np.ndarray] = []
        native = 0
        try:
            for frame in container.decode(stream):
                native += frame.samples
                chunks += [r.to_ndarray().reshape(-1) for r in resampler.resample(frame)]
            chunks += [r.to_ndarray().reshape(-1) for r in resampler.resample(None)]
        except av.error.FFmpegError as err:
            raise SongError(f"The audio cannot be decoded ({err}).") from None
        rate = int(stream.sample_rate or stream.codec_context.sample_rate or 0)
        channels = int(stream.codec_context.channels or 1)
    samples = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if rate <= 0 or samples.size < SR:
        raise SongError("The song is shorter than one second; give a longer audio file.")
    return Decoded(samples, rate, native, channels)


def peaks(samples: np.ndarray, count: int) -> list[float]:
    """Largest absolute sample per bucket, 0..1, for drawing the waveform."""
    count = max(1, min(count, samples.size))
    edges = np.linspace(0, samples.size, count + 1).astype(np.int64)
    out = np.maximum.reduceat(np.abs(samples), edges[:-1])
    top = float(out.max()) or 1.0
    return [round(float(v) / top, 4) for v in out]


def _accent(y: np.ndarray) -> np.ndarray:
    """Onset strength of the low band (kick drum, bass): what marks beats and bar starts."""
    import librosa

    mel = librosa.feature.melspectrogram(y=y, sr=SR, hop_length=HOP, n_mels=64, fmax=8000)
    low = librosa.power_to_db(mel[:8])
    return np.maximum(0.0, np.diff(low, axis=1, prepend=low[:, :1])).mean(axis=0)


def _strength_at(envelope: np.ndarray, times: np.ndarray) -> np.ndarray:
    """The envelope's maximum within ±2 hops of each time (onsets smear across a hop)."""
    frames = np.round(times * SR / HOP).astype(int)
    out = np.zeros(len(frames))
    for i, f in enumerate(frames):
        lo, hi = max(0, f - 2), min(len(envelope), f + 3)
        out[i] = envelope[lo:hi].max() if hi > lo else 0.0
    return out


def fix_off_beat(beats: np.ndarray, accent: np.ndarray) -> tuple[np.ndarray, bool]:
    """Move the grid half a beat when the points between beats carry clearly more accent."""
    if len(beats) < 8:
        return beats, False
    mids = (beats[:-1] + beats[1:]) / 2
    on, off = _strength_at(accent, beats).mean(), _strength_at(accent, mids).mean()
    if off > 1.5 * on:
        return mids, True
    return beats, False


def first_downbeat(beats: np.ndarray, accent: np.ndarray, per_bar: int = BEATS_PER_BAR
                   ) -> int:
    """Bar 1 is the beat phase with the most accent energy per beat (the loudest kick)."""
    if len(beats) < per_bar:
        return 0
    strength = _strength_at(accent, beats)
    scores = [strength[p::per_bar].mean() for p in range(per_bar)]
    return int(np.argmax(scores))


def _librosa_beats(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    import librosa

    envelope = librosa.onset.onset_strength(y=y, sr=SR, hop_length=HOP)
    _, frames = librosa.beat.beat_track(onset_envelope=envelope, sr=SR, hop_length=HOP,
                                        trim=False)
    return librosa.frames_to_time(frames, sr=SR, hop_length=HOP), _accent(y)


def neural_checkpoint(models_dir: Path | None) -> Path | None:
    """A beat-this checkpoint already on disk (`<models>/beat_this/*.ckpt`), if its package
    is installed; None otherwise. Nothing is ever downloaded for it."""
    import importlib.util

    if models_dir is None or importlib.util.find_spec("beat_this") is None:
        return None
    found = sorted((Path(models_dir) / "beat_this").glob("*.ckpt"))
    return found[0] if found else None


def _neural_beats(y: np.ndarray, checkpoint: Path) -> tuple[np.ndarray, np.ndarray]:
    from beat_this.inference import Audio2Beats

    beats, downbeats = Audio2Beats(checkpoint_path=str(checkpoint), device="cpu",
                                   dbn=False)(y, SR)
    return np.asarray(beats, float), np.asarray(downbeats, float)


def tempo_of(beats: np.ndarray) -> float:
    """BPM from a straight line through the beats, each numbered by counting periods.

    Beat times are quantised to the analysis hop (23 ms), and so is their median spacing;
    the slope over the whole song is not. Each gap is counted in whole median periods (a
    missed beat counts two), and beats far off the line (a phantom at the song's end) are
    left out of a second fit.
    """
    if len(beats) < 4:
        return round(60.0 / float(np.median(np.diff(beats))), 2) if len(beats) > 1 else 0.0
    period = float(np.median(np.diff(beats)))
    index = np.concatenate([[0], np.cumsum(np.maximum(1, np.round(np.diff(beats) / period)))])
    slope, offset = np.polyfit(index, beats, 1)
    keep = np.abs(beats - (slope * index + offset)) < 0.25 * slope
    if keep.sum() >= 4:
        slope = np.polyfit(index[keep], beats[keep], 1)[0]
    return round(60.0 / float(slope), 2)


def analyse(decoded: Decoded, sha256: str, tracker: str = "librosa",
            checkpoint: Path | None = None) -> Analysis:
    y = decoded.samples
    shifted = False
    if tracker == "beat_this" and checkpoint is not None:
        beats, downs = _neural_beats(y, checkpoint)
        first = int(np.argmin(np.abs(beats - downs[0]))) if len(downs) and len(beats) else 0
        name = f"beat_this {checkpoint.name}"
    else:
        import librosa

        beats, accent = _librosa_beats(y)
        beats, shifted = fix_off_beat(beats, accent)
        first = first_downbeat(beats, accent)
        name = f"librosa {librosa.__version__}"
    duration = y.size / SR
    beats = beats[(beats >= 0) & (beats <= duration)]
    count = min(MAX_PEAKS, max(256, math.ceil(duration * 40)))
    return Analysis(
        sha256=sha256, duration_s=round(duration, 4), sample_rate=decoded.sample_rate,
        samples=decoded.frames, channels=decoded.channels, tempo=tempo_of(beats),
        beats=tuple(round(float(b), 4) for b in beats),
        downbeats=tuple(round(float(b), 4) for b in beats[first::BEATS_PER_BAR]),
        first_downbeat=first, beats_per_bar=BEATS_PER_BAR, peaks=tuple(peaks(y, count)),
        tracker=name, shifted_half_beat=shifted)


def cached_analysis(path: Path, cache_dir: Path, sha256: str | None = None,
                    models_dir: Path | None = None) -> Analysis:
    """The analysis of a file, computed once per content hash and tracker."""
    sha256 = sha256 or file_sha256(path)
    checkpoint = neural_checkpoint(models_dir)
    tracker = "beat_this" if checkpoint else "librosa"
    cache = Path(cache_dir) / f"{sha256}.{tracker}.v{ANALYSIS_VERSION}.json"
    if cache.is_file():
        try:
            return Analysis.from_dict(json.loads(cache.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError) as err:
            log.warning("re-analysing %s: cached analysis unreadable (%s)", path, err)
    result = analyse(decode(path), sha256, tracker, checkpoint)
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(f".{cache.name}.{secrets.token_hex(6)}.partial")
    partial.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    os.replace(partial, cache)
    return result
