"""How long writing one take costs, against copying its frames once in numpy.

    .venv/bin/python bench/bench_media.py [--frames 121] [--width 768] [--height 512]

Prints the median of a few runs of `write_take` (MP4 + poster + filmstrip + sidecar), the
same for a raw `frames.copy()`, and their ratio; then how far a pure-Python thread gets while
a take encodes, against how far it gets alone (near 1.0 means the encoder leaves the GIL free,
so the job engine's encode pool does not stall the GPU worker's Python code).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bridge.library.take_files import write_take


def frames_like_a_take(count: int, height: int, width: int) -> np.ndarray:
    """Smooth moving content (random noise would make x264 look far slower than real video)."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float32)
    out = np.empty((count, height, width, 3), np.uint8)
    for i in range(count):
        t = i / max(1, count - 1)
        out[i, ..., 0] = 127 + 120 * np.sin(x / 40 + 6 * t)
        out[i, ..., 1] = 127 + 120 * np.sin(y / 30 - 4 * t)
        out[i, ..., 2] = 127 + 120 * np.sin((x + y) / 60 + 3 * t)
    return out


def median_time(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def python_rate(work) -> float:
    """Loop iterations per second a pure-Python thread makes while `work()` runs."""
    busy, count = threading.Event(), [0]
    busy.set()

    def spin() -> None:
        while busy.is_set():
            count[0] += 1

    thread = threading.Thread(target=spin)
    start = time.perf_counter()
    thread.start()
    work()
    busy.clear()
    thread.join()
    return count[0] / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--frames", type=int, default=121)
    parser.add_argument("--width", type=int, default=768)
    parser.add_argument("--height", type=int, default=512)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    frames = frames_like_a_take(args.frames, args.height, args.width)
    record = {"prompt": "bench", "seed": 0}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        write_take(frames[:5], 24, record, folder, "warmup")
        encode = median_time(lambda: write_take(frames, 24, record, folder, "take"), args.runs)
        copy = median_time(frames.copy, args.runs)
        size = (folder / "take.mp4").stat().st_size

        during = python_rate(lambda: write_take(frames, 24, record, folder, "gil"))
        alone = python_rate(lambda: time.sleep(encode))

    shape = f"{args.width}x{args.height}x{args.frames}"
    print(
        f"take {shape}: write_take {encode * 1000:.0f} ms, numpy copy {copy * 1000:.1f} ms, "
        f"ratio {encode / copy:.0f}x; mp4 {size / 1024:.0f} KiB; "
        f"{args.frames / encode:.0f} frames/s"
    )
    print(f"python thread during encode: {during / alone:.2f} of its speed alone")


if __name__ == "__main__":
    main()
