"""One prepared check for a lent GPU: full-size LTX-Video with random weights, every lever.

    python bench/gpu_check.py                 # on the GPU machine (about 5-7 minutes)
    python bench/gpu_check.py --tiny          # smoke test of the same code on CPU

It builds the published LTX-Video architecture from its config written below (transformer,
VAE and a T5-XXL text encoder of the real size, tokenizer made offline; no download), saves
it once as a diffusers folder, and runs 768x512, 121 frames, 8 steps in bf16 through the
same DiffusersGenerator the bridge uses: under each memory profile, with each cache lever,
with an out-of-memory retry forced by a memory cap, and with regional compilation. Side by
side: the plain diffusers call on the same folder. For each: seconds per take (load
excluded), load seconds, peak GPU memory, ratio against the plain call. Prints a table;
writes JSON to $OUT if set.
A deadline skips what is left rather than overrun the machine's lease.
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
PROMPT = "a slow dolly shot through a neon-lit street at night, rain, reflections"


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


class Meter:
    """Peak accelerator memory around one call (zero on CPU)."""

    def __init__(self, device: str) -> None:
        import torch

        self.cuda = device.startswith("cuda") and torch.cuda.is_available()
        self.torch = torch

    def __enter__(self) -> Meter:
        if self.cuda:
            self.torch.cuda.synchronize()
            self.torch.cuda.reset_peak_memory_stats()
        self.t0 = time.perf_counter()
        return self

    def __exit__(self, *exc) -> None:
        if self.cuda:
            self.torch.cuda.synchronize()
        self.seconds = time.perf_counter() - self.t0
        self.peak_gib = (self.torch.cuda.max_memory_allocated() / 2**30) if self.cuda else 0.0


def plain_call(folder: Path, device: str, shot: dict, tiny: bool) -> dict:
    """The baseline: the pipeline called the way diffusers' docs show, nothing of ours."""
    import torch
    from diffusers import LTXPipeline

    dtype = torch.float32 if device == "cpu" else torch.bfloat16
    pipe = LTXPipeline.from_pretrained(folder, dtype=dtype).to(device)
    pipe.set_progress_bar_config(disable=True)
    extra = {"max_sequence_length": 16} if tiny else {"decode_timestep": 0.05,
                                                      "decode_noise_scale": 0.025}

    def call(pipe, shot):
        return pipe(prompt=PROMPT, width=shot["width"], height=shot["height"],
                    num_frames=shot["num_frames"], num_inference_steps=shot["steps"],
                    guidance_scale=shot["guidance"], output_type="np",
                    generator=torch.Generator("cpu").manual_seed(1), **extra)

    small = dict(shot, width=256, height=256, num_frames=9, steps=2)
    call(pipe, small)  # warm-up: CUDA context, kernels, allocator (shared with what follows)
    with Meter(device) as m:
        call(pipe, shot)
    pipe = None
    _free()
    return {"config": "plain diffusers call", "take_s": m.seconds, "peak_gib": m.peak_gib}


def _free() -> None:
    import gc

    import torch

    gc.collect()
    if torch.cuda.is_available():
        torch.cuda.empty_cache()


