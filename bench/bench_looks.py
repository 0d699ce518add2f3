"""LoRA swap against a base reload, as ratios, on random-weight LTX models on CPU.

    python bench/bench_looks.py [--rounds 5] [--layers 2 8] [--dim 64 512]

What an editor pays to change a look: without adapters kept warm, each change of LoRA would
mean reloading the base pipeline (what a preset change costs). With them, the first use of a
LoRA costs one `load_lora_weights`, and every switch after that one `set_adapters`. For each
model size the three are timed alternately, round by round (so the drift of a shared machine
cancels), and reported as medians and as ratios to the base reload.

Random weights give the real cost of moving tensors, not of any particular look; on a GPU a
reload also pays the transfer to the device, so the ratios here understate the saving.
"""

from __future__ import annotations

import argparse
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


def make_lora(folder: Path, out: Path, seed: int) -> Path:
    import torch
    from diffusers import LTXPipeline
    from peft import LoraConfig, get_peft_model_state_dict

    pipe = LTXPipeline.from_pretrained(folder)
    torch.manual_seed(seed)
    pipe.transformer.add_adapter(LoraConfig(r=16, lora_alpha=16, init_lora_weights=False,
                                            target_modules=["to_q", "to_k", "to_v",
                                                            "to_out.0"]), adapter_name="m")
    LTXPipeline.save_lora_weights(out, transformer_lora_layers=get_peft_model_state_dict(
        pipe.transformer, adapter_name="m"))
    return out / "pytorch_lora_weights.safetensors"


def measure(layers: int, dim: int, rounds: int) -> dict[str, float]:
    from diffusers import LTXPipeline

    from bridge.generators.tiny import quiet_loading

    quiet_loading()
    with tempfile.TemporaryDirectory(prefix="bench looks ") as tmp:
        folder = Path(tmp) / "model"
        build(folder, layers, dim)
        a = make_lora(folder, Path(tmp) / "a", 1)
        b = make_lora(folder, Path(tmp) / "b", 2)
        reload, first, switch = [], [], []
        for i in range(rounds):
            t0 = time.perf_counter()
            LTXPipeline.from_pretrained(folder)
            reload.append(time.perf_counter() - t0)
            pipe = LTXPipeline.from_pretrained(folder)
            t0 = time.perf_counter()
            pipe.load_lora_weights(str(a), adapter_name=f"a{i}")
            first.append(time.perf_counter() - t0)
            pipe.load_lora_weights(str(b), adapter_name=f"b{i}")
            t0 = time.perf_counter()
            pipe.set_adapters([f"b{i}"], [1.0])
            pipe.set_adapters([f"a{i}"], [0.8])
            switch.append((time.perf_counter() - t0) / 2)
    med = {k: statistics.median(v) for k, v in
           (("reload_s", reload), ("first_load_s", first), ("switch_s", switch))}
    med["first_load_vs_reload"] = med["first_load_s"] / med["reload_s"]
    med["switch_vs_reload"] = med["switch_s"] / med["reload_s"]
    return med


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--layers", type=int, nargs="+", default=[2, 8])
    parser.add_argument("--dim", type=int, nargs="+", default=[64, 512])
    args = parser.parse_args()
    print(f"{'blocks':>6} {'dim':>5} {'reload s':>9} {'1st LoRA s':>10} {'switch s':>9} "
          f"{'1st/reload':>10} {'switch/reload':>13}")
    for layers, dim in zip(args.layers, args.dim, strict=False):
        m = measure(layers, dim, args.rounds)
        print(f"{layers:>6} {dim:>5} {m['reload_s']:>9.3f} {m['first_load_s']:>10.3f} "
              f"{m['switch_s']:>9.4f} {m['first_load_vs_reload']:>10.3f} "
              f"{m['switch_vs_reload']:>13.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
