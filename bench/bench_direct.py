"""The cost of each directing route against plain text-to-video at the same size.

    python bench/bench_direct.py [--rounds 3] [--size 64] [--frames 17] [--steps 4]

Every route runs through the DiffusersGenerator the bridge uses, on the tiny random-weight
LTX twin on CPU, alternated round by round with the plain text-to-video take (same seed,
same size, both pipelines warm, loading excluded). Reported: the median of per-round
ratios route/plain (each route's take right after its plain take, so the drift of a shared
machine cancels). Routes: a start image (image-to-video pipeline), one and three keyframes
(LTXConditionPipeline: each keyframe adds one latent frame of tokens), a continuation that
holds on 9 frames, and a retake at strength 0.5 (the take's tokens are held for the first
half of the schedule, yet every step still runs). Timed prompts as one long take (two
sections, LTXI2VLongMultiPromptPipeline in overlapping windows) at 33 frames or more, against
plain text-to-video of that length. A Wan video-to-video retake at strength 0.5 (half the
steps run, plus encoding the take) on the tiny Wan 2.1 twin, against Wan text-to-video at the
same size; the Wan rounds run after the LTX ones, so no round reloads a model.

Random weights: the ratios show what a route adds in tokens, encoding and decoding, not
what a full-size model pays (bench/gpu_check.py measures full-size models on a GPU).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from bridge.conditions import Keyframe, PromptSection, VideoCondition  # noqa: E402
from bridge.config import Settings  # noqa: E402
from bridge.generators.diffusers_backend import DiffusersGenerator  # noqa: E402
from bridge.library import images  # noqa: E402
from bridge.request import GenerationRequest, InitImage  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--size", type=int, default=64)
    ap.add_argument("--frames", type=int, default=17)
    ap.add_argument("--steps", type=int, default=4)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench direct ") as tmp:
        gen = DiffusersGenerator(Settings(data_dir=Path(tmp) / "data", hf_cache=Path(tmp)))
        base = GenerationRequest(prompt="a lighthouse at dusk", model="tiny", seed=1,
                                 width=args.size, height=args.size,
                                 num_frames=args.frames, steps=args.steps)

        def take(request: GenerationRequest) -> tuple[float, np.ndarray]:
            resolved = gen.resolve(request)
            t0 = time.perf_counter()
            out = gen.generate(resolved, lambda p: None, lambda: False)
            return time.perf_counter() - t0, out.frames

        _, plain_frames = take(base)
        rng = np.random.default_rng(0)
        shas = [images.save_array(gen.settings.images_dir, rng.integers(
            0, 256, (args.size, args.size, 3), dtype=np.uint8)) for _ in range(3)]
        tail = tuple(images.save_array(gen.settings.images_dir, f) for f in plain_frames[-9:])
        every = tuple(images.save_array(gen.settings.images_dir, f) for f in plain_frames)
        last = args.frames - 1
        long_frames = max(args.frames, 33)  # a long take needs two windows or more
        long_base = base.replace(num_frames=long_frames)
        wan_base = base.replace(model="tiny-wan")
        _, wan_frames = take(wan_base)
        wan_every = tuple(images.save_array(gen.settings.images_dir, f) for f in wan_frames)
        # name -> (the route's request, the plain text-to-video request it is measured by)
        routes = {
            "start image (i2v)": (base.replace(init_image=InitImage(shas[0])), base),
            "1 keyframe (condition)": (base.replace(keyframes=(Keyframe(shas[0], frame=8),)),
                                       base),
            "3 keyframes (condition)": (base.replace(keyframes=(
                Keyframe(shas[0], frame=0), Keyframe(shas[1], frame=8),
                Keyframe(shas[2], frame=last))), base),
            "continue on 9 frames": (base.replace(video=VideoCondition("tk", tail, last - 8)),
                                     base),
            "retake at 0.5": (base.replace(video=VideoCondition("tk", every, 0, mode="retake",
                                                                strength=0.5)), base),
            f"2 timed prompts, long take ({long_frames}f)": (long_base.replace(prompts=(
                PromptSection("a storm over the sea", place={"frame": long_frames // 2}),)),
                long_base),
            "Wan v2v retake at 0.5": (wan_base.replace(video=VideoCondition(
                "tk", wan_every, 0, mode="retake", strength=0.5)), wan_base),
        }
        ratios: dict[str, list[float]] = {name: [] for name in routes}
        for model in ("tiny", "tiny-wan"):  # one model's rounds at a time: no reloads
            group = {n: r for n, r in routes.items() if r[0].model == model}
            for request, _ in group.values():
                take(request)  # warm each sibling pipeline
            for _ in range(args.rounds):
                for name, (request, plain) in group.items():
                    plain_s, _ = take(plain)
                    route_s, _ = take(request)
                    ratios[name].append(route_s / plain_s)
        print(f"tiny LTX and Wan {args.size}x{args.size}x{args.frames}, {args.steps} steps, CPU, "
              f"{args.rounds} rounds: route / plain text-to-video (median)")
        result = {name: round(statistics.median(r), 3) for name, r in ratios.items()}
        for name, ratio in result.items():
            print(f"  {name:36s} {ratio:6.3f}")
        if args.json:
            args.json.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
