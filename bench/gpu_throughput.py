"""Takes per hour on one device: the plain diffusers loop against the ways ours can go.

Used by bench/gpu_check.py (and its --tiny smoke test on CPU). Every runner makes N finished
MP4 files from N seeds with the same pipeline object, the same steps and the same encoder,
so the ratios compare only how the work is arranged:

- plain: the loop diffusers' docs show: call, then write the file, one take after another.
- engine: what the bridge does today: the generator's call, and the take's files (MP4,
  poster, strip, record) written in a small pool while the next take denoises.
- overlap: denoising on this thread; the VAE decode (on a second CUDA stream) and the files
  on a worker thread, so the next take's denoising starts as soon as its latents exist.
- batched: k seeds in one pipeline call (one generator per seed), decoded one video at a
  time on the worker thread (the VAE at full size is the memory peak).
Drift is measured against the plain take of the same seed: mean absolute difference in
0..255 and PSNR, over every frame.
"""

from __future__ import annotations

import contextlib
import math
import time
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

PROMPT = "a slow dolly shot through a neon-lit street at night, rain, reflections"


def takes_per_hour(takes: int, seconds: float) -> float:
    return round(takes * 3600.0 / seconds, 1) if seconds > 0 else float("nan")


def drift(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    diff = np.abs(a.astype(np.float32) - b.astype(np.float32))
    mse = float((diff ** 2).mean())
    psnr = float("inf") if mse == 0 else 10 * math.log10(255.0 ** 2 / mse)
    return {"mean_abs": round(float(diff.mean()), 3), "psnr_db": round(psnr, 2)}


def to_uint8(video: Any) -> np.ndarray:
    arr = np.asarray(video)
    if arr.dtype != np.uint8:
        arr = (np.clip(arr, 0.0, 1.0) * 255.0).round().astype(np.uint8)
    return np.ascontiguousarray(arr)


def encode(frames: np.ndarray, fps: float, path: Path) -> None:
    from bridge.library import media

    media.encode_video(frames, media.fps_fraction(fps), "{}", path)


def _generator(seed: int) -> Any:
    import torch

    return torch.Generator("cpu").manual_seed(seed)


def _call_kwargs(shot: dict, extra: dict) -> dict:
    return dict(prompt=PROMPT, width=shot["width"], height=shot["height"],
                num_frames=shot["num_frames"], num_inference_steps=shot["steps"],
                guidance_scale=shot["guidance"], frame_rate=24, **extra)


def _sync(device: str) -> None:
    import torch

    if device.startswith("cuda"):
        torch.cuda.synchronize()


def plain(pipe: Any, shot: dict, extra: dict, seeds: list[int], out: Path,
          device: str) -> tuple[float, dict[int, np.ndarray]]:
    frames: dict[int, np.ndarray] = {}
    _sync(device)
    t0 = time.perf_counter()
    for seed in seeds:
        video = pipe(**_call_kwargs(shot, extra), output_type="np",
                     generator=_generator(seed)).frames[0]
        frames[seed] = to_uint8(video)
        encode(frames[seed], 24, out / f"plain-{seed}.mp4")
    return time.perf_counter() - t0, frames


def engine(gen: Any, model: str, seeds: list[int], out: Path, device: str,
           **changes: Any) -> tuple[float, dict[int, np.ndarray]]:
    """The generator as the bridge calls it, the take's four files written by a pool."""
    from bridge.library import take_files
    from bridge.request import GenerationRequest

    frames: dict[int, np.ndarray] = {}
    pool = ThreadPoolExecutor(2)
    pending: list[Future] = []
    _sync(device)
    t0 = time.perf_counter()
    for seed in seeds:
        req = gen.resolve(GenerationRequest(prompt=PROMPT, model=model, seed=seed, **changes))
        video = gen.generate(req, lambda p: None, lambda: False)
        frames[seed] = video.frames
        pending.append(pool.submit(take_files.write_take, video.frames, video.fps,
                                   {"seed": seed}, out, f"engine_s{seed}"))
    for f in pending:
        f.result()
    pool.shutdown()
    return time.perf_counter() - t0, frames


def decode_ltx(pipe: Any, latents: Any, shot: dict, extra: dict, generator: Any) -> Any:
    """LTXPipeline's own tail after denoising (unpack, denormalise, decode-timestep noise,
    VAE decode, postprocess), for one video of a batch. Kept in step with diffusers 0.42's
    pipeline_ltx.py; the drift check against the plain call shows when it is not."""
    import torch
    from diffusers.utils.torch_utils import randn_tensor

    t_ratio, s_ratio = pipe.vae_temporal_compression_ratio, pipe.vae_spatial_compression_ratio
    lat_f = (shot["num_frames"] - 1) // t_ratio + 1
    lat_h, lat_w = shot["height"] // s_ratio, shot["width"] // s_ratio
    latents = pipe._unpack_latents(latents, lat_f, lat_h, lat_w,
                                   pipe.transformer_spatial_patch_size,
                                   pipe.transformer_temporal_patch_size)
    latents = pipe._denormalize_latents(latents, pipe.vae.latents_mean, pipe.vae.latents_std,
                                        pipe.vae.config.scaling_factor)
    timestep = None
    if pipe.vae.config.timestep_conditioning:
        noise = randn_tensor(latents.shape, generator=generator, device=latents.device,
                             dtype=latents.dtype)
        t = float(extra.get("decode_timestep", 0.0))
        scale = float(extra.get("decode_noise_scale", t))
        timestep = torch.tensor([t], device=latents.device, dtype=latents.dtype)
        latents = (1 - scale) * latents + scale * noise
    with torch.inference_mode():
        video = pipe.vae.decode(latents.to(pipe.vae.dtype), timestep, return_dict=False)[0]
        video = pipe.video_processor.postprocess_video(video, output_type="np")
    return video[0]


def overlapped(pipe: Any, shot: dict, extra: dict, seeds: list[int], out: Path, device: str,
               batch: int = 1) -> tuple[float, dict[int, np.ndarray]]:
    """Denoise here; decode on a side stream and encode on a worker thread meanwhile."""
    import torch

    side = torch.cuda.Stream() if device.startswith("cuda") else None
    frames: dict[int, np.ndarray] = {}
    worker = ThreadPoolExecutor(1)
    pending: list[Future] = []
    call = {k: v for k, v in _call_kwargs(shot, extra).items()
            if k not in ("decode_timestep", "decode_noise_scale")}

    def finish(latents: Any, done: Any, seed: int, generator: Any) -> None:
        ctx = torch.cuda.stream(side) if side is not None else contextlib.nullcontext()
        with ctx:
            if side is not None:
                side.wait_event(done)
            video = to_uint8(decode_ltx(pipe, latents, shot, extra, generator))
        frames[seed] = video
        encode(video, 24, out / f"overlap-{seed}.mp4")

    _sync(device)
    t0 = time.perf_counter()
    for i in range(0, len(seeds), batch):
        group = seeds[i:i + batch]
        generators = [_generator(s) for s in group]
        with torch.inference_mode():
            latents = pipe(**call, num_videos_per_prompt=len(group), output_type="latent",
                           generator=generators if len(group) > 1 else generators[0]).frames
        done = None
        if side is not None:
            done = torch.cuda.Event()
            done.record()
        while len(pending) > batch:  # bound what waits for the decoder
            pending.pop(0).result()
        for j, seed in enumerate(group):
            pending.append(worker.submit(finish, latents[j:j + 1], done, seed, generators[j]))
    for f in pending:
        f.result()
    worker.shutdown()
    return time.perf_counter() - t0, frames
