"""The bridge's costs, measured side by side with the tiny model (ratios, not timings).

    python bench/bench_bridge.py [--rounds 5]

1. overhead per take: HTTP submit -> take ready through a real server, against the same
   pipeline call plus encoding in one process, alternated round by round;
2. warm: the first job after start (loads the model) against the second (does not);
3. batch: five takes through the bridge against five denoise-only calls in one process;
   a ratio near 1 means encoding overlaps the next take's denoising;
4. library: median latency of GET /takes over 10,000 takes (newest page, a prompt search,
   sorted by rating, a deep cursor page).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bridge.config import Settings  # noqa: E402
from bridge.generators.diffusers_backend import DiffusersGenerator  # noqa: E402
from bridge.library import store, take_files  # noqa: E402
from bridge.library.db import Database  # noqa: E402
from bridge.request import GenerationRequest  # noqa: E402
from tests.conftest import Bridge, new_data_dir  # noqa: E402

SHOT = {"prompt": "bench shot", "model": "tiny", "width": 64, "height": 64,
        "num_frames": 17, "steps": 4}


def in_process(gen: DiffusersGenerator, folder: Path, seed: int, encode: bool) -> float:
    req = gen.resolve(GenerationRequest(**{k: v for k, v in SHOT.items()}, seed=seed))
    t0 = time.perf_counter()
    video = gen.generate(req, lambda p: None, lambda: False)
    if encode:
        take_files.write_take(video.frames, video.fps, {"seed": seed}, folder, f"take_{seed}")
    return time.perf_counter() - t0


def through_bridge(bridge: Bridge, seed: int, takes: int = 1) -> float:
    t0 = time.perf_counter()
    batch = bridge.submit(**SHOT, seed=seed, takes=takes)
    bridge.wait_jobs([j["id"] for j in batch["jobs"]], timeout=300)
    # "Ready" means the panel can show it: the take record is served.
    for job in bridge.wait_jobs([j["id"] for j in batch["jobs"]]):
        bridge.api("GET", f"/takes/{job['take_id']}").raise_for_status()
    return time.perf_counter() - t0


def fill_library(data_dir: Path, n: int) -> None:
    db = Database(Settings(data_dir=data_dir).db_path)
    conn = db.conn()
    now = time.time()
    words = ["fox", "neon", "ocean", "desert", "city", "forest", "rain", "mirror"]
    jobs = [{"id": f"jb{i:06d}", "idx": i, "priority": 0, "take_id": f"tb{i:06d}",
             "request": {"prompt": "x"}} for i in range(n)]
    store.insert_batch(conn, {"id": "bbench", "created_at": now, "request": {}}, jobs)
    conn.execute("UPDATE jobs SET status = 'running' WHERE batch_id = 'bbench'")
    conn.execute("BEGIN")
    for i in range(n):
        prompt = f"{words[i % 8]} {words[(i * 7) % 8]} shot {i}"
        conn.execute(
            "INSERT INTO takes(id, job_id, batch_id, created_at, prompt, model, seed, width,"
            " height, num_frames, fps, duration_s, rating, folder, stem, filmstrip, record)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
            (f"tb{i:06d}", f"jb{i:06d}", "bbench", now + i * 1e-3, prompt, "tiny", i, 64, 64,
             17, 24.0, 17 / 24, i % 6, "bbench", f"take_{i}", json.dumps({"columns": 4}),
             json.dumps({"request": {"prompt": prompt, "seed": i}})))
    conn.execute("UPDATE jobs SET status = 'done' WHERE batch_id = 'bbench'")
    conn.execute("COMMIT")
    db.close()


def median_ms(fn, n: int = 30) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    base = Path(tempfile.mkdtemp(prefix="promptcut-bench "))
    settings = Settings(data_dir=base / "in-process")
    settings.ensure_dirs()
    gen = DiffusersGenerator(settings)
    bridge = Bridge(new_data_dir(base / "served"))

    t0 = time.perf_counter()
    bridge.start()
    print(f"bridge start-up (imports, database, worker): {time.perf_counter() - t0:.2f} s")
    first = through_bridge(bridge, 1)  # loads (and on a new data dir builds) the model
    second = through_bridge(bridge, 2)
    print(f"warm: first job {first:.2f} s, second {second:.2f} s, "
          f"ratio second/first {second / first:.3f}")
    log = bridge.log()
    print(f"   log: {log.count('loaded tiny')} load(s), {log.count('warm tiny')} warm reuse(s)")

    in_process(gen, settings.media_dir, 0, True)  # warm the in-process pipeline too
    served, local = [], []
    for r in range(args.rounds):
        served.append(through_bridge(bridge, 100 + r))
        local.append(in_process(gen, settings.media_dir, 100 + r, True))
    ratio = statistics.median(served) / statistics.median(local)
    print(f"overhead per take: bridge {statistics.median(served) * 1000:.0f} ms vs in-process "
          f"generate+encode {statistics.median(local) * 1000:.0f} ms -> ratio {ratio:.2f} "
          f"(+{(statistics.median(served) - statistics.median(local)) * 1000:.0f} ms)")

    batch, denoise = [], []
    for r in range(max(2, args.rounds // 2)):
        batch.append(through_bridge(bridge, 1000 + r * 10, takes=5))
        denoise.append(sum(in_process(gen, settings.media_dir, 2000 + r * 10 + i, False)
                           for i in range(5)))
    print(f"five-take batch: bridge {statistics.median(batch):.2f} s vs five denoise-only "
          f"{statistics.median(denoise):.2f} s -> ratio "
          f"{statistics.median(batch) / statistics.median(denoise):.2f}")
    bridge.stop()

    lib = Bridge(new_data_dir(base / "library"))
    lib.start()
    lib.stop()
    fill_library(lib.data_dir, 10_000)
    lib.start()
    page = lib.api("GET", "/takes", params={"limit": 100}).json()
    assert len(page["takes"]) == 100
    cursor = page["next_cursor"]
    for _ in range(50):
        cursor = lib.api("GET", "/takes", params={"limit": 100, "cursor": cursor}
                         ).json()["next_cursor"]
    cases = {
        "newest 100": {"limit": 100},
        "search 'neon' 100": {"q": "neon", "limit": 100},
        "sort -rating 100": {"sort": "-rating", "limit": 100},
        "page 51 by cursor": {"limit": 100, "cursor": cursor},
        "min_rating 4, 100": {"min_rating": 4, "limit": 100},
    }
    for name, params in cases.items():
        ms = median_ms(lambda p=params: lib.api("GET", "/takes", params=p).raise_for_status())
        print(f"list 10,000 takes, {name}: median {ms:.1f} ms")
    health = median_ms(lambda: lib.api("GET", "/health", auth=False).raise_for_status())
    print(f"   (GET /health median {health:.1f} ms: the HTTP floor)")
    lib.stop()


if __name__ == "__main__":
    main()
