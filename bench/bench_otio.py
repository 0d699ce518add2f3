"""Benchmark: Promptcut's timeline writers and readers against OpenTimelineIO's own adapters,
side by side in one run, for a 1,000-clip cut in every format.

Run: `.venv/bin/python bench/bench_otio.py [--clips 1000] [--repeats 5] [--formats otio,edl]`.
Not a test: absolute times depend on the machine; the ratio (ours / OTIO's) is the figure.
Each pair runs alternately (ours, OTIO's, ours, ...) and the medians are compared.

- write, ours: `build_timeline(cut)` + the format's writer (`to_string`, or `write_file`
  for .otioz), every fix included.
- write, OTIO's own: the same timeline (same clips, ranges, media references, take metadata
  and markers) built with OTIO's Python API, then `otio.adapters.write_to_string` (or
  `write_to_file` for .otioz). Media at 8/16 fps is described at the sequence rate there too,
  since the FCP7 writer refuses timecode at those rates otherwise.
- read, ours: `read_cut(bytes, name)`, vetting and conversion to a cut list included.
- read, OTIO's own: `otio.adapters.read_from_string` (`read_from_file` for .otioz) of the
  same file.

The cut: 29.97 fps, takes at 16 and 30 fps alternately (the mixed-rate case), one V1 track,
a marker on every tenth clip and ten sequence markers. Media paths are synthetic except for
.otioz, which bundles real files: 1,000 clips share 10 small files there.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import opentimelineio as otio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from otio_export import FORMATS, Cut, Marker, build_timeline, entry_from_take, read_cut
from otio_export.formats import write_file
from otio_export.metadata import safe, take_fields

SEQ = 30000 / 1001


def make_cut(clips: int, folder: Path) -> Cut:
    files = []
    for i in range(10):
        path = folder / f"take {i} été.mp4"
        path.write_bytes(b"\0" * 4096)
        files.append(path)
    entries = []
    for i in range(clips):
        fps = 16 if i % 2 else 30
        take = {"id": f"t0193abc1234{i:08x}", "prompt": f"shot {i}, a fox in snow",
                "model": "tiny", "seed": i, "fps": fps, "num_frames": 49,
                "media_path": str(files[i % 10]),
                "record": {"request": {"prompt": f"shot {i}", "seed": i, "steps": 8,
                                       "guidance": 3.0, "width": 512, "height": 320}}}
        entries.append(entry_from_take(take, duration=20 + i % 7, markers=[
            Marker(f"m{i}", 3, color="GREEN", note="beat")] if i % 10 == 0 else []))
    return Cut(name="bench", fps=29.97, entries=entries,
               markers=[Marker(f"s{i}", i * 100, color="YELLOW") for i in range(10)])


def otio_own_timeline(cut: Cut) -> otio.schema.Timeline:
    """The same timeline through OTIO's Python API, as a program using OTIO directly would
    build it (metadata included: it is part of the cut)."""
    rt, tr = otio.opentime.RationalTime, otio.opentime.TimeRange
    track = otio.schema.Track(name="V1")
    for entry in cut.entries:
        prompt, seed, model = take_fields(entry.take)
        media_rate = float(entry.media_fps)
        length = entry.media_frames
        if not rt.is_valid_timecode_rate(media_rate):
            media_rate, length = SEQ, int(entry.media_frames / entry.media_fps * SEQ)
        ref = otio.schema.ExternalReference(
            target_url=Path(entry.media_path).as_uri(),
            available_range=tr(rt(0, media_rate), rt(length, media_rate)))
        ref.metadata["fcpx"] = {"note": prompt, "metadata": [{"promptcut.take_id": entry.take_id},
                                                             {"promptcut.seed": seed}]}
        clip = otio.schema.Clip(name=entry.name, media_reference=ref,
                                source_range=tr(rt(entry.source_in, SEQ),
                                                rt(entry.duration, SEQ)))
        clip.metadata["promptcut"] = {"take_id": entry.take_id, "take": safe(entry.take),
                                      "media_path": entry.media_path, "media_kind": "file"}
        clip.metadata["fcp_xml"] = {"logginginfo": {"description": prompt, "scene": model}}
        for m in entry.markers:
            clip.markers.append(otio.schema.Marker(
                name=m.name, color=m.color, marked_range=tr(rt(m.frame, SEQ), rt(0, SEQ)),
                metadata={"promptcut": {"note": m.note}}))
        track.append(clip)
    timeline = otio.schema.Timeline(name=cut.name, tracks=[track],
                                    global_start_time=rt(0, SEQ))
    for m in cut.markers:
        timeline.tracks.markers.append(otio.schema.Marker(
            name=m.name, color=m.color, marked_range=tr(rt(m.frame, SEQ), rt(0, SEQ))))
    return timeline


def side_by_side(ours, theirs, repeats: int) -> tuple[float, float]:
    a, b = [], []
    for _ in range(repeats):
        for fn, out in ((ours, a), (theirs, b)):
            started = time.perf_counter()
            fn()
            out.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--formats", default=",".join(FORMATS))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        cut = make_cut(args.clips, folder)
        build_timeline(cut)  # lay the cut out once (fills durations for the OTIO build)
        print(f"{args.clips} clips, median of {args.repeats}, run alternately; "
              "29.97 fps sequence, media 16 and 30 fps")
        print(f"{'format':<9}{'step':<7}{'ours ms':>10}{'OTIO ms':>10}{'ratio':>8}{'KiB':>8}")
        for fmt in args.formats.split(","):
            record = FORMATS[fmt]
            ours_path = folder / f"ours{record.extension}"
            theirs_path = folder / f"theirs{record.extension}"

            def write_ours(fmt=fmt, path=ours_path):
                write_file(build_timeline(cut), fmt, path)

            def write_theirs(fmt=fmt, path=theirs_path, adapter=record.adapter):
                timeline = otio_own_timeline(cut)
                if fmt == "otioz":
                    path.unlink(missing_ok=True)
                    otio.adapters.write_to_file(timeline, str(path), adapter_name="otioz")
                else:
                    path.write_text(otio.adapters.write_to_string(timeline, adapter_name=adapter,
                                                                  **_kwargs(fmt)), "utf-8")

            mine, theirs = side_by_side(write_ours, write_theirs, args.repeats)
            size = ours_path.stat().st_size / 1024
            print(f"{fmt:<9}{'write':<7}{mine * 1e3:>10.0f}{theirs * 1e3:>10.0f}"
                  f"{mine / theirs:>8.2f}{size:>8.0f}")
            data = ours_path.read_bytes()

            def read_ours(data=data, name=ours_path.name):
                read_cut(data, name, edl_rate=29.97)

            def read_theirs(fmt=fmt, path=ours_path, data=data, adapter=record.adapter):
                if fmt == "otioz":
                    otio.adapters.read_from_file(str(path), adapter_name="otioz")
                else:
                    otio.adapters.read_from_string(data.decode("utf-8"), adapter_name=adapter,
                                                   **_kwargs(fmt))

            mine, theirs = side_by_side(read_ours, read_theirs, args.repeats)
            print(f"{fmt:<9}{'read':<7}{mine * 1e3:>10.0f}{theirs * 1e3:>10.0f}"
                  f"{mine / theirs:>8.2f}")


def _kwargs(fmt: str) -> dict:
    return {"rate": SEQ} if fmt == "edl" else {}


if __name__ == "__main__":
    main()
