"""The Ray path's overhead per take against the local executor, on one machine (CPU).

    python bench/bench_ray.py [--takes 8] [--threads 2]

Runs itself inside a loopback-only network namespace (see tests/ray_harness.py; needs root
on Linux), starts a one-node Ray cluster there, and times takes side by side, alternating:
- local: the DiffusersGenerator in this process, then the MP4 encoded into a staging folder
  (what the local executor hands the finisher),
- ray: the same request through a RayExecutor (actor on the node, MP4 encoded there, bytes
  back through Ray, written into the staging folder).
Both end with the same MP4 in staging; the finisher's work after that is the same for both
and is left out. Each path gets the same number of CPU threads. Prints the median seconds
per take and the ratio ray/local (target at most 1.1); writes JSON to $OUT if set.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SHOTS = {"32x32x17, 4 steps": dict(width=32, height=32, num_frames=17, steps=4),
         "64x64x33, 8 steps": dict(width=64, height=64, num_frames=33, steps=8)}


def inside(out: Path, takes: int, threads: int) -> dict:
    import torch

    from bridge.config import Settings
    from bridge.engine.executors.base import Ticket
    from bridge.engine.executors.ray_cluster import RayCluster
    from bridge.generators.diffusers_backend import DiffusersGenerator
    from bridge.generators.presets import all_presets
    from bridge.library import media
    from bridge.request import GenerationRequest
    from tests.ray_harness import LocalCluster

    torch.set_num_threads(threads)
    work = out / "work"
    work.mkdir(parents=True, exist_ok=True)
    cluster = LocalCluster(out, env={"OMP_NUM_THREADS": str(threads)})
    pool = None
    report: dict = {"takes": takes, "threads": threads, "shots": {}}
    try:
        cluster.start_head()
        pool = RayCluster(cluster.address, lambda: all_presets(work), poll_s=1.0)
        pool.start()
        (ray_ex,) = pool.wait_for(1, timeout=180)
        report["actor_threads"] = ray_ex.details.get("cpu_threads")
        gen = DiffusersGenerator(Settings(data_dir=work))

        def local(req: GenerationRequest, n: int) -> float:
            t0 = time.perf_counter()
            video = gen.generate(req, lambda p: None, lambda: False)
            folder = work / "staging-local" / str(n)
            folder.mkdir(parents=True, exist_ok=True)
            media.encode_video(video.frames, media.fps_fraction(video.fps), "{}",
                                folder / "take.mp4")
            return time.perf_counter() - t0

        def remote(req: GenerationRequest, n: int) -> float:
            t0 = time.perf_counter()
            ray_ex.submit(Ticket(f"b{n}", 1, req, work / "staging-ray" / str(n))).result()
            return time.perf_counter() - t0

        n = 0
        for label, shot in SHOTS.items():
            req = gen.resolve(GenerationRequest(prompt="a red fox in snow", model="tiny",
                                                seed=1, **shot))
            for _ in range(2):  # warm both: load, kernels, allocator
                n += 1
                local(req, n)
                remote(req, n)
            times: dict[str, list[float]] = {"local": [], "ray": []}
            for i in range(takes):
                n += 1
                order = ("local", "ray") if i % 2 == 0 else ("ray", "local")
                for path in order:
                    times[path].append((local if path == "local" else remote)(req, n))
            med = {k: statistics.median(v) for k, v in times.items()}
            report["shots"][label] = {
                "local_s": round(med["local"], 4), "ray_s": round(med["ray"], 4),
                "ratio": round(med["ray"] / med["local"], 3),
                "overhead_ms": round((med["ray"] - med["local"]) * 1000, 1),
                "runs": {k: [round(x, 4) for x in v] for k, v in times.items()}}
            print(f"{label:<20} local {med['local']:.3f} s  ray {med['ray']:.3f} s  "
                  f"x{med['ray'] / med['local']:.3f}", flush=True)
    finally:
        if pool is not None:
            pool.close()
        cluster.stop()
    return report


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--takes", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("inside", nargs="?", help=argparse.SUPPRESS)  # the namespace's run
    args = ap.parse_args()
    if args.inside:
        out = Path(args.inside)
        report = inside(out, args.takes, args.threads)
        (out / "result.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
        return 0
    from tests.ray_harness import namespace_problem, run_in_loopback

    if problem := namespace_problem():
        print(f"cannot run: {problem}", file=sys.stderr)
        return 2
    import tempfile

    out = Path(tempfile.mkdtemp(prefix="bench-ray-"))
    report = run_in_loopback(Path(__file__).resolve(), out, 900, "--takes", str(args.takes),
                             "--threads", str(args.threads))
    log = report.pop("_log", "")
    if "shots" not in report:
        print(log, file=sys.stderr)
        return 1
    for label, row in report["shots"].items():
        print(f"{label:<20} local {row['local_s']:.3f} s  ray {row['ray_s']:.3f} s  "
              f"x{row['ratio']:.3f}  ({row['overhead_ms']:+.0f} ms a take)")
    if os.environ.get("OUT"):
        Path(os.environ["OUT"]).mkdir(parents=True, exist_ok=True)
        Path(os.environ["OUT"], "bench_ray.json").write_text(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
