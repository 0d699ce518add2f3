"""Each speed and memory lever on the tiny models on CPU, side by side with the plain run.

    python bench/bench_levers.py [--rounds 5] [--steps 12] [--size 32] [--json out.json]

For every tiny family, every cache that fits it, regional compilation, and VAE tiling run
through the same DiffusersGenerator code the bridge uses, alternated round by round with
the plain run (same seed, both pipelines warm, loading excluded). Reported: the time ratio
lever/plain (below 1 is faster; the median of per-round ratios, each lever take right after
its plain take, so the drift of a machine shared with other work cancels) and the mean
absolute pixel difference (0-255) from the plain take, i.e. how far the lever moves the
output. Offload profiles do not apply on CPU and are listed as such; bench/gpu_check.py
measures them on a GPU.

The tiny models have random weights: their ratios show that a lever engages and what it
costs in overhead, not the speed-up a full-size model gets (that is gpu_check's job).
"""

from __future__ import annotations

import argparse
import inspect
import json
import os
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np  # noqa: E402

from bridge.config import Settings  # noqa: E402
from bridge.generators import presets as presets_mod  # noqa: E402
from bridge.generators.diffusers_backend import DiffusersGenerator  # noqa: E402
from bridge.request import GenerationRequest, MemoryProfile  # noqa: E402

FAMILIES = {"tiny": (64, 64, 17), "tiny-wan": (64, 64, 17), "tiny-cogvideox": (64, 64, 17)}


def take(gen: DiffusersGenerator, request: GenerationRequest) -> tuple[float, np.ndarray, dict]:
    """One take; the time is the pipeline's (denoise + decode), loading excluded."""
    video = gen.generate(request, lambda p: None, lambda: False)
    return video.info["denoise_s"] + video.info["decode_s"], video.frames, video.info


def bench_lever(plain_gen: DiffusersGenerator, lever_gen: DiffusersGenerator,
                base: GenerationRequest, lever: dict, rounds: int) -> dict:
    """Alternate plain and lever takes on two warm generators (a compiled or tiled pipeline
    cannot be switched back, so it gets its own); the first round warms both up."""
    lever_req = base.replace(**{k: v for k, v in lever.items() if k != "vae_tiling"})
    if lever.get("vae_tiling"):  # 64x64 so that 32-pixel tiles really split the frame
        step = max(64, base.width) // 32 * 32
        base = lever_req = base.replace(width=step, height=step)
        lever_gen.generate(lever_req, lambda p: None, lambda: False)
        vae = lever_gen._warm.pipe.vae
        small = {"tile_sample_min_height": 32, "tile_sample_min_width": 32,
                 "tile_sample_stride_height": 24, "tile_sample_stride_width": 24}
        accepted = inspect.signature(vae.enable_tiling).parameters
        vae.enable_tiling(**{k: v for k, v in small.items() if k in accepted})
    plain_t, lever_t = [], []
    plain_frames = lever_frames = None
    info: dict = {}
    for i in range(rounds + 1):
        t, plain_frames, _ = take(plain_gen, base)
        t2, lever_frames, info = take(lever_gen, lever_req)
        if i:
            plain_t.append(t)
            lever_t.append(t2)
    if lever.get("vae_tiling"):
        lever_gen.unload()
    mad = float(np.abs(plain_frames.astype(np.int16) - lever_frames).mean())
    # Paired: each round's lever take ran right after its plain take, so the median of the
    # per-round ratios cancels the drift of a machine shared with other work.
    paired = statistics.median(b / a for a, b in zip(plain_t, lever_t, strict=True))
    return {"plain_s": statistics.median(plain_t), "lever_s": statistics.median(lever_t),
            "ratio": paired, "mad": mad,
            "recorded": {k: info.get(k) for k in ("cache", "compile")}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--steps", type=int, default=12)
    ap.add_argument("--size", type=int, default=32)
    ap.add_argument("--no-compile", action="store_true", help="skip regional compilation")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 keeps a shared machine's noise down)")
    ap.add_argument("--json", help="also write the figures here")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    with tempfile.TemporaryDirectory(prefix="promptcut bench é ") as tmp:
        settings = Settings(data_dir=Path(tmp) / "data", hf_cache=Path(tmp) / "hf")
        gen = DiffusersGenerator(settings)
        other = DiffusersGenerator(settings)  # holds the pipeline a lever changes for good
        presets = gen.presets()
        rows = []
        for model, (w, h, f) in FAMILIES.items():
            preset = presets[model]
            base = gen.resolve(GenerationRequest(
                prompt="a slow zoom on a city at night", model=model, seed=7,
                steps=args.steps, guidance=3.0, width=args.size or w, height=args.size or h,
                num_frames=f))
            levers = [{"cache": c} for c in preset.cache_names]
            levers.append({"vae_tiling": True})
            if not args.no_compile:
                levers.append({"compile": True})
            for lever in levers:
                name = next(f"{k}={v}" if k == "cache" else k for k, v in lever.items())
                try:
                    switchable = "cache" in lever
                    result = bench_lever(gen, gen if switchable else other, base, lever,
                                         args.rounds)
                except Exception as exc:  # a lever that does not fit is a finding, not a crash
                    result = {"error": f"{type(exc).__name__}: {exc}"[:200]}
                rows.append({"model": model, "lever": name, **result})
                _print_row(rows[-1])
        for profile in presets_mod_profiles():
            rows.append({"model": "all", "lever": f"memory_profile={profile}",
                         "error": "not applicable on CPU (see bench/gpu_check.py)"})
            _print_row(rows[-1])
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=2), encoding="utf-8")
    return 0


def presets_mod_profiles() -> list[str]:
    return [p.value for p in MemoryProfile if p not in (MemoryProfile.AUTO, MemoryProfile.FULL)]


def _print_row(row: dict) -> None:
    if "error" in row:
        print(f"{row['model']:<15} {row['lever']:<36} {row['error']}", flush=True)
        return
    print(f"{row['model']:<15} {row['lever']:<36} plain {row['plain_s'] * 1000:7.1f} ms  "
          f"lever {row['lever_s'] * 1000:7.1f} ms  ratio {row['ratio']:.2f}  "
          f"pixel diff {row['mad']:.2f}", flush=True)


_ = presets_mod  # the presets module is where levers per family are declared

if __name__ == "__main__":
    sys.exit(main())
