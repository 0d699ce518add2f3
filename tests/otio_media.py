"""Real media for the timeline tests, made once per module: tiny takes written by
bridge.library.media (H.264 MP4 with the take record embedded, as the bridge writes them)
at 8, 16, 24, 25 and 30 fps, and a song (a 48 kHz WAV encoded by PyAV), in folders whose
names hold spaces, non-ASCII characters and "%41" (which a double URL-decode turns into
"A").

Not a test module: the fixtures import it.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from bridge.library.media import probe
from bridge.library.take_files import write_take

MEDIA_RATES = (8, 16, 24, 25, 30)
FRAMES = 17
SONG_SECONDS = 2
SONG_RATE = 48000
SEQUENCE_RATES = {23.976: Fraction(24000, 1001), 24: Fraction(24), 25: Fraction(25),
                  29.97: Fraction(30000, 1001), 30: Fraction(30),
                  59.94: Fraction(60000, 1001)}


def take_id(fps: int) -> str:
    """Ids shaped like Promptcut's (t + 11 hex of time + 8 random hex): all share their
    first 8 characters, as takes made minutes apart do."""
    return f"t0193abc1234{0xC0FFEE00 + fps:08x}"


def fill(media_fps: int, rate: Fraction, frames: int = FRAMES) -> int:
    """Whole sequence frames a take fills, worked out in integers: floor(frames / fps *
    rate), e.g. 17 frames at 16 fps in 24 fps: 25.5 -> 25."""
    return (frames * rate.numerator) // (media_fps * rate.denominator)


def make_takes(folder: Path) -> dict[int, dict]:
    """One take per media rate, as the library describes it (docs/api.md's take shape)."""
    out = {}
    for i, fps in enumerate(MEDIA_RATES):
        frames = np.zeros((FRAMES, 32, 32, 3), np.uint8)
        frames[:, :, :, i % 3] = np.linspace(0, 255, FRAMES, dtype=np.uint8)[:, None, None]
        tid = take_id(fps)
        prompt = f"a fox in snow, shot {i} — ü"
        record = {"schema_version": 1, "take_id": tid, "fps": fps, "num_frames": FRAMES,
                  "request": {"prompt": prompt, "seed": 1000 + fps, "model": "tiny"}}
        files = write_take(frames, fps, record, folder, f"take {fps}fps été")
        info = probe(files.video)
        assert (info.frames, round(info.fps, 3)) == (FRAMES, fps)
        out[fps] = {"id": tid, "prompt": prompt, "model": "tiny", "seed": 1000 + fps,
                    "width": 32, "height": 32, "num_frames": FRAMES, "fps": fps,
                    "duration_s": FRAMES / fps, "rating": 0, "status": "picked",
                    "record": info.record, "media_path": str(files.video), "batch_id": "b1",
                    "created_at": "t"}
    return out


def make_song(path: Path) -> Path:
    """A 2-second 48 kHz stereo WAV: a click on every beat at 120 BPM."""
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = SONG_SECONDS * SONG_RATE
    wave = np.zeros((2, samples), np.int16)
    for beat in range(0, samples, SONG_RATE // 2):
        wave[:, beat:beat + 480] = 12000
    with av.open(str(path), "w") as container:
        stream = container.add_stream("pcm_s16le", rate=SONG_RATE, layout="stereo")
        for start in range(0, samples, 4800):
            chunk = np.ascontiguousarray(wave[:, start:start + 4800].T.reshape(1, -1))
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="stereo")
            frame.sample_rate = SONG_RATE
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return path
