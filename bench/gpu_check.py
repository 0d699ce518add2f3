"""One prepared check for a lent GPU: full-size LTX-Video with random weights, takes per hour.

    python bench/gpu_check.py                 # on the GPU machine (budget: --budget-s, 480)
    python bench/gpu_check.py --tiny          # smoke test of the same code on CPU

It builds the published LTX-Video architecture from its config written below (transformer,
VAE and a T5-XXL text encoder of the real size, tokenizer made offline; no download), saves
it once as a diffusers folder and loads it through the bridge's own DiffusersGenerator. Then,
at 768x512, 121 frames, 8 steps, bf16, N seeds each (bench/gpu_throughput.py):
takes per hour of the plain diffusers loop, of the engine as it is, of decode and encode
overlapping the next take's denoising, of 2 and 4 seeds sharing one call, of each cache
lever on top (with its drift against the plain take of the same seed), model offload
against group offload (take time and peak memory: the out-of-memory fallback order), and
regional compilation last (it cannot be undone). Each step is guarded (a failure is a row,
not the end), skipped once the time budget is spent, printed as it comes, and the JSON in
$OUT/gpu_check.json is rewritten after every row.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import gpu_throughput as tp
from gpu_report import Meter, Report

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("HF_HUB_OFFLINE", "1")

# Published configs (Lightricks/LTX-Video 0.9.1 in diffusers format; google/t5-v1_1-xxl).
TRANSFORMER_2B = dict(in_channels=128, out_channels=128, patch_size=1, patch_size_t=1,
                      num_attention_heads=32, attention_head_dim=64, cross_attention_dim=2048,
                      num_layers=28, activation_fn="gelu-approximate",
                      qk_norm="rms_norm_across_heads", norm_elementwise_affine=False,
                      norm_eps=1e-6, caption_channels=4096, attention_bias=True,
                      attention_out_bias=True)
# The 13B (0.9.7) widens heads and cross-attention and deepens to 48 blocks.
TRANSFORMER_13B = {**TRANSFORMER_2B, "attention_head_dim": 128, "cross_attention_dim": 4096,
                   "num_layers": 48}
VAE_091 = dict(in_channels=3, out_channels=3, latent_channels=128,
               block_out_channels=(128, 256, 512, 512),
               decoder_block_out_channels=(256, 512, 1024),
               layers_per_block=(4, 3, 3, 3, 4), decoder_layers_per_block=(5, 6, 7, 8),
               spatio_temporal_scaling=(True, True, True, False),
               decoder_spatio_temporal_scaling=(True, True, True),
               decoder_inject_noise=(False, True, True, True),
               upsample_residual=(True, True, True), upsample_factor=(2, 2, 2),
               timestep_conditioning=True, patch_size=4, patch_size_t=1, resnet_norm_eps=1e-6,
               scaling_factor=1.0, encoder_causal=True, decoder_causal=False)
T5_XXL = dict(vocab_size=32128, d_model=4096, d_kv=64, d_ff=10240, num_layers=24,
              num_heads=64, relative_attention_num_buckets=32,
              relative_attention_max_distance=128, dropout_rate=0.0, layer_norm_epsilon=1e-6,
              feed_forward_proj="gated-gelu", pad_token_id=0, eos_token_id=1,
              decoder_start_token_id=0)
SCHEDULER = dict(use_dynamic_shifting=True, base_shift=0.95, max_shift=2.05,
                 base_image_seq_len=1024, max_image_seq_len=4096, shift_terminal=0.1)
FULL_SHOT = dict(width=768, height=512, num_frames=121, steps=8, guidance=1.0)
TINY_SHOT = dict(width=64, height=64, num_frames=17, steps=4, guidance=1.0)


def build_full(folder: Path, variant: str, device: str) -> None:
    """Random weights made directly on the GPU in bf16 (seconds), then saved once."""
    import torch
    from diffusers import (
        AutoencoderKLLTXVideo,
        FlowMatchEulerDiscreteScheduler,
        LTXPipeline,
        LTXVideoTransformer3DModel,
    )
    from transformers import T5Config, T5EncoderModel

    from bridge.generators.tiny import build_tokenizer

    torch.manual_seed(0)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device(device):
            cfg = TRANSFORMER_13B if variant == "13b" else TRANSFORMER_2B
            transformer = LTXVideoTransformer3DModel(**cfg)
            vae = AutoencoderKLLTXVideo(**VAE_091)
            text_encoder = T5EncoderModel(T5Config(**T5_XXL)).eval()
    finally:
        torch.set_default_dtype(previous)
    _tame(transformer, vae, text_encoder)
    pipe = LTXPipeline(transformer=transformer, vae=vae, text_encoder=text_encoder,
                       tokenizer=build_tokenizer(32128),
                       scheduler=FlowMatchEulerDiscreteScheduler(**SCHEDULER))
    pipe.save_pretrained(folder, max_shard_size="5GB")
    del pipe, transformer, vae, text_encoder
    torch.cuda.empty_cache()


def _tame(*models) -> None:
    """Random init at full depth can overflow bf16 into NaN; small weights keep every
    kernel doing its real work on finite numbers (speed and memory are what we measure)."""
    import torch

    with torch.no_grad():
        for model in models:
            for p in model.parameters():
                if p.dim() > 1:
                    p.normal_(0.0, 0.02)


def write_preset(data_dir: Path, folder: Path, tiny: bool) -> str:
    shot = TINY_SHOT if tiny else FULL_SHOT
    preset = {"name": "ltx-random", "label": "LTX-Video full size, random weights",
              "family": "ltx", "model_id": str(folder), "source": "local",
              "t2v_class": "LTXPipeline", "i2v_class": "LTXImageToVideoPipeline", "fps": 24,
              "size_multiple": 32, "frame_step": 8, "width": shot["width"],
              "height": shot["height"], "num_frames": shot["num_frames"],
              "steps": shot["steps"], "guidance": shot["guidance"], "dtype": "bfloat16",
              "vram_gb": 24, "min_vram_gb": 4, "test_model": True,
              "call_kwargs": {"decode_timestep": 0.05, "decode_noise_scale": 0.025}}
    if tiny:
        preset["call_kwargs"] = {"max_sequence_length": 16}
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "presets.json").write_text(json.dumps({"presets": [preset]}), encoding="utf-8")
    return preset["name"]


def single_take(gen, name: str, device: str, **changes) -> dict:
    """One take through the generator (loading it first when the profile changes)."""
    from bridge.request import GenerationRequest, MemoryProfile

    if "memory_profile" in changes:
        changes["memory_profile"] = MemoryProfile(changes["memory_profile"])
    request = gen.resolve(GenerationRequest(prompt=tp.PROMPT, model=name, seed=1, **changes))
    with Meter(device) as m:
        video = gen.generate(request, lambda p: None, lambda: False)
    info = video.info
    return {"take_s": round(info["denoise_s"] + info["decode_s"], 3),
            "denoise_s": info.get("denoise_s"), "decode_s": info.get("decode_s"),
            "load_s": info.get("load_s"), "wall_s": round(m.seconds, 3),
            "peak_gib": round(m.peak_gib, 2), "profile": info.get("memory_profile"),
            "oom_retry_from": info.get("oom_retry_from")}


def throughput(report: Report, plain: dict | None, device: str, runner, *args,
               **kw) -> dict:
    """Takes per hour of one arrangement, its ratio to the plain loop, and its drift."""
    with Meter(device) as m:
        seconds, frames = runner(*args, **kw)
    row = {"takes": len(frames), "seconds": round(seconds, 2),
           "takes_per_hour": tp.takes_per_hour(len(frames), seconds),
           "peak_gib": round(m.peak_gib, 2)}
    if plain is None:
        report.plain_frames = frames
        return row
    row["vs_plain"] = round(row["takes_per_hour"] / plain["takes_per_hour"], 3)
    shared = sorted(set(report.plain_frames) & set(frames))
    if shared:
        row["drift"] = tp.drift(frames[shared[0]], report.plain_frames[shared[0]])
    return row


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny LTX on CPU: a smoke test")
    ap.add_argument("--variant", choices=["2b", "13b"], default="2b")
    ap.add_argument("--budget-s", type=float, default=480.0,
                    help="skip what is left after this many seconds")
    ap.add_argument("--takes", type=int, help="seeds per throughput row (default 4; tiny 3)")
    ap.add_argument("--workdir", help="where to save the random model (default: a temp dir)")
    args = ap.parse_args()
    import torch

    from bridge.config import Settings
    from bridge.generators.diffusers_backend import DiffusersGenerator
    from bridge.generators.memory import pick_device

    device = "cpu" if args.tiny else pick_device("auto")
    if not args.tiny and not device.startswith("cuda"):
        print("No CUDA device here; run with --tiny for the CPU smoke test.", file=sys.stderr)
        return 2
    work = Path(args.workdir or tempfile.mkdtemp(prefix="promptcut-gpu-check-"))
    shot = TINY_SHOT if args.tiny else FULL_SHOT
    seeds = list(range(1, (args.takes or (3 if args.tiny else 4)) + 1))
    report = Report({"device": torch.cuda.get_device_name(0) if device.startswith("cuda")
                     else "cpu", "torch": torch.__version__, "seeds": seeds, "shot": shot,
                     "variant": "tiny" if args.tiny else args.variant}, args.budget_s)
    try:
        folder = model_folder(work, args, device, report)
        data_dir = work / "data"
        name = write_preset(data_dir, folder, args.tiny)
        gen = DiffusersGenerator(Settings(data_dir=data_dir, hf_cache=work / "hf",
                                          device=device))
        run_all(report, gen, name, shot, seeds, work / "takes", device, args.tiny)
        gen.unload()
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
        report.finish()
    return 0


def model_folder(work: Path, args, device: str, report: Report) -> Path:
    from bridge.generators.tiny import ensure_tiny

    t0 = time.perf_counter()
    if args.tiny:
        folder = ensure_tiny(work / "models", "ltx")
    else:
        folder = work / f"ltx-{args.variant}-random"
        if not (folder / "model_index.json").is_file():
            build_full(folder, args.variant, device)
    report.header["build_s"] = round(time.perf_counter() - t0, 1)
    print(f"model ready in {report.header['build_s']} s at {folder}", flush=True)
    return folder


def run_all(report: Report, gen, name: str, shot: dict, seeds: list[int], out: Path,
            device: str, tiny: bool) -> None:
    """Every row in order of what matters most, so a short lease still says the most."""
    from bridge.generators import levers
    from bridge.request import MemoryProfile

    out.mkdir(parents=True, exist_ok=True)
    extra = ({"max_sequence_length": 16} if tiny else
             {"decode_timestep": 0.05, "decode_noise_scale": 0.025})
    report.step("load + one take, full", 30, single_take, gen, name, device,
                memory_profile="full")
    if gen._warm is None:
        return
    pipe = gen._warm.pipe  # the same weights on the same device for every arrangement
    common = (pipe, shot, extra, seeds, out, device)
    plain = report.step("plain diffusers loop", 20, throughput, report, None, device,
                        tp.plain, *common)
    if not plain or not plain.get("takes_per_hour"):
        return
    report.step("engine today (files in a pool)", 20, throughput, report, plain, device,
                tp.engine, gen, name, seeds, out, device, memory_profile=MemoryProfile.FULL)
    batches = {}
    for batch in (1, 2, 4):
        label = "overlap: decode+encode beside denoising" + (
            f", {batch} seeds a call" if batch > 1 else "")
        row = report.step(label, 20, throughput, report, plain, device, tp.overlapped,
                          *common, batch=batch)
        if row and row.get("takes_per_hour"):
            batches[batch] = row["takes_per_hour"]
    best = max(batches, key=batches.get) if batches else 1
    report.header["best_batch"] = best
    for cache in ("first_block_cache", "taylorseer", "pyramid_attention_broadcast"):
        levers.set_cache(pipe, cache, float(shot["guidance"]))
        report.step(f"best + {cache}", 20, throughput, report, plain, device, tp.overlapped,
                    *common, batch=best)
        levers.set_cache(pipe, None)
    pipe = common = None
    for profile in ("model_offload", "group_offload"):
        report.step(f"{profile} (one take)", 40, single_take, gen, name, device,
                    memory_profile=profile)
    measured = sorted((r for r in report.rows if str(r.get("config")).endswith("(one take)")
                       and r.get("take_s")), key=lambda r: r["take_s"])
    report.header["offload_order_measured"] = [r["profile"] for r in measured]
    if report.left() < 120:
        report.add({"config": "best + compile_repeated_blocks",
                    "skipped": f"time budget ({report.left():.0f} s left)"})
        return
    report.step("reload full", 30, single_take, gen, name, device, memory_profile="full")
    pipe = gen._warm.pipe
    t1 = time.perf_counter()
    levers.compile_blocks(pipe)
    report.step("compile: first take (compiles)", 60, single_take, gen, name, device,
                memory_profile="full")
    report.header["compile_first_take_s"] = round(time.perf_counter() - t1, 1)
    report.step("best + compile_repeated_blocks", 20, throughput, report, plain, device,
                tp.overlapped, pipe, shot, extra, seeds, out, device, batch=best)


if __name__ == "__main__":
    sys.exit(main())
