"""Benchmark: a 1,000-clip cut built, written and read back in each format.

Run: `.venv/bin/python bench/bench_otio.py [--clips 1000] [--repeats 5]`. Prints the median
of each step and the time per clip. Not a test: figures depend on the machine. Media paths
are synthetic (16 and 30 fps takes in a 29.97 fps sequence, the mixed-rate case), except for
.otioz, which bundles real files: 1,000 clips share 10 small files there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otio_export import FORMATS, Cut, Marker, build_timeline, entry_from_take, read_cut
from otio_export.formats import write_file

READERS = {"otio": "cut.otio", "fcp7xml": "cut.xml", "edl": "cut.edl", "fcpxml": "cut.fcpxml"}


def make_cut(clips: int, folder: Path) -> Cut:
    files = []
    for i in range(10):
        path = folder / f"take {i} été.mp4"
        path.write_bytes(b"\0" * 4096)
        files.append(path)
    entries = []
    for i in range(clips):
        fps = 16 if i % 2 else 30
        take = {"id": f"tk{i:05d}", "prompt": f"shot {i}, a fox in snow", "model": "tiny",
                "seed": i, "fps": fps, "num_frames": 49, "media_path": str(files[i % 10]),
                "record": {"request": {"prompt": f"shot {i}", "seed": i}}}
        entries.append(entry_from_take(take, duration=20 + i % 7,
                                       markers=[Marker(f"m{i}", 3)] if i % 10 == 0 else []))
    return Cut(name="bench", fps=29.97, entries=entries)


def timed(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cut = make_cut(args.clips, folder)
        build = timed(lambda: build_timeline(cut), args.repeats)
        timeline = build_timeline(cut)
        print(f"{args.clips} clips, median of {args.repeats}; sequence 29.97 fps, "
              "media 16 and 30 fps")
        print(f"{'step':<18}{'median s':>10}{'per clip ms':>13}{'file KiB':>10}")
        print(f"{'build timeline':<18}{build:>10.3f}{build / args.clips * 1e3:>13.3f}")
        for fmt in FORMATS:
            path = folder / f"cut{FORMATS[fmt]}"
            write = timed(lambda fmt=fmt, path=path: write_file(timeline, fmt, path),
                          args.repeats)
            size = path.stat().st_size / 1024
            print(f"{'write ' + fmt:<18}{write:>10.3f}{write / args.clips * 1e3:>13.3f}"
                  f"{size:>10.0f}")
            if fmt in READERS:
                data = path.read_bytes()
                read = timed(lambda data=data, fmt=fmt: read_cut(
                    data, READERS[fmt], edl_rate=29.97), args.repeats)
                print(f"{'read ' + fmt:<18}{read:>10.3f}{read / args.clips * 1e3:>13.3f}")


if __name__ == "__main__":
    main()