def run_config(gen, name: str, label: str, device: str, **changes) -> dict:
    """One take per configuration (loading it first when the profile changes): the CUDA
    kernels are already warm from the plain call, and the lease is short."""
    from bridge.engine.request import GenerationRequest

    request = gen.resolve(GenerationRequest(prompt=PROMPT, model=name, seed=1, **changes))
    first_s = None
    if request.compile:  # the first take compiles; the second shows the steady speed
        t0 = time.perf_counter()
        gen.generate(request, lambda p: None, lambda: False)
        first_s = time.perf_counter() - t0
    with Meter(device) as m:
        video = gen.generate(request, lambda p: None, lambda: False)
    info = video.info
    return {"config": label, "take_s": info["denoise_s"] + info["decode_s"],
            "peak_gib": m.peak_gib, "load_s": info.get("load_s"), "wall_s": m.seconds,
            "profile": info.get("memory_profile"), "cache": info.get("cache"),
            "denoise_s": info.get("denoise_s"), "decode_s": info.get("decode_s"),
            "vae_tiling": info.get("vae_tiling", False),
            "fp8_storage": info.get("fp8_storage", False),
            "oom_retry_from": info.get("oom_retry_from"), "frames": list(video.frames.shape),
            "compile": info.get("compile"), "first_take_with_compile_s": first_s}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--tiny", action="store_true", help="tiny LTX on CPU: a smoke test")
    ap.add_argument("--variant", choices=["2b", "13b"], default="2b")
    ap.add_argument("--budget-s", type=float, default=420.0,
                    help="skip what is left after this many seconds")
    ap.add_argument("--workdir", help="where to save the random model (default: a temp dir)")
    args = ap.parse_args()
    import torch

    from bridge.config import Settings
    from bridge.generators.diffusers_backend import DiffusersGenerator
    from bridge.generators.memory import pick_device
    from bridge.generators.tiny import ensure_tiny

    start = time.monotonic()
    device = "cpu" if args.tiny else pick_device("auto")
    if not args.tiny and not device.startswith("cuda"):
        print("No CUDA device here; run with --tiny for the CPU smoke test.", file=sys.stderr)
        return 2
    work = Path(args.workdir or tempfile.mkdtemp(prefix="promptcut-gpu-check-"))
    rows: list[dict] = []
    header = {"device": torch.cuda.get_device_name(0) if device.startswith("cuda") else "cpu",
              "torch": torch.__version__, "variant": "tiny" if args.tiny else args.variant,
              "shot": TINY_SHOT if args.tiny else FULL_SHOT}
    try:
        t0 = time.perf_counter()
        if args.tiny:
            folder = ensure_tiny(work / "models", "ltx")
        else:
            folder = work / f"ltx-{args.variant}-random"
            if not (folder / "model_index.json").is_file():
                build_full(folder, args.variant, device)
        header["build_s"] = round(time.perf_counter() - t0, 1)
        print(f"model ready in {header['build_s']} s at {folder}", flush=True)
        data_dir = work / "data"
        name = write_preset(data_dir, folder, args.tiny)
        shot = TINY_SHOT if args.tiny else FULL_SHOT
        plain = plain_call(folder, device, shot, args.tiny)
        rows.append(plain)
        _print(rows[-1], plain["take_s"])
        gen = DiffusersGenerator(Settings(data_dir=data_dir, hf_cache=work / "hf",
                                          device=device))
        configs = [("full", {"memory_profile": "full"}),
                   ("auto", {"memory_profile": "auto"}),
                   ("full + first_block_cache", {"memory_profile": "full",
                                                 "cache": "first_block_cache"}),
                   ("full + taylorseer", {"memory_profile": "full", "cache": "taylorseer"}),
                   ("full + pyramid_attention_broadcast",
                    {"memory_profile": "full", "cache": "pyramid_attention_broadcast"}),
                   ("model_offload", {"memory_profile": "model_offload"}),
                   ("group_offload (fp8 storage)", {"memory_profile": "group_offload"}),
                   ("sequential_offload", {"memory_profile": "sequential_offload"})]
        for label, changes in configs:
            if time.monotonic() - start > args.budget_s:
                rows.append({"config": label, "skipped": "time budget spent"})
                _print(rows[-1], plain["take_s"])
                continue
            rows.append(_guarded(gen, name, label, device, changes))
            _print(rows[-1], plain["take_s"])
        if device.startswith("cuda") and time.monotonic() - start < args.budget_s:
            rows.append(_forced_oom(gen, name, device, rows))
            _print(rows[-1], plain["take_s"])
        if time.monotonic() - start < args.budget_s - 60:  # compiling takes a while
            rows.append(_guarded(gen, name, "full + compile_repeated_blocks", device,
                                 {"memory_profile": "full", "compile": True}))
            _print(rows[-1], plain["take_s"])
        gen.unload()
    finally:
        if not args.workdir:
            shutil.rmtree(work, ignore_errors=True)
    for row in rows:
        if row.get("take_s"):
            row["ratio_vs_plain"] = round(row["take_s"] / rows[0]["take_s"], 3)
    header["total_s"] = round(time.monotonic() - start, 1)
    print(f"total {header['total_s']} s on {header['device']}")
    out = os.environ.get("OUT")
    if out:
        Path(out).mkdir(parents=True, exist_ok=True)
        Path(out, "gpu_check.json").write_text(json.dumps({**header, "rows": rows}, indent=2),
                                               encoding="utf-8")
    return 0


def _guarded(gen, name: str, label: str, device: str, changes: dict) -> dict:
    from bridge.engine.request import MemoryProfile

    if "memory_profile" in changes:
        changes = {**changes, "memory_profile": MemoryProfile(changes["memory_profile"])}
    try:
        return run_config(gen, name, label, device, **changes)
    except Exception as exc:  # one failing lever must not hide the others' figures
        return {"config": label, "error": f"{type(exc).__name__}: {exc}"[:300]}


def _forced_oom(gen, name: str, device: str, rows: list[dict]) -> dict:
    """Cap the process below what `full` needs, so the real retry path has to run."""
    import torch

    full = next((r for r in rows if r.get("config") == "full" and r.get("peak_gib")), None)
    if full is None:
        return {"config": "forced OOM -> retry", "skipped": "no full-profile figure"}
    total = torch.cuda.get_device_properties(0).total_memory / 2**30
    cap = full["peak_gib"] * 0.6
    gen.unload()
    torch.cuda.set_per_process_memory_fraction(min(1.0, cap / total))
    try:
        row = _guarded(gen, name, f"forced OOM at {cap:.1f} GiB -> retry", device,
                       {"memory_profile": "full"})
    finally:
        torch.cuda.set_per_process_memory_fraction(1.0)
    return row


def _print(row: dict, plain_s: float) -> None:
    label = row["config"]
    if "error" in row or "skipped" in row:
        print(f"{label:<42} {row.get('error') or row.get('skipped')}", flush=True)
        return
    ratio = row["take_s"] / plain_s if plain_s else float("nan")  # pipeline time, no load
    extra = f"  load {row['load_s']:.1f} s" if row.get("load_s") else ""
    retry = f"  (retried from {row['oom_retry_from']})" if row.get("oom_retry_from") else ""
    prof = f"  [{row.get('profile')}]" if row.get("profile") else ""
    print(f"{label:<42} {row['take_s']:7.2f} s/take  peak {row['peak_gib']:6.2f} GiB  "
          f"x{ratio:.2f} vs plain{extra}{prof}{retry}", flush=True)


if __name__ == "__main__":
    sys.exit(main())
