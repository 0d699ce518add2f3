"""Draft against final cost, as ratios, on a small random-weight LTX model on CPU.

    python bench/bench_finals.py [--rounds 2] [--size 32] [--frames 9] [--steps 8]
                                 [--layers 2] [--dim 128]

What "draft cheaply, finish only the picks" saves. Three takes of one prompt and seed go
through the real generator (bridge.generators.diffusers_backend, warm pipeline):
- draft: the draft size (`--size` square), `--steps` steps;
- final: Finish of that draft (bridge.generators.finish): the draft pass again, the 2x
  latent upsampler, and the refine pass at the preset's strength, at twice the size;
- full: the same take rendered directly at the delivery size with the same steps (what
  every take costs without drafts).
They are timed alternately, round by round (a shared machine's drift cancels), and
reported as medians and ratios. The economics line: exploring N drafts and finishing one,
against rendering all N at delivery size.

Random weights give the real cost of the arithmetic, not of any look. On CPU the draft
pass and the VAE are a larger share than on a GPU, where attention at the delivery size
dominates and the saving is larger; run it on a GPU for those figures.
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


def build(folder: Path, layers: int, dim: int) -> None:
    """An LTX pipeline with `layers` blocks of width `dim` (heads of 32), saved to disk: the
    tests' tiny twin, wider and deeper (bridge.generators.tiny)."""
    from bridge.generators.tiny import build_ltx

    build_ltx(num_layers=layers, heads=dim // 32, head_dim=32).save_pretrained(folder)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--size", type=int, default=32, help="the draft's width and height")
    ap.add_argument("--frames", type=int, default=9)
    ap.add_argument("--steps", type=int, default=8)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dim", type=int, default=128)
    ap.add_argument("--drafts", type=int, default=10, help="drafts explored per final")
    args = ap.parse_args()

    from bridge.config import Settings
    from bridge.generators import finish
    from bridge.generators.diffusers_backend import DiffusersGenerator
    from bridge.generators.tiny import quiet_loading
    from bridge.request import GenerationRequest

    quiet_loading()
    with tempfile.TemporaryDirectory(prefix="bench finals ") as tmp:
        root = Path(tmp)
        folder = root / "model"
        build(folder, args.layers, args.dim)
        data = root / "data"
        data.mkdir()
        (data / "presets.json").write_text(json.dumps({"presets": [{
            "name": "bench-ltx", "model_id": str(folder), "family": "ltx",
            "t2v_class": "LTXPipeline", "i2v_class": "LTXImageToVideoPipeline",
            "condition_class": "LTXConditionPipeline", "dtype": "float32",
            "width": args.size * 2, "height": args.size * 2, "max_size": 2048,
            "steps": args.steps, "guidance": 1.0, "upsampler_id": "tiny",
            "refine_strength": 0.4, "refine_steps": 10,
            "call_kwargs": {"max_sequence_length": 16}}]}), encoding="utf-8")
        gen = DiffusersGenerator(Settings(data_dir=data, hf_cache=root / "hf"))
        preset = gen.presets()["bench-ltx"]
        draft = gen.resolve(GenerationRequest(
            prompt="a lighthouse at dusk", model="bench-ltx", seed=7, width=args.size,
            height=args.size, num_frames=args.frames, steps=args.steps))
        final = gen.resolve(finish.plan(draft, "t-bench", preset))
        full = gen.resolve(draft.replace(width=final.width, height=final.height))
        takes = {"draft": draft, "final": final, "full": full}

        def run(req: GenerationRequest) -> float:
            t0 = time.perf_counter()
            gen.generate(req, lambda p: None, lambda: False)
            return time.perf_counter() - t0

        for req in takes.values():  # warm-up: load, build the upsampler, first-call costs
            run(req)
        times: dict[str, list[float]] = {k: [] for k in takes}
        for _ in range(args.rounds):
            for name, req in takes.items():
                times[name].append(run(req))
        med = {k: statistics.median(v) for k, v in times.items()}
        n = args.drafts
        print(f"LTX random weights, {args.layers} layers x {args.dim}, {args.frames} frames, "
              f"{args.steps} steps, CPU, {args.rounds} rounds (medians)")
        print(f"  draft {args.size}x{args.size}:            {med['draft']:.2f} s")
        print(f"  final {final.width}x{final.height} (upsample+refine): {med['final']:.2f} s")
        print(f"  full render {full.width}x{full.height}:      {med['full']:.2f} s")
        print(f"  final / draft = {med['final'] / med['draft']:.2f}")
        print(f"  full / draft  = {med['full'] / med['draft']:.2f}")
        print(f"  final / full  = {med['final'] / med['full']:.2f}")
        explore = n * med["draft"] + med["final"]
        print(f"  {n} drafts + 1 final vs {n} full renders: {explore:.1f} s vs "
              f"{n * med['full']:.1f} s (ratio {explore / (n * med['full']):.2f})")


if __name__ == "__main__":
    main()
